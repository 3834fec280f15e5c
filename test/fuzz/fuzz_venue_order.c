/*
 * fuzz_venue_order.c - order bodies: one order (POST/DELETE/GET
 * /api/v3/order) and arrays of them (openOrders, allOrders), through
 * venue_binance_parse_order and venue_binance_parse_orders, then the window
 * total the trader computes from order history (ledger_window_buy).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/ledger.h"
#include "looptrader/venue_binance.h"

static void venue_order_check(const struct order_state *o)
{
    FUZZ_CHECK(FUZZ_TERMINATED(o->client_id));
    FUZZ_CHECK(o->side == SIDE_BUY || o->side == SIDE_SELL);
    FUZZ_CHECK(o->status >= ORDER_NEW && o->status <= ORDER_STATUS_UNKNOWN);
    (void)order_status_name(o->status);
}

FUZZ_TARGET(venue_order)
{
    const char *buf = (const char *)data;
    struct order_state one;
    struct lt_err err = { 0 };
    int rc = venue_binance_parse_order(buf, size, &one, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc == 0)
        venue_order_check(&one);

    struct order_state *arr = NULL;
    size_t n = 99;
    rc = venue_binance_parse_orders(buf, size, &arr, &n, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE || rc == LT_ENOMEM);
    if (rc) {
        FUZZ_CHECK(arr == NULL && n == 0);
        return 0;
    }
    FUZZ_CHECK(n == 0 || arr != NULL);
    for (size_t i = 0; i < n; i++)
        venue_order_check(&arr[i]);
    money_t total = 0;
    if (ledger_window_buy(arr, n, 0, NULL, &total, NULL) == 0)
        FUZZ_CHECK(total >= 0);
    free(arr);
    return 0;
}
