/*
 * fuzz_venue_exchange_info.c - GET /api/v3/exchangeInfo bodies, read by
 * venue_binance_parse_exchange_info for the traded symbol.
 *
 * Accepted rules must be usable as they are: strings terminated, the right
 * symbol, precisions in range, non-zero tick and step (the rounding code
 * divides by them) and no negative limit.
 */
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_exchange_info)
{
    struct symbol_rules r;
    struct lt_err err = { 0 };
    memset(&r, 0x5a, sizeof r);
    int rc = venue_binance_parse_exchange_info((const char *)data, size, "ALPHAUSDT", &r, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE || rc == LT_ENOTFOUND || rc == LT_ENOMEM);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc)
        return 0;
    FUZZ_CHECK(FUZZ_TERMINATED(r.symbol) && FUZZ_TERMINATED(r.base) && FUZZ_TERMINATED(r.quote));
    FUZZ_CHECK(strcasecmp(r.symbol, "ALPHAUSDT") == 0);
    FUZZ_CHECK(r.base_precision >= 0 && r.base_precision <= 18);
    FUZZ_CHECK(r.quote_precision >= 0 && r.quote_precision <= 18);
    FUZZ_CHECK(r.tick_size > 0 && r.step_size > 0);
    FUZZ_CHECK(r.min_price >= 0 && r.max_price >= 0 && r.min_qty >= 0 && r.max_qty >= 0);
    FUZZ_CHECK(r.min_notional >= 0 && r.max_notional >= 0);
    return 0;
}
