/* Unit tests: intentlog (records read back in order, a torn or stale
 * record ends the scan, a new lap hides the last one, a full log wraps,
 * concurrent appends are all durable with fewer syncs, an append without
 * a wait made durable up to its place) and the journal's replay of it (an
 * unsynced tail lost from a journal comes back: missing intents, a missing
 * settled line with what follows it, the next round's armed intents
 * written ahead; nothing of an earlier lap comes back; a clean close
 * leaves nothing to replay). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "looptrader/hash.h"
#include "looptrader/intentlog.h"
#include "looptrader/journal.h"

#define M(x) ((money_t)((x) * 100000000LL))

static char dir[64];
static char wal_path[128];

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_intentlog_XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(wal_path, sizeof(wal_path), "%s/%s", dir, JOURNAL_WAL_NAME);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

struct seen {
    int n;
    char text[64][64];
};

static int note(void *arg, const char *text, size_t len)
{
    struct seen *s = arg;
    if (s->n < 64 && len < 64) {
        memcpy(s->text[s->n], text, len);
        s->text[s->n][len] = '\0';
    }
    s->n++;
    return 0;
}

static struct intentlog *reopen(size_t size, struct seen *s)
{
    struct intentlog *l;
    struct lt_err err;
    memset(s, 0, sizeof(*s));
    assert_int_equal(intentlog_open(wal_path, size, note, s, &l, &err), 0);
    return l;
}

/* Starts a new lap on l, appends text, closes it: reopened, the log holds
 * that one record, none of the laps before. */
static void new_lap_holds_only(struct intentlog *l, const char *text)
{
    struct seen s;
    struct lt_err err;
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    assert_int_equal(intentlog_append(l, text, strlen(text), 1, &err), 0);
    intentlog_close(l);
    l = reopen(65536, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], text);
    intentlog_close(l);
}

static void records_in_order_and_laps(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    struct intentlog *l = reopen(65536, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    struct stat st;
    assert_int_equal(stat(wal_path, &st), 0);
    assert_int_equal(st.st_size, 65536); /* preallocated */
    assert_int_equal(intentlog_append(l, "one\n", 4, 1, &err), 0);
    assert_int_equal(intentlog_append(l, "two\n", 4, 1, &err), 0);
    assert_int_equal(intentlog_append(l, "three\n", 6, 1, &err), 0);
    intentlog_close(l);

    l = reopen(65536, &s);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.text[0], "one\n");
    assert_string_equal(s.text[2], "three\n");
    /* a new lap: the last one's records are no longer read */
    new_lap_holds_only(l, "four\n");
}

static void torn_record_ends_the_scan(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    struct intentlog *l = reopen(65536, &s);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    assert_int_equal(intentlog_append(l, "whole\n", 6, 1, &err), 0);
    assert_int_equal(intentlog_append(l, "torn!\n", 6, 1, &err), 0);
    assert_int_equal(intentlog_append(l, "after\n", 6, 1, &err), 0);
    intentlog_close(l);
    /* the second record's text changed (a torn write): its hash fails */
    int fd = open(wal_path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, INTENTLOG_HEADER + 45 + 6 + 45 + 2), 1);
    close(fd);
    l = reopen(65536, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "whole\n");
    intentlog_close(l);
}

/* Writes a record of lap with text at off, as intentlog.h lays it out. */
static void put_raw_record(int fd, off_t off, uint64_t lap, const char *text)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(lap >> (8 * i));
    size_t len = strlen(text);
    uint64_t h = hash_fnv1a(hash_fnv1a(HASH_FNV_BASIS, b, sizeof b), text, len);
    char rec[128];
    int n = snprintf(rec, sizeof rec, "R %016" PRIx64 " %08zx %016" PRIx64 "\n%s", lap, len, h,
                     text);
    assert_int_equal(pwrite(fd, rec, (size_t)n, off), n);
}

/* A torn header reads as no lap: the next one must still be above the
 * laps of the records left in the file, or the one that follows the new
 * lap's first record (same length as the old first) is read back as its. */
static void unreadable_header_brings_no_old_record_back(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    struct intentlog *l = reopen(65536, &s);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    assert_int_equal(intentlog_append(l, "old1\n", 5, 1, &err), 0);
    assert_int_equal(intentlog_append(l, "old2\n", 5, 1, &err), 0);
    intentlog_close(l);
    int fd = open(wal_path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "XXXXX", 5, 0), 5);
    close(fd);
    l = reopen(65536, &s);
    assert_int_equal(s.n, 0);
    new_lap_holds_only(l, "new1\n");
}

/* After the last lap number, laps start again at 1: a lap-1 record left
 * in the file must not come back with the new lap 1. */
static void last_lap_number_wraps_to_an_empty_file(void **state)
{
    (void)state;
    struct seen s;
    int fd = open(wal_path, O_RDWR | O_CREAT, 0600);
    assert_true(fd >= 0);
    char h[INTENTLOG_HEADER + 1];
    snprintf(h, sizeof h, "%-63s\n", "LTWAL 1 ffffffffffffffff");
    h[24] = '\n';
    assert_int_equal(pwrite(fd, h, INTENTLOG_HEADER, 0), INTENTLOG_HEADER);
    put_raw_record(fd, INTENTLOG_HEADER, UINT64_MAX, "last\n");
    put_raw_record(fd, INTENTLOG_HEADER + 45 + 5, 1, "lap1\n");
    close(fd);
    struct intentlog *l = reopen(65536, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "last\n");
    new_lap_holds_only(l, "new1\n");
}

static void full_log_wraps(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    /* room for 10 records of 55 bytes after the header */
    struct intentlog *l = reopen(INTENTLOG_HEADER + 10 * 55 + 20, &s);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    char text[16];
    for (int i = 0; i < 25; i++) {
        snprintf(text, sizeof(text), "rec%05d\n", i);
        /* every second one does not wait and has no error out (as a
         * settled line): a wrap it starts must not need either */
        assert_int_equal(intentlog_append(l, text, 9, i % 2, i % 2 ? &err : NULL), 0);
    }
    uint64_t syncs = intentlog_syncs(l);
    assert_true(syncs >= 12); /* one per waiting append (no concurrency), the laps' */
    intentlog_close(l);
    l = reopen(INTENTLOG_HEADER + 10 * 55 + 20, &s);
    /* laps of 10: 0-9, 10-19, then 20-24 */
    assert_int_equal(s.n, 5);
    assert_string_equal(s.text[0], "rec00020\n");
    assert_string_equal(s.text[4], "rec00024\n");
    intentlog_close(l);
}

/* intentlog_append_upto writes without a sync; intentlog_wait_durable
 * syncs once for everything up to the place, then returns at once; a
 * wrap (its syncfs) makes an older place durable with no fdatasync. */
static void append_upto_then_wait(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    struct intentlog *l = reopen(INTENTLOG_HEADER + 3 * 55, &s);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    struct intentlog_pos a, b;
    uint64_t syncs = intentlog_syncs(l);
    assert_int_equal(intentlog_append_upto(l, "rec00000\n", 9, &a, &err), 0);
    assert_int_equal(intentlog_append_upto(l, "rec00001\n", 9, &b, &err), 0);
    assert_true(b.gen == a.gen && b.end > a.end);
    assert_int_equal(intentlog_syncs(l), syncs);
    assert_int_equal(intentlog_wait_durable(l, &b, &err), 0);
    assert_int_equal(intentlog_syncs(l), syncs + 1);
    assert_int_equal(intentlog_wait_durable(l, &a, &err), 0); /* covered by b's sync */
    assert_int_equal(intentlog_syncs(l), syncs + 1);
    /* the third record fills the lap, the fourth starts a new one */
    struct intentlog_pos c, d;
    assert_int_equal(intentlog_append_upto(l, "rec00002\n", 9, &c, &err), 0);
    assert_int_equal(intentlog_append_upto(l, "rec00003\n", 9, &d, &err), 0);
    assert_true(d.gen == c.gen + 1);
    syncs = intentlog_syncs(l);
    assert_int_equal(intentlog_wait_durable(l, &c, &err), 0);
    assert_int_equal(intentlog_syncs(l), syncs);
    intentlog_close(l);
    l = reopen(INTENTLOG_HEADER + 3 * 55, &s);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.text[0], "rec00003\n");
    intentlog_close(l);
}

/* A writer thread: n records "w<id>-<i> <padding>\n"; with mixed, every
 * other one is not waited for. */
struct worker {
    struct intentlog *l;
    int id, n, mixed, fails;
};

static void *append_many(void *arg)
{
    struct worker *w = arg;
    char text[96];
    struct lt_err err;
    for (int i = 0; i < w->n; i++) {
        int len = snprintf(text, sizeof(text), "w%d-%d %.*s\n", w->id, i, i % 50,
                           "..................................................");
        if (intentlog_append(w->l, text, (size_t)len, !w->mixed || i % 2, &err) != 0)
            w->fails++;
    }
    return NULL;
}

/* Eight writers of n records each, to their end, none failing. */
static void run_writers(struct intentlog *l, int n, int mixed)
{
    pthread_t t[8];
    struct worker w[8];
    for (int i = 0; i < 8; i++) {
        w[i] = (struct worker){ .l = l, .id = i, .n = n, .mixed = mixed };
        pthread_create(&t[i], NULL, append_many, &w[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].fails, 0);
    }
}

/* Counts records, each a whole line of a writer's own text. */
static int whole_text(void *arg, const char *text, size_t len)
{
    int id, i;
    char tail[64];
    if (len == 0 || text[len - 1] != '\n' || sscanf(text, "w%d-%d %63[.]", &id, &i, tail) < 2 ||
        id < 0 || id >= 8 || i < 0 || i >= 200)
        return LT_EPARSE;
    (*(int *)arg)++;
    return 0;
}

static void concurrent_appends_group_commit(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    struct intentlog *l = reopen(1 << 20, &s);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    uint64_t before = intentlog_syncs(l);
    run_writers(l, 40, 0);
    /* never more syncs than appends (how many fewer depends on timing) */
    assert_true(intentlog_syncs(l) - before <= 320);
    intentlog_close(l);
    int n = 0;
    assert_int_equal(intentlog_open(wal_path, 1 << 20, whole_text, &n, &l, &err), 0);
    assert_int_equal(n, 320);
    intentlog_close(l);
}

/* Records written outside the lock, across many wraps of a small log,
 * half of them not waited for: the last lap scans as whole records of
 * the writers' own text, none torn. */
static void concurrent_appends_across_wraps(void **state)
{
    (void)state;
    struct seen s;
    struct lt_err err;
    struct intentlog *l = reopen(8192, &s);
    assert_int_equal(intentlog_new_lap(l, &err), 0);
    run_writers(l, 200, 1);
    intentlog_close(l);
    int n = 0;
    assert_int_equal(intentlog_open(wal_path, 8192, whole_text, &n, &l, &err), 0);
    assert_true(n > 0);
    intentlog_close(l);
}

/* --- the journal's replay ------------------------------------------------ */

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* Cuts the file after its first keep lines (a power loss that took the
 * unsynced pages after them). */
static void keep_lines(const char *path, int keep)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    off_t off = 0;
    int c, lines = 0;
    while (lines < keep && (c = fgetc(f)) != EOF) {
        off++;
        lines += c == '\n';
    }
    fclose(f);
    assert_int_equal(truncate(path, off), 0);
}

/* alice: round 1 settled, round 2's buy intent after it, written by a
 * child process that then dies without closing the log (a crash: a clean
 * close would leave an empty lap).  Lines: 1 intent b1, 2 final b1,
 * 3 intent s1, 4 final s1, 5 settled 1, 6 intent b2.  The journal's path. */
static char *two_rounds(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct journal *j;
        struct lt_err err;
        int ok = journal_wal_open(dir, &err) == 0 && journal_open(dir, "alice", &j, &err) == 0 &&
                 journal_intent(j, "r1", 1, "c.b1", SIDE_BUY, M(2), M(5), &err) == 0 &&
                 journal_outcome(j, "final", "c.b1", ORDER_FILLED, M(5), M(10), &err) == 0 &&
                 journal_intent(j, "r1", 1, "c.s1", SIDE_SELL, M(2), M(5), &err) == 0 &&
                 journal_outcome(j, "final", "c.s1", ORDER_FILLED, M(4.9), M(9.8), &err) == 0 &&
                 journal_settled(j, "r1", 1, M(5), M(4.9), M(0.1), &err) == 0 &&
                 journal_intent(j, "r1", 2, "c.b2", SIDE_BUY, M(2), M(5), &err) == 0;
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char path[256];
    snprintf(path, sizeof(path), "%s/alice.jsonl", dir);
    return strdup(path);
}

static void pending_of(const char *path, size_t want_n, const char *first, money_t want_res)
{
    struct journal_pending *p;
    size_t n;
    money_t res;
    struct lt_err err;
    assert_int_equal(journal_load_pending(path, &p, &n, &res, &err), 0);
    assert_int_equal(n, want_n);
    if (n)
        assert_string_equal(p[0].client_id, first);
    assert_int_equal(res, want_res);
    free(p);
}

static void replay_restores_a_lost_intent(void **state)
{
    (void)state;
    struct lt_err err;
    char *path = two_rounds();
    off_t whole = file_size(path);
    keep_lines(path, 5); /* round 2's intent lost */
    pending_of(path, 0, NULL, M(0.1));
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    pending_of(path, 1, "c.b2", M(0.1));
    assert_int_equal(file_size(path), whole);
    /* replayed once: the next start has a new lap and restores nothing */
    keep_lines(path, 5);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    pending_of(path, 0, NULL, M(0.1));
    free(path);
}

static void replay_restores_a_lost_settled_line(void **state)
{
    (void)state;
    struct lt_err err;
    char *path = two_rounds();
    keep_lines(path, 2); /* round 1's sell, settled line and round 2 lost */
    pending_of(path, 1, "c.b1", 0);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    /* the settled line again, and what followed it: round 2's buy */
    pending_of(path, 1, "c.b2", M(0.1));
    free(path);
}

/* Deletes line n (1-based) of the file: a page lost out of order. */
static void drop_line(const char *path, int n)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "sed -i '%dd' %s", n, path);
    assert_int_equal(system(cmd), 0);
}

static void replay_puts_a_lost_settled_line_back_in_place(void **state)
{
    (void)state;
    struct lt_err err;
    char *path = two_rounds();
    drop_line(path, 5); /* the settled line lost, round 2's intent kept */
    pending_of(path, 3, "c.b1", 0);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    /* round 2's intent once, after the settled line */
    pending_of(path, 1, "c.b2", M(0.1));
    free(path);
}

static void replay_restores_lost_intents_before_a_kept_settled_line(void **state)
{
    (void)state;
    struct lt_err err;
    char *path = two_rounds();
    drop_line(path, 3); /* round 1's sell intent lost, its settled line kept */
    drop_line(path, 5); /* and round 2's intent (line 6, now 5) */
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    /* every intent is back; recovery still reads round 2 alone */
    pending_of(path, 1, "c.b2", M(0.1));
    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    free(p);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[512];
    int sells = 0;
    while (fgets(line, sizeof(line), f))
        sells += strstr(line, "\"ev\":\"intent\"") && strstr(line, "c.s1") != NULL;
    fclose(f);
    assert_int_equal(sells, 1);
    free(path);
}

/* The armed intents of ARM_AHEAD later rounds written ahead
 * (journal_armed_pairs: one record of 2 x ARM_AHEAD lines), by a child
 * that dies right after (a crash): they are in the intent log and wait
 * for nothing once durable; a journal that lost them (with the round's
 * settled line written after them) gets them back, and recovery reads
 * them as rounds 2.. orders, written ahead, although they precede round
 * 1's settled line. */
static void armed_ahead_are_replayed(void **state)
{
    (void)state;
    struct lt_err err;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct journal *j;
        struct journal_upto us;
        struct arm_bounds bb = { .side = SIDE_BUY, .max_qty = M(6), .max_quote = M(20) };
        struct arm_bounds bs = { .side = SIDE_SELL, .max_qty = M(7), .max_quote = 0 };
        char ids[ARM_AHEAD][2][16];
        struct journal_pair v[ARM_AHEAD];
        for (unsigned i = 0; i < ARM_AHEAD; i++) {
            snprintf(ids[i][0], sizeof ids[i][0], "c.%u.b1", i + 2);
            snprintf(ids[i][1], sizeof ids[i][1], "c.%u.s2", i + 2);
            v[i] = (struct journal_pair){ i + 2, ids[i][0], ids[i][1], bb, bs };
        }
        int ok = journal_wal_open(dir, &err) == 0 && journal_open(dir, "alice", &j, &err) == 0 &&
                 journal_intent(j, "r1", 1, "c.1.b1", SIDE_BUY, M(2), M(5), &err) == 0 &&
                 journal_outcome(j, "final", "c.1.b1", ORDER_FILLED, M(5), M(10), &err) == 0 &&
                 journal_armed_pairs(j, "r1", v, ARM_AHEAD, &us, &err) == 0 && us.pending;
        if (ok)
            journal_sync_soon(&us);
        ok = ok && journal_intent(j, "r1", 1, "c.1.s2", SIDE_SELL, M(2), M(5), &err) == 0 &&
             journal_outcome(j, "final", "c.1.s2", ORDER_FILLED, M(5), M(10), &err) == 0 &&
             journal_settled(j, "r1", 1, M(5), M(5), 0, &err) == 0 &&
             journal_wait_durable(&us, &err) == 0;
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char path[256];
    snprintf(path, sizeof(path), "%s/alice.jsonl", dir);
    pending_of(path, 2 * ARM_AHEAD, "c.2.b1", 0);
    keep_lines(path, 2); /* the armed lines and everything after them lost */
    pending_of(path, 1, "c.1.b1", 0);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    struct journal_pending *p;
    size_t n;
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2 * ARM_AHEAD);
    for (unsigned i = 0; i < ARM_AHEAD; i++) {
        char b[16], sl[16];
        snprintf(b, sizeof b, "c.%u.b1", i + 2);
        snprintf(sl, sizeof sl, "c.%u.s2", i + 2);
        assert_string_equal(p[2 * i].client_id, b);
        assert_true(p[2 * i].armed && p[2 * i].ahead && p[2 * i].round == i + 2 &&
                    p[2 * i].max_qty == M(6) && p[2 * i].side == SIDE_BUY);
        assert_string_equal(p[2 * i + 1].client_id, sl);
        assert_true(p[2 * i + 1].armed && p[2 * i + 1].ahead &&
                    p[2 * i + 1].side == SIDE_SELL && p[2 * i + 1].round == i + 2);
    }
    free(p);
}

/* A child that writes an armed buy, its exact line and (unless
 * exact_only) the sell's intent, then dies (a crash).  The journal's
 * path. */
static const char *armed_exact_then_crash(int exact_only)
{
    static char path[256];
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct journal *j;
        struct lt_err err;
        struct arm_bounds bb = { .side = SIDE_BUY, .max_qty = M(6), .max_quote = M(20) };
        int ok = journal_wal_open(dir, &err) == 0 && journal_open(dir, "alice", &j, &err) == 0 &&
                 journal_armed(j, "r1", 1, "c.1.b1", &bb, &err) == 0 &&
                 journal_intent_exact(j, "r1", 1, "c.1.b1", SIDE_BUY, M(2), M(5), &err) == 0 &&
                 (exact_only ||
                  journal_intent(j, "r1", 1, "c.1.s2", SIDE_SELL, M(3), M(5), &err) == 0);
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    snprintf(path, sizeof(path), "%s/alice.jsonl", dir);
    return path;
}

/* An armed order's exact line is held for the journal's next write and
 * its next intent-log record.  A crash before either leaves the order
 * bounded by its armed line; once the next record (the sell's intent)
 * holds it too, a journal that lost both lines gets both back. */
static void held_exact_line_and_its_record(void **state)
{
    (void)state;
    struct lt_err err;
    struct journal_pending *p;
    size_t n;
    const char *path = armed_exact_then_crash(1);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 1);
    assert_true(p[0].armed && p[0].max_qty == M(6));
    free(p);
    assert_int_equal(unlink(path), 0);

    path = armed_exact_then_crash(0);
    keep_lines(path, 1); /* the exact line and the sell's intent lost */
    pending_of(path, 1, "c.1.b1", 0);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    assert_int_equal(journal_load_pending(path, &p, &n, NULL, &err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(p[0].client_id, "c.1.b1");
    assert_true(!p[0].armed && p[0].price == M(2) && p[0].qty == M(5));
    assert_string_equal(p[1].client_id, "c.1.s2");
    free(p);
}

static void nothing_lost_nothing_written(void **state)
{
    (void)state;
    struct lt_err err;
    char *path = two_rounds();
    off_t whole = file_size(path);
    assert_int_equal(journal_wal_open(dir, &err), 0);
    journal_wal_close();
    assert_int_equal(file_size(path), whole);
    pending_of(path, 1, "c.b2", M(0.1));
    free(path);
}

static void clean_close_leaves_an_empty_lap(void **state)
{
    (void)state;
    struct lt_err err;
    struct journal *j;
    assert_int_equal(journal_wal_open(dir, &err), 0);
    assert_int_equal(journal_open(dir, "alice", &j, &err), 0);
    assert_int_equal(journal_intent(j, "r1", 1, "c.b1", SIDE_BUY, M(2), M(5), &err), 0);
    journal_close(j);
    journal_wal_close();
    struct seen s;
    struct intentlog *l = reopen(INTENTLOG_SIZE, &s);
    assert_int_equal(s.n, 0);
    intentlog_close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(records_in_order_and_laps, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_record_ends_the_scan, setup, teardown),
        cmocka_unit_test_setup_teardown(unreadable_header_brings_no_old_record_back, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(last_lap_number_wraps_to_an_empty_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(full_log_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(append_upto_then_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_appends_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_appends_across_wraps, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_restores_a_lost_intent, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_restores_a_lost_settled_line, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_puts_a_lost_settled_line_back_in_place, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(replay_restores_lost_intents_before_a_kept_settled_line,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(armed_ahead_are_replayed, setup, teardown),
        cmocka_unit_test_setup_teardown(held_exact_line_and_its_record, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_lost_nothing_written, setup, teardown),
        cmocka_unit_test_setup_teardown(clean_close_leaves_an_empty_lap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
