/* Unit tests: report math (cost, bps, points, exit code) and the JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "looptrader/report.h"

#define M(x) ((money_t)((x) * 100000000LL))

static void cost_and_bps(void **state)
{
    (void)state;
    struct user_stats s = { 0 };
    assert_int_equal(report_cost_bps_x100(&s), 0);
    s.bought_quote = M(300);
    s.sold_quote = M(299);
    s.fees_quote = M(3) / 10; /* 0.3 */
    /* (0.3 + 300 - 299) / 300 * 1e4 = 43.33 bps */
    assert_true(report_cost(&s) == M(13) / 10);
    assert_int_equal(report_cost_bps_x100(&s), 4333);
    s.sold_quote = M(301); /* a gain */
    assert_int_equal(report_cost_bps_x100(&s), -2333);
}

static void exit_codes(void **state)
{
    (void)state;
    struct report_user u[3];
    memset(u, 0, sizeof(u));
    u[0].status = USER_DONE;
    u[1].status = USER_SKIPPED;
    u[2].status = USER_DONE;
    assert_int_equal(report_exit_code(u, 3, 0), 0);
    assert_int_equal(report_exit_code(u, 3, 1), 3);
    u[2].status = USER_STOPPED;
    assert_int_equal(report_exit_code(u, 3, 0), 3);
    u[1].status = USER_FAILED;
    assert_int_equal(report_exit_code(u, 3, 1), 1);
    assert_int_equal(report_exit_code(u, 0, 0), 0);
}

static void json_round_trip(void **state)
{
    (void)state;
    struct report_user u[2];
    memset(u, 0, sizeof(u));
    u[0].name = "alice";
    u[0].status = USER_DONE;
    u[0].target = M(300);
    u[0].window_before = M(0);
    u[0].window_after = M(30025) / 100; /* 300.25 */
    u[0].s.bought_quote = M(30025) / 100;
    u[0].s.bought_base = M(150);
    u[0].s.sold_base = M(150);
    u[0].s.sold_quote = M(300);
    u[0].s.fees_quote = M(6) / 10;
    u[0].s.rounds = 6;
    u[0].s.orders = 13;
    u[1].name = "bad \"quote\"";
    u[1].status = USER_FAILED;
    snprintf(u[1].error, sizeof(u[1].error), "exchange -2015: Invalid API-key");
    u[1].target = 65536 * MONEY_SCALE / 4;
    u[1].target_points = 16;
    u[1].multiplier = 4;
    u[1].window_before = M(8192);
    u[1].window_after = M(8192);
    struct report_run run = { .run_id = "abc123", .symbol = "ALPHAUSDT", .started_ms = 1,
                              .finished_ms = 2, .exit_code = 1, .users = u, .n_users = 2 };
    char path[] = "/tmp/test_report_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct lt_err err;
    assert_int_equal(report_write_json(&run, path, &err), 0);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    unlink(path);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 1);
    json_t *users = json_object_get(j, "users");
    assert_int_equal(json_array_size(users), 2);
    json_t *a = json_array_get(users, 0);
    assert_string_equal(json_string_value(json_object_get(a, "status")), "done");
    assert_true(json_real_value(json_object_get(a, "window_buy_after")) == 300.25);
    assert_int_equal(json_integer_value(json_object_get(a, "rounds")), 6);
    /* (0.6 + 300.25 - 300) / 300.25 * 1e4 = 28.31 bps */
    assert_true(json_real_value(json_object_get(a, "avg_cost_bps")) == 28.30);
    assert_null(json_object_get(a, "target_points"));
    json_t *b = json_array_get(users, 1);
    assert_string_equal(json_string_value(json_object_get(b, "name")), "bad \"quote\"");
    assert_string_equal(json_string_value(json_object_get(b, "error")),
                        "exchange -2015: Invalid API-key");
    assert_int_equal(json_integer_value(json_object_get(b, "target_points")), 16);
    /* log2(8192 * 4) = 15 */
    assert_int_equal(json_integer_value(json_object_get(b, "points_after")), 15);
    json_decref(j);
}

/* Fees in BNB: valued, they enter the cost; unpriced, the cost leaves
 * them out and the report says so (null, a note), never a silent 0. */
static void third_asset_fees(void **state)
{
    (void)state;
    struct report_user u[2];
    memset(u, 0, sizeof(u));
    for (int i = 0; i < 2; i++) {
        u[i].name = i ? "bob" : "alice";
        u[i].status = USER_PENDING;
        u[i].step = "selling";
        u[i].rung = 1;
        u[i].last_fill_price = M(2);
        u[i].s.bought_quote = M(100);
        u[i].s.sold_quote = M(100);
        u[i].s.fees_other = M(1) / 1000; /* 0.001 BNB */
    }
    u[0].s.fees_other_quote = M(6) / 10; /* at 600 */
    u[1].s.fees_unpriced = 1;
    assert_int_equal(report_cost(&u[0].s), M(6) / 10);
    assert_int_equal(report_cost(&u[1].s), 0);
    struct report_run run = { .run_id = "r", .symbol = "S", .fee_asset = "BNB", .users = u,
                              .n_users = 2 };
    char *text = report_json(&run);
    assert_non_null(text);
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    free(text);
    assert_non_null(j);
    json_t *a = json_array_get(json_object_get(j, "users"), 0);
    json_t *b = json_array_get(json_object_get(j, "users"), 1);
    assert_string_equal(json_string_value(json_object_get(a, "step")), "selling");
    assert_int_equal(json_integer_value(json_object_get(a, "rung")), 1);
    assert_true(json_number_value(json_object_get(a, "last_fill_price")) == 2);
    assert_string_equal(json_string_value(json_object_get(a, "fees_other_asset")), "BNB");
    assert_true(json_number_value(json_object_get(a, "fees_other_quote")) == 0.6);
    assert_true(json_number_value(json_object_get(a, "cost_quote")) == 0.6);
    assert_true(json_number_value(json_object_get(a, "avg_cost_bps")) == 60);
    assert_null(json_object_get(a, "cost_note"));
    assert_true(json_is_null(json_object_get(b, "fees_other_quote")));
    assert_non_null(strstr(json_string_value(json_object_get(b, "cost_note")),
                           "leaves out 0.001 BNB"));
    json_t *tot = json_object_get(j, "totals");
    assert_true(json_number_value(json_object_get(tot, "fees_other")) == 0.002);
    assert_non_null(json_object_get(tot, "cost_note"));
    json_decref(j);
}

/* `looptrader report FILE` on a report written before the step and BNB
 * fields existed, and on one with BNB fees: both print their table. */
static void print_old_and_new(void **state)
{
    (void)state;
    char path[] = "/tmp/test_report_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *old_json =
        "{\"run\": \"r1\", \"symbol\": \"S\", \"started_ms\": 0, \"finished_ms\": 5000,"
        " \"exit_code\": 0, \"users\": [{\"name\": \"alice\", \"status\": \"done\","
        " \"target\": 10, \"bought_quote\": 10, \"sold_quote\": 9.9, \"fees_quote\": 0.02,"
        " \"rounds\": 1, \"orders\": 2}]}";
    assert_int_equal(write(fd, old_json, strlen(old_json)), (ssize_t)strlen(old_json));
    close(fd);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    struct lt_err err = { 0 };
    assert_int_equal(report_print_file(path, f, &err), 0);
    fclose(f);
    assert_non_null(strstr(text, "alice"));
    assert_null(strstr(text, "BNB"));
    free(text);
    /* a new one, BNB fees valued and not */
    struct report_user u[2];
    memset(u, 0, sizeof(u));
    u[0].name = "alice";
    u[1].name = "bob";
    u[0].status = u[1].status = USER_DONE;
    u[0].s.bought_quote = u[1].s.bought_quote = M(10);
    u[0].s.fees_other = u[1].s.fees_other = M(1) / 10000;
    u[0].s.fees_other_quote = M(6) / 100;
    u[1].s.fees_unpriced = 1;
    struct report_run run = { .run_id = "r2", .symbol = "S", .fee_asset = "BNB", .users = u,
                              .n_users = 2, .quote_decimals = 2, .base_decimals = 2 };
    assert_int_equal(report_write_json(&run, path, &err), 0);
    f = open_memstream(&text, &len);
    assert_int_equal(report_print_file(path, f, &err), 0);
    fclose(f);
    unlink(path);
    assert_non_null(strstr(text, "alice: fees 0.0001 BNB valued 0.06 in the cost"));
    assert_non_null(strstr(text, "bob: fees 0.0001 BNB left out of the cost: no price"));
    free(text);
}

/* The table rounds to the symbol's precision: 6719.82669 at 2 decimals is
 * 6719.83, not the truncated 6719.82; halves go away from zero. */
static void amounts_rounded(void **state)
{
    (void)state;
    char b[MONEY_STR_MAX];
    assert_string_equal(report_format_amount(671982669000LL, 2, b), "6719.83");
    assert_string_equal(report_format_amount(671982669000LL, 4, b), "6719.8267");
    assert_string_equal(report_format_amount(671982669000LL, 8, b), "6719.82669000");
    assert_string_equal(report_format_amount(-671982669000LL, 2, b), "-6719.83");
    assert_string_equal(report_format_amount(12500000, 1, b), "0.1");   /* 0.125 */
    assert_string_equal(report_format_amount(15000000, 1, b), "0.2");   /* 0.15 */
    assert_string_equal(report_format_amount(-15000000, 1, b), "-0.2");
    assert_string_equal(report_format_amount(149999999, 0, b), "1");
    assert_string_equal(report_format_amount(150000000, 0, b), "2");
    assert_string_equal(report_format_amount(5, 12, b), "0.00000005"); /* clamped to 8 */
    assert_non_null(report_format_amount(INT64_MAX, 2, b));
    assert_non_null(report_format_amount(INT64_MIN, 2, b));
    assert_true(b[0] == '-');

    struct report_user u = { .name = "alice", .status = USER_DONE, .target = M(6700),
                             .window_after = 671982669000LL };
    u.s.bought_quote = 671982669000LL;
    struct report_run run = { .run_id = "r", .symbol = "ALPHAUSDT", .users = &u, .n_users = 1,
                              .quote_decimals = 2, .base_decimals = 1,
                              .error = "not a secret" };
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    report_print_table(&run, f);
    fclose(f);
    assert_non_null(strstr(text, " 6719.83 "));
    assert_null(strstr(text, "6719.82 "));
    assert_non_null(strstr(text, "not started: not a secret"));
    free(text);
    char *json = report_json(&run);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"error\": \"not a secret\""));
    assert_non_null(strstr(json, "6719.82669")); /* the JSON stays exact */
    free(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cost_and_bps),
        cmocka_unit_test(exit_codes),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(third_asset_fees),
        cmocka_unit_test(print_old_and_new),
        cmocka_unit_test(amounts_rounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
