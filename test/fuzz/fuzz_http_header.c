/*
 * fuzz_http_header.c - response header lines, as libcurl hands them to the
 * header callback, through http_header_parse: the rate-limit counts,
 * Retry-After and Date a venue sends steer our waits and clock, so each
 * must come out bounded whatever the bytes (no wrap, no overflow).
 *
 * Input: header lines separated by '\n' (each passed with its '\n', as
 * libcurl does, and without a NUL).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/http.h"

FUZZ_TARGET(http_header)
{
    struct http_response r;
    http_response_init(&r);
    const char *p = (const char *)data, *end = p + size;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
        /* An exact-size copy: reading past the line is caught by ASan. */
        char *line = malloc(len ? len : 1);
        FUZZ_CHECK(line != NULL);
        memcpy(line, p, len);
        http_header_parse(&r, line, len);
        free(line);
        p += len;
        FUZZ_CHECK(r.retry_after_s >= -1 && r.retry_after_s <= HTTP_RETRY_AFTER_MAX_S);
        FUZZ_CHECK(r.used_weight_1m >= -1 && r.used_weight_1m <= 1000000000);
        FUZZ_CHECK(r.order_count_10s >= -1 && r.order_count_10s <= 1000000000);
        FUZZ_CHECK(r.order_count_1d >= -1 && r.order_count_1d <= 1000000000);
        FUZZ_CHECK(r.server_date_ms >= 0 && r.server_date_ms < 253402300800000LL);
    }
    http_response_release(&r);
    return 0;
}
