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
                                "rounds 3 orders 7 last - cost_bps 0.00");
    /* the live step, its rung and the last fill price */
    u.step = "buying";
    u.rung = 2;
    u.last_fill_price = M("101.25");
    strbuf_reset(&sb);
    progress_line(&u, &sb);
    assert_string_equal(sb.buf, "progress alice: buying r2 [##########..........] 150.00/300.00 "
                                "rounds 3 orders 7 last 101.25 cost_bps 0.00");
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

/* The table's new columns: step with rung, last fill, a cost marked when
 * it leaves out unpriced BNB fees; the weight budget in the totals. */
static void columns(void **state)
{
    (void)state;
    struct report_user u[2] = {
        { .name = "alice", .status = USER_PENDING, .target = M("100"), .step = "selling",
          .rung = 1, .last_fill_price = M("99.5") },
        { .name = "bob", .status = USER_PENDING, .target = M("100"), .step = "rate-limit wait",
          .rung = -1 },
    };
    u[1].s.bought_quote = M("100");
    u[1].s.fees_other = M("0.01");
    u[1].s.fees_unpriced = 1;
    struct progress_totals tot = { .weight_used = 300, .weight_limit = 6000 };
    snprintf(tot.fee_asset, sizeof tot.fee_asset, "BNB");
    struct strbuf sb;
    strbuf_init(&sb, 0);
    progress_table(u, 2, 10, &tot, &sb);
    const char *t = sb.buf;
    assert_non_null(strstr(t, "last_fill"));
    assert_non_null(strstr(t, "selling r1"));
    assert_non_null(strstr(t, "99.5"));
    assert_non_null(strstr(t, "rate-limit wait"));
    assert_non_null(strstr(t, "0.00*\n"));
    assert_non_null(strstr(t, "weight 300 of 6000 (5%)/min"));
    assert_non_null(strstr(t, "* 1 account(s): cost leaves out fees in BNB"));
    /* busy accounts before those waiting for their turn, whatever their names */
    u[0].step = "queued";
    u[0].rung = -1;
    strbuf_reset(&sb);
    progress_table(u, 2, 10, &tot, &sb);
    assert_true(strstr(sb.buf, "bob") < strstr(sb.buf, "alice"));
    strbuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bar),
        cmocka_unit_test(line),
        cmocka_unit_test(many),
        cmocka_unit_test(columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
