/* Unit tests: a round's sizing (the venue's minimums) and the dry-run plan. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/plan.h"

#define M(x) ((money_t)((x) * 100000000LL))

/* ALPHAUSDT as the demo venue lists it. */
static struct symbol_rules alpha(void)
{
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    strcpy(r.symbol, "ALPHAUSDT");
    strcpy(r.base, "ALPHA");
    strcpy(r.quote, "USDT");
    r.trading = 1;
    r.tick_size = 10000;     /* 0.0001 */
    r.min_price = 10000;
    r.max_price = M(1000);
    r.step_size = M(1) / 10; /* 0.1 */
    r.min_qty = M(1) / 10;
    r.max_qty = M(9000000);
    r.min_notional = M(5);
    return r;
}

static struct strategy_config strat(money_t buy_amount, money_t target)
{
    struct strategy_config sc;
    memset(&sc, 0, sizeof sc);
    sc.buy_amount = buy_amount;
    sc.target = target;
    sc.slippage = M(1) / 1000;
    sc.slippage_step = M(1) / 500;
    sc.max_tries = 5;
    return sc;
}

static void sizing(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct ladder lad = { M(1) / 1000, M(1) / 500, 5 };
    money_t bid = 124950000; /* 1.2495 */
    /* 5 * 1.02 / (last sell rung 1.2383) = 4.118.. -> 4.2 */
    money_t qmin = plan_min_sellable_qty(&r, &lad, bid);
    assert_true(qmin == M(42) / 10);
    money_t q = 0;
    struct lt_err e = { 0 };
    /* 1 USDT is raised to the sellable minimum */
    assert_int_equal(plan_buy_qty(&r, M(1), 125090000, 0, qmin, &q, &e), 0);
    assert_true(q == qmin);
    /* 50 USDT at 1.2509: 39.9 (step-rounded down) */
    assert_int_equal(plan_buy_qty(&r, M(50), 125090000, 0, qmin, &q, &e), 0);
    assert_true(q == M(399) / 10);
    /* holding enough already: a remainder below the minimums buys nothing */
    assert_int_equal(plan_buy_qty(&r, M(1), 125090000, M(10), qmin, &q, &e), 0);
    assert_true(q == 0);
    /* without a sellable floor, the minimum notional still raises it */
    assert_int_equal(plan_buy_qty(&r, M(1), 125090000, 0, 0, &q, &e), 0);
    assert_true(q == M(40) / 10); /* 5 / 1.2509 = 3.997 -> 4.0 */
    /* a venue whose max qty is below what min notional needs cannot size */
    r.max_qty = M(1);
    assert_int_equal(plan_buy_qty(&r, M(1), 125090000, 0, 0, &q, &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "cannot size a buy"));
}

static void plans(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct strategy_config sc = strat(M(1), M(100));
    struct plan p;
    struct plan_input in = { .rules = &r, .sc = &sc, .bid = 124950000, .ask = 124970000,
                             .free_quote = M(500) };
    plan_compute(&in, &p);
    assert_int_equal(p.can_trade, 1);
    assert_int_equal(p.raised, 1);
    assert_true(p.qty == M(42) / 10);
    assert_true(p.buy_price == 125090000); /* 1.2497 * 1.001 rounded down */
    assert_true(p.round_quote == money_mul(p.qty, p.buy_price));
    assert_true(p.rounds == (M(100) + p.round_quote - 1) / p.round_quote);
    assert_true(p.cost_round > 0 && p.cost_total == p.cost_round * p.rounds);
    assert_true(p.need_quote > p.round_quote);

    /* 3 USDT cannot pay one round */
    in.free_quote = M(3);
    plan_compute(&in, &p);
    assert_int_equal(p.can_trade, 0);
    assert_non_null(strstr(p.why, "balance too low for one round: free 3 USDT"));

    /* already at target: nothing to do, nothing missing */
    in.window_total = M(100);
    plan_compute(&in, &p);
    assert_int_equal(p.can_trade, 1);
    assert_true(p.remaining == 0 && p.rounds == 0);

    /* an empty book side is said, not planned around */
    in.window_total = 0;
    in.free_quote = M(500);
    in.ask = 0;
    plan_compute(&in, &p);
    assert_int_equal(p.can_trade, 0);
    assert_non_null(strstr(p.why, "no price"));

    /* a buy_amount above the minimums is not raised */
    sc = strat(M(50), M(100));
    in.ask = 124970000;
    plan_compute(&in, &p);
    assert_int_equal(p.raised, 0);
    assert_int_equal(p.rounds, 3); /* 2 x 49.9 < 100 */

    /* the largest target money holds: rounds without overflow (found by
     * UBSan: remaining + round_quote - 1 passed INT64_MAX) */
    sc = strat(M(5), INT64_MAX);
    plan_compute(&in, &p);
    assert_int_equal(p.can_trade, 1);
    assert_true(p.rounds == INT64_MAX / p.round_quote + (INT64_MAX % p.round_quote != 0));

    /* a crossed book (bid above ask) makes the cost negative, never wrapped */
    in.bid = M(1000000000);
    plan_compute(&in, &p);
    assert_true(p.cost_round < 0 && p.cost_total < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizing),
        cmocka_unit_test(plans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
