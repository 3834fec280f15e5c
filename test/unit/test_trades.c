/* Unit tests: the --trades CSV (row format, read-back keys, torn lines). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "looptrader/ledger.h"
#include "looptrader/trades.h"

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void row_format(void **state)
{
    (void)state;
    char row[1024];
    assert_int_equal(trades_format_row(row, sizeof row, 1767225600123LL, "alice", "ALPHAUSDT",
                                       SIDE_BUY, 42, "lt.abc123.0.3.b2", M("2"), M("5"),
                                       M("0.005"), "USDT", 1, 1),
                     0);
    assert_string_equal(row, "2026-01-01T00:00:00.123Z,alice,ALPHAUSDT,BUY,42,lt.abc123.0.3.b2,"
                             "2.5,2,5,0.005,USDT,3,2,1\n");
    /* an older file's columns: no rung */
    assert_int_equal(trades_format_row(row, sizeof row, 1767225600123LL, "alice", "ALPHAUSDT",
                                       SIDE_BUY, 42, "lt.abc123.0.3.b2", M("2"), M("5"),
                                       M("0.005"), "BNB", 1, 0),
                     0);
    assert_string_equal(row, "2026-01-01T00:00:00.123Z,alice,ALPHAUSDT,BUY,42,lt.abc123.0.3.b2,"
                             "2.5,2,5,0.005,BNB,3,2\n");
    /* not one of ours, fee unknown: empty fields */
    assert_int_equal(trades_format_row(row, sizeof row, 0, "bob", "X", SIDE_SELL, 7, "web", M("1"),
                                       M("1"), 0, NULL, -1, 1),
                     0);
    assert_string_equal(row, "1970-01-01T00:00:00.000Z,bob,X,SELL,7,web,1,1,1,,,,,\n");
    assert_int_equal(trades_format_row(row, 20, 0, "bob", "X", SIDE_SELL, 7, "web", M("1"),
                                       M("1"), 0, NULL, -1, 1),
                     LT_ERANGE);
}

static void dedupe_and_torn(void **state)
{
    (void)state;
    char path[] = "/tmp/test_trades_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct trades *t = NULL;
    struct lt_err e = { 0 };
    assert_int_equal(trades_open(path, &t, &e), 0);
    struct order_state st = { .client_id = "lt.abc123.0.1.b1", .order_id = 9,
                              .side = SIDE_BUY, .status = ORDER_FILLED,
                              .executed_qty = M("1"), .cum_quote = M("3"), .update_ms = 1000 };
    trades_order(t, "alice", "S", &st);
    trades_order(t, "alice", "S", &st);   /* the same order again: no row */
    trades_order(t, "bob", "S", &st);     /* same id, another account: a row */
    st.order_id = 10;
    st.status = ORDER_NEW;                /* not final: no row */
    trades_order(t, "alice", "S", &st);
    assert_int_equal(trades_written(t), 2);

    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    assert_int_equal(ledger_add_order(&l, "lt.abc123.0.2.s1", SIDE_SELL, M("3"), M("1")), 0);
    l.orders[0].order_id = 11;
    l.orders[0].cum_qty = M("1");
    l.orders[0].cum_quote = M("3");
    l.orders[0].rest_qty = M("1");
    l.orders[0].rest_quote = M("3");
    l.orders[0].final = 1;
    l.orders[0].rung = 2;
    trades_ledger(t, "alice", "S", &l);
    trades_ledger(t, "alice", "S", &l);
    assert_int_equal(trades_written(t), 3);
    trades_close(t);

    /* a torn row appended, then reopened: cut, and nothing written twice */
    FILE *f = fopen(path, "a");
    fputs("2026-01-01T00:00:00.000Z,alice,S,BUY,99", f);
    fclose(f);
    assert_int_equal(trades_open(path, &t, &e), 0);
    trades_ledger(t, "alice", "S", &l);
    st.order_id = 9;
    st.status = ORDER_FILLED;
    trades_order(t, "bob", "S", &st);
    assert_int_equal(trades_written(t), 0);
    trades_close(t);
    ledger_release(&l);
    char *text = slurp(path);
    assert_null(strstr(text, ",99"));
    assert_int_equal(strncmp(text, TRADES_HEADER, strlen(TRADES_HEADER)), 0);
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 4);

    assert_non_null(strstr(text, "lt.abc123.0.2.s1,3,1,3,0,USDT,2,1,2\n")); /* rung 2 */

    /* an older file (no rung column): read, and appended to in its columns */
    f = fopen(path, "w");
    fputs(TRADES_HEADER_V1, f);
    fputs("2026-01-01T00:00:00.000Z,alice,S,SELL,11,lt.abc123.0.2.s1,3,1,3,0,USDT,2,1\n", f);
    fclose(f);
    assert_int_equal(trades_open(path, &t, &e), 0);
    ledger_init(&l, "ALPHA", "USDT");
    assert_int_equal(ledger_add_order(&l, "lt.abc123.0.2.s1", SIDE_SELL, M("3"), M("1")), 0);
    l.orders[0].order_id = 11;
    l.orders[0].cum_qty = l.orders[0].rest_qty = M("1");
    l.orders[0].cum_quote = l.orders[0].rest_quote = M("3");
    l.orders[0].final = 1;
    l.orders[0].rung = 2;
    trades_ledger(t, "alice", "S", &l);  /* already there: no row */
    l.orders[0].order_id = 12;
    trades_ledger(t, "alice", "S", &l);
    assert_int_equal(trades_written(t), 1);
    trades_close(t);
    ledger_release(&l);
    text = slurp(path);
    assert_int_equal(strncmp(text, TRADES_HEADER_V1, strlen(TRADES_HEADER_V1)), 0);
    assert_non_null(strstr(text, ",12,lt.abc123.0.2.s1,3,1,3,0,USDT,2,1\n"));

    /* not a trades file: refused */
    f = fopen(path, "w");
    fputs("a,b\n", f);
    fclose(f);
    assert_int_equal(trades_open(path, &t, &e), LT_EPARSE);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(row_format),
        cmocka_unit_test(dedupe_and_torn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
