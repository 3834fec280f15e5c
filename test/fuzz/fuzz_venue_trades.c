/*
 * fuzz_venue_trades.c - GET /api/v3/myTrades bodies through
 * venue_binance_parse_trades, then into a round's ledger the way the
 * strategy adds fetched trades (deduplicated by trade id, summed per side).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/ledger.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_trades)
{
    struct trade_fill *arr = NULL;
    size_t n = 99;
    struct lt_err err = { 0 };
    int rc = venue_binance_parse_trades((const char *)data, size, &arr, &n, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE || rc == LT_ENOMEM);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc) {
        FUZZ_CHECK(arr == NULL && n == 0);
        return 0;
    }
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    for (size_t i = 0; i < n; i++) {
        const struct trade_fill *t = &arr[i];
        FUZZ_CHECK(t->side == SIDE_BUY || t->side == SIDE_SELL);
        FUZZ_CHECK(FUZZ_TERMINATED(t->commission_asset));
        char cid[CLIENTID_MAX];
        snprintf(cid, sizeof cid, "o%lld", (long long)t->order_id);
        if (ledger_find(&l, cid) < 0 && ledger_add_order(&l, cid, t->side, 0, 0) != 0)
            continue;
        (void)ledger_add_trade(&l, cid, t->order_id, t->trade_id, t->qty, t->quote_qty,
                               t->commission, t->commission_asset);
    }
    struct ledger_totals tot;
    ledger_side_totals(&l, SIDE_BUY, &tot);
    ledger_side_totals(&l, SIDE_SELL, &tot);
    ledger_release(&l);
    free(arr);
    return 0;
}
