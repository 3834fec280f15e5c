/* Unit tests: guard (consistency rules on venue answers, pushes, history,
 * balances and book prices; one test per rule and per lie seen in issue 9). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/guard.h"
#include "looptrader/money.h"

#define M(x) ((money_t)((x) * 100000000.0 + ((x) >= 0 ? 0.5 : -0.5)))

static struct symbol_rules rules(void)
{
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    strcpy(r.symbol, "ALPHAUSDT");
    r.tick_size = M(0.01);
    r.step_size = M(0.001);
    r.min_qty = M(0.001);
    return r;
}

/* We sent BUY 2.000 @ 10.00 as "cid". */
static struct guard_order sent_buy(void)
{
    struct guard_order g = { .client_id = "cid", .side = SIDE_BUY, .price = M(10),
                             .qty = M(2) };
    return g;
}

static struct order_state answer(enum order_status st, money_t exec, money_t quote)
{
    struct order_state o;
    memset(&o, 0, sizeof o);
    strcpy(o.client_id, "cid");
    o.order_id = 7;
    o.side = SIDE_BUY;
    o.status = st;
    o.price = M(10);
    o.orig_qty = M(2);
    o.executed_qty = exec;
    o.cum_quote = quote;
    return o;
}

static int kind_of(const struct guard_order *g, const struct order_state *o)
{
    struct symbol_rules r = rules();
    enum guard_kind k = GUARD_KINDS;
    int rc = guard_check_order(&r, g, o, &k);
    if (rc == 0)
        return -1;
    assert_int_equal(rc, LT_EINVAL);
    return (int)k;
}

static void honest_answers_pass(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_NEW, 0, 0);
    assert_int_equal(kind_of(&g, &o), -1);
    o = answer(ORDER_PARTIALLY_FILLED, M(0.5), M(4.99));
    assert_int_equal(kind_of(&g, &o), -1);
    o = answer(ORDER_FILLED, M(2), M(19.9));
    assert_int_equal(kind_of(&g, &o), -1);
    o = answer(ORDER_CANCELED, M(0.5), M(5));
    assert_int_equal(kind_of(&g, &o), -1);
    o = answer(ORDER_EXPIRED, 0, 0);
    assert_int_equal(kind_of(&g, &o), -1);
    /* A terse answer (no client id, origQty or price) is what we sent. */
    o = answer(ORDER_FILLED, M(2), M(20));
    o.client_id[0] = '\0';
    o.orig_qty = 0;
    o.price = 0;
    assert_int_equal(kind_of(&g, &o), -1);
    /* A sell gets at least its limit. */
    g.side = SIDE_SELL;
    o = answer(ORDER_FILLED, M(2), M(20.5));
    o.side = SIDE_SELL;
    assert_int_equal(kind_of(&g, &o), -1);
}

static void filled_with_zero_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_FILLED, 0, 0);
    assert_int_equal(kind_of(&g, &o), GUARD_FILLED_SHORT);
    o = answer(ORDER_FILLED, M(1), M(10));
    assert_int_equal(kind_of(&g, &o), GUARD_FILLED_SHORT);
    /* FILLED for an order whose quantity we do not know cannot be checked
     * against it: refused too. */
    g.qty = 0;
    o = answer(ORDER_FILLED, 0, 0);
    o.orig_qty = 0;
    assert_int_equal(kind_of(&g, &o), GUARD_FILLED_SHORT);
}

static void negative_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_PARTIALLY_FILLED, -1, 0); /* "-0" as parsed */
    assert_int_equal(kind_of(&g, &o), GUARD_NEGATIVE);
    o = answer(ORDER_FILLED, M(2), -M(1));
    assert_int_equal(kind_of(&g, &o), GUARD_NEGATIVE);
    o = answer(ORDER_NEW, 0, 0);
    o.price = -M(10);
    assert_int_equal(kind_of(&g, &o), GUARD_NEGATIVE);
    o = answer(ORDER_NEW, 0, 0);
    o.orig_qty = -1;
    assert_int_equal(kind_of(&g, &o), GUARD_NEGATIVE);
}

static void not_what_we_sent_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_NEW, 0, 0);
    strcpy(o.client_id, "other");
    assert_int_equal(kind_of(&g, &o), GUARD_MISMATCH);
    o = answer(ORDER_NEW, 0, 0);
    o.side = SIDE_SELL;
    assert_int_equal(kind_of(&g, &o), GUARD_MISMATCH);
    o = answer(ORDER_NEW, 0, 0);
    o.orig_qty = M(20);
    assert_int_equal(kind_of(&g, &o), GUARD_MISMATCH);
    o = answer(ORDER_NEW, 0, 0);
    o.price = M(10.01);
    assert_int_equal(kind_of(&g, &o), GUARD_MISMATCH);
}

static void overfill_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_PARTIALLY_FILLED, M(20), M(200));
    o.orig_qty = 0; /* even without an origQty to compare with */
    assert_int_equal(kind_of(&g, &o), GUARD_OVERFILL);
    /* An earlier run's order (qty unknown): the answer's own origQty bounds it. */
    g.qty = 0;
    g.price = 0;
    o = answer(ORDER_CANCELED, M(3), M(30));
    assert_int_equal(kind_of(&g, &o), GUARD_OVERFILL);
}

static void decrease_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    g.prev_qty = M(1);
    g.prev_quote = M(10);
    struct order_state o = answer(ORDER_PARTIALLY_FILLED, M(0.5), M(5));
    assert_int_equal(kind_of(&g, &o), GUARD_DECREASE);
    o = answer(ORDER_PARTIALLY_FILLED, M(1), M(9));
    assert_int_equal(kind_of(&g, &o), GUARD_DECREASE);
    o = answer(ORDER_PARTIALLY_FILLED, M(1), M(10));
    assert_int_equal(kind_of(&g, &o), -1);
}

static void off_grid_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_PARTIALLY_FILLED, M(0.0005), M(0.005));
    assert_int_equal(kind_of(&g, &o), GUARD_OFF_GRID);
    g.price = 0; /* so that the price is not compared with ours first */
    o = answer(ORDER_NEW, 0, 0);
    o.price = M(10.005);
    assert_int_equal(kind_of(&g, &o), GUARD_OFF_GRID);
}

static void fill_without_price_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    struct order_state o = answer(ORDER_FILLED, M(2), 0);
    assert_int_equal(kind_of(&g, &o), GUARD_NO_QUOTE);
}

static void quote_out_of_range_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    /* A buy at limit 10 cannot cost 25 for 2. */
    struct order_state o = answer(ORDER_FILLED, M(2), M(25));
    assert_int_equal(kind_of(&g, &o), GUARD_QUOTE_RANGE);
    /* A sell at limit 10 cannot bring 15 for 2. */
    g.side = SIDE_SELL;
    o = answer(ORDER_FILLED, M(2), M(15));
    o.side = SIDE_SELL;
    assert_int_equal(kind_of(&g, &o), GUARD_QUOTE_RANGE);
}

static void final_below_trades_refused(void **state)
{
    (void)state;
    struct guard_order g = sent_buy();
    g.trades_qty = M(1);
    struct order_state o = answer(ORDER_CANCELED, 0, 0);
    assert_int_equal(kind_of(&g, &o), GUARD_FINAL_DISAGREE);
    /* Not final: an older snapshot than the pushes, not a lie. */
    o = answer(ORDER_NEW, 0, 0);
    assert_int_equal(kind_of(&g, &o), -1);
    o = answer(ORDER_CANCELED, M(1), M(10));
    assert_int_equal(kind_of(&g, &o), -1);
}

static void trades(void **state)
{
    (void)state;
    struct symbol_rules r = rules();
    struct guard_order g = sent_buy();
    enum guard_kind k;
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(9.99), M(9.99), 0, &k), 0);
    assert_int_equal(guard_check_trade(&r, &g, M(1), 0, 0, 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NO_QUOTE);
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(10), 0, 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NO_QUOTE);
    assert_int_equal(guard_check_trade(&r, &g, 0, M(10), M(10), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NO_QUOTE);
    assert_int_equal(guard_check_trade(&r, &g, -1, M(10), M(10), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NEGATIVE);
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(10), M(10), -1, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NEGATIVE);
    /* 10x the order, in one trade or on top of earlier ones. */
    assert_int_equal(guard_check_trade(&r, &g, M(20), M(10), M(200), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_OVERFILL);
    g.trades_qty = M(1.5);
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(10), M(10), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_OVERFILL);
    assert_int_equal(guard_check_trade(&r, &g, M(0.5), M(10), M(5), 0, &k), 0);
    g.trades_qty = 0;
    /* Above our buy limit; a quote that is not price x qty. */
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(10.01), M(10.01), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_QUOTE_RANGE);
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(10), M(100), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_QUOTE_RANGE);
    assert_int_equal(guard_check_trade(&r, &g, M(0.0001), M(10), M(0.001), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_OFF_GRID);
    /* A sell below its limit. */
    g.side = SIDE_SELL;
    assert_int_equal(guard_check_trade(&r, &g, M(1), M(9.99), M(9.99), 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_QUOTE_RANGE);
    /* Extremes do not overflow the bounds arithmetic. */
    assert_int_equal(guard_check_trade(NULL, &g, M(1), M(10), INT64_MAX, 0, &k), LT_EINVAL);
    assert_int_equal(guard_check_trade(NULL, &g, INT64_MAX, INT64_MAX, INT64_MAX, 0, &k),
                     LT_EINVAL);
}

static void history_rows(void **state)
{
    (void)state;
    struct symbol_rules r = rules();
    enum guard_kind k;
    struct order_state o = answer(ORDER_FILLED, M(2), M(20));
    assert_int_equal(guard_check_history(&r, &o, &k), 0);
    o = answer(ORDER_CANCELED, M(1), M(9.5));
    assert_int_equal(guard_check_history(&r, &o, &k), 0);
    /* A market order (price 0) has no bound on its quote. */
    o = answer(ORDER_FILLED, M(2), M(23));
    o.price = 0;
    assert_int_equal(guard_check_history(&r, &o, &k), 0);

    o = answer(ORDER_FILLED, M(2), -M(1)); /* cummulativeQuoteQty -1 */
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NEGATIVE);
    o = answer(ORDER_FILLED, M(2), M(20));
    o.price = -M(10);
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NEGATIVE);
    o = answer(ORDER_PARTIALLY_FILLED, M(20), M(200));
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_OVERFILL);
    o = answer(ORDER_FILLED, 0, 0);
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_FILLED_SHORT);
    o = answer(ORDER_FILLED, M(2), M(1000000));
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_QUOTE_RANGE);
    o = answer(ORDER_FILLED, M(2), 0);
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NO_QUOTE);
    o = answer(ORDER_FILLED, M(2.0005), M(20));
    o.orig_qty = M(2.0005);
    assert_int_equal(guard_check_history(&r, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_OFF_GRID);
    /* Without rules the grid is not checked. */
    assert_int_equal(guard_check_history(NULL, &o, &k), 0);
}

static void books_and_balances(void **state)
{
    (void)state;
    enum guard_kind k;
    assert_int_equal(guard_check_book(M(9.99), M(10), &k), 0);
    assert_int_equal(guard_check_book(M(10), M(10), &k), 0);
    assert_int_equal(guard_check_book(0, M(10), &k), LT_EINVAL);
    assert_int_equal(k, GUARD_BAD_BOOK);
    assert_int_equal(guard_check_book(M(10), 0, &k), LT_EINVAL);
    assert_int_equal(guard_check_book(M(10.01), M(10), &k), 0); /* crossed: see guard.c */
    assert_int_equal(guard_check_book(-M(1), M(10), &k), LT_EINVAL);
    assert_int_equal(guard_check_balance(M(1), 0, &k), 0);
    assert_int_equal(guard_check_balance(0, 0, &k), 0);
    assert_int_equal(guard_check_balance(-1, 0, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_NEGATIVE);
    assert_int_equal(guard_check_balance(0, -M(1), &k), LT_EINVAL);
}

static void counts_log_once_per_kind(void **state)
{
    (void)state;
    struct guard_counts c;
    memset(&c, 0, sizeof c);
    char buf[128];
    assert_true(guard_counts_format(&c, buf, sizeof buf) == 0);
    assert_string_equal(buf, "");
    assert_int_equal(guard_count(&c, GUARD_OFF_GRID), 1);
    assert_int_equal(guard_count(&c, GUARD_OFF_GRID), 0);
    assert_int_equal(guard_count(&c, GUARD_OFF_GRID), 0);
    assert_int_equal(guard_count(&c, GUARD_OVERFILL), 1);
    assert_int_equal(guard_count(&c, GUARD_KINDS), 0);
    assert_true(guard_counts_format(&c, buf, sizeof buf) == 4);
    assert_string_equal(buf, "3 off-grid, 1 overfill");
    /* A short buffer truncates but still counts everything. */
    char small[6];
    assert_true(guard_counts_format(&c, small, sizeof small) == 4);
    assert_int_equal(strlen(small), 5);
    for (int k = 0; k < GUARD_KINDS; k++)
        assert_true(strcmp(guard_kind_name((enum guard_kind)k), "?") != 0);
    assert_string_equal(guard_kind_name(GUARD_KINDS), "?");
}

/* Recovery of an armed order whose exact line was lost: the venue's
 * figures are checked against the armed bounds (BUY, at most 2.500, at
 * most 25 USDT of notional), on top of the rules every answer passes. */
static void armed_bounds(void **state)
{
    (void)state;
    struct symbol_rules r = rules();
    struct guard_order g = { .client_id = "cid", .side = SIDE_BUY };
    struct arm_bounds b = { .side = SIDE_BUY, .max_qty = M(2.5), .max_quote = M(25) };
    enum guard_kind k = GUARD_KINDS;
    /* 2.000 @ 10.00, filled: within */
    struct order_state o = answer(ORDER_FILLED, M(2), M(20));
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), 0);
    /* more than the armed quantity */
    o = answer(ORDER_FILLED, M(3), M(30));
    o.orig_qty = M(3);
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_ARM_BOUND);
    /* within the quantity, over the notional (2.4 @ 11 = 26.4) */
    o = answer(ORDER_NEW, 0, 0);
    o.orig_qty = M(2.4);
    o.price = M(11);
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_ARM_BOUND);
    /* a cumulative quote over the notional */
    o = answer(ORDER_PARTIALLY_FILLED, M(1), M(26));
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), LT_EINVAL);
    /* the other side, or another client id: not our order */
    o = answer(ORDER_NEW, 0, 0);
    o.side = SIDE_SELL;
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_MISMATCH);
    o = answer(ORDER_NEW, 0, 0);
    strcpy(o.client_id, "other");
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_MISMATCH);
    /* the rules of every answer still apply: FILLED short */
    o = answer(ORDER_FILLED, M(1), M(10));
    assert_int_equal(guard_check_armed(&r, &g, &b, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_FILLED_SHORT);
    /* a sell's bounds have no notional: any price, at most the quantity */
    struct guard_order gs = { .client_id = "cid", .side = SIDE_SELL };
    struct arm_bounds bs = { .side = SIDE_SELL, .max_qty = M(2) };
    o = answer(ORDER_FILLED, M(2), M(2000));
    o.side = SIDE_SELL;
    o.price = M(1000);
    assert_int_equal(guard_check_armed(&r, &gs, &bs, &o, &k), 0);
    o.orig_qty = o.executed_qty = M(2.001);
    o.cum_quote = M(2001);
    assert_int_equal(guard_check_armed(&r, &gs, &bs, &o, &k), LT_EINVAL);
    assert_int_equal(k, GUARD_ARM_BOUND);
    assert_string_equal(guard_kind_name(GUARD_ARM_BOUND), "outside-armed-bounds");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(honest_answers_pass),
        cmocka_unit_test(filled_with_zero_refused),
        cmocka_unit_test(negative_refused),
        cmocka_unit_test(not_what_we_sent_refused),
        cmocka_unit_test(overfill_refused),
        cmocka_unit_test(decrease_refused),
        cmocka_unit_test(off_grid_refused),
        cmocka_unit_test(fill_without_price_refused),
        cmocka_unit_test(quote_out_of_range_refused),
        cmocka_unit_test(final_below_trades_refused),
        cmocka_unit_test(trades),
        cmocka_unit_test(history_rows),
        cmocka_unit_test(books_and_balances),
        cmocka_unit_test(counts_log_once_per_kind),
        cmocka_unit_test(armed_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
