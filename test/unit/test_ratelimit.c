/* Unit tests: fixed-window rate limits, their clock-error margins, server
 * count adoption, order windows and Retry-After blocking (time passed in). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "looptrader/ratelimit.h"

static void window_fills_then_waits(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 10000, 3, 0);
    int64_t t = 1700000003000; /* 3 s into a 10 s window */
    assert_true(ratelimit_window_reserve(&w, t, 1) == 0);
    assert_true(ratelimit_window_reserve(&w, t, 1) == 0);
    assert_true(ratelimit_window_reserve(&w, t + 1, 1) == 0);
    assert_true(ratelimit_window_reserve(&w, t + 2000, 1) == 5000);
    assert_true(w.used == 3); /* refused reservations are not counted */
    assert_true(ratelimit_window_wait(&w, t + 2000, 1) == 5000);
    assert_true(ratelimit_window_reserve(&w, t + 7000, 1) == 0); /* next window */
    assert_true(w.used == 1);
    assert_true(ratelimit_window_reserve(&w, t + 30000, 3) == 0); /* windows skipped */
    assert_true(w.used == 3 && w.prev_used == 0);
}

static void oversized_cost_admitted_alone(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 10, 0);
    assert_true(ratelimit_window_reserve(&w, 0, 50) == 0);
    assert_true(ratelimit_window_reserve(&w, 1, 1) == 59999);
}

static void observe_adopts_higher_server_count(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 100, 0);
    assert_true(ratelimit_window_reserve(&w, 1000, 5) == 0);
    ratelimit_window_observe(&w, 1000, 1000, 99);
    assert_true(w.used == 99);
    ratelimit_window_observe(&w, 1000, 1000, 50); /* lower: keep ours */
    assert_true(w.used == 99);
    assert_true(ratelimit_window_reserve(&w, 2000, 2) == 58000);
    assert_true(ratelimit_window_reserve(&w, 2000, 1) == 0);
}

static void unlimited(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 0, 0);
    for (int i = 0; i < 1000; i++)
        assert_true(ratelimit_window_reserve(&w, 5, 100) == 0);
}

/* What was sent in the last margin of a window may be counted in the
 * venue's next one: it is carried over. */
static void margin_carries_the_tail(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 10000, 10, 300);
    assert_true(ratelimit_window_reserve(&w, 1000, 4) == 0);
    assert_true(ratelimit_window_reserve(&w, 9800, 3) == 0); /* in the tail */
    assert_true(w.tail == 3);
    /* Next window, past its head: starts with the carried 3. */
    assert_true(ratelimit_window_reserve(&w, 10400, 7) == 0);
    assert_true(w.used == 10 && w.prev_used == 7);
    assert_true(ratelimit_window_reserve(&w, 10400, 1) == 9600);
}

/* What is sent in the first margin of a window may still land in the
 * venue's previous one: it must fit beside that window's whole count. */
static void margin_guards_the_head(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 10000, 10, 300);
    assert_true(ratelimit_window_reserve(&w, 1000, 10) == 0); /* full */
    assert_true(ratelimit_window_reserve(&w, 9000, 1) == 1000);
    assert_true(ratelimit_window_reserve(&w, 10000, 1) == 300);  /* head: wait it out */
    assert_true(ratelimit_window_reserve(&w, 10100, 1) == 200);
    assert_true(ratelimit_window_reserve(&w, 10300, 1) == 0);
    /* A previous window with room lets the head through. */
    struct ratelimit_window x;
    ratelimit_window_init(&x, 10000, 10, 300);
    assert_true(ratelimit_window_reserve(&x, 1000, 4) == 0);
    assert_true(ratelimit_window_reserve(&x, 10000, 6) == 0);
    assert_true(ratelimit_window_reserve(&x, 10000, 1) == 300);
    /* A margin of half the window or more is no margin. */
    ratelimit_window_init(&x, 100, 10, 60);
    assert_true(x.margin_ms == 0);
}

/* A count reported for a request sent near our window's start may be the
 * venue's previous window: only counts from well inside are adopted. */
static void observe_ignores_counts_from_the_edge(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 100, 300);
    assert_true(ratelimit_window_reserve(&w, 60400, 1) == 0);
    ratelimit_window_observe(&w, 60100, 60400, 95); /* sent in the head */
    assert_true(w.used == 1);
    ratelimit_window_observe(&w, 59900, 60400, 95); /* sent in the last window */
    assert_true(w.used == 1);
    ratelimit_window_observe(&w, 60350, 60400, 95);
    assert_true(w.used == 95);
}

/* A clock corrected backwards stays in the later window. */
static void time_running_backwards_keeps_counts(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 10000, 2, 0);
    assert_true(ratelimit_window_reserve(&w, 20500, 2) == 0);
    assert_true(ratelimit_window_reserve(&w, 19500, 1) == 10500);
    assert_true(ratelimit_window_reserve(&w, 30000, 1) == 0);
}

static void shared_limiter_blocks_after_retry_after(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 6000, 0);
    assert_true(ratelimit_reserve(&rl, 1000, 1) == 0);
    ratelimit_block(&rl, 4000);
    assert_true(ratelimit_reserve(&rl, 1000, 1) == 3000);
    ratelimit_block(&rl, 2000); /* an earlier deadline never shortens the block */
    assert_true(ratelimit_reserve(&rl, 3500, 1) == 500);
    assert_true(ratelimit_reserve(&rl, 4000, 1) == 0);
    ratelimit_observe(&rl, 4000, 4000, 6000);
    assert_true(ratelimit_reserve(&rl, 4001, 1) == 55999);
    ratelimit_set_limit(&rl, 7000);
    assert_true(ratelimit_reserve(&rl, 4001, 1) == 0);
    ratelimit_destroy(&rl);
}

static void orders_fit_both_windows(void **state)
{
    (void)state;
    struct ratelimit_orders o;
    ratelimit_orders_init(&o, 2, 5, 0);
    int64_t day = 86400000LL * 19700;
    assert_true(ratelimit_orders_reserve(&o, day + 1000) == 0);
    assert_true(ratelimit_orders_reserve(&o, day + 2000) == 0);
    assert_true(ratelimit_orders_reserve(&o, day + 3000) == 7000); /* 10 s window */
    assert_true(o.day.used == 2);                                  /* nothing counted */
    assert_true(ratelimit_orders_reserve(&o, day + 10000) == 0);
    assert_true(ratelimit_orders_reserve(&o, day + 10001) == 0);
    assert_true(ratelimit_orders_reserve(&o, day + 20000) == 0);
    /* The day is spent: the wait runs to the next UTC day. */
    assert_true(ratelimit_orders_reserve(&o, day + 30000) == 86400000LL - 30000);
    assert_true(o.ten_s.used == 0);
    /* The venue's counts. */
    ratelimit_orders_init(&o, 10, 1000, 0);
    ratelimit_orders_observe(&o, day + 1000, day + 1000, 10, -1);
    assert_true(ratelimit_orders_reserve(&o, day + 1500) == 8500);
    ratelimit_orders_observe(&o, day + 11000, day + 11000, -1, 1000);
    assert_true(ratelimit_orders_reserve(&o, day + 11000) == 86400000LL - 11000);
    /* A -1015 Retry-After. */
    ratelimit_orders_init(&o, 10, 1000, 0);
    ratelimit_orders_block(&o, day + 5000);
    ratelimit_orders_block(&o, day + 4000);
    assert_true(ratelimit_orders_reserve(&o, day + 1000) == 4000);
    assert_true(ratelimit_orders_reserve(&o, day + 5000) == 0);
}

/* A hostile serverTime (+-INT64_MAX) reaches the windows as venue time:
 * nothing overflows (UBSan checks) and every wait stays within its window
 * or the block that was asked for. */
static void absurd_times_saturate(void **state)
{
    (void)state;
    const int64_t times[] = { INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1, 0 };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        for (size_t k = 0; k < sizeof times / sizeof times[0]; k++) {
            struct ratelimit_window w;
            ratelimit_window_init(&w, 60000, 2, 1000);
            ratelimit_window_observe(&w, times[k], times[i], 5);
            int64_t wait = ratelimit_window_reserve(&w, times[i], 1);
            assert_true(wait >= 0 && wait <= 60000);
            wait = ratelimit_window_reserve(&w, times[k], 1);
            assert_true(wait >= 0 && wait <= 60000);

            struct ratelimit rl;
            ratelimit_init(&rl, 6000, 1000);
            ratelimit_block(&rl, times[k]);
            wait = ratelimit_reserve(&rl, times[i], 1);
            assert_true(wait >= 0 && wait <= INT64_MAX / 2);
            ratelimit_destroy(&rl);

            struct ratelimit_orders o;
            ratelimit_orders_init(&o, 10, 1000, 500);
            ratelimit_orders_block(&o, times[k]);
            wait = ratelimit_orders_reserve(&o, times[i]);
            assert_true(wait >= 0 && wait <= INT64_MAX / 2);
            ratelimit_orders_observe(&o, times[k], times[i], 3, 3);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_fills_then_waits),
        cmocka_unit_test(oversized_cost_admitted_alone),
        cmocka_unit_test(observe_adopts_higher_server_count),
        cmocka_unit_test(unlimited),
        cmocka_unit_test(margin_carries_the_tail),
        cmocka_unit_test(margin_guards_the_head),
        cmocka_unit_test(observe_ignores_counts_from_the_edge),
        cmocka_unit_test(time_running_backwards_keeps_counts),
        cmocka_unit_test(shared_limiter_blocks_after_retry_after),
        cmocka_unit_test(orders_fit_both_windows),
        cmocka_unit_test(absurd_times_saturate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
