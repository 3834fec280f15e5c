/* Unit tests: journal (intent/outcome/settled lines; the orders after the
 * last settled line and its residual read back, torn lines skipped;
 * rotation keeps the residual). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "looptrader/journal.h"

#define M(x) ((money_t)((x) * 100000000LL))

static char dir[64];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_journal_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void pending_rounds(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    char sub[128];
    snprintf(sub, sizeof(sub), "%s/a/b", dir); /* created on demand */
    assert_int_equal(journal_open(sub, "al/ice", &j, &err), 0);
    assert_non_null(strstr(journal_path(j), "/al_ice.jsonl"));
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.b1", SIDE_BUY, M(2), M(25), &err), 0);
    assert_int_equal(journal_outcome(j, "final", "lt.r1.0.1.b1", ORDER_FILLED, M(25), M(50),
                                     &err), 0);
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.s2", SIDE_SELL, M(2), M(25), &err), 0);
    assert_int_equal(journal_settled(j, "r1", 1, M(25), M(25), 0, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 2, "lt.r1.0.2.b1", SIDE_BUY, M(2), M(25), &err), 0);
    assert_int_equal(journal_intent(j, "r1", 2, "lt.r1.0.2.s2", SIDE_SELL, M(2), M(25), &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    journal_close(j);

    /* Every line names the user and carries a timestamp. */
    FILE *r = fopen(path, "r");
    assert_non_null(r);
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof(line), r)) {
        assert_non_null(strstr(line, "\"user\":\"al/ice\""));
        assert_non_null(strstr(line, "\"ts\":"));
        lines++;
    }
    fclose(r);
    assert_int_equal(lines, 6);

    /* A crash mid-write leaves a torn line. */
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"ev\":\"intent\",\"run\":\"r1\",\"rou", f);
    fclose(f);

    struct journal_pending *p;
    size_t n;
    money_t residual = -1;
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(residual, 0);
    assert_string_equal(p[0].client_id, "lt.r1.0.2.b1");
    assert_int_equal(p[0].side, SIDE_BUY);
    assert_int_equal(p[0].round, 2);
    assert_string_equal(p[0].run, "r1");
    assert_string_equal(p[1].client_id, "lt.r1.0.2.s2");
    assert_int_equal(p[1].side, SIDE_SELL);
    free(p);

    /* Appending after the torn line still works once a newline ends it;
     * settling round 2 leaves nothing pending. */
    f = fopen(path, "a");
    fputs("\n", f);
    fclose(f);
    assert_int_equal(journal_open(sub, "al/ice", &j, &err), 0);
    assert_int_equal(journal_settled(j, "r1", 2, M(25), M(25), 0, &err), 0);
    journal_close(j);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    assert_null(p);

    /* Rotation keeps the old file as .prev and starts an empty one. */
    assert_int_equal(journal_open(sub, "al/ice", &j, &err), 0);
    assert_int_equal(journal_rotate(j, "r2", 0, &err), 0);
    assert_int_equal(journal_intent(j, "r2", 1, "lt.r2.0.1.b1", SIDE_BUY, M(2), M(1), &err), 0);
    journal_close(j);
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(residual, 0);
    assert_string_equal(p[0].run, "r2");
    free(p);
    char prev[300];
    snprintf(prev, sizeof(prev), "%s.prev", path);
    assert_int_equal(access(prev, F_OK), 0);
}

static void missing_file_is_empty(void **state)
{
    (void)state;
    struct journal_pending *p;
    size_t n = 7;
    struct lt_err err;
    char path[128];
    snprintf(path, sizeof(path), "%s/nobody.jsonl", dir);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    assert_null(p);
}

/* A settled line's residual is the dust every order before it left, so it
 * stands for all of them: a round left unsettled before it (its inventory
 * carried into the later round's sell) is not pending again, and the last
 * residual is read back.  Rotation carries it into the fresh file, and a
 * settled line without a valid residual is skipped. */
static void residual_carried(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "bob", &j, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.1.1.b1", SIDE_BUY, M(2), M(25), &err), 0);
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.1.1.s2", SIDE_SELL, M(2), M(25), &err), 0);
    /* round 1 left sellable base: no settled line; round 2 sold it along */
    assert_int_equal(journal_intent(j, "r1", 2, "lt.r1.1.2.b1", SIDE_BUY, M(2), M(25), &err), 0);
    assert_int_equal(journal_settled(j, "r1", 2, M(25), M(49.5), M(0.5), &err), 0);
    assert_int_equal(journal_intent(j, "r1", 3, "lt.r1.1.3.b1", SIDE_BUY, M(2), M(25), &err), 0);

    struct journal_pending *p;
    size_t n;
    money_t residual = -1;
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].client_id, "lt.r1.1.3.b1");
    assert_true(residual == M(0.5));
    free(p);

    assert_int_equal(journal_settled(j, "r1", 3, M(25), M(25), M(0.7), &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 0);
    assert_true(residual == M(0.7));

    /* The fresh file states the residual; .prev keeps the old lines. */
    assert_int_equal(journal_rotate(j, "r2", M(0.7), &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 0);
    assert_true(residual == M(0.7));
    char prev[300];
    snprintf(prev, sizeof(prev), "%s.prev", path);
    assert_int_equal(journal_load_pending(prev, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 0);
    assert_true(residual == M(0.7));
    free(p);
    char fresh[300];
    snprintf(fresh, sizeof(fresh), "%s.new", path);
    assert_int_equal(access(fresh, F_OK), -1);

    /* Appends go to the fresh file. */
    assert_int_equal(journal_intent(j, "r2", 1, "lt.r2.1.1.b1", SIDE_BUY, M(2), M(25), &err), 0);
    journal_close(j);
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].client_id, "lt.r2.1.1.b1");
    assert_true(residual == M(0.7));
    free(p);

    /* A settled line with a bad or negative residual closes nothing. */
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("{\"ev\":\"settled\",\"run\":\"r2\",\"round\":1,\"residual\":\"-1\"}\n", f);
    fputs("{\"ev\":\"settled\",\"run\":\"r2\",\"round\":1,\"residual\":\"x\"}\n", f);
    fputs("{\"ev\":\"settled\",\"run\":\"r2\",\"round\":1}\n", f);
    fclose(f);
    assert_int_equal(journal_load_pending(path, &p, &n, &residual, &err), 0);
    assert_int_equal(n, 1);
    assert_true(residual == M(0.7));
    free(p);
}

/* What cannot be a journal is refused with a clear error instead of
 * hanging the start-up: a file over 64 MiB, a FIFO (opening one for
 * reading or writing would block until someone opens the other end), a
 * device that never ends (/dev/zero) or keeps nothing (/dev/null). */
static void unreadable_journals(void **state)
{
    (void)state;
    alarm(20); /* a blocking open or an endless read fails the test */
    struct journal_pending *p = NULL;
    size_t n = 7;
    struct lt_err err = { 0 };
    char path[128];

    snprintf(path, sizeof(path), "%s/big.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(ftruncate(fileno(f), ((off_t)64 << 20) + 1), 0); /* sparse */
    fclose(f);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), LT_ERANGE);
    assert_non_null(strstr(err.msg, "64 MiB"));
    assert_non_null(strstr(err.msg, "big.jsonl"));
    assert_null(p);
    assert_int_equal(n, 0);

    snprintf(path, sizeof(path), "%s/pipe.jsonl", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), LT_EIO);
    assert_non_null(strstr(err.msg, "not a regular file"));
    struct journal *j = NULL;
    assert_int_equal(journal_open(dir, "pipe", &j, &err), LT_EIO);
    assert_null(j);

    assert_int_equal(journal_load_pending("/dev/zero", &p, &n, NULL, &err), LT_EIO);
    snprintf(path, sizeof(path), "%s/null.jsonl", dir);
    assert_int_equal(symlink("/dev/null", path), 0);
    assert_int_equal(journal_open(dir, "null", &j, &err), LT_EIO);
    assert_non_null(strstr(err.msg, "not a regular file"));
    assert_null(j);
    alarm(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pending_rounds),
        cmocka_unit_test(missing_file_is_empty),
        cmocka_unit_test(residual_carried),
        cmocka_unit_test(unreadable_journals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
