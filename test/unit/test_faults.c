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

/* faults_draw_http: each kind at its rate, the answers REST and the
 * WebSocket API both give, replayed by the seed, nothing without faults. */
static void http_draws(void **state)
{
    (void)state;
    struct faults a, b;
    struct fault_answer x, y;
    int n[4] = { 0 };
    faults_init(&a, 7);
    faults_init(&b, 7);
    a.http429 = b.http429 = MONEY_SCALE / 10;
    a.http5xx = b.http5xx = MONEY_SCALE / 5;
    for (int i = 0; i < 10000; i++) {
        enum fault_http k = faults_draw_http(&a, &x);
        assert_int_equal(k, faults_draw_http(&b, &y));
        n[k]++;
        if (k == FAULT_HTTP_429)
            assert_true(x.status == 429 && x.code == -1003 &&
                        x.retry_after_s == FAULT_RETRY_AFTER_S);
        else if (k == FAULT_HTTP_5XX_BEFORE)
            assert_true(x.status == 503 && x.code == -1001 && x.retry_after_s == -1);
        else if (k == FAULT_HTTP_5XX_AFTER)
            assert_true(x.status == 500 && x.code == -1000 && x.retry_after_s == -1);
    }
    /* 10 % refused; of the other 90 %, 20 % fail, half of them after executing */
    assert_in_range(n[FAULT_HTTP_429], 850, 1150);
    assert_in_range(n[FAULT_HTTP_5XX_BEFORE], 750, 1050);
    assert_in_range(n[FAULT_HTTP_5XX_AFTER], 750, 1050);
    faults_init(&a, 7);
    for (int i = 0; i < 100; i++)
        assert_int_equal(faults_draw_http(&a, &x), FAULT_HTTP_NONE);
    assert_int_equal(faults_draw_http(NULL, &x), FAULT_HTTP_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(parse_kinds),
                                        cmocka_unit_test(parse_errors),
                                        cmocka_unit_test(draws),
                                        cmocka_unit_test(http_draws) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
