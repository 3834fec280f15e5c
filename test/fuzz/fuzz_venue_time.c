/*
 * fuzz_venue_time.c - GET /api/v3/time bodies through the private
 * parse_server_time of venue_binance.c (the clock the signed requests'
 * timestamps are corrected by).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/parsers.h"

FUZZ_TARGET(venue_time)
{
    int64_t ms = 7;
    struct lt_err err = { 0 };
    int rc = venue_binance_parse_server_time((const char *)data, size, &ms, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc)
        FUZZ_CHECK(ms == 7);
    return 0;
}
