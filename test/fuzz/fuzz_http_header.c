/*
 * fuzz_http_header.c - response header lines through the private header
 * callback of http.c (Retry-After, X-MBX-USED-WEIGHT-1M, the order counts
 * and Date, which the rate limiter and the clock believe).  The input is
 * cut at each '\n' into lines as libcurl delivers them; each line is copied
 * into a buffer of its exact size so a read past it is caught.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/parsers.h"

static void check_field(int v)
{
    FUZZ_CHECK(v >= -1 && v <= 1000000000);
}

FUZZ_TARGET(http_header)
{
    struct http_response resp;
    http_response_init(&resp);
    size_t i = 0;
    while (i < size) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t n = nl ? (size_t)(nl - (data + i)) + 1 : size - i;
        char *line = malloc(n ? n : 1);
        FUZZ_CHECK(line != NULL);
        memcpy(line, data + i, n);
        FUZZ_CHECK(http_header_line(line, n, &resp) == n);
        free(line);
        check_field(resp.retry_after_s);
        check_field(resp.used_weight_1m);
        check_field(resp.order_count_10s);
        check_field(resp.order_count_1d);
        FUZZ_CHECK(resp.server_date_ms >= 0);
        i += n;
    }
    http_response_release(&resp);
    return 0;
}
