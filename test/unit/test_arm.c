/* Unit tests: arm (the bounds of a pre-armed intent: a buy's from its
 * reference price and the buy cap's headroom, a sell's from its
 * inventory; which exact orders fit them). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/arm.h"
#include "looptrader/error.h"

#define M(x) ((money_t)((x) * 100000000LL))

static struct symbol_rules alpha(void)
{
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    strcpy(r.symbol, "ALPHAUSDT");
    r.trading = 1;
    r.tick_size = 10000; /* 0.0001 */
    r.min_price = 10000;
    r.max_price = M(1000);
    r.step_size = M(1) / 10; /* 0.1 */
    r.min_qty = M(1) / 10;
    r.max_qty = M(9000000);
    r.min_notional = M(5);
    return r;
}

static void buy_bounds(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct arm_bounds b;
    /* 100 USDT at 2.0: 50; plus 1/8: 56.25, to the step: 56.2 */
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), M(400), &b), 0);
    assert_int_equal(b.side, SIDE_BUY);
    assert_true(b.max_qty == M(562) / 10);
    assert_true(b.max_quote == M(400));
    /* the exact order at the reference price fits; a price that fell
     * by a little still fits, by more than the slack not */
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(2), M(50)), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(19) / 10, M(526) / 10), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(17) / 10, M(588) / 10), LT_ERANGE);
    /* nothing to bound: no price, no headroom, nothing to buy */
    assert_int_equal(arm_buy_bounds(&r, 0, M(100), 0, M(3), M(400), &b), LT_ERANGE);
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), 0, &b), LT_ERANGE);
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), -M(1), &b), LT_ERANGE);
    assert_int_equal(arm_buy_bounds(&r, M(2), 0, M(5), M(3), M(400), &b), LT_ERANGE);
}

static void notional_bound(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct arm_bounds b;
    /* the buy cap leaves 101 USDT: 50 at 2.0 fits, 50 at 2.03 does not */
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), M(101), &b), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(2), M(50)), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(203) / 100, M(50)), LT_ERANGE);
    /* exactly at the bound fits */
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(202) / 100, M(50)), 0);
}

static void sell_bounds(void **state)
{
    (void)state;
    struct arm_bounds b;
    assert_int_equal(arm_sell_bounds(M(40), &b), 0);
    assert_int_equal(b.side, SIDE_SELL);
    assert_true(b.max_quote == 0);
    /* any price (a sell's notional is not bounded), at most the inventory */
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), M(40)), 0);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1000), M(40)), 0);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), M(40) + 1), LT_ERANGE);
    assert_int_equal(arm_sell_bounds(0, &b), LT_ERANGE);
}

static void wrong_side_or_empty(void **state)
{
    (void)state;
    struct arm_bounds b;
    assert_int_equal(arm_sell_bounds(M(40), &b), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(1), M(1)), LT_ERANGE);
    assert_int_equal(arm_fits(&b, SIDE_SELL, 0, M(1)), LT_ERANGE);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), 0), LT_ERANGE);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), -M(1)), LT_ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buy_bounds),
        cmocka_unit_test(notional_bound),
        cmocka_unit_test(sell_bounds),
        cmocka_unit_test(wrong_side_or_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
