/* Unit tests: symbol filters (PRICE_FILTER, LOT_SIZE, NOTIONAL) and rounding. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"

/* An exact amount from its decimal text. */
static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

/* ALPHAUSDT as the demo simulator lists it. */
static struct symbol_rules alpha(void)
{
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    strcpy(r.symbol, "ALPHAUSDT");
    strcpy(r.base, "ALPHA");
    strcpy(r.quote, "USDT");
    r.trading = 1;
    r.tick_size = M("0.0001");
    r.min_price = M("0.0001");
    r.max_price = M("1000");
    r.step_size = M("0.01");
    r.min_qty = M("0.01");
    r.max_qty = M("900000");
    r.min_notional = M("5");
    return r;
}

static void round_price(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    assert_true(symbol_round_price(&r, SIDE_BUY, M("1.23456")) == M("1.2345"));
    assert_true(symbol_round_price(&r, SIDE_SELL, M("1.23451")) == M("1.2346"));
    /* exact multiples stay put on both sides */
    assert_true(symbol_round_price(&r, SIDE_BUY, M("1.2345")) == M("1.2345"));
    assert_true(symbol_round_price(&r, SIDE_SELL, M("1.2345")) == M("1.2345"));
    assert_true(symbol_round_price(&r, SIDE_BUY, 0) == 0);
    assert_true(symbol_round_price(&r, SIDE_SELL, 1) == M("0.0001"));
    /* near the top of the range: no overflow, still a tick multiple */
    money_t big = symbol_round_price(&r, SIDE_SELL, INT64_MAX);
    assert_true(big > 0 && big % r.tick_size == 0);
    assert_true(symbol_round_price(&r, SIDE_BUY, INT64_MAX) % r.tick_size == 0);
    /* tick 0: the filter is off */
    r.tick_size = 0;
    assert_true(symbol_round_price(&r, SIDE_SELL, M("1.23456789")) == M("1.23456789"));
}

static void round_qty(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    assert_true(symbol_round_qty(&r, M("12.3456")) == M("12.34"));
    assert_true(symbol_round_qty(&r, M("12.34")) == M("12.34"));
    assert_true(symbol_round_qty(&r, M("0.009")) == 0);
    assert_true(symbol_round_qty(&r, 0) == 0);
    assert_true(symbol_round_qty(&r, INT64_MAX) % r.step_size == 0);
    r.step_size = 0;
    assert_true(symbol_round_qty(&r, M("0.123")) == M("0.123"));
}

static void qty_for_quote(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    /* 50 USDT at 1.2345: 40.5022... -> 40.50 */
    money_t q = symbol_qty_for_quote(&r, M("50"), M("1.2345"));
    assert_true(q == M("40.50"));
    assert_true(money_mul(q, M("1.2345")) <= M("50"));
    /* exact fit */
    assert_true(symbol_qty_for_quote(&r, M("50"), M("2")) == M("25"));
    /* too small to buy one step, or degenerate inputs */
    assert_true(symbol_qty_for_quote(&r, M("0.001"), M("1")) == 0);
    assert_true(symbol_qty_for_quote(&r, M("50"), 0) == 0);
    assert_true(symbol_qty_for_quote(&r, 0, M("1")) == 0);
    assert_true(symbol_qty_for_quote(&r, -5, M("1")) == 0);
    /* huge quote at a tiny price saturates instead of wrapping */
    assert_true(symbol_qty_for_quote(&r, INT64_MAX / 2, 1) > 0);
}

static void check_ok(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct lt_err e;
    lt_err_clear(&e);
    assert_int_equal(symbol_check_order(&r, M("1.2345"), M("40.50"), &e), 0);
    /* exactly on every bound */
    assert_int_equal(symbol_check_order(&r, M("1"), M("5"), &e), 0);
    assert_int_equal(symbol_check_order(&r, M("1000"), M("0.01"), &e), 0);
    assert_int_equal(symbol_check_order(&r, M("0.0001"), M("900000"), NULL), 0);
}

static void expect(const struct symbol_rules *r, money_t p, money_t q, const char *needle)
{
    struct lt_err e;
    lt_err_clear(&e);
    assert_int_equal(symbol_check_order(r, p, q, &e), LT_EINVAL);
    if (!strstr(e.msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, needle);
}

static void check_price_filter(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    expect(&r, 0, M("10"), "PRICE_FILTER");
    expect(&r, -1, M("10"), "PRICE_FILTER");
    r.min_price = M("0.5");
    expect(&r, M("0.4"), M("100"), "PRICE_FILTER: price 0.4 < min 0.5");
    r = alpha();
    expect(&r, M("1000.0001"), M("1"), "PRICE_FILTER: price 1000.0001 > max 1000");
    expect(&r, M("1.23456"), M("10"), "PRICE_FILTER: price 1.23456 is not a multiple of tick 0.0001");
    expect(&r, INT64_MAX, M("10"), "PRICE_FILTER");
}

static void check_lot_size(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    expect(&r, M("1"), 0, "LOT_SIZE");
    r.min_qty = M("1");
    expect(&r, M("10"), M("0.99"), "LOT_SIZE: quantity 0.99 < min 1");
    r = alpha();
    expect(&r, M("1"), M("900000.01"), "LOT_SIZE: quantity 900000.01 > max 900000");
    expect(&r, M("1"), M("10.005"), "LOT_SIZE: quantity 10.005 is not a multiple of step 0.01");
    /* max 0 = no max */
    r.max_qty = 0;
    struct lt_err e;
    assert_int_equal(symbol_check_order(&r, M("1"), M("5000000"), &e), 0);
}

static void check_notional(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    expect(&r, M("1"), M("4.2"), "NOTIONAL: 4.2 < min 5");
    /* one unit under the min, even with truncation */
    expect(&r, M("0.4999"), M("10"), "NOTIONAL: 4.999 < min 5");
    r.max_notional = M("100");
    expect(&r, M("2"), M("50.01"), "NOTIONAL: 100.02 > max 100");
    assert_int_equal(symbol_check_order(&r, M("2"), M("50"), NULL), 0);
    /* overflow-ish product saturates and is refused, not wrapped */
    r = alpha();
    r.max_price = 0;
    r.max_qty = 0;
    r.max_notional = M("1000000000");
    expect(&r, M("90000000000"), M("90000000000"), "NOTIONAL");
    /* no min notional: any positive product passes */
    r = alpha();
    r.min_notional = 0;
    assert_int_equal(symbol_check_order(&r, M("0.0001"), M("0.01"), NULL), 0);
}

static void check_market(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct lt_err e;
    assert_int_equal(symbol_check_market(&r, M("1.5"), M("10"), &e), 0);
    assert_int_equal(symbol_check_market(&r, M("1.5"), M("3"), &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "NOTIONAL"));
    assert_int_equal(symbol_check_market(&r, 0, M("3"), &e), 0);
    assert_int_equal(symbol_check_market(&r, M("1.5"), M("3.001"), &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "LOT_SIZE"));
    /* no price filter for market orders: an off-tick reference is fine */
    assert_int_equal(symbol_check_market(&r, M("1.23456"), M("10"), &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_price),        cmocka_unit_test(round_qty),
        cmocka_unit_test(qty_for_quote),      cmocka_unit_test(check_ok),
        cmocka_unit_test(check_price_filter), cmocka_unit_test(check_lot_size),
        cmocka_unit_test(check_notional),     cmocka_unit_test(check_market),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
