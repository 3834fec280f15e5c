/*
 * fuzz_venue_book_ticker.c - GET /api/v3/ticker/bookTicker bodies through
 * venue_binance_parse_book_ticker (the REST price fallback).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_book_ticker)
{
    money_t bid = 7, ask = 7;
    struct lt_err err = { 0 };
    int rc = venue_binance_parse_book_ticker((const char *)data, size, &bid, &ask, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc)
        FUZZ_CHECK(bid == 7 && ask == 7);
    return 0;
}
