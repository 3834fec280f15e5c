/* Unit tests: --fault spec parsing and seeded, reproducible draws. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "looptrader/sim/faults.h"

static void parse_kinds(void **state)
{
    (void)state;
    struct faults f;
    struct lt_err err = { 0 };
    faults_init(&f, 1);
    assert_int_equal(faults_parse(&f, "latency_ms=20", &err), 0);
    assert_int_equal(faults_parse(&f, "ws_drop_ms=1500", &err), 0);
    assert_int_equal(faults_parse(&f, "http5xx=0.05", &err), 0);
    assert_int_equal(faults_parse(&f, "http429=0.02", &err), 0);
    assert_int_equal(faults_parse(&f, "push_loss=0.2", &err), 0);
    assert_int_equal(faults_parse(&f, "partial=1", &err), 0);
    assert_int_equal(f.latency_ms, 20);
    assert_int_equal(f.ws_drop_ms, 1500);
    assert_int_equal(f.http5xx, 5000000);
    assert_int_equal(f.http429, 2000000);
    assert_int_equal(f.push_loss, 20000000);
    assert_int_equal(f.partial, 100000000);
}

static void parse_errors(void **state)
{
    (void)state;
    const char *bad[] = { "latency_ms", "latency_ms=", "latency_ms=-1", "latency_ms=1.5",
                          "latency_ms=999999999", "http5xx=1.5", "http5xx=-0.1",
                          "http5xx=abc", "bogus=1", "=1", "push_loss=0.1x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct faults f;
        struct lt_err err = { 0 };
        faults_init(&f, 1);
        assert_int_equal(faults_parse(&f, bad[i], &err), LT_EINVAL);
        assert_true(err.msg[0] != '\0');
    }
}

static void draws(void **state)
{
    (void)state;
    struct faults a, b;
    faults_init(&a, 42);
    faults_init(&b, 42);
    int hits = 0;
    for (int i = 0; i < 10000; i++) {
        int x = faults_draw(&a, MONEY_SCALE / 4);
        assert_int_equal(x, faults_draw(&b, MONEY_SCALE / 4));
        hits += x;
    }
    assert_in_range(hits, 2200, 2800);
    assert_int_equal(faults_draw(&a, 0), 0);
    assert_int_equal(faults_draw(&a, MONEY_SCALE), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(parse_kinds),
                                        cmocka_unit_test(parse_errors),
                                        cmocka_unit_test(draws) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
