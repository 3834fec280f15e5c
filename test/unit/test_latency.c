/* Unit tests: the latency histogram's buckets and quantiles, and the hooks'
 * output file (in a child process, whose exit writes it). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "looptrader/latency.h"

static void buckets_cover_each_value_once(void **state)
{
    (void)state;
    /* Exact below 8 ns, then 8 buckets per power of two. */
    for (uint64_t v = 0; v < 8; v++)
        assert_int_equal(latency_bucket(v), v);
    uint64_t vals[] = { 8, 9, 15, 16, 17, 100, 1000, 99999, 100000, 1234567, 1ull << 40,
                        (1ull << 63) + 12345, UINT64_MAX };
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        size_t b = latency_bucket(vals[i]);
        assert_true(b < LATENCY_BUCKETS);
        assert_true(latency_bucket_low(b) <= vals[i]);
        assert_true(vals[i] < latency_bucket_high(b) || latency_bucket_high(b) == UINT64_MAX);
        /* At most 1/8 wide relative to its lower bound. */
        if (vals[i] >= 8 && latency_bucket_high(b) != UINT64_MAX)
            assert_true(latency_bucket_high(b) - latency_bucket_low(b) <=
                        latency_bucket_low(b) / 8);
    }
    /* Adjacent buckets tile the line with no gap. */
    for (size_t b = 0; b + 2 < LATENCY_BUCKETS; b++)
        assert_true(latency_bucket_high(b) == latency_bucket_low(b + 1));
    /* And a larger value never lands in a smaller bucket. */
    for (uint64_t v = 0; v < 100000; v++)
        assert_true(latency_bucket(v) <= latency_bucket(v + 1));
}

static void quantiles_never_under_report(void **state)
{
    (void)state;
    struct latency_hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    assert_true(latency_hist_quantile(h, 0.5) == 0);
    latency_hist_add(h, 777);
    /* One sample: every quantile is that sample (capped at the maximum). */
    assert_true(latency_hist_quantile(h, 0.5) == 777);
    assert_true(latency_hist_quantile(h, 0.99) == 777);
    memset(h, 0, sizeof *h);
    for (uint64_t us = 1; us <= 100; us++)
        latency_hist_add(h, us * 1000);
    uint64_t p50 = latency_hist_quantile(h, 0.50), p99 = latency_hist_quantile(h, 0.99);
    assert_true(p50 >= 50000 && p50 <= 50000 + 50000 / 8);
    assert_true(p99 >= 99000 && p99 <= 100000);
    assert_true(latency_hist_quantile(h, 1.0) == 100000);
    assert_true(h->count == 100 && h->max_ns == 100000 && h->sum_ns == 5050000);
    free(h);
}

static void json_line(void **state)
{
    (void)state;
    struct latency_hist *h = calloc(1, sizeof *h);
    assert_non_null(h);
    latency_hist_add(h, 2000);
    latency_hist_add(h, 4000);
    char buf[256] = { 0 };
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    assert_non_null(f);
    latency_hist_json(h, f);
    fclose(f);
    assert_string_equal(buf, "{\"n\":2,\"p50_us\":2.0,\"p99_us\":4.0,\"max_us\":4.0,\"mean_us\":3.0}");
    free(h);
}

/* The hooks in the order one worker calls them: one sample per metric,
 * and the marks set; the file appears only because the child exits. */
static void hooks_write_the_file_at_exit(void **state)
{
    (void)state;
    char path[] = "/tmp/lt-latency-test.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("LT_LATENCY_FILE", path, 1);
        latency_mark(LATENCY_MARK_FILTER_START);
        latency_mark(LATENCY_MARK_FILTER_END);
        latency_tick_read();
        latency_woke();
        latency_price_taken();
        latency_price_taken(); /* no wait ended since: its age only */
        latency_order_sent();
        latency_fill_known();
        latency_fill_known(); /* no order in flight: no second sample */
        latency_order_sent(); /* no price taken: only the send is marked */
        exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char buf[2048] = { 0 };
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    unlink(path);
    assert_true(n > 0);
    assert_non_null(strstr(buf, "\"tick_to_order\":{\"n\":1,"));
    assert_non_null(strstr(buf, "\"take_to_order\":{\"n\":1,"));
    assert_non_null(strstr(buf, "\"sent_to_fill\":{\"n\":1,"));
    assert_non_null(strstr(buf, "\"price_age\":{\"n\":2,"));
    assert_non_null(strstr(buf, "\"wake_to_take\":{\"n\":1,"));
    assert_non_null(strstr(buf, "\"marks_unix_ns\":{\"filter_start\":"));
    assert_null(strstr(buf, "\"first_order\":0}"));
    assert_null(strstr(buf, "\"filter_end\":0,"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buckets_cover_each_value_once),
        cmocka_unit_test(quantiles_never_under_report),
        cmocka_unit_test(json_line),
        cmocka_unit_test(hooks_write_the_file_at_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
