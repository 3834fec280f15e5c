/* Unit tests: fixed-window rate limits and Retry-After blocking. */
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
    ratelimit_window_init(&w, 10000, 3);
    int64_t t = 1700000003000; /* 3 s into a 10 s window */
    assert_true(ratelimit_window_reserve(&w, t, 1) == 0);
    assert_true(ratelimit_window_reserve(&w, t, 1) == 0);
    assert_true(ratelimit_window_reserve(&w, t + 1, 1) == 0);
    assert_true(ratelimit_window_reserve(&w, t + 2000, 1) == 5000);
    assert_true(w.used == 3); /* refused reservations are not counted */
    assert_true(ratelimit_window_reserve(&w, t + 7000, 1) == 0); /* next window */
    assert_true(w.used == 1);
}

static void oversized_cost_admitted_alone(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 10);
    assert_true(ratelimit_window_reserve(&w, 0, 50) == 0);
    assert_true(ratelimit_window_reserve(&w, 1, 1) == 59999);
}

static void observe_adopts_higher_server_count(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 100);
    assert_true(ratelimit_window_reserve(&w, 1000, 5) == 0);
    ratelimit_window_observe(&w, 1000, 99);
    assert_true(w.used == 99);
    ratelimit_window_observe(&w, 1000, 50); /* lower: keep ours */
    assert_true(w.used == 99);
    assert_true(ratelimit_window_reserve(&w, 2000, 2) == 58000);
    assert_true(ratelimit_window_reserve(&w, 2000, 1) == 0);
}

static void unlimited(void **state)
{
    (void)state;
    struct ratelimit_window w;
    ratelimit_window_init(&w, 60000, 0);
    for (int i = 0; i < 1000; i++)
        assert_true(ratelimit_window_reserve(&w, 5, 100) == 0);
}

static void shared_limiter_blocks_after_retry_after(void **state)
{
    (void)state;
    struct ratelimit rl;
    ratelimit_init(&rl, 6000);
    assert_true(ratelimit_reserve(&rl, 1000, 1) == 0);
    ratelimit_block(&rl, 4000);
    assert_true(ratelimit_reserve(&rl, 1000, 1) == 3000);
    ratelimit_block(&rl, 2000); /* an earlier deadline never shortens the block */
    assert_true(ratelimit_reserve(&rl, 3500, 1) == 500);
    assert_true(ratelimit_reserve(&rl, 4000, 1) == 0);
    ratelimit_observe(&rl, 4000, 6000);
    assert_true(ratelimit_reserve(&rl, 4001, 1) == 55999);
    ratelimit_destroy(&rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_fills_then_waits),
        cmocka_unit_test(oversized_cost_admitted_alone),
        cmocka_unit_test(observe_adopts_higher_server_count),
        cmocka_unit_test(unlimited),
        cmocka_unit_test(shared_limiter_blocks_after_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
