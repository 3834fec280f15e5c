/* Unit tests: ledger (per-round fills deduplicated by trade id and
 * reconciled with cumulative figures from queries). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/ledger.h"

#define M(x) ((money_t)((x) * 100000000LL))

static void pushes_deduplicated(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    assert_int_equal(ledger_add_order(&l, "lt.a.0.1.b1", SIDE_BUY), 0);
    assert_int_equal(ledger_add_order(&l, "lt.a.0.1.b1", SIDE_BUY), LT_EINVAL);
    assert_int_equal(ledger_add_trade(&l, "lt.a.0.1.b1", 7, 100, M(10), M(20), M(1) / 100,
                                      "USDT"), 1);
    assert_int_equal(ledger_add_trade(&l, "lt.a.0.1.b1", 7, 100, M(10), M(20), M(1) / 100,
                                      "USDT"), 0);
    assert_int_equal(ledger_add_trade(&l, "lt.a.0.1.b1", 7, 101, M(5), M(10), M(1) / 200,
                                      "USDT"), 1);
    assert_int_equal(ledger_add_trade(&l, "lt.other", 7, 102, M(5), M(10), 0, "USDT"),
                     LT_ENOTFOUND);
    struct ledger_totals t;
    ledger_side_totals(&l, SIDE_BUY, &t);
    assert_true(t.qty == M(15));
    assert_true(t.quote == M(30));
    assert_true(t.fee_quote == M(1) / 100 + M(1) / 200);
    assert_int_equal(t.orders, 1);
    ledger_side_totals(&l, SIDE_SELL, &t);
    assert_true(t.qty == 0 && t.orders == 0);
    ledger_release(&l);
}

static void cumulative_wins_when_pushes_lost(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "c1", SIDE_BUY);
    ledger_add_trade(&l, "c1", 9, 1, M(4), M(8), 0, "USDT");
    /* The query reports more than the pushes explain: it wins. */
    ledger_set_cum(&l, "c1", 9, M(10), M(20), 1);
    int i = ledger_find(&l, "c1");
    assert_int_equal(i, 0);
    assert_true(ledger_order_qty(&l.orders[i]) == M(10));
    assert_true(ledger_order_quote(&l.orders[i]) == M(20));
    assert_true(ledger_order_missing_trades(&l.orders[i]));
    assert_true(l.orders[i].final);
    assert_true(l.orders[i].order_id == 9);
    /* Fetching the missing trades closes the gap without double counting. */
    ledger_add_trade(&l, "c1", 9, 1, M(4), M(8), 0, "USDT");
    ledger_add_trade(&l, "c1", 9, 2, M(6), M(12), M(1) / 100, "USDT");
    assert_false(ledger_order_missing_trades(&l.orders[i]));
    assert_true(ledger_order_qty(&l.orders[i]) == M(10));
    /* An older, smaller cumulative figure never lowers it. */
    ledger_set_cum(&l, "c1", 9, M(3), M(6), 0);
    assert_true(ledger_order_qty(&l.orders[i]) == M(10));
    ledger_release(&l);
}

static void late_fill_of_cancelled_order_counted_once(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "b1", SIDE_BUY);
    ledger_add_order(&l, "b2", SIDE_BUY);
    /* b1 cancelled with 3 filled (cancel response), then its push arrives. */
    ledger_set_cum(&l, "b1", 1, M(3), M(6), 1);
    ledger_add_trade(&l, "b1", 1, 50, M(3), M(6), 0, "USDT");
    ledger_add_trade(&l, "b2", 2, 51, M(7), M(14), 0, "USDT");
    ledger_add_trade(&l, "b1", 1, 50, M(3), M(6), 0, "USDT");
    struct ledger_totals t;
    ledger_side_totals(&l, SIDE_BUY, &t);
    assert_true(t.qty == M(10));
    assert_true(t.quote == M(20));
    assert_int_equal(t.orders, 2);
    ledger_release(&l);
}

static void fees_by_asset_and_reset(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "s1", SIDE_SELL);
    ledger_add_trade(&l, "s1", 3, 1, M(2), M(4), M(1) / 1000, "ALPHA");
    ledger_add_trade(&l, "s1", 3, 2, M(2), M(4), M(1) / 1000, "BNB");
    ledger_add_trade(&l, "s1", 3, 3, M(2), M(4), M(1) / 1000, "USDT");
    struct ledger_totals t;
    ledger_side_totals(&l, SIDE_SELL, &t);
    assert_true(t.fee_base == M(1) / 1000);
    assert_true(t.fee_other == M(1) / 1000);
    assert_true(t.fee_quote == M(1) / 1000);
    ledger_reset(&l);
    assert_int_equal(ledger_find(&l, "s1"), -1);
    /* Trade ids are forgotten with the round. */
    ledger_add_order(&l, "s1", SIDE_SELL);
    assert_int_equal(ledger_add_trade(&l, "s1", 3, 1, M(2), M(4), 0, "USDT"), 1);
    ledger_release(&l);
}

static void many_orders_and_trades_grow(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    char cid[CLIENTID_MAX];
    for (int i = 0; i < 40; i++) {
        snprintf(cid, sizeof(cid), "o%d", i);
        assert_int_equal(ledger_add_order(&l, cid, SIDE_SELL), 0);
        for (int k = 0; k < 5; k++)
            assert_int_equal(ledger_add_trade(&l, cid, i + 1, i * 10 + k, M(1), M(2), 0,
                                              "USDT"), 1);
    }
    struct ledger_totals t;
    ledger_side_totals(&l, SIDE_SELL, &t);
    assert_true(t.qty == M(200));
    assert_int_equal(t.orders, 40);
    ledger_release(&l);
}

static void window_buy_from_history(void **state)
{
    (void)state;
    struct order_state h[5];
    memset(h, 0, sizeof(h));
    h[0] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_FILLED,
                                 .executed_qty = M(10), .cum_quote = M(20), .time_ms = 1000 };
    /* cancelled after a partial fill: counts */
    h[1] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_CANCELED,
                                 .executed_qty = M(1), .cum_quote = M(2), .time_ms = 1500 };
    /* before the window */
    h[2] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_FILLED,
                                 .executed_qty = M(5), .cum_quote = M(10), .time_ms = 999 };
    /* sells and unfilled buys do not count */
    h[3] = (struct order_state){ .side = SIDE_SELL, .status = ORDER_FILLED,
                                 .executed_qty = M(5), .cum_quote = M(10), .time_ms = 2000 };
    h[4] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_CANCELED,
                                 .executed_qty = 0, .cum_quote = 0, .time_ms = 2000 };
    assert_true(ledger_window_buy(h, 5, 1000) == M(22));
    assert_true(ledger_window_buy(h, 5, 0) == M(32));
    assert_true(ledger_window_buy(h, 0, 0) == 0);
    /* an old order whose quote value the venue no longer has (-1): priced at its limit */
    h[0].cum_quote = -M(1);
    h[0].price = M(3);
    assert_true(ledger_window_buy(h, 5, 1000) == M(32));
}

static void negative_amounts_refused(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    assert_int_equal(ledger_add_order(&l, "lt.a.0.1.b1", SIDE_BUY), 0);
    assert_int_equal(ledger_add_trade(&l, "lt.a.0.1.b1", 7, 1, -M(1), M(2), 0, "USDT"), LT_EINVAL);
    assert_int_equal(ledger_add_trade(&l, "lt.a.0.1.b1", 7, 2, M(1), -M(2), 0, "USDT"), LT_EINVAL);
    assert_int_equal(ledger_add_trade(&l, "lt.a.0.1.b1", 7, 3, M(1), M(2), -1, "USDT"), LT_EINVAL);
    struct ledger_totals t;
    ledger_side_totals(&l, SIDE_BUY, &t);
    assert_true(t.qty == 0 && t.quote == 0 && t.fee_quote == 0);
    ledger_release(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pushes_deduplicated),
        cmocka_unit_test(cumulative_wins_when_pushes_lost),
        cmocka_unit_test(late_fill_of_cancelled_order_counted_once),
        cmocka_unit_test(fees_by_asset_and_reset),
        cmocka_unit_test(many_orders_and_trades_grow),
        cmocka_unit_test(window_buy_from_history),
        cmocka_unit_test(negative_amounts_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
