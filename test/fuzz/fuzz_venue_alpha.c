/*
 * fuzz_venue_alpha.c - every answer of the Binance Alpha web dialect
 * through its parsers: the envelope (with each status class), exchange
 * info, token list, counted volume, depth, orders (open and paged
 * history), the place answer, trades and balances.  Whatever the bytes,
 * each parser returns a code it documents, leaves nothing half-filled on
 * failure, and its messages stay terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "looptrader/venue_alpha.h"

FUZZ_TARGET(venue_alpha)
{
    const char *buf = (const char *)data;
    struct lt_err err = { 0 };
    static const long statuses[] = { 200, 400, 418, 429, 503 };
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        int rc = venue_alpha_parse_envelope(statuses[i], buf, size, ALPHA_CALL_CANCEL, &err);
        FUZZ_CHECK(rc == 0 || rc == LT_EEXCHANGE || rc == LT_EUNKNOWN || rc == LT_ERATELIMIT ||
                   rc == LT_EPARSE);
        FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    }
    struct symbol_rules r;
    if (venue_alpha_parse_exchange_info(buf, size, "ALPHA_971USDT", &r, &err) == 0)
        FUZZ_CHECK(r.tick_size > 0 && r.step_size > 0 && r.min_notional >= 0 &&
                   FUZZ_TERMINATED(r.base) && FUZZ_TERMINATED(r.quote));
    int mul = 0;
    char name[32];
    if (venue_alpha_parse_token(buf, size, "ALPHA_971", &mul, name, sizeof name, &err) == 0)
        FUZZ_CHECK(mul >= 1 && mul <= 64 && FUZZ_TERMINATED(name));
    money_t a = 0, b = 0;
    if (venue_alpha_parse_counted(buf, size, "KOGE", &a, &err) == 0)
        FUZZ_CHECK(a >= 0);
    if (venue_alpha_parse_depth_top(buf, size, &a, &b, &err) == 0)
        FUZZ_CHECK(a >= 0 && b >= 0);
    (void)venue_alpha_parse_balance(buf, size, "USDT", &a, &b, &err);
    int64_t id = 0, total = 0;
    if (venue_alpha_parse_order_id(buf, size, &id, &err) == 0)
        FUZZ_CHECK(id > 0);
    struct order_state *o = NULL;
    size_t n = 7;
    int rc = venue_alpha_parse_orders(buf, size, &o, &n, &total, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE || rc == LT_ENOMEM);
    if (rc)
        FUZZ_CHECK(o == NULL && n == 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(o[i].order_id > 0 && FUZZ_TERMINATED(o[i].client_id) &&
                   (o[i].side == SIDE_BUY || o[i].side == SIDE_SELL));
    free(o);
    struct trade_fill *t = NULL;
    n = 7;
    rc = venue_alpha_parse_trades(buf, size, &t, &n, &err);
    if (rc)
        FUZZ_CHECK(t == NULL && n == 0);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(FUZZ_TERMINATED(t[i].commission_asset));
    free(t);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    return 0;
}
