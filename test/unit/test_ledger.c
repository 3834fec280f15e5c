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
    assert_int_equal(ledger_add_order(&l, "lt.a.0.1.b1", SIDE_BUY, 0, 0), 0);
    assert_int_equal(ledger_add_order(&l, "lt.a.0.1.b1", SIDE_BUY, 0, 0), LT_EINVAL);
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
    ledger_add_order(&l, "c1", SIDE_BUY, 0, 0);
    ledger_add_trade(&l, "c1", 9, 1, M(4), M(8), 0, "USDT");
    /* The query reports more than the pushes explain: it wins. */
    ledger_set_cum(&l, "c1", 9, M(10), M(20), ORDER_FILLED, LEDGER_QUERY);
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
    ledger_set_cum(&l, "c1", 9, M(3), M(6), ORDER_PARTIALLY_FILLED, LEDGER_QUERY);
    assert_true(ledger_order_qty(&l.orders[i]) == M(10));
    ledger_release(&l);
}

static void late_fill_of_cancelled_order_counted_once(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "b1", SIDE_BUY, 0, 0);
    ledger_add_order(&l, "b2", SIDE_BUY, 0, 0);
    /* b1 cancelled with 3 filled (cancel response), then its push arrives. */
    ledger_set_cum(&l, "b1", 1, M(3), M(6), ORDER_CANCELED, LEDGER_ANSWER);
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
    ledger_add_order(&l, "s1", SIDE_SELL, 0, 0);
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
    ledger_add_order(&l, "s1", SIDE_SELL, 0, 0);
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
        assert_int_equal(ledger_add_order(&l, cid, SIDE_SELL, 0, 0), 0);
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
    h[0] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_FILLED, .orig_qty = M(10),
                                 .executed_qty = M(10), .cum_quote = M(20), .time_ms = 1000 };
    /* cancelled after a partial fill: counts */
    h[1] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_CANCELED, .orig_qty = M(4),
                                 .executed_qty = M(1), .cum_quote = M(2), .time_ms = 1500 };
    /* before the window */
    h[2] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_FILLED, .orig_qty = M(5),
                                 .executed_qty = M(5), .cum_quote = M(10), .time_ms = 999 };
    /* sells and unfilled buys do not count */
    h[3] = (struct order_state){ .side = SIDE_SELL, .status = ORDER_FILLED, .orig_qty = M(5),
                                 .executed_qty = M(5), .cum_quote = M(10), .time_ms = 2000 };
    h[4] = (struct order_state){ .side = SIDE_BUY, .status = ORDER_CANCELED, .orig_qty = M(5),
                                 .executed_qty = 0, .cum_quote = 0, .time_ms = 2000 };
    money_t v = -1;
    assert_int_equal(ledger_window_buy(h, 5, 1000, NULL, &v, NULL), 0);
    assert_true(v == M(22));
    assert_int_equal(ledger_window_buy(h, 5, 0, NULL, &v, NULL), 0);
    assert_true(v == M(32));
    assert_int_equal(ledger_window_buy(h, 0, 0, NULL, &v, NULL), 0);
    assert_true(v == 0);
}

/* Issue 9: rows that would make the total shrink or explode are refused,
 * not summed, and counted by kind. */
static void window_buy_refuses_lies(void **state)
{
    (void)state;
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    r.tick_size = M(1) / 100;
    r.step_size = M(1) / 1000;
    struct order_state ok = { .side = SIDE_BUY, .status = ORDER_FILLED, .price = M(2),
                              .orig_qty = M(10), .executed_qty = M(10), .cum_quote = M(20),
                              .time_ms = 1000 };
    struct order_state h[7];
    for (int i = 0; i < 7; i++)
        h[i] = ok;
    h[1].cum_quote = -M(1);                       /* cummulativeQuoteQty -1 */
    h[2].price = -M(2);                           /* negative price */
    h[3].executed_qty = M(100);                   /* more than ordered */
    h[4].executed_qty = 0;                        /* FILLED with nothing */
    h[4].cum_quote = 0;
    h[5].cum_quote = M(1) * 1000000;              /* absurd quote for a 2.00 limit */
    h[6].executed_qty = h[6].orig_qty = M(10) + 1; /* off the step */
    struct lt_err err = { 0 };
    money_t v = -1;
    assert_int_equal(ledger_window_buy(h, 7, 0, &r, &v, &err), LT_EPARSE);
    assert_true(v == M(20)); /* the believed row only */
    assert_non_null(strstr(err.msg, "6 buy rows"));
    assert_non_null(strstr(err.msg, "2 negative"));
    assert_non_null(strstr(err.msg, "1 overfill"));
    assert_non_null(strstr(err.msg, "1 filled-short"));
    assert_non_null(strstr(err.msg, "1 quote-out-of-range"));
    assert_non_null(strstr(err.msg, "1 off-grid"));
    /* Without the symbol's rules only the grid goes unchecked. */
    assert_int_equal(ledger_window_buy(h, 7, 0, NULL, &v, &err), LT_EPARSE);
    assert_true(v == M(20) + h[6].cum_quote);
    /* A refused row outside the window, or a sell, does not matter. */
    h[1].time_ms = 10;
    h[2].side = SIDE_SELL;
    for (int i = 3; i < 7; i++)
        h[i] = ok;
    assert_int_equal(ledger_window_buy(h, 7, 100, &r, &v, &err), 0);
    assert_true(v == M(20) * 5);
}

/* Finality needs two sources: a query, or FILLED matched by trades. */
static void final_needs_two_sources(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "b1", SIDE_BUY, M(2), M(10));
    const struct ledger_order *o = &l.orders[0];
    /* A lying cancel answer or push: claimed, not final. */
    ledger_set_cum(&l, "b1", 1, 0, 0, ORDER_CANCELED, LEDGER_ANSWER);
    assert_false(o->final);
    assert_int_equal(o->claimed, ORDER_CANCELED);
    ledger_set_cum(&l, "b1", 1, 0, 0, ORDER_CANCELED, LEDGER_PUSH);
    assert_false(o->final);
    /* The query agrees: final. */
    ledger_set_cum(&l, "b1", 1, 0, 0, ORDER_CANCELED, LEDGER_QUERY);
    assert_true(o->final);

    ledger_add_order(&l, "b2", SIDE_BUY, M(2), M(10));
    o = &l.orders[1];
    ledger_set_cum(&l, "b2", 2, M(10), M(20), ORDER_FILLED, LEDGER_ANSWER);
    assert_false(o->final); /* no trade seen yet */
    ledger_add_trade(&l, "b2", 2, 1, M(4), M(8), 0, "USDT");
    assert_false(o->final);
    ledger_add_trade(&l, "b2", 2, 2, M(6), M(12), 0, "USDT");
    assert_true(o->final);

    /* Trades first, then the FILLED push. */
    ledger_add_order(&l, "b3", SIDE_BUY, M(2), M(10));
    o = &l.orders[2];
    ledger_add_trade(&l, "b3", 3, 3, M(10), M(20), 0, "USDT");
    assert_false(o->final);
    ledger_set_cum(&l, "b3", 3, M(10), M(20), ORDER_FILLED, LEDGER_PUSH);
    assert_true(o->final);
    ledger_release(&l);
}

static void sources_kept_apart_for_the_guard(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "b1", SIDE_BUY, M(2), M(10));
    ledger_set_cum(&l, "b1", 1, M(6), M(12), ORDER_PARTIALLY_FILLED, LEDGER_QUERY);
    ledger_set_cum(&l, "b1", 1, M(4), M(8), ORDER_PARTIALLY_FILLED, LEDGER_PUSH);
    ledger_add_trade(&l, "b1", 1, 9, M(4), M(8), 0, "USDT");
    struct guard_order g;
    ledger_guard_order(&l.orders[0], LEDGER_PUSH, &g);
    assert_string_equal(g.client_id, "b1");
    assert_true(g.price == M(2) && g.qty == M(10) && g.side == SIDE_BUY);
    assert_true(g.prev_qty == M(4) && g.prev_quote == M(8) && g.trades_qty == M(4));
    ledger_guard_order(&l.orders[0], LEDGER_ANSWER, &g);
    assert_true(g.prev_qty == M(6) && g.prev_quote == M(12));
    ledger_guard_order(&l.orders[0], LEDGER_QUERY, &g);
    assert_true(g.prev_qty == M(6));
    ledger_release(&l);
}

static void committed_quote_from_our_prices(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    assert_true(ledger_committed_quote(&l) == 0);
    ledger_add_order(&l, "b1", SIDE_BUY, M(2), M(10));
    /* Live: all of it may fill, whatever the venue says it cost. */
    assert_true(ledger_committed_quote(&l) == M(20));
    ledger_set_cum(&l, "b1", 1, M(3), M(1) / 100, ORDER_CANCELED, LEDGER_QUERY);
    assert_true(ledger_committed_quote(&l) == M(6));
    ledger_add_order(&l, "b2", SIDE_BUY, M(2.5), M(4));
    ledger_add_order(&l, "s1", SIDE_SELL, M(3), M(100));
    assert_true(ledger_committed_quote(&l) == M(16));
    ledger_release(&l);
}

/* A buy lost on the way (queries never found it) and the one sent in its
 * place at the same rung: one commitment, not two, so that a calm run with
 * a few lost orders stays within the buy cap; a venue that denied the
 * order and reports fills of it all the same still has them counted. */
static void not_placed_commits_only_its_fills(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    ledger_add_order(&l, "b1", SIDE_BUY, M(2), M(10));
    assert_int_equal(ledger_set_not_placed(&l, "b1"), 0);
    ledger_add_order(&l, "b2", SIDE_BUY, M(2), M(10));
    assert_true(ledger_committed_quote(&l) == M(20));
    assert_int_equal(ledger_add_trade(&l, "b1", 7, 1, M(3), M(6), 0, "USDT"), 1);
    assert_true(ledger_committed_quote(&l) == M(26));
    assert_int_equal(ledger_set_not_placed(&l, "b9"), LT_ENOTFOUND);
    ledger_release(&l);
}

/* What buys left live may still add to the balance: the unfilled rest of
 * each buy not final; nothing of a sell, a final buy or a buy the venue
 * refused or never got. */
static void buy_open_qty_of_live_buys_only(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    assert_true(ledger_buy_open_qty(&l) == 0);
    ledger_add_order(&l, "b1", SIDE_BUY, M(2), M(10));
    assert_int_equal(ledger_add_trade(&l, "b1", 7, 1, M(3), M(6), 0, "USDT"), 1);
    assert_true(ledger_buy_open_qty(&l) == M(7));
    ledger_add_order(&l, "b2", SIDE_BUY, M(2), M(5));
    assert_int_equal(ledger_set_not_placed(&l, "b2"), 0);
    ledger_add_order(&l, "s1", SIDE_SELL, M(3), M(4));
    ledger_add_order(&l, "b3", SIDE_BUY, M(2), M(4));
    assert_true(ledger_buy_open_qty(&l) == M(11));
    ledger_set_cum(&l, "b3", 8, M(1), M(2), ORDER_CANCELED, LEDGER_QUERY);
    assert_true(ledger_buy_open_qty(&l) == M(7));
    ledger_release(&l);
}

static void negative_amounts_refused(void **state)
{
    (void)state;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    assert_int_equal(ledger_add_order(&l, "lt.a.0.1.b1", SIDE_BUY, 0, 0), 0);
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
        cmocka_unit_test(window_buy_refuses_lies),
        cmocka_unit_test(final_needs_two_sources),
        cmocka_unit_test(sources_kept_apart_for_the_guard),
        cmocka_unit_test(committed_quote_from_our_prices),
        cmocka_unit_test(not_placed_commits_only_its_fills),
        cmocka_unit_test(buy_open_qty_of_live_buys_only),
        cmocka_unit_test(window_buy_from_history),
        cmocka_unit_test(negative_amounts_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
