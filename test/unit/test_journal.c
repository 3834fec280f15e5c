/* Unit tests: journal (intent/outcome/settled lines; the orders after the
 * last settled line and its residual read back, torn lines skipped and cut
 * off before the next append; a failed append leaves a whole file;
 * outcome lines held and written with the next line, at release, idle,
 * close and rotation;
 * rotation keeps the residual; idle journals hold no descriptor). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
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

    /* The next append cuts the torn line off; settling round 2 leaves
     * nothing pending. */
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

/* An armed intent and its exact line are one order; one without its
 * exact line keeps its bounds; one closed unused is none. */
static void armed_intents(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "arming", &j, &err), 0);
    struct arm_bounds bb = { .side = SIDE_BUY, .max_qty = M(30), .max_quote = M(60) };
    struct arm_bounds bs = { .side = SIDE_SELL, .max_qty = M(25), .max_quote = 0 };
    /* armed, sent, its exact line written */
    assert_int_equal(journal_armed(j, "r1", 1, "lt.r1.0.1.b1", &bb, &err), 0);
    assert_int_equal(journal_intent_exact(j, "r1", 1, "lt.r1.0.1.b1", SIDE_BUY, M(2), M(25),
                                          &err), 0);
    /* armed, closed unused */
    assert_int_equal(journal_armed(j, "r1", 1, "lt.r1.0.1.b2", &bb, &err), 0);
    assert_int_equal(journal_outcome(j, "never_placed", "lt.r1.0.1.b2", ORDER_STATUS_UNKNOWN,
                                     0, 0, &err), 0);
    /* a normal intent the venue never got keeps its place (a query says) */
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.b3", SIDE_BUY, M(2), M(1), &err), 0);
    assert_int_equal(journal_outcome(j, "never_placed", "lt.r1.0.1.b3", ORDER_STATUS_UNKNOWN,
                                     0, 0, &err), 0);
    /* armed and sent, the crash before its exact line */
    assert_int_equal(journal_armed(j, "r1", 1, "lt.r1.0.1.s4", &bs, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    journal_close(j);

    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 3);
    assert_string_equal(p[0].client_id, "lt.r1.0.1.b1");
    assert_int_equal(p[0].armed, 0);
    assert_true(p[0].price == M(2) && p[0].qty == M(25));
    assert_string_equal(p[1].client_id, "lt.r1.0.1.b3");
    assert_int_equal(p[1].armed, 0);
    assert_true(p[1].price == M(2) && p[1].qty == M(1));
    assert_string_equal(p[2].client_id, "lt.r1.0.1.s4");
    assert_int_equal(p[2].armed, 1);
    assert_int_equal(p[2].side, SIDE_SELL);
    assert_int_equal(p[2].round, 1);
    assert_true(p[2].max_qty == M(25) && p[2].max_quote == 0);
    free(p);
}

/* The next round's armed intents are written during the round, before
 * its settled line: that line does not stand for them (they are of a
 * later round of its run), a later round's settled line does, and a
 * settled line of another run does too (recovery settles every round it
 * read).  A line that comes again (the intent log's replay) is one
 * order.  Without the intent log an armed line written ahead is durable
 * on return. */
static void armed_ahead_of_the_settled_line(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "ahead", &j, &err), 0);
    struct arm_bounds bb = { .side = SIDE_BUY, .max_qty = M(9), .max_quote = M(20) };
    struct arm_bounds bs = { .side = SIDE_SELL, .max_qty = M(13), .max_quote = 0 };
    struct journal_upto up;
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.b1", SIDE_BUY, M(2), M(5), &err), 0);
    struct journal_pair pr = { 2, "lt.r1.0.2.b1", "lt.r1.0.2.s2", bb, bs };
    assert_int_equal(journal_armed_pairs(j, "r1", &pr, 1, &up, &err), 0);
    assert_int_equal(up.pending, 0);
    assert_int_equal(journal_wait_durable(&up, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.s2", SIDE_SELL, M(2), M(5), &err), 0);
    assert_int_equal(journal_settled(j, "r1", 1, M(5), M(5), 0, &err), 0);

    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].client_id, "lt.r1.0.2.b1");
    assert_true(p[0].armed && p[0].round == 2 && p[0].max_qty == M(9) &&
                p[0].max_quote == M(20));
    assert_string_equal(p[1].client_id, "lt.r1.0.2.s2");
    free(p);

    /* round 2's buy sent (its exact line), its armed line again: one order */
    assert_int_equal(journal_intent_exact(j, "r1", 2, "lt.r1.0.2.b1", SIDE_BUY, M(2), M(5),
                                          &err), 0);
    assert_int_equal(journal_armed(j, "r1", 2, "lt.r1.0.2.b1", &bb, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 2, "lt.r1.0.2.b1", SIDE_BUY, M(2), M(5), &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2);
    assert_true(!p[0].armed && p[0].price == M(2) && p[0].qty == M(5));
    free(p);

    /* round 2 settled: nothing pending */
    assert_int_equal(journal_settled(j, "r1", 2, M(5), M(5), 0, &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    free(p);

    /* another run's settled line after an armed line of r1's round 3 */
    pr = (struct journal_pair){ 3, "lt.r1.0.3.b1", "lt.r1.0.3.s2", bb, bs };
    assert_int_equal(journal_armed_pairs(j, "r1", &pr, 1, &up, &err), 0);
    assert_int_equal(journal_settled(j, "r2", 0, 0, 0, 0, &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    free(p);
    journal_close(j);
}

/* ARM_AHEAD rounds armed ahead in one write (rounds 2..1+ARM_AHEAD,
 * during round 1), then rounds 1, 2 and 3 settled one by one: each
 * settled line stands for its round and the earlier ones, never for a
 * later round armed before it; a round closed unused (never_placed) is
 * gone; a batch of none or of more than ARM_AHEAD pairs writes nothing. */
static void rounds_armed_ahead(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "kahead", &j, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    struct arm_bounds bb = { .side = SIDE_BUY, .max_qty = M(9), .max_quote = M(20) };
    struct arm_bounds bs = { .side = SIDE_SELL, .max_qty = M(13), .max_quote = 0 };
    char ids[ARM_AHEAD + 1][2][24];
    struct journal_pair v[ARM_AHEAD + 1];
    for (unsigned i = 0; i <= ARM_AHEAD; i++) {
        snprintf(ids[i][0], sizeof ids[i][0], "lt.r1.0.%u.b1", i + 2);
        snprintf(ids[i][1], sizeof ids[i][1], "lt.r1.0.%u.s2", i + 2);
        v[i] = (struct journal_pair){ i + 2, ids[i][0], ids[i][1], bb, bs };
    }
    struct journal_upto up;
    assert_int_equal(journal_armed_pairs(j, "r1", v, 0, &up, &err), LT_EINVAL);
    assert_int_equal(journal_armed_pairs(j, "r1", v, ARM_AHEAD + 1, &up, &err), LT_EINVAL);
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.b1", SIDE_BUY, M(2), M(5), &err), 0);
    assert_int_equal(journal_armed_pairs(j, "r1", v, ARM_AHEAD, &up, &err), 0);
    assert_int_equal(journal_wait_durable(&up, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.0.1.s2", SIDE_SELL, M(2), M(5), &err), 0);

    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2 + 2 * ARM_AHEAD);
    assert_string_equal(p[0].client_id, "lt.r1.0.1.b1");
    assert_false(p[0].ahead);
    for (unsigned i = 0; i < 2 * ARM_AHEAD; i++) {
        assert_string_equal(p[1 + i].client_id, ids[i / 2][i % 2]);
        assert_true(p[1 + i].armed && p[1 + i].ahead && p[1 + i].round == 2 + i / 2);
    }
    free(p);

    /* round 1 settled: every round armed ahead still pending */
    assert_int_equal(journal_settled(j, "r1", 1, M(5), M(5), 0, &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2 * ARM_AHEAD);
    assert_string_equal(p[0].client_id, "lt.r1.0.2.b1");
    free(p);

    /* round 2 used its pair (exact lines) and settled: rounds 3.. left */
    assert_int_equal(journal_intent_exact(j, "r1", 2, ids[0][0], SIDE_BUY, M(2), M(5), &err), 0);
    assert_int_equal(journal_intent_exact(j, "r1", 2, ids[0][1], SIDE_SELL, M(2), M(5), &err), 0);
    assert_int_equal(journal_settled(j, "r1", 2, M(5), M(5), 0, &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2 * (ARM_AHEAD - 1));
    assert_string_equal(p[0].client_id, "lt.r1.0.3.b1");
    assert_true(p[0].round == 3 && p[0].armed);
    free(p);

    /* round 3 closed the rest unused (never_placed), bought on its own */
    for (unsigned i = 1; i < ARM_AHEAD; i++)
        for (int k = 0; k < 2; k++)
            assert_int_equal(journal_outcome(j, "never_placed", ids[i][k], ORDER_STATUS_UNKNOWN,
                                             0, 0, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 3, "lt.r1.0.3.b3", SIDE_BUY, M(2), M(5), &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(p[0].client_id, "lt.r1.0.3.b3");
    assert_false(p[0].armed);
    free(p);
    assert_int_equal(journal_settled(j, "r1", 3, M(5), M(5), 0, &err), 0);
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 0);
    free(p);
    journal_close(j);
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

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

static void append_raw(const char *path, const char *text)
{
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Every line of the file is whole JSON ending in '\n'; returns the count. */
static int whole_lines(const char *path)
{
    char *s = slurp(path);
    int lines = 0;
    for (char *nl; (nl = strchr(s, '\n')); s = nl + 1, lines++) {
        assert_int_equal(s[0], '{');
        assert_int_equal(nl[-1], '}');
    }
    assert_int_equal(s[0], '\0');
    return lines;
}

/* A torn last line (a crash or a full disk mid-write) is cut off before
 * the next append on a fresh descriptor (a kept one's tail is what this
 * process wrote), and when the whole file is one torn line. */
static void torn_tail_cut(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "torn", &j, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.9.1.b1", SIDE_BUY, M(2), M(25), &err), 0);
    journal_release(j); /* as a crash would leave it: the next append opens afresh */
    append_raw(path, "{\"ev\":\"final\",\"cid\":\"lt.r1.9.1.b1\",\"status\":\"FILLED\",\"ex");
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.9.1.s2", SIDE_SELL, M(2), M(25), &err), 0);
    assert_int_equal(whole_lines(path), 2);
    assert_null(strstr(slurp(path), "\"ex{"));
    journal_close(j);

    append_raw(path, "{\"ev\":\"ack\",\"cid\":\"lt.r1.9.1.s2\"");
    assert_int_equal(journal_open(dir, "torn", &j, &err), 0);
    assert_int_equal(journal_outcome(j, "ack", "lt.r1.9.1.s2", ORDER_NEW, 0, 0, &err), 0);
    journal_release(j); /* writes the held ack, on a fresh descriptor */
    assert_int_equal(whole_lines(path), 3);
    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(p[1].client_id, "lt.r1.9.1.s2");
    free(p);
    journal_close(j);

    /* No newline at all: nothing of it is a record. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 1000; i++) /* longer than one read of the repair */
        fputs("garbage-", f);
    fclose(f);
    assert_int_equal(journal_open(dir, "torn", &j, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 2, "lt.r1.9.2.b1", SIDE_BUY, M(2), M(25), &err), 0);
    assert_int_equal(whole_lines(path), 1);
    journal_close(j);
}

/* An append that fails mid-line (here EFBIG past RLIMIT_FSIZE, as ENOSPC
 * on a full disk) returns LT_EIO and leaves the file ending on a whole
 * line, also when it carried a held outcome line; once space returns the
 * next append is whole and readable, the held line ahead of it. */
static void failed_append_leaves_whole_file(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "full", &j, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.8.1.b1", SIDE_BUY, M(2), M(25), &err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);

    void (*old)(int) = signal(SIGXFSZ, SIG_IGN);
    struct rlimit saved, low;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    low = saved;
    low.rlim_cur = (rlim_t)st.st_size + 20; /* room for part of a line */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
    int rc2 = journal_outcome(j, "ack", "lt.r1.8.1.b1", ORDER_NEW, 0, 0, &err);
    int rc = journal_intent(j, "r1", 1, "lt.r1.8.1.s2", SIDE_SELL, M(2), M(25), &err);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    signal(SIGXFSZ, old);
    assert_int_equal(rc2, 0); /* held: written with the intent */
    assert_int_equal(rc, LT_EIO);
    assert_non_null(strstr(err.msg, "full.jsonl"));
    assert_non_null(strstr(err.msg, strerror(EFBIG))); /* the short write was continued */
    struct stat after;
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(after.st_size, st.st_size);

    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.8.1.s3", SIDE_SELL, M(2), M(25), &err), 0);
    journal_close(j);
    assert_int_equal(whole_lines(path), 3);
    char *ack = strstr(slurp(path), "\"ack\"");
    assert_non_null(ack);
    assert_true(ack < strstr(slurp(path), "lt.r1.8.1.s3"));
    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(p[1].client_id, "lt.r1.8.1.s3");
    free(p);
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* The offset of needle in the file at path (it must be there). */
static long at(const char *path, const char *needle)
{
    char *s = slurp(path);
    char *p = strstr(s, needle);
    assert_non_null(p);
    return (long)(p - s);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Outcome lines are held and written with the next line, in order, or
 * alone by release, close, idle and rotation, or when the buffer fills;
 * whole lines throughout. */
static void held_outcome_lines(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "held", &j, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.7.1.b1", SIDE_BUY, M(2), M(25), &err), 0);
    long one = file_size(path);
    assert_int_equal(journal_outcome(j, "ack", "lt.r1.7.1.b1", ORDER_NEW, 0, 0, &err), 0);
    assert_int_equal(journal_outcome(j, "final", "lt.r1.7.1.b1", ORDER_FILLED, M(25), M(50),
                                     &err), 0);
    assert_int_equal(file_size(path), one); /* held */
    assert_int_equal(journal_intent(j, "r1", 1, "lt.r1.7.1.s2", SIDE_SELL, M(2), M(25), &err), 0);
    assert_int_equal(whole_lines(path), 4);
    assert_true(at(path, "\"ack\"") > at(path, "lt.r1.7.1.b1"));
    assert_true(at(path, "\"final\"") > at(path, "\"ack\""));
    assert_true(at(path, "lt.r1.7.1.s2") > at(path, "\"final\""));

    /* release writes them (and holds no descriptor after) */
    assert_int_equal(journal_outcome(j, "ack", "lt.r1.7.1.s2", ORDER_NEW, 0, 0, &err), 0);
    assert_int_equal(whole_lines(path), 4);
    int base = open_fds();
    journal_release(j);
    assert_int_equal(open_fds(), base - 1);
    assert_int_equal(whole_lines(path), 5);

    /* idle with a descriptor kept for every journal writes them too */
    journal_fds_budget(JOURNAL_FDS_MAX, 1);
    assert_int_equal(journal_outcome(j, "final", "lt.r1.7.1.s2", ORDER_FILLED, M(25), M(50),
                                     &err), 0);
    assert_int_equal(whole_lines(path), 5);
    journal_idle(j);
    assert_int_equal(whole_lines(path), 6);
    journal_fds_budget(JOURNAL_FDS_MAX, SIZE_MAX);

    /* a rotation writes them to the old file, kept as .prev */
    assert_int_equal(journal_outcome(j, "unknown", "lt.r1.7.1.s2", ORDER_STATUS_UNKNOWN, 0, 0,
                                     &err), 0);
    assert_int_equal(journal_rotate(j, "r2", M(1), &err), 0);
    char prev[300];
    snprintf(prev, sizeof(prev), "%s.prev", path);
    assert_int_equal(whole_lines(prev), 7);
    assert_true(at(prev, "\"unknown\"") > at(prev, "\"ev\":\"final\",\"cid\":\"lt.r1.7.1.s2"));
    assert_int_equal(whole_lines(path), 1);
    assert_int_equal(at(path, "\"settled\""), 6);

    /* a full buffer is written; close writes the rest; all in order */
    enum { K = 30 };
    char cid[32];
    for (int i = 0; i < K; i++) {
        snprintf(cid, sizeof(cid), "lt.r2.7.1.b%d.", i);
        assert_int_equal(journal_outcome(j, "final", cid, ORDER_FILLED, M(1), M(2), &err), 0);
    }
    assert_true(whole_lines(path) > 1);
    assert_true(whole_lines(path) < K + 1);
    journal_close(j);
    assert_int_equal(whole_lines(path), K + 1);
    for (int i = 1; i < K; i++) {
        char a[32];
        snprintf(a, sizeof(a), "lt.r2.7.1.b%d.", i - 1);
        snprintf(cid, sizeof(cid), "lt.r2.7.1.b%d.", i);
        assert_true(at(path, cid) > at(path, a));
    }
}

/* Thousands of accounts cost at most JOURNAL_FDS_MAX descriptors, an idle
 * (released) one none, and every line still reaches its file. */
static void idle_journals_hold_no_fd(void **state)
{
    (void)state;
    enum { N = 400 };
    static struct journal *js[N];
    struct lt_err err;
    int base = open_fds();
    char user[32];
    for (int i = 0; i < N; i++) {
        snprintf(user, sizeof(user), "u%d", i);
        assert_int_equal(journal_open(dir, user, &js[i], &err), 0);
    }
    assert_int_equal(open_fds(), base);
    for (int round = 1; round <= 2; round++)
        for (int i = 0; i < N; i++)
            assert_int_equal(journal_intent(js[i], "r1", (unsigned)round, "lt.r1.0.1.b1",
                                            SIDE_BUY, M(2), M(1), &err), 0);
    int busy = open_fds();
    assert_true(busy > base);
    assert_true(busy <= base + JOURNAL_FDS_MAX);
    for (int i = 0; i < N; i++)
        journal_release(js[i]);
    assert_int_equal(open_fds(), base);
    for (int i = 0; i < N; i++) {
        assert_int_equal(whole_lines(journal_path(js[i])), 2);
        journal_close(js[i]);
    }
}

/* A budget that covers every journal keeps each one's descriptor across
 * rounds (journal_idle keeps it); a short one keeps at most the budget,
 * and journal_idle hands those back.  Every line still reaches its file. */
static void budget_keeps_descriptors_across_rounds(void **state)
{
    (void)state;
    enum { N = 200, SHORT = 50 };
    static struct journal *js[N];
    struct lt_err err;
    int base = open_fds();
    char user[32];
    for (int i = 0; i < N; i++) {
        snprintf(user, sizeof(user), "k%d", i);
        assert_int_equal(journal_open(dir, user, &js[i], &err), 0);
    }
    journal_fds_budget(N, N);
    for (int round = 1; round <= 2; round++)
        for (int i = 0; i < N; i++) {
            assert_int_equal(journal_intent(js[i], "r1", (unsigned)round, "lt.r1.0.1.b1",
                                            SIDE_BUY, M(2), M(1), &err), 0);
            journal_idle(js[i]);
        }
    assert_int_equal(open_fds(), base + N);
    for (int i = 0; i < N; i++)
        journal_release(js[i]);
    assert_int_equal(open_fds(), base);

    journal_fds_budget(SHORT, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(journal_intent(js[i], "r1", 3, "lt.r1.0.3.b1", SIDE_BUY, M(2), M(1),
                                        &err), 0);
    assert_int_equal(open_fds(), base + SHORT);
    for (int i = 0; i < N; i++)
        journal_idle(js[i]);
    assert_int_equal(open_fds(), base);
    for (int i = 0; i < N; i++) {
        assert_int_equal(whole_lines(journal_path(js[i])), 3);
        journal_close(js[i]);
    }
    journal_fds_budget(JOURNAL_FDS_MAX, SIZE_MAX);
}

/* A line is JSON whatever the strings in it: a name that needs escaping is
 * escaped, a string no line can carry (not UTF-8, too long) is refused
 * with its field's name and nothing is written. */
static void strings_in_lines(void **state)
{
    (void)state;
    struct journal *j;
    struct lt_err err;
    assert_int_equal(journal_open(dir, "q\"uote", &j, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 7, "lt.r1.0.7.b1", SIDE_BUY, M(1.5), M(3), &err), 0);
    assert_int_equal(journal_intent(j, "r1", 7, "lt.\xff", SIDE_BUY, M(1), M(1), &err), LT_EINVAL);
    assert_non_null(strstr(err.msg, "cid cannot be written"));
    char big[1200];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(journal_outcome(j, "final", big, ORDER_FILLED, M(3), M(4.5), &err),
                     LT_EINVAL);
    assert_int_equal(journal_settled(j, "r1", 7, M(3), M(3), 0, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "%s", journal_path(j));
    journal_close(j);
    FILE *r = fopen(path, "r");
    assert_non_null(r);
    char line[512];
    static const char intent[] = "{\"ev\":\"intent\",\"run\":\"r1\",\"round\":7,\"cid\":"
                                 "\"lt.r1.0.7.b1\",\"side\":\"BUY\",\"price\":\"1.5\","
                                 "\"qty\":\"3\",\"ts\":";
    assert_non_null(fgets(line, sizeof(line), r));
    assert_memory_equal(line, intent, sizeof(intent) - 1);
    assert_non_null(strstr(line, ",\"user\":\"q\\\"uote\"}\n"));
    assert_non_null(fgets(line, sizeof(line), r));
    assert_non_null(strstr(line, "{\"ev\":\"settled\",\"run\":\"r1\",\"round\":7,\"bought\":\"3\","
                                 "\"sold\":\"3\",\"residual\":\"0\",\"ts\":"));
    assert_null(fgets(line, sizeof(line), r));
    fclose(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pending_rounds),
        cmocka_unit_test(strings_in_lines),
        cmocka_unit_test(armed_intents),
        cmocka_unit_test(armed_ahead_of_the_settled_line),
        cmocka_unit_test(rounds_armed_ahead),
        cmocka_unit_test(missing_file_is_empty),
        cmocka_unit_test(residual_carried),
        cmocka_unit_test(unreadable_journals),
        cmocka_unit_test(torn_tail_cut),
        cmocka_unit_test(failed_append_leaves_whole_file),
        cmocka_unit_test(held_outcome_lines),
        cmocka_unit_test(idle_journals_hold_no_fd),
        cmocka_unit_test(budget_keeps_descriptors_across_rounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
