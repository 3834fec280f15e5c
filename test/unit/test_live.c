/* Unit tests: the live state (steps, order results, HTTP classes and the
 * histogram, the third fee asset and its valuation). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/live.h"

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static void steps(void **state)
{
    (void)state;
    assert_int_equal(live_init(3), 0);
    struct live_account a;
    live_account(1, &a);
    assert_int_equal(a.step, LIVE_STARTING);
    assert_int_equal(a.rung, -1);
    assert_string_equal(live_step_name(USER_PENDING, &a), "starting");
    live_step(1, LIVE_BUYING, 2);
    live_account(1, &a);
    assert_string_equal(live_step_name(USER_PENDING, &a), "buying");
    assert_int_equal(live_rung(1), 2);
    /* this thread now works for account 1: its limiter waits are 1's */
    live_rate_wait(1);
    live_account(1, &a);
    assert_string_equal(live_step_name(USER_PENDING, &a), "rate-limit wait");
    live_rate_wait(0);
    assert_string_equal(live_step_name(USER_DONE, &a), "done");
    live_set_stop(1, 1);
    live_account(1, &a);
    assert_string_equal(live_step_name(USER_PENDING, &a), "stopping");
    assert_string_equal(live_step_name(USER_STOPPED, &a), "stopped");
    live_set_stop(1, 0); /* resumed */
    live_account(1, &a);
    assert_string_equal(live_step_name(USER_PENDING, &a), "buying");
    /* an index past the table is ignored, never written */
    live_step(7, LIVE_SELLING, 1);
    live_account(7, &a);
    assert_int_equal(a.rung, -1);
    /* a row: the step with its rung, the last fill price */
    live_step(2, LIVE_SELLING, 1);
    live_order(2, SIDE_SELL, LIVE_FILLED, M("4"), M("10"));
    struct report_user row = { .name = "c", .status = USER_PENDING };
    live_fill_row(&row, 2);
    assert_string_equal(row.step, "selling");
    assert_int_equal(row.rung, 1);
    assert_true(row.last_fill_price == M("2.5"));
    /* a new day: reset in place */
    assert_int_equal(live_init(3), 0);
    live_account(2, &a);
    assert_int_equal(a.step, LIVE_STARTING);
    assert_int_equal(a.last_fill_price, 0);
    live_free();
}

/* The last fill price at the symbol's tick: an average of fills at two
 * prices is rounded to the nearest tick; no tick (or a price under one)
 * stays exact; a new day forgets the tick. */
static void last_fill_at_tick(void **state)
{
    (void)state;
    struct live_account a;
    assert_int_equal(live_init(2), 0);
    live_tick(0, M("0.01"));
    /* 3 base for 10 quote: 3.3333... -> 3.33 */
    live_order(0, SIDE_BUY, LIVE_FILLED, M("3"), M("10"));
    live_account(0, &a);
    assert_true(a.last_fill_price == M("3.33"));
    /* 3 for 11: 3.6666... -> 3.67 (nearest, not down) */
    live_order(0, SIDE_SELL, LIVE_FILLED, M("3"), M("11"));
    live_account(0, &a);
    assert_true(a.last_fill_price == M("3.67"));
    /* half a tick rounds up: 2 for 2.01 = 1.005 -> 1.01 */
    live_order(0, SIDE_BUY, LIVE_FILLED, M("2"), M("2.01"));
    live_account(0, &a);
    assert_true(a.last_fill_price == M("1.01"));
    /* under one tick: exact, never shown as 0 */
    live_order(0, SIDE_BUY, LIVE_FILLED, M("1000"), M("1"));
    live_account(0, &a);
    assert_true(a.last_fill_price == M("0.001"));
    /* no tick known: exact */
    live_order(1, SIDE_BUY, LIVE_FILLED, M("3"), M("10"));
    live_account(1, &a);
    assert_true(a.last_fill_price == M("3.33333333"));
    /* a new day resets the tick with the rest */
    assert_int_equal(live_init(2), 0);
    live_order(0, SIDE_BUY, LIVE_FILLED, M("3"), M("10"));
    live_account(0, &a);
    assert_true(a.last_fill_price == M("3.33333333"));
    live_free();
}

static void counters(void **state)
{
    (void)state;
    struct live_totals t0, t;
    live_totals(&t0);
    uint64_t ended = live_orders_ended();
    live_order(0, SIDE_BUY, LIVE_PARTIAL, M("1"), M("2"));
    live_order(0, SIDE_BUY, LIVE_REJECTED, 0, 0);
    live_order(0, SIDE_SELL, LIVE_CANCELLED, 0, 0);
    live_ws_lost(1);
    live_ws_lost(0); /* a failed connect is not another reconnect */
    live_http("POST", "http://h:1/api/v3/order?x=1", 1500);
    live_http("DELETE", "http://h:1/api/v3/order", 30000);
    live_http("GET", "http://h:1/api/v3/openOrders?symbol=S", 100);
    live_http("GET", "http://h:1/api/v3/myTrades", 100);
    live_http("GET", "http://h:1/api/v3/account", 100);
    live_http("GET", "http://h:1/api/v3/ticker/bookTicker?symbol=S", 9000000);
    live_totals(&t);
    assert_int_equal(t.orders[0][LIVE_PARTIAL] - t0.orders[0][LIVE_PARTIAL], 1);
    assert_int_equal(t.orders[0][LIVE_REJECTED] - t0.orders[0][LIVE_REJECTED], 1);
    assert_int_equal(t.orders[1][LIVE_CANCELLED] - t0.orders[1][LIVE_CANCELLED], 1);
    assert_int_equal(live_orders_ended() - ended, 3);
    assert_int_equal(t.fills[0] - t0.fills[0], 1);
    assert_int_equal(t.fills[1] - t0.fills[1], 0);
    assert_int_equal(t.ws_reconnects - t0.ws_reconnects, 1);
    assert_int_equal(t.http_count[LIVE_HTTP_ORDER], 2);
    assert_int_equal(t.http_count[LIVE_HTTP_QUERY], 2);
    assert_int_equal(t.http_count[LIVE_HTTP_ACCOUNT], 1);
    assert_int_equal(t.http_count[LIVE_HTTP_OTHER], 1);
    assert_int_equal(t.http_sum_us[LIVE_HTTP_ORDER], 31500);
    /* cumulative buckets: 1.5 ms is under 2.5 ms, 30 ms under 50 ms */
    assert_int_equal(t.http_bucket[LIVE_HTTP_ORDER][0], 0);     /* le 0.001 */
    assert_int_equal(t.http_bucket[LIVE_HTTP_ORDER][1], 1);     /* le 0.0025 */
    assert_int_equal(t.http_bucket[LIVE_HTTP_ORDER][4], 1);     /* le 0.025 */
    assert_int_equal(t.http_bucket[LIVE_HTTP_ORDER][5], 2);     /* le 0.05 */
    /* 9 s is past the last bucket: only in the count (+Inf) */
    assert_int_equal(t.http_bucket[LIVE_HTTP_OTHER][LIVE_HTTP_BUCKETS - 1], 0);
}

static void fee_asset(void **state)
{
    (void)state;
    struct user_stats s = { .fees_other = M("0.002") };
    assert_string_equal(live_fee_asset_name(), "");
    live_value_fees(&s);
    assert_int_equal(s.fees_unpriced, 1); /* a fee, no price: said, never a silent 0 */
    assert_int_equal(s.fees_other_quote, 0);
    live_fee_asset("USDT", "ALPHA", "USDT"); /* the quote: not a third asset */
    live_fee_asset("ALPHA", "ALPHA", "USDT");
    assert_string_equal(live_fee_asset_name(), "");
    live_fee_asset("BNB", "ALPHA", "USDT");
    assert_string_equal(live_fee_asset_name(), "BNB");
    live_value_fees(&s);
    assert_int_equal(s.fees_unpriced, 1); /* no price read yet */
    struct user_stats none = { 0 };
    live_value_fees(&none);
    assert_int_equal(none.fees_unpriced, 0);
    live_fee_asset("XYZ", "ALPHA", "USDT");
    assert_string_equal(live_fee_asset_name(), "*"); /* two third assets: not valued */
    live_value_fees(&s);
    assert_int_equal(s.fees_unpriced, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steps),
        cmocka_unit_test(last_fill_at_tick),
        cmocka_unit_test(counters),
        cmocka_unit_test(fee_asset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
