/* Unit tests: the live table and progress lines. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/progress.h"

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static void bar(void **state)
{
    (void)state;
    char b[PROGRESS_BAR + 3];
    progress_bar(0, M("100"), b);
    assert_string_equal(b, "[....................]");
    progress_bar(M("50"), M("100"), b);
    assert_string_equal(b, "[##########..........]");
    progress_bar(M("500"), M("100"), b);
    assert_string_equal(b, "[####################]");
    progress_bar(M("5"), 0, b);
    assert_string_equal(b, "[....................]");
}

static void line(void **state)
{
    (void)state;
    struct report_user u = { .name = "alice", .status = USER_PENDING, .target = M("300"),
                             .window_after = M("150") };
    u.s.rounds = 3;
    u.s.orders = 7;
    struct strbuf sb;
    strbuf_init(&sb, 0);
    progress_line(&u, &sb);
    assert_string_equal(sb.buf, "progress alice: running [##########..........] 150.00/300.00 "
                                "rounds 3 orders 7 cost_bps 0.00");
    strbuf_free(&sb);
}

/* 500 accounts in a 10-row table: the failed one and the running ones
 * first, the rest counted by status. */
static void many(void **state)
{
    (void)state;
    size_t n = 500;
    struct report_user *u = calloc(n, sizeof(*u));
    char (*names)[16] = calloc(n, 16);
    for (size_t i = 0; i < n; i++) {
        snprintf(names[i], 16, "u%03zu", i);
        u[i].name = names[i];
        u[i].target = M("100");
        u[i].status = i < 490 ? USER_DONE : USER_PENDING;
        u[i].window_after = i < 490 ? M("100") : (money_t)(i - 489) * M("1");
        u[i].s.orders = 2;
    }
    u[7].status = USER_FAILED;
    snprintf(u[7].error, sizeof u[7].error, "credentials rejected");
    struct strbuf sb;
    strbuf_init(&sb, 0);
    struct progress_totals tot = { .orders_per_s = 12.5, .elapsed_s = 30, .weight_used = 60 };
    progress_table(u, n, 10, &tot, &sb);
    const char *t = sb.buf;
    const char *failed = strstr(t, "u007"), *run = strstr(t, "u490"), *run2 = strstr(t, "u497");
    assert_non_null(failed);
    assert_non_null(run);
    assert_non_null(run2);
    assert_true(failed < run && run < run2); /* furthest from target first */
    assert_non_null(strstr(t, "credentials rejected"));
    assert_null(strstr(t, "u498"));
    assert_non_null(strstr(t, "... 491 more: 2 running 489 done\n"));
    assert_non_null(strstr(t, "total 500 accounts: 10 running, 489 done, 0 skipped, 0 stopped, 1 failed"));
    assert_non_null(strstr(t, "1000 orders, 12.5 orders/s; weight 60/min; 30 s\n"));
    int lines = 0;
    for (const char *p = t; *p; p++)
        lines += *p == '\n';
    assert_true(lines <= 10 + 3);
    strbuf_free(&sb);
    free(names);
    free(u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bar),
        cmocka_unit_test(line),
        cmocka_unit_test(many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
