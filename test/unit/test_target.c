/* Unit tests: target windows, points <-> volume, remaining. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/target.h"

/* An exact amount from its decimal text. */
static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static void window_parse(void **state)
{
    (void)state;
    struct window w;
    struct lt_err e;
    assert_int_equal(target_window_parse("utc-day", &w, &e), 0);
    assert_int_equal(w.kind, WINDOW_UTC_DAY);
    assert_int_equal(target_window_parse("all", &w, &e), 0);
    assert_int_equal(w.kind, WINDOW_ALL);
    assert_int_equal(target_window_parse("rolling:24h", &w, &e), 0);
    assert_int_equal(w.kind, WINDOW_ROLLING);
    assert_true(w.rolling_ms == 86400000LL);
    assert_int_equal(target_window_parse("rolling:90m", &w, &e), 0);
    assert_true(w.rolling_ms == 5400000LL);
    assert_int_equal(target_window_parse("rolling:3600s", &w, &e), 0);
    assert_true(w.rolling_ms == 3600000LL);
    assert_int_equal(target_window_parse("rolling:7d", &w, &e), 0);
    assert_true(w.rolling_ms == 7 * 86400000LL);

    const char *bad[] = { "", "UTC-DAY", "day", "rolling:", "rolling:h", "rolling:0h",
                          "rolling:-1h", "rolling:24", "rolling:24x", "rolling:24hh",
                          "rolling:1.5h", "rolling: 1h", "rolling:99999999999999999999d",
                          "rolling:999999999999999999d" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        w.kind = WINDOW_ALL;
        lt_err_clear(&e);
        if (target_window_parse(bad[i], &w, &e) != LT_EINVAL)
            fail_msg("accepted window \"%s\"", bad[i]);
        assert_true(e.msg[0] != '\0');
        assert_int_equal(w.kind, WINDOW_ALL); /* untouched on error */
    }
    assert_int_equal(target_window_parse(NULL, &w, &e), LT_EINVAL);
}

static void window_start(void **state)
{
    (void)state;
    struct window day = { WINDOW_UTC_DAY, 0 };
    /* 2024-05-17T13:45:10.123Z -> 2024-05-17T00:00:00Z */
    assert_true(target_window_start(&day, 1715953510123LL) == 1715904000000LL);
    assert_true(target_window_start(&day, 1715904000000LL) == 1715904000000LL);
    assert_true(target_window_start(&day, 1715903999999LL) == 1715817600000LL);
    assert_true(target_window_start(&day, 0) == 0);

    /* independent of the host's timezone */
    setenv("TZ", "Asia/Shanghai", 1);
    tzset();
    assert_true(target_window_start(&day, 1715953510123LL) == 1715904000000LL);
    unsetenv("TZ");
    tzset();

    struct window roll = { WINDOW_ROLLING, 3600000LL };
    assert_true(target_window_start(&roll, 1715953510123LL) == 1715949910123LL);
    assert_true(target_window_start(&roll, 1000) == 0);
    struct window all = { WINDOW_ALL, 0 };
    assert_true(target_window_start(&all, 1715953510123LL) == 0);
}

static void points(void **state)
{
    (void)state;
    /* the MISSION example: 2^16 / 4 = 16384 quote */
    assert_true(target_from_points(16, 4) == M("16384"));
    assert_true(target_from_points(16, 1) == M("65536"));
    assert_true(target_from_points(1, 1) == M("2"));
    assert_true(target_from_points(0, 1) == M("1"));
    /* a multiplier that does not divide rounds the target up, never short */
    money_t t = target_from_points(10, 3);
    assert_true(t == M("341.33333334"));
    assert_int_equal(target_points(t, 3), 10);
    assert_int_equal(target_points(t - 1, 3), 9);
    /* too large for money_t saturates */
    assert_true(target_from_points(62, 1) == INT64_MAX);
    assert_true(target_from_points(63, 1) == 0);
    assert_true(target_from_points(5, 0) == 0);

    assert_int_equal(target_points(M("16384"), 4), 16);
    assert_int_equal(target_points(M("16383.99999999"), 4), 15);
    assert_int_equal(target_points(M("1"), 1), 0);
    assert_int_equal(target_points(M("0.99"), 1), 0);
    assert_int_equal(target_points(M("0.5"), 2), 0);
    assert_int_equal(target_points(M("2"), 1), 1);
    assert_int_equal(target_points(M("1023.9"), 1), 9);
    assert_int_equal(target_points(M("1024"), 1), 10);
    assert_int_equal(target_points(0, 4), 0);
    assert_int_equal(target_points(-M("100"), 4), 0);
    assert_int_equal(target_points(INT64_MAX, 1024), 46);
    for (int p = 1; p <= 36; p++)
        for (int m = 1; m <= 1024; m *= 2)
            assert_int_equal(target_points(target_from_points(p, m), m), p);
}

static void remaining(void **state)
{
    (void)state;
    assert_true(target_remaining(M("300"), M("120.5")) == M("179.5"));
    assert_true(target_remaining(M("300"), M("300")) == 0);
    assert_true(target_remaining(M("300"), M("1200")) == 0);
    assert_true(target_remaining(M("300"), 0) == M("300"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(window_parse),
        cmocka_unit_test(window_start),
        cmocka_unit_test(points),
        cmocka_unit_test(remaining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
