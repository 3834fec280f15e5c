/*
 * fuzz_venue_error.c - error answers: any HTTP status with any body, through
 * venue_binance_parse_error, which decides rejected / unknown / rate
 * limited and writes the exchange's text into our error message.
 *
 * Input: byte 0 picks the HTTP status, byte 1 the Retry-After seconds
 * (255: none), the rest is the body.  The outcome must follow the status
 * (429/418 rate limit, 5xx unknown, never "rejected" for those) and the
 * message must stay printable: exchange text reaches logs and reports.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_error)
{
    static const long statuses[] = { 400, 401, 403, 404, 409, 418, 429, 500, 502, 503, 504, 200 };
    if (size < 2)
        return 0;
    long status = statuses[data[0] % (sizeof statuses / sizeof statuses[0])];
    int retry = data[1] == 255 ? -1 : data[1];
    struct lt_err err;
    memset(&err, 0, sizeof err);
    int rc = venue_binance_parse_error(status, (const char *)data + 2, size - 2, retry, &err);
    FUZZ_CHECK(rc == err.code);
    FUZZ_CHECK(rc == LT_ERATELIMIT || rc == LT_EUNKNOWN || rc == LT_EEXCHANGE);
    if (status == 429 || status == 418)
        FUZZ_CHECK(rc == LT_ERATELIMIT);
    else if (status >= 500)
        FUZZ_CHECK(rc == LT_EUNKNOWN);
    FUZZ_CHECK(err.http_status == status);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    for (const char *p = err.msg; *p; p++)
        FUZZ_CHECK(isprint((unsigned char)*p));
    return 0;
}
