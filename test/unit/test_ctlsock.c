/* Unit tests: the control socket's command parser. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/ctlsock.h"

/* Parses a copy of text; returns the rc and leaves the command in cmd. */
static int parse(const char *text, struct ctl_cmd *cmd, struct lt_err *e)
{
    static char buf[1 << 20];
    snprintf(buf, sizeof buf, "%s", text);
    memset(e, 0, sizeof(*e));
    return ctl_parse(buf, cmd, e);
}

static void status_forms(void **state)
{
    (void)state;
    struct ctl_cmd c;
    struct lt_err e;
    assert_int_equal(parse("status", &c, &e), 0);
    assert_int_equal(c.op, CTL_STATUS);
    assert_int_equal(c.json, 0);
    ctl_cmd_free(&c);
    assert_int_equal(parse("  status\t--json \r", &c, &e), 0);
    assert_int_equal(c.json, 1);
    ctl_cmd_free(&c);
    assert_int_equal(parse("status alice", &c, &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "usage"));
}

static void stop_resume_set(void **state)
{
    (void)state;
    struct ctl_cmd c;
    struct lt_err e;
    assert_int_equal(parse("stop alice bob", &c, &e), 0);
    assert_int_equal(c.op, CTL_STOP);
    assert_int_equal(c.n_names, 2);
    assert_string_equal(c.names[1], "bob");
    ctl_cmd_free(&c);
    assert_int_equal(parse("stop --all", &c, &e), 0);
    assert_int_equal(c.op, CTL_STOP_ALL);
    ctl_cmd_free(&c);
    assert_int_equal(parse("resume bob", &c, &e), 0);
    assert_int_equal(c.op, CTL_RESUME);
    assert_string_equal(c.names[0], "bob");
    ctl_cmd_free(&c);
    assert_int_equal(parse("set bob target=12.5", &c, &e), 0);
    assert_int_equal(c.op, CTL_SET);
    money_t want;
    assert_int_equal(money_parse("12.5", &want), 0);
    assert_true(c.target == want);
    ctl_cmd_free(&c);
}

static void bad_input(void **state)
{
    (void)state;
    struct ctl_cmd c;
    struct lt_err e;
    const char *bad[] = { "", "   ", "stop", "resume", "resume a b", "set bob", "set bob 5",
                          "set bob target=", "set bob target=-1", "set bob target=0",
                          "set bob target=abc", "stop ../etc", "stop -x", "frobnicate",
                          "stop --all bob" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(parse(bad[i], &c, &e), LT_EINVAL);
        assert_true(e.msg[0] != '\0');
        assert_null(c.names);
    }
    assert_non_null(strstr((parse("frobnicate", &c, &e), e.msg), "unknown command"));
}

static void too_many_names(void **state)
{
    (void)state;
    size_t n = CTL_NAMES_MAX + 10;
    char *line = malloc(n * 3 + 8);
    assert_non_null(line);
    strcpy(line, "stop");
    for (size_t i = 0; i < n; i++)
        strcat(line + 4 + i * 2, " a");
    struct ctl_cmd c;
    struct lt_err e = { 0 };
    assert_int_equal(ctl_parse(line, &c, &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "at most"));
    free(line);
}

static void socket_path(void **state)
{
    (void)state;
    char out[4096], dir[300];
    struct lt_err e = { 0 };
    assert_int_equal(ctlsock_path("state", out, sizeof out, &e), 0);
    assert_string_equal(out, "state/looptrader.sock");
    memset(dir, 'd', sizeof dir - 1);
    dir[sizeof dir - 1] = '\0';
    assert_int_equal(ctlsock_path(dir, out, sizeof out, &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "shorter --state-dir"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_forms),  cmocka_unit_test(stop_resume_set),
        cmocka_unit_test(bad_input),     cmocka_unit_test(too_many_names),
        cmocka_unit_test(socket_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
