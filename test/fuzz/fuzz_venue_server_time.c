/*
 * fuzz_venue_server_time.c - GET /api/v3/time bodies through
 * venue_binance_parse_server_time.  The clock offset and every rate-limit
 * window are computed from the answer, so an accepted serverTime is never
 * more than a day from the local clock, and a refused one leaves *ms
 * untouched with a message.
 *
 * Input: the body (the local clock is a fixed 2023 instant).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_server_time)
{
    const int64_t local = 1700000000000LL;
    int64_t ms = 42;
    struct lt_err err;
    memset(&err, 0, sizeof err);
    int rc = venue_binance_parse_server_time((const char *)data, size, local, &ms, &err);
    if (rc == 0) {
        FUZZ_CHECK(ms >= local - VENUE_CLOCK_SKEW_MAX_MS && ms <= local + VENUE_CLOCK_SKEW_MAX_MS);
    } else {
        FUZZ_CHECK(rc == LT_EPARSE || rc == LT_ERANGE);
        FUZZ_CHECK(ms == 42);
        FUZZ_CHECK(err.code == rc && err.msg[0] != '\0');
        FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    }
    return 0;
}
