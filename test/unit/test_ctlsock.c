/* Unit tests: the control socket's command parser, its request framing,
 * its server's answer to a request holding a NUL byte and the client's
 * reading of an answer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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

/* A request's end found after any split of its bytes, the bound checked
 * whatever the split, a NUL byte refused as soon as it is read. */
static void request_framing(void **state)
{
    (void)state;
    size_t n = 99;
    const char *bad = NULL;
    assert_int_equal(ctl_request_frame("", 0, "\r\n\r\n", 8, &n, &bad), 0);
    assert_int_equal(ctl_request_frame("GET /\r\n", 7, "\r\n\r\n", 8, &n, &bad), 0);
    assert_int_equal(ctl_request_frame("GET /\r\n\r\nmore", 13, "\r\n\r\n", 8, &n, &bad), 1);
    assert_int_equal(n, 5);
    /* exactly max bytes before the end: whole, also while the end is
     * still arriving (the old check refused 8 bytes + "\r\n\r" as too long) */
    assert_int_equal(ctl_request_frame("12345678\r\n\r\n", 12, "\r\n\r\n", 8, &n, &bad), 1);
    assert_int_equal(n, 8);
    assert_int_equal(ctl_request_frame("12345678\r\n\r", 11, "\r\n\r\n", 8, &n, &bad), 0);
    assert_int_equal(ctl_request_frame("123456789\r\n\r", 12, "\r\n\r\n", 8, &n, &bad), -1);
    assert_string_equal(bad, "command line too long");
    assert_int_equal(ctl_request_frame("123456789\r\n\r\n", 13, "\r\n\r\n", 8, &n, &bad), -1);
    bad = NULL;
    assert_int_equal(ctl_request_frame("ab\0cd", 5, "\n", 8, &n, &bad), -1);
    assert_string_equal(bad, "a NUL byte in the command");
    /* past the end is the next request's, not this one's */
    assert_int_equal(ctl_request_frame("ab\n\0", 4, "\n", 8, &n, &bad), 1);
    assert_int_equal(n, 2);
}

static void echo(void *ctx, char *request, const char *bad, struct strbuf *out)
{
    (void)ctx;
    strbuf_addf(out, "%s\n", bad ? bad : request);
}

/* A client that sends a NUL byte before the newline and waits: answered
 * at once that the command holds a NUL, not left waiting for a newline
 * (it used to time out after CTL_IO_MS: the search stopped at the NUL). */
static void nul_byte_answered_at_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_ctlsock_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s/s", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 4), 0);
    struct ctlsock *cs = NULL;
    struct lt_err e = { 0 };
    assert_int_equal(ctlsock_serve(lfd, "\n", 64, echo, NULL, &cs, &e), 0);
    int c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(c >= 0);
    assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(write(c, "stop a\0b\n", 9), 9);
    char answer[128];
    size_t got = 0;
    ssize_t k;
    while (got < sizeof answer - 1 && (k = read(c, answer + got, sizeof answer - 1 - got)) > 0)
        got += (size_t)k;
    answer[got] = '\0';
    assert_string_equal(answer, "a NUL byte in the command\n");
    close(c);
    ctlsock_stop(cs);
    unlink(sa.sun_path);
    rmdir(dir);
}

/* The client's reading of an answer, whole or cut short anywhere. */
static void answer_split(void **state)
{
    (void)state;
    struct ctl_answer a;
    const char *t = "ok\nuser  status\n";
    ctl_answer_split(t, strlen(t), &a);
    assert_true(a.ok && a.whole);
    assert_int_equal(a.body_len, strlen("user  status\n"));
    assert_memory_equal(a.body, "user  status\n", a.body_len);

    t = "error unknown account nosuch\n";
    ctl_answer_split(t, strlen(t), &a);
    assert_true(!a.ok && a.whole);
    assert_int_equal(a.msg_len, strlen("unknown account nosuch"));
    assert_memory_equal(a.msg, "unknown account nosuch", a.msg_len);
    assert_int_equal(a.body_len, 0);

    /* cut before its newline: the whole reason is kept, not one byte less */
    t = "error unknown account nosuch";
    ctl_answer_split(t, strlen(t), &a);
    assert_true(!a.ok && !a.whole);
    assert_int_equal(a.msg_len, strlen("unknown account nosuch"));
    assert_int_equal(a.body_len, 0);

    /* "ok" cut short, or a longer word, is not ok */
    static const char *const not_ok[] = { "", "o", "ok", "okay\n", "error", "error \n", "\n" };
    for (size_t i = 0; i < sizeof not_ok / sizeof *not_ok; i++) {
        ctl_answer_split(not_ok[i], strlen(not_ok[i]), &a);
        assert_false(a.ok);
        assert_true(a.msg + a.msg_len <= not_ok[i] + strlen(not_ok[i]));
        assert_true(a.body + a.body_len == not_ok[i] + strlen(not_ok[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_forms),  cmocka_unit_test(stop_resume_set),
        cmocka_unit_test(bad_input),     cmocka_unit_test(too_many_names),
        cmocka_unit_test(socket_path),   cmocka_unit_test(request_framing),
        cmocka_unit_test(nul_byte_answered_at_once), cmocka_unit_test(answer_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
