/*
 * fuzz_venue_balance.c - GET /api/v3/account bodies through
 * venue_binance_parse_balance, for the base and the quote asset.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_balance)
{
    static const char *const assets[] = { "ALPHA", "USDT" };
    for (size_t i = 0; i < 2; i++) {
        money_t f = 7, l = 7;
        struct lt_err err = { 0 };
        int rc = venue_binance_parse_balance((const char *)data, size, assets[i], &f, &l, &err);
        FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
        FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
        if (rc)
            FUZZ_CHECK(f == 7 && l == 7);
    }
    return 0;
}
