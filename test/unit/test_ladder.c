/* Unit tests: ladder rung prices and the next-rung rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/ladder.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"

/* An exact amount from its decimal text. */
static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static struct symbol_rules rules(const char *tick)
{
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    r.tick_size = M(tick);
    r.step_size = M("0.01");
    return r;
}

/* MISSION defaults: slippage 0.001, step 0.002, 5 tries. */
static const struct ladder mission = { 100000, 200000, 5 };

static void buy_rungs_exact(void **state)
{
    (void)state;
    struct symbol_rules r = rules("0.00000001");
    /* ref 2: 2 * (1 + 0.001 + k * 0.002) */
    const char *want[] = { "2.002", "2.006", "2.01", "2.014", "2.018" };
    for (int k = 0; k < 5; k++)
        assert_true(ladder_price(&mission, &r, SIDE_BUY, M("2"), k) == M(want[k]));
}

static void sell_rungs_exact(void **state)
{
    (void)state;
    struct symbol_rules r = rules("0.00000001");
    const char *want[] = { "1.998", "1.994", "1.99", "1.986", "1.982" };
    for (int k = 0; k < 5; k++)
        assert_true(ladder_price(&mission, &r, SIDE_SELL, M("2"), k) == M(want[k]));
}

static void tick_rounding_is_conservative(void **state)
{
    (void)state;
    struct symbol_rules r = rules("0.0001");
    /* 1.2345 * 1.001 = 1.2357345 -> buy rounds down to 1.2357 */
    assert_true(ladder_price(&mission, &r, SIDE_BUY, M("1.2345"), 0) == M("1.2357"));
    /* 1.2345 * 0.999 = 1.2332655 -> sell rounds up to 1.2333 */
    assert_true(ladder_price(&mission, &r, SIDE_SELL, M("1.2345"), 0) == M("1.2333"));
    /* and never beyond the slippage bound, rung after rung */
    for (int k = 0; k < 5; k++) {
        money_t f = 100000 + (money_t)k * 200000;
        money_t b = ladder_price(&mission, &r, SIDE_BUY, M("1.2345"), k);
        money_t s = ladder_price(&mission, &r, SIDE_SELL, M("1.2345"), k);
        assert_true(b <= money_mul(M("1.2345"), MONEY_SCALE + f));
        assert_true(s >= money_mul_up(M("1.2345"), MONEY_SCALE - f));
        assert_true(b % r.tick_size == 0 && s % r.tick_size == 0);
    }
    /* a coarse tick can swallow the slippage of the first rungs */
    struct symbol_rules coarse = rules("0.01");
    assert_true(ladder_price(&mission, &coarse, SIDE_BUY, M("1.00"), 0) == M("1.00"));
    assert_true(ladder_price(&mission, &coarse, SIDE_BUY, M("1.00"), 4) == M("1.00"));
    assert_true(ladder_price(&mission, &coarse, SIDE_SELL, M("1.00"), 4) == M("1.00"));
}

static void clamps_and_degenerate(void **state)
{
    (void)state;
    struct symbol_rules r = rules("0.00000001");
    /* k beyond the last rung is the last rung; below 0 is rung 0 */
    assert_true(ladder_price(&mission, &r, SIDE_BUY, M("2"), 9) == M("2.018"));
    assert_true(ladder_price(&mission, &r, SIDE_BUY, M("2"), -3) == M("2.002"));
    assert_true(ladder_price(&mission, &r, SIDE_BUY, 0, 0) == 0);
    assert_true(ladder_price(&mission, &r, SIDE_SELL, -5, 0) == 0);
    /* a sell slippage of 100% or more is no positive price */
    struct ladder wild = { MONEY_SCALE, 0, 1 };
    assert_true(ladder_price(&wild, &r, SIDE_SELL, M("2"), 0) == 0);
    assert_true(ladder_price(&wild, &r, SIDE_BUY, M("2"), 0) == M("4"));
    /* huge reference saturates rather than wrapping negative */
    assert_true(ladder_price(&mission, &r, SIDE_BUY, INT64_MAX, 4) > 0);
    /* zero slippage: rung 0 is the reference itself */
    struct ladder flat = { 0, 0, 3 };
    assert_true(ladder_price(&flat, &r, SIDE_SELL, M("3.5"), 2) == M("3.5"));
}

static void next_rung(void **state)
{
    (void)state;
    assert_int_equal(ladder_next_rung(&mission, SIDE_BUY, 0), 1);
    assert_int_equal(ladder_next_rung(&mission, SIDE_BUY, 3), 4);
    assert_int_equal(ladder_next_rung(&mission, SIDE_BUY, 4), -1);
    assert_int_equal(ladder_next_rung(&mission, SIDE_SELL, 3), 4);
    assert_int_equal(ladder_next_rung(&mission, SIDE_SELL, 4), 4);
    assert_int_equal(ladder_next_rung(&mission, SIDE_SELL, 7), 4);
    struct ladder one = { 100000, 200000, 1 };
    assert_int_equal(ladder_next_rung(&one, SIDE_BUY, 0), -1);
    assert_int_equal(ladder_next_rung(&one, SIDE_SELL, 0), 0);
    /* walking the buy ladder tries exactly max_tries rungs */
    int tries = 0;
    for (int k = 0; k >= 0; k = ladder_next_rung(&mission, SIDE_BUY, k))
        tries++;
    assert_int_equal(tries, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buy_rungs_exact),
        cmocka_unit_test(sell_rungs_exact),
        cmocka_unit_test(tick_rounding_is_conservative),
        cmocka_unit_test(clamps_and_degenerate),
        cmocka_unit_test(next_rung),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
