/*
 * journal.c - the append-only order journal (see journal.h).
 *
 * Lines are written with one write(2) each on an O_APPEND descriptor,
 * except outcome lines, which are held and written in the next line's
 * write (or alone at idle, release, close and rotation).  A
 * write cut short (ENOSPC, EFBIG, EIO, a crash) can leave a torn last
 * line; before every append the tail is checked and a torn line cut off,
 * so a new line never lands glued to it.  Descriptors are opened on
 * demand and only a bounded number are kept open process-wide: an idle
 * account holds none.
 */
#include "looptrader/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "looptrader/clock.h"
#include "looptrader/decimal.h"
#include "looptrader/intentlog.h"
#include "looptrader/log.h"

/* Rotation keeps a journal to what the last runs wrote: one this big is
 * not ours to trust, and reading it would stall the start-up. */
#define JOURNAL_READ_MAX ((off_t)64 << 20)

/* Journals that keep their descriptor between appends, process-wide, and
 * how many may (journal_fds_budget).  Beyond it an append opens and closes
 * (about 4 us more than a write on a kept descriptor, measured on ext4,
 * and the inode work on every open; an fsync costs 150-300 us). */
static atomic_int kept_fds;                   /* any thread, atomic */
static atomic_int kept_max = JOURNAL_FDS_MAX; /* set before workers start */
/* 1 when the budget keeps a descriptor for every journal of the process:
 * then an idle journal keeps its own (journal_idle). */
static atomic_int keep_idle;

/* The process's intent log (journal_wal_open), or NULL: then every
 * durable line is fsync'ed in its own file.  Set before any worker starts
 * and cleared after they end, so workers only read it. */
static struct intentlog *wal;

/* The intent log's syncer: one thread, started with the log and joined
 * before it closes, that makes lines written with journal_armed_pairs
 * durable while their writer goes on.  Why: the next round's armed
 * intents are written during a round (once its first buy is answered);
 * this thread's fdatasync runs while the worker waits for that round's
 * orders, so the next round's buy finds them durable instead of syncing
 * between its tick and its send.  A writer
 * that needs durability first joins this thread's sync when one runs, or
 * leads one itself (group commit), so no writer waits for this thread to
 * wake.  mu covers the fields below, never I/O. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th;
    int started;              /* th runs (main thread only: open and close) */
    int stop, idle, pending;
    struct intentlog_pos want; /* the latest place a writer asked for */
} syncer = { .mu = PTHREAD_MUTEX_INITIALIZER };

#define SYNCER_IDLE_MS 1000   /* a wait for work is bounded too */

static void *syncer_main(void *arg)
{
    pthread_setname_np(pthread_self(), "lt-syncer");
    (void)arg;
    pthread_mutex_lock(&syncer.mu);
    while (!syncer.stop) {
        if (!syncer.pending) {
            struct timespec ts = clock_ts_ms(clock_mono_ms() + SYNCER_IDLE_MS);
            syncer.idle = 1;
            pthread_cond_timedwait(&syncer.cv, &syncer.mu, &ts);
            syncer.idle = 0;
            continue;
        }
        struct intentlog_pos p = syncer.want;
        syncer.pending = 0;
        pthread_mutex_unlock(&syncer.mu);
        /* a failure fails the log: the writer's own wait says so, and
         * its order is not sent on that line */
        struct lt_err e = { 0 };
        intentlog_wait_durable(wal, &p, &e);
        pthread_mutex_lock(&syncer.mu);
    }
    pthread_mutex_unlock(&syncer.mu);
    return NULL;
}

/* Without the thread (it could not start) the writer's wait syncs. */
static void syncer_start(void)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&syncer.cv, &ca);
    pthread_condattr_destroy(&ca);
    syncer.stop = syncer.idle = syncer.pending = 0;
    syncer.started = pthread_create(&syncer.th, NULL, syncer_main, NULL) == 0;
    if (!syncer.started) {
        pthread_cond_destroy(&syncer.cv);
        log_warn("journal: no intent-log syncer thread; armed lines are synced by their "
                 "writers");
    }
}

static void syncer_stop(void)
{
    if (!syncer.started)
        return;
    pthread_mutex_lock(&syncer.mu);
    syncer.stop = 1;
    pthread_mutex_unlock(&syncer.mu);
    pthread_cond_signal(&syncer.cv);
    pthread_join(syncer.th, NULL);
    pthread_cond_destroy(&syncer.cv);
    syncer.started = 0;
}

/* Asks the syncer to make the log durable up to p; a wake-up only when
 * it is idle (a busy one looks at want before it waits). */
static void syncer_kick(const struct intentlog_pos *p)
{
    if (!syncer.started)
        return;
    pthread_mutex_lock(&syncer.mu);
    if (!syncer.pending || p->gen > syncer.want.gen ||
        (p->gen == syncer.want.gen && p->end > syncer.want.end))
        syncer.want = *p;
    syncer.pending = 1;
    int wake = syncer.idle;
    syncer.idle = 0;
    pthread_mutex_unlock(&syncer.mu);
    if (wake)
        pthread_cond_signal(&syncer.cv);
}

/* Outcome lines held back to go with the next write (struct journal's
 * held): room for a round's acks and finals, and bounded; and room for
 * a round's exact lines waiting for their intent-log record (logq). */
#define JOURNAL_HELD_MAX 1024
#define JOURNAL_LOGQ_MAX 512

struct journal {
    int fd;              /* kept descriptor, -1 when none; counted in kept_fds */
    int tail_ok;         /* the file is known to end with '\n' at end_size */
    off_t end_size;
    /* Whole outcome lines not written yet (KEEP_PLAIN), written ahead of
     * the next line in its write(2), or alone when the journal goes idle,
     * is released, closed or rotated.  malloc'd (JOURNAL_HELD_MAX) at the
     * first one: an account that never trades pays nothing for it. */
    char *held;
    size_t held_len;
    /* The held exact lines again, for the intent log: their record goes
     * ahead of the next record this journal puts there, or alone when the
     * journal is idled, released or closed.  malloc'd (JOURNAL_LOGQ_MAX)
     * at the first one. */
    char *logq;
    size_t logq_len;
    char user[128];      /* written into every line */
    char path[];         /* "<dir>/<user>.jsonl", sized to fit */
};

#define JOURNAL_PATH_MAX 4096

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
        return -1;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* O_NONBLOCK: a FIFO in the journal's place must fail, not block; and a
 * device (e.g. /dev/null) would take every line and keep none. */
static int open_file(const char *path, int flags, struct lt_err *err)
{
    int fd = open(path, flags | O_CLOEXEC | O_NONBLOCK, 0600);
    if (fd < 0)
        return lt_err_set(err, LT_EIO, "journal: cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lt_err_set(err, LT_EIO, "journal: cannot open %s: not a regular file", path);
    }
    return fd;
}

int journal_open(const char *dir, const char *user, struct journal **out, struct lt_err *err)
{
    char name[128];
    size_t k = 0;
    /* The user name becomes a file name: keep it to a safe alphabet. */
    for (const char *p = user; *p && k + 1 < sizeof(name); p++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        name[k] = ok && !(k == 0 && c == '.') ? c : '_';
        k++;
    }
    name[k] = '\0';
    if (k == 0)
        return lt_err_set(err, LT_EINVAL, "journal: empty user name");
    if (mkdir_p(dir) != 0)
        return lt_err_set(err, LT_EIO, "journal: cannot create state dir %s: %s", dir,
                          strerror(errno));
    int len = snprintf(NULL, 0, "%s/%s.jsonl", dir, name);
    if (len < 0 || len >= JOURNAL_PATH_MAX)
        return lt_err_set(err, LT_EINVAL, "journal: state dir path too long");
    struct journal *j = calloc(1, sizeof(*j) + (size_t)len + 1);
    if (!j)
        return lt_err_set(err, LT_ENOMEM, "journal: out of memory");
    snprintf(j->path, (size_t)len + 1, "%s/%s.jsonl", dir, name);
    snprintf(j->user, sizeof(j->user), "%s", user);
    /* Checked now so that an unusable journal fails the start, not the
     * first order: an existing file must open, a missing one could be
     * created.  It is created by the first append: thousands of accounts
     * do not create their files at start-up, and an idle account holds no
     * descriptor. */
    struct stat st;
    int rc = 0;
    if (lstat(j->path, &st) == 0 || errno != ENOENT) {
        int fd = open_file(j->path, O_RDWR | O_APPEND, err);
        if (fd < 0)
            rc = fd;
        else
            close(fd);
    } else if (access(dir, W_OK | X_OK) != 0) {
        rc = lt_err_set(err, LT_EIO, "journal: cannot create %s: %s", j->path, strerror(errno));
    }
    if (rc != 0) {
        free(j);
        return rc;
    }
    j->fd = -1;
    *out = j;
    return 0;
}

static int flush_held(struct journal *j, struct lt_err *err);
static int wal_record(struct journal *j, const char *line, size_t len, int keep,
                      struct journal_upto *upto, struct lt_err *err);

/* Closes the kept descriptor, the held lines left as they are. */
static void fd_drop(struct journal *j)
{
    if (j->fd < 0)
        return;
    close(j->fd);
    j->fd = -1;
    atomic_fetch_sub(&kept_fds, 1);
}

/* The held lines written where nothing will carry them later; when that
 * fails they are dropped, as a crash would (see KEEP_PLAIN). */
static void held_out(struct journal *j)
{
    struct lt_err e = { 0 };
    if (flush_held(j, &e) != 0) {
        log_warn("%s; %zu bytes of held outcome and exact lines dropped (recovery asks the "
                 "venue)", e.msg, j->held_len);
        j->held_len = 0;
    }
    if (j->logq_len && wal && wal_record(j, NULL, 0, 0, NULL, &e) != 0) {
        log_warn("%s; %zu bytes of exact lines not in the intent log (their orders stay "
                 "bounded by their armed lines)", e.msg, j->logq_len);
        j->logq_len = 0;
    }
}

void journal_release(struct journal *j)
{
    if (!j)
        return;
    held_out(j);
    fd_drop(j);
}

void journal_fds_budget(size_t kept, size_t journals)
{
    int k = kept > INT_MAX ? INT_MAX : (int)kept;
    atomic_store(&kept_max, k);
    atomic_store(&keep_idle, kept >= journals);
}

/* Held lines never outlast a round: the executor idles every journal
 * after each round, so the in-process readers (recovery's and start-up's
 * journal_load_pending, at a round's start or before any) read a file
 * that has them. */
void journal_idle(struct journal *j)
{
    if (atomic_load(&keep_idle))
        held_out(j);
    else
        journal_release(j);
}

void journal_close(struct journal *j)
{
    if (!j)
        return;
    journal_release(j);
    free(j->held);
    free(j->logq);
    free(j);
}

const char *journal_path(const struct journal *j) { return j->path; }

/* Cuts a torn last line (one without its '\n') off the file of the given
 * size: 1 when cut (*new_size the new end), 0 when the file was whole,
 * -1 (errno) when it could not be read or cut. */
static int repair_tail(int fd, off_t size, off_t *new_size)
{
    char buf[4096];
    off_t end = size;
    *new_size = size;
    if (size == 0)
        return 0;
    while (end > 0) {
        size_t n = end < (off_t)sizeof(buf) ? (size_t)end : sizeof(buf);
        ssize_t r = pread(fd, buf, n, end - (off_t)n);
        if (r != (ssize_t)n) {
            if (r >= 0)
                errno = EIO; /* the file shrank under us */
            return -1;
        }
        if (end == size && buf[n - 1] == '\n')
            return 0;
        for (size_t i = n; i > 0; i--)
            if (buf[i - 1] == '\n') {
                end = end - (off_t)n + (off_t)i;
                goto cut;
            }
        end -= (off_t)n;
    }
cut:
    /* Cutting needs no space, unlike writing a newline on a full disk;
     * and the torn line is no record: its write was never acknowledged. */
    if (ftruncate(fd, end) != 0)
        return -1;
    *new_size = end;
    return 1;
}

/* Writes text[0..len) (one line with its '\n') to fd after making sure
 * the file ends on a line boundary; a failed write is cut off again. */
static int write_line(struct journal *j, int fd, const char *text, size_t len, int sync,
                      struct lt_err *err)
{
    /* The end by lseek, not fstat: on kernels with multigrain timestamps
     * (Linux 6.13+) a stat makes the file's next write take a
     * fine-grained time, which moves the coarse clock every file shares,
     * so the intent log's every record changed its mtime and each
     * fdatasync wrote its inode too (ext4 without a journal writes it on
     * every sync): measured 35 against 23 us of CPU per sync. */
    /* A kept descriptor ends where this process's last write left it
     * (the account lock keeps every other writer out), so only a fresh
     * one is asked where its file ends: a torn tail is a crash's. */
    off_t size = fd == j->fd && j->tail_ok ? j->end_size : lseek(fd, 0, SEEK_END);
    if (size < 0) {
        j->tail_ok = 0;
        return lt_err_set(err, LT_EIO, "journal: cannot find the end of %s: %s", j->path,
                          strerror(errno));
    }
    off_t found = size;
    if (!j->tail_ok || size != j->end_size) {
        int r = repair_tail(fd, size, &size);
        if (r < 0) {
            j->tail_ok = 0;
            return lt_err_set(err, LT_EIO, "journal: cannot repair the torn end of %s: %s",
                              j->path, strerror(errno));
        }
        if (r > 0)
            log_warn("journal: %s ended in a torn line (%lld bytes); cut off", j->path,
                     (long long)(found - size));
    }
    /* A short write is continued: the next write either completes the
     * line or says why it cannot (ENOSPC, EFBIG, EIO). */
    size_t off = 0;
    ssize_t w = 0;
    while (off < len && (w = write(fd, text + off, len - off)) > 0)
        off += (size_t)w;
    if (off < len) {
        int e = w < 0 ? errno : EIO;
        j->tail_ok = off == 0 || ftruncate(fd, size) == 0;
        j->end_size = size;
        return lt_err_set(err, LT_EIO, "journal: write to %s failed: %s", j->path, strerror(e));
    }
    if (sync && fsync(fd) != 0) {
        /* The line may or may not be on disk: look at the tail next time. */
        j->tail_ok = 0;
        return lt_err_set(err, LT_EIO, "journal: fsync of %s failed: %s", j->path,
                          strerror(errno));
    }
    j->tail_ok = 1;
    j->end_size = size + (off_t)len;
    return 0;
}

/* A journal line: short, one per order event, so built in a buffer on
 * the stack (struct line; jansson cost a dozen allocations a line).  A
 * struct line holds one line, or the 2 x ARM_AHEAD lines of the armed
 * pairs written together (~200 bytes each, a long user name more). */
#define JOURNAL_ONE_LINE_MAX 2048
#define JOURNAL_LINE_MAX (1024 * (ARM_AHEAD + 1) > JOURNAL_ONE_LINE_MAX ? 1024 * (ARM_AHEAD + 1) \
                                                                  : JOURNAL_ONE_LINE_MAX)

static int plain_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

/* s as a JSON string into out: names, client ids, run tags and amounts
 * are of a plain alphabet and copied between quotes; anything else is
 * escaped by jansson.  NULL when it does not fit (or is not UTF-8). */
static const char *jstr(const char *s, char *out, size_t cap)
{
    size_t n = strlen(s);
    int plain = n + 3 <= cap;
    for (size_t i = 0; plain && i < n; i++)
        plain = plain_char(s[i]);
    if (plain) {
        out[0] = '"';
        memcpy(out + 1, s, n);
        out[n + 1] = '"';
        out[n + 2] = '\0';
        return out;
    }
    json_t *v = json_string(s);
    char *d = v ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    if (!d || strlen(d) >= cap) {
        free(d);
        return NULL;
    }
    strcpy(out, d);
    free(d);
    return out;
}

/* A line built in place in the caller's buffer, by appends that copy:
 * a line is a few fixed keys, ids and amounts, and snprintf's format
 * parsing cost more than all the rest of a line (two calls a line, 4-5
 * lines an order).  An append that does not fit sets over and writes
 * nothing; a string no line can carry sets bad to its field's name. */
struct line {
    size_t len;
    int over;
    const char *bad;
    char buf[JOURNAL_LINE_MAX]; /* last: a line touches only its start */
};

/* An empty line.  Not `= { 0 }`: that zeroes the whole buffer on every
 * line (JOURNAL_LINE_MAX: 9 KB at ARM_AHEAD 8, 17 KB at 16; 1.2 lines an
 * order), and with hundreds of workers those are cold lines of each
 * worker's stack. */
static void l_start(struct line *l)
{
    l->len = 0;
    l->over = 0;
    l->bad = NULL;
}

static void l_add(struct line *l, const char *s, size_t n)
{
    if (l->over || n >= sizeof(l->buf) - l->len) {
        l->over = 1;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void l_lit(struct line *l, const char *s)
{
    l_add(l, s, strlen(s));
}

static void l_uint(struct line *l, unsigned long long v)
{
    char t[DECIMAL_MAX];
    l_add(l, t, decimal_u64(v, t));
}

/* ,"key":"amount" */
static void l_money(struct line *l, const char *key, money_t v)
{
    char b[MONEY_STR_MAX];
    l_lit(l, key);
    l_add(l, "\"", 1);
    l_lit(l, money_format_min(v, b));
    l_add(l, "\"", 1);
}

/* ,"key":"s" for a string of any alphabet: a plain one (names, ids, run
 * tags, amounts) copied between quotes in one pass, anything else through
 * jstr; name names the field in the error when it cannot be written. */
static void l_str(struct line *l, const char *key, const char *s, const char *name)
{
    size_t start = l->len;
    l_lit(l, key);
    l_add(l, "\"", 1);
    char q[JOURNAL_ONE_LINE_MAX / 4]; /* a field: a quarter of one line at most */
    size_t n = 0;
    while (plain_char(s[n]))
        n++;
    if (!s[n] && n + 3 <= sizeof(q)) {
        l_add(l, s, n);
        l_add(l, "\"", 1);
        return;
    }
    l->len = start;
    if (!jstr(s, q, sizeof(q))) {
        if (!l->bad)
            l->bad = name;
        return;
    }
    l_lit(l, key);
    l_lit(l, q);
}

/* The line's end: ,"ts":N,"user":U}\n (the field order jansson wrote
 * before).  0, or why the line cannot be written. */
static int line_end(struct journal *j, struct line *l, struct lt_err *err)
{
    l_lit(l, ",\"ts\":");
    l_uint(l, (unsigned long long)clock_wall_ms());
    l_str(l, ",\"user\":", j->user, "user");
    l_add(l, "}\n", 2);
    if (l->bad)
        return lt_err_set(err, LT_EINVAL, "journal: %s cannot be written in a line", l->bad);
    if (l->over)
        return lt_err_set(err, LT_ENOMEM, "journal: a line over %d bytes", JOURNAL_LINE_MAX);
    return 0;
}

/* How an appended line is kept.  Without the intent log, both durable
 * kinds are fsync'ed in the journal itself. */
enum keep {
    KEEP_PLAIN,   /* outcomes: recovery asks the venue, not these lines, so
                   * they are held (struct journal's held) and written with
                   * the next line.  A crash that loses them loses nothing:
                   * journal_load_pending reads no ack, final, unknown or
                   * rejected line (the intent stays pending and recovery
                   * queries the venue for it, as after a crash before
                   * they were written), and a never_placed line lost
                   * leaves its armed intent pending, which recovery finds
                   * unknown to the venue, i.e. never placed; the intent
                   * log records none of them, so its replay is as before. */
    KEEP_SOON,    /* settled: in the intent log, durable with its next sync
                   * (lost, it is a crash just before it: recovery queries
                   * that round's orders, which are final, and finds the
                   * same residual) */
    KEEP_DURABLE, /* intents: durable before the call returns */
    KEEP_LATER,   /* an armed intent's exact line: held like an outcome for
                   * the journal's next write and in logq for its next
                   * record in the intent log, durable with the log's next
                   * sync after that; without the log a plain write (the
                   * armed line, durable, bounds the order meanwhile) */
    KEEP_UPTO,    /* an armed intent written ahead: in the intent log, not
                   * waited for, the place to wait for returned; without
                   * the log fsync'ed (durable) */
};

/* Writes text[0..held + len): the held lines (held bytes), then the new
 * line (len bytes; none when 0), in one write_line, so a torn or failed
 * write is cut back to the old end as for one line and the file holds
 * whole lines only.  The held lines are gone from j->held once written;
 * after a failed write they stay held (the next write carries them). */
static int write_out(struct journal *j, const char *text, size_t held, size_t len,
                     enum keep keep, struct journal_upto *upto, struct lt_err *err)
{
    int fd = j->fd;
    if (fd < 0 && (fd = open_file(j->path, O_RDWR | O_APPEND | O_CREAT, err)) < 0)
        return fd;
    /* With the intent log, the line is made durable there (group commit);
     * the journal's own copy reaches the disk with the next syncfs.  The
     * log records the new line alone: the held ones are outcomes. */
    int rc = write_line(j, fd, text, held + len,
                        keep != KEEP_PLAIN && keep != KEEP_LATER && !wal, err);
    if (rc == 0)
        j->held_len = 0;
    if (rc == 0 && keep != KEEP_PLAIN && wal)
        rc = wal_record(j, text + held, len, keep, upto, err);
    if (j->fd >= 0) {
        if (rc != 0) /* a fresh descriptor next time */
            fd_drop(j);
    } else if (rc == 0 && atomic_fetch_add(&kept_fds, 1) < atomic_load(&kept_max)) {
        j->fd = fd;
    } else {
        if (rc == 0)
            atomic_fetch_sub(&kept_fds, 1);
        close(fd);
    }
    return rc;
}

/* The intent log's record of line[0..len) (none: len 0), after the
 * exact lines waiting for one (logq), in one record, so that the log
 * keeps the journal's order.  keep says how it is waited for (an int for
 * the forward declaration; KEEP_LATER and KEEP_SOON: not). */
static int wal_record(struct journal *j, const char *line, size_t len, int keep,
                      struct journal_upto *upto, struct lt_err *err)
{
    char rec[JOURNAL_LOGQ_MAX + JOURNAL_LINE_MAX];
    const char *t = line;
    size_t n = len;
    if (j->logq_len) {
        memcpy(rec, j->logq, j->logq_len);
        if (len)
            memcpy(rec + j->logq_len, line, len);
        t = rec;
        n = j->logq_len + len;
    }
    if (n == 0)
        return 0;
    int rc;
    if (keep == KEEP_UPTO) {
        rc = intentlog_append_upto(wal, t, n, &upto->pos, err);
        upto->pending = rc == 0;
    } else {
        rc = intentlog_append(wal, t, n, keep == KEEP_DURABLE, err);
    }
    if (rc == 0)
        j->logq_len = 0;
    return rc;
}

/* line[0..len) appended to *buf (*n bytes of max, malloc'd at the first
 * line) when there is room: 1, or 0. */
static int buf_add(char **buf, size_t *n, size_t max, const char *line, size_t len)
{
    if (*n + len > max || (!*buf && !(*buf = malloc(max))))
        return 0;
    memcpy(*buf + *n, line, len);
    *n += len;
    return 1;
}

/* An exact line waits for the journal's next record in logq when there
 * is room: 1, or 0. */
static int logq_add(struct journal *j, const char *line, size_t len)
{
    return buf_add(&j->logq, &j->logq_len, JOURNAL_LOGQ_MAX, line, len);
}

static int flush_held(struct journal *j, struct lt_err *err)
{
    return j->held_len ? write_out(j, j->held, j->held_len, 0, KEEP_PLAIN, NULL, err) : 0;
}

/* Holds an outcome line when there is room: 1, or 0 (it is written now,
 * with the held ones). */
static int hold(struct journal *j, const char *line, size_t len)
{
    return buf_add(&j->held, &j->held_len, JOURNAL_HELD_MAX, line, len);
}

static int append(struct journal *j, struct line *l, enum keep keep,
                  struct journal_upto *upto, struct lt_err *err)
{
    int rc = line_end(j, l, err);
    if (rc != 0)
        return rc;
    if (keep == KEEP_PLAIN && hold(j, l->buf, l->len))
        return 0;
    /* An armed order's exact line waits with the held lines too, and for
     * the journal's next intent-log record: a crash that loses it (the
     * line and its record, or the record in a wrap of the log) leaves the
     * order bounded by its armed line, as KEEP_LATER allows; a restart
     * after its record replays it. */
    if (keep == KEEP_LATER && wal && hold(j, l->buf, l->len))
        return logq_add(j, l->buf, l->len) ? 0 : wal_record(j, l->buf, l->len, keep, NULL, err);
    if (!j->held_len)
        return write_out(j, l->buf, 0, l->len, keep, upto, err);
    /* the held lines, then this one: one write for all, in order */
    char text[JOURNAL_HELD_MAX + JOURNAL_LINE_MAX];
    size_t held = j->held_len;
    memcpy(text, j->held, held);
    memcpy(text + held, l->buf, l->len);
    return write_out(j, text, held, l->len, keep, upto, err);
}

/* An intent-like line's fields, appended to l: ev, run, round, cid,
 * side, then the two amounts under the names n1 and n2. */
static void order_fields(struct line *l, const char *ev, const char *run, unsigned round,
                         const char *client_id, enum order_side side, const char *n1,
                         money_t v1, const char *n2, money_t v2)
{
    l_lit(l, "{\"ev\":\"");
    l_lit(l, ev);
    l_add(l, "\"", 1);
    l_str(l, ",\"run\":", run, "run");
    l_lit(l, ",\"round\":");
    l_uint(l, round);
    l_str(l, ",\"cid\":", client_id, "cid");
    l_lit(l, side == SIDE_BUY ? ",\"side\":\"BUY\",\"" : ",\"side\":\"SELL\",\"");
    l_lit(l, n1);
    l_money(l, "\":", v1);
    l_lit(l, ",\"");
    l_lit(l, n2);
    l_money(l, "\":", v2);
}

static int order_line(struct journal *j, const char *ev, const char *run, unsigned round,
                      const char *client_id, enum order_side side, const char *n1, money_t v1,
                      const char *n2, money_t v2, enum keep keep, struct journal_upto *upto,
                      struct lt_err *err)
{
    struct line l;
    l_start(&l);
    order_fields(&l, ev, run, round, client_id, side, n1, v1, n2, v2);
    return append(j, &l, keep, upto, err);
}

int journal_intent(struct journal *j, const char *run, unsigned round, const char *client_id,
                   enum order_side side, money_t price, money_t qty, struct lt_err *err)
{
    return order_line(j, "intent", run, round, client_id, side, "price", price, "qty", qty,
                      KEEP_DURABLE, NULL, err);
}

int journal_armed(struct journal *j, const char *run, unsigned round, const char *client_id,
                  const struct arm_bounds *b, struct lt_err *err)
{
    return order_line(j, "armed", run, round, client_id, b->side, "max_qty", b->max_qty,
                      "max_quote", b->max_quote, KEEP_DURABLE, NULL, err);
}

/* Every armed line in one struct line: one write to the journal and one
 * record of 2n lines in the intent log (collect splits it again). */
int journal_armed_pairs(struct journal *j, const char *run, const struct journal_pair *v,
                        size_t n, struct journal_upto *upto, struct lt_err *err)
{
    struct line l;
    l_start(&l);
    if (upto)
        upto->pending = 0;
    if (n == 0 || n > ARM_AHEAD)
        return lt_err_set(err, LT_EINVAL, "journal: %zu armed pairs in one write", n);
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < 2; k++) {
            const struct arm_bounds *b = k ? &v[i].b2 : &v[i].b1;
            order_fields(&l, "armed", run, v[i].round, k ? v[i].cid2 : v[i].cid1, b->side,
                         "max_qty", b->max_qty, "max_quote", b->max_quote);
            if (upto)
                l_lit(&l, ",\"ahead\":1");
            if (i + 1 == n && k == 1)
                break; /* append ends the last line */
            int rc = line_end(j, &l, err);
            if (rc != 0)
                return rc;
        }
    }
    return append(j, &l, upto ? KEEP_UPTO : KEEP_DURABLE, upto, err);
}

void journal_sync_soon(const struct journal_upto *upto)
{
    if (upto->pending)
        syncer_kick(&upto->pos);
}

int journal_wait_durable(const struct journal_upto *upto, struct lt_err *err)
{
    if (!upto->pending)
        return 0;
    /* pending only with the log open: it stays open while workers run */
    return intentlog_wait_durable(wal, &upto->pos, err);
}

int journal_intent_exact(struct journal *j, const char *run, unsigned round,
                         const char *client_id, enum order_side side, money_t price,
                         money_t qty, struct lt_err *err)
{
    return order_line(j, "intent", run, round, client_id, side, "price", price, "qty", qty,
                      KEEP_LATER, NULL, err);
}

int journal_outcome(struct journal *j, const char *ev, const char *client_id,
                    enum order_status st, money_t executed_qty, money_t cum_quote,
                    struct lt_err *err)
{
    struct line l;
    l_start(&l);
    l_add(&l, "{", 1);
    l_str(&l, "\"ev\":", ev, "ev");
    l_str(&l, ",\"cid\":", client_id, "cid");
    l_str(&l, ",\"status\":", order_status_name(st), "status");
    l_money(&l, ",\"executed\":", executed_qty);
    l_money(&l, ",\"quote\":", cum_quote);
    return append(j, &l, KEEP_PLAIN, NULL, err);
}

static void settled_fields(struct line *l, const char *run, unsigned round, money_t bought,
                           money_t sold, money_t residual)
{
    l_lit(l, "{\"ev\":\"settled\"");
    l_str(l, ",\"run\":", run, "run");
    l_lit(l, ",\"round\":");
    l_uint(l, round);
    l_money(l, ",\"bought\":", bought);
    l_money(l, ",\"sold\":", sold);
    l_money(l, ",\"residual\":", residual);
}

int journal_settled(struct journal *j, const char *run, unsigned round, money_t bought,
                    money_t sold, money_t residual, struct lt_err *err)
{
    struct line l;
    l_start(&l);
    settled_fields(&l, run, round, bought, sold, residual);
    return append(j, &l, KEEP_SOON, NULL, err);
}

/* The fresh file is written complete (with the residual's line) beside the
 * journal and renamed over it, after the old one is linked to .prev: a
 * crash at any point leaves a journal that still states the residual. */
int journal_rotate(struct journal *j, const char *run, money_t residual, struct lt_err *err)
{
    char prev[JOURNAL_PATH_MAX + 8], fresh[JOURNAL_PATH_MAX + 8];
    snprintf(prev, sizeof(prev), "%s.prev", j->path);
    snprintf(fresh, sizeof(fresh), "%s.new", j->path);
    /* The held lines belong to the old file, soon .prev. */
    int rc = flush_held(j, err);
    if (rc != 0)
        return rc;
    int fd = open_file(fresh, O_RDWR | O_APPEND | O_CREAT | O_TRUNC, err);
    if (fd < 0)
        return fd;
    /* The kept descriptor is the old file's, soon .prev. */
    journal_release(j);
    j->tail_ok = 1;
    j->end_size = 0;
    if (residual > 0) {
        struct line l;
        l_start(&l);
        settled_fields(&l, run, 0, 0, 0, residual);
        if ((rc = line_end(j, &l, err)) == 0)
            rc = write_line(j, fd, l.buf, l.len, 1, err);
    }
    /* A journal never written yet (created by its first append) has no
     * earlier state to keep. */
    if (rc == 0 && ((unlink(prev) != 0 && errno != ENOENT) ||
                    (link(j->path, prev) != 0 && errno != ENOENT) ||
                    rename(fresh, j->path) != 0))
        rc = lt_err_set(err, LT_EIO, "journal: cannot rotate %s: %s", j->path, strerror(errno));
    close(fd);
    /* Whichever file is the journal now, its tail is checked before the
     * next append. */
    j->tail_ok = 0;
    if (rc != 0)
        unlink(fresh);
    return rc;
}

/* The pending order with client id cid, or n when none (the newest
 * first: an exact line follows its armed line closely). */
static size_t pending_find(const struct journal_pending *v, size_t n, const char *cid)
{
    for (size_t i = n; i > 0; i--)
        if (strcmp(v[i - 1].client_id, cid) == 0)
            return i - 1;
    return n;
}

/* The amount field name of o into *v (absent: 0): 1, or 0 when it is
 * there but no amount >= 0. */
static int amount(json_t *o, const char *name, money_t *v)
{
    json_t *f = json_object_get(o, name);
    *v = 0;
    if (!f)
        return 1;
    const char *s = json_string_value(f);
    return s && money_parse(s, v) == 0 && *v >= 0;
}

int journal_load_pending(const char *path, struct journal_pending **out, size_t *n,
                         money_t *residual, struct lt_err *err)
{
    *out = NULL;
    *n = 0;
    if (residual)
        *residual = 0;
    /* O_NONBLOCK: a FIFO in the journal's place must fail, not block. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return lt_err_set(err, LT_EIO, "journal: cannot read %s: %s", path, strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return lt_err_set(err, LT_EIO, "journal: cannot read %s: not a regular file", path);
    }
    if (sb.st_size > JOURNAL_READ_MAX) {
        close(fd);
        return lt_err_set(err, LT_ERANGE,
                          "journal: %s is %lld bytes, over the %lld MiB a journal may be; "
                          "check it and move it aside",
                          path, (long long)sb.st_size, (long long)(JOURNAL_READ_MAX >> 20));
    }
    FILE *f = fdopen(fd, "r");
    if (!f) {
        close(fd);
        return lt_err_set(err, LT_ENOMEM, "journal: out of memory reading %s", path);
    }
    struct journal_pending *orders = NULL;
    size_t n_orders = 0, cap_orders = 0;
    money_t carried = 0;
    char *line = NULL;
    size_t line_cap = 0;
    off_t total = 0;
    ssize_t len;
    int rc = 0;
    while ((len = getline(&line, &line_cap, f)) > 0) {
        /* The file may grow while it is read: the bound holds throughout. */
        if ((total += len) > JOURNAL_READ_MAX) {
            rc = LT_ERANGE;
            break;
        }
        json_t *o = json_loads(line, 0, NULL);
        if (!json_is_object(o)) {
            json_decref(o);
            continue;
        }
        const char *ev = json_string_value(json_object_get(o, "ev"));
        if (ev && strcmp(ev, "never_placed") == 0) {
            /* An armed intent closed unused was never sent: nothing to ask. */
            const char *cid = json_string_value(json_object_get(o, "cid"));
            size_t i = cid ? pending_find(orders, n_orders, cid) : n_orders;
            if (i < n_orders && orders[i].armed) {
                memmove(orders + i, orders + i + 1, (n_orders - i - 1) * sizeof(*orders));
                n_orders--;
            }
            json_decref(o);
            continue;
        }
        const char *run = json_string_value(json_object_get(o, "run"));
        json_t *jr = json_object_get(o, "round");
        if (!ev || !run || strlen(run) >= 8 || !json_is_integer(jr) ||
            json_integer_value(jr) < 0) {
            json_decref(o);
            continue;
        }
        unsigned round = (unsigned)json_integer_value(jr);
        if (strcmp(ev, "settled") == 0) {
            /* Every order of its run up to its round before it is
             * accounted for by its residual; later rounds' intents,
             * armed ahead during this one or an earlier one, are not. */
            const char *res = json_string_value(json_object_get(o, "residual"));
            money_t r;
            if (res && money_parse(res, &r) == 0 && r >= 0) {
                carried = r;
                size_t k = 0;
                for (size_t i = 0; i < n_orders; i++)
                    if (orders[i].round > round && strcmp(orders[i].run, run) == 0)
                        orders[k++] = orders[i];
                n_orders = k;
            }
        } else if (strcmp(ev, "intent") == 0 || strcmp(ev, "armed") == 0) {
            int armed = ev[0] == 'a';
            const char *cid = json_string_value(json_object_get(o, "cid"));
            const char *side = json_string_value(json_object_get(o, "side"));
            money_t v1 = 0, v2 = 0;
            if (!amount(o, armed ? "max_qty" : "price", &v1) ||
                !amount(o, armed ? "max_quote" : "qty", &v2))
                cid = NULL; /* malformed: as a torn line */
            size_t i = cid ? pending_find(orders, n_orders, cid) : n_orders;
            if (cid && !armed && i < n_orders && orders[i].armed) {
                /* the exact line of an armed intent: the order as sent */
                orders[i].armed = 0;
                orders[i].price = v1;
                orders[i].qty = v2;
            } else if (cid && side && i == n_orders && strlen(cid) < CLIENTID_MAX) {
                /* a new order; a line of a pending one again (the intent
                 * log's replay appends a lost line after later ones) is
                 * the same order */
                if (n_orders == cap_orders) {
                    size_t cap = cap_orders ? cap_orders * 2 : 64;
                    struct journal_pending *no = realloc(orders, cap * sizeof(*no));
                    if (!no) {
                        json_decref(o);
                        rc = LT_ENOMEM;
                        break;
                    }
                    orders = no;
                    cap_orders = cap;
                }
                struct journal_pending *p = &orders[n_orders++];
                memset(p, 0, sizeof(*p));
                strcpy(p->run, run);
                p->round = round;
                strcpy(p->client_id, cid);
                p->side = strcmp(side, "BUY") == 0 ? SIDE_BUY : SIDE_SELL;
                p->armed = armed;
                if (armed) {
                    p->ahead = json_integer_value(json_object_get(o, "ahead")) == 1;
                    p->max_qty = v1;
                    p->max_quote = v2;
                } else {
                    p->price = v1;
                    p->qty = v2;
                }
            }
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    if (rc) {
        free(orders);
        return rc == LT_ERANGE
                   ? lt_err_set(err, rc, "journal: %s grew past %lld MiB while read", path,
                                (long long)(JOURNAL_READ_MAX >> 20))
                   : lt_err_set(err, rc, "journal: out of memory reading %s", path);
    }
    if (n_orders == 0) {
        free(orders);
        orders = NULL;
    }
    *out = orders;
    *n = n_orders;
    if (residual)
        *residual = carried;
    return 0;
}

/* --- the intent log: replay at start, then group commit ---------------- */

struct wal_rec {
    char *text;
    size_t len;
    size_t seq;      /* its place in the log */
    int settled;
    char user[128];
};

struct wal_recs {
    struct wal_rec *v;
    size_t n, cap;
};

static int collect_line(struct wal_recs *rs, const char *text, size_t len)
{
    json_t *o = json_loadb(text, len, 0, NULL);
    const char *user = json_string_value(json_object_get(o, "user"));
    const char *ev = json_string_value(json_object_get(o, "ev"));
    /* A record is our own line; one that is not (the hash matched by
     * chance) stands for nothing. */
    if (!user || !ev || strlen(user) >= sizeof(rs->v[0].user)) {
        json_decref(o);
        return 0;
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 256;
        struct wal_rec *nv = realloc(rs->v, cap * sizeof(*nv));
        if (!nv) {
            json_decref(o);
            return LT_ENOMEM;
        }
        rs->v = nv;
        rs->cap = cap;
    }
    struct wal_rec *r = &rs->v[rs->n];
    r->text = malloc(len);
    if (!r->text) {
        json_decref(o);
        return LT_ENOMEM;
    }
    memcpy(r->text, text, len);
    r->len = len;
    r->seq = rs->n;
    r->settled = strcmp(ev, "settled") == 0;
    snprintf(r->user, sizeof(r->user), "%s", user);
    rs->n++;
    json_decref(o);
    return 0;
}

/* A record is one line, or the lines of pairs (journal_armed_pairs): each
 * line is a record of its own for the replay. */
static int collect(void *arg, const char *text, size_t len)
{
    int rc = 0;
    while (len > 0 && rc == 0) {
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) + 1 : len;
        rc = collect_line(arg, text, n);
        text += n;
        len -= n;
    }
    return rc;
}

static int rec_cmp(const void *a, const void *b)
{
    const struct wal_rec *x = a, *y = b;
    int c = strcmp(x->user, y->user);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* The whole file at path (absent: empty), bounded like a journal read. */
static int read_all(const char *path, char **out, size_t *n, struct lt_err *err)
{
    *out = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return errno == ENOENT ? 0
                               : lt_err_set(err, LT_EIO, "journal: cannot read %s: %s", path,
                                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > JOURNAL_READ_MAX) {
        close(fd);
        return lt_err_set(err, LT_EIO, "journal: cannot read %s: not a regular file of at "
                          "most %lld MiB", path, (long long)(JOURNAL_READ_MAX >> 20));
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = 0;
    ssize_t r = 1;
    while (buf && got < (size_t)st.st_size &&
           (r = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
        got += (size_t)r;
    close(fd);
    if (!buf || r < 0) {
        free(buf);
        return lt_err_set(err, LT_EIO, "journal: cannot read %s", path);
    }
    *out = buf;
    *n = got;
    return 0;
}

/* One user's records of the log's lap, v[0..n) in log order, replayed
 * into its journal: every record the journal lacks (a power loss took
 * pages it had not synced, in any order) is appended, in log order, so
 * that every intent of the lap is in the journal again.  Recovery reads
 * the last settled line and the intents after it, so the journal must
 * then end with the lap's last settled record S followed by the records
 * after it.  Appending in log order gives that unless S was there while
 * records before it were appended (they now follow it), or S was appended
 * while records after it were there (they now precede it): then S and
 * every record after it are appended once more (the earlier copies come
 * before the last settled line and are read past). */
static int replay_user(const char *dir, struct wal_rec *v, size_t n, struct lt_err *err)
{
    size_t last = n; /* S, n when none */
    for (size_t i = 0; i < n; i++)
        if (v[i].settled)
            last = i;
    struct journal *j;
    int rc = journal_open(dir, v[0].user, &j, err);
    if (rc != 0)
        return rc;
    char *file;
    size_t flen;
    if ((rc = read_all(j->path, &file, &flen, err)) != 0) {
        journal_close(j);
        return rc;
    }
    int before_added = 0, after_there = 0, last_added = 0;
    size_t restored = 0;
    int fd = -1;
    for (size_t i = 0; i < n + (last < n ? n - last : 0) && rc == 0; i++) {
        /* the first n turns: what is missing; then S and what follows */
        size_t k = i < n ? i : last + (i - n);
        if (i == n && !((!last_added && before_added) || (last_added && after_there)))
            break;
        if (i < n) {
            int there = file && memmem(file, flen, v[k].text, v[k].len) != NULL;
            if (there) {
                after_there |= last < n && k > last;
                continue;
            }
            before_added |= last < n && k < last;
            last_added |= k == last;
        }
        if (fd < 0 && (fd = open_file(j->path, O_RDWR | O_APPEND | O_CREAT, err)) < 0) {
            rc = fd;
            break;
        }
        if ((rc = write_line(j, fd, v[k].text, v[k].len, 0, err)) == 0)
            restored++;
    }
    free(file);
    if (fd >= 0) {
        if (rc == 0 && fsync(fd) != 0)
            rc = lt_err_set(err, LT_EIO, "journal: fsync of %s failed: %s", j->path,
                            strerror(errno));
        close(fd);
    }
    if (rc == 0 && restored > 0)
        log_warn("journal: %s lacked lines the intent log held (a crash took lines not yet "
                 "written, or a power loss unsynced pages): %zu line(s) restored from the log",
                 j->path, restored);
    journal_close(j);
    return rc;
}

int journal_wal_open(const char *dir, struct lt_err *err)
{
    char path[JOURNAL_PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, JOURNAL_WAL_NAME) >= (int)sizeof(path))
        return lt_err_set(err, LT_EINVAL, "journal: state dir path too long");
    struct wal_recs rs = { 0 };
    struct intentlog *l;
    int rc = intentlog_open(path, INTENTLOG_SIZE, collect, &rs, &l, err);
    if (rc == 0 && rs.n > 0) {
        qsort(rs.v, rs.n, sizeof(*rs.v), rec_cmp);
        for (size_t a = 0, b; a < rs.n && rc == 0; a = b) {
            for (b = a + 1; b < rs.n && strcmp(rs.v[b].user, rs.v[a].user) == 0; b++)
                ;
            rc = replay_user(dir, rs.v + a, b - a, err);
        }
    }
    for (size_t i = 0; i < rs.n; i++)
        free(rs.v[i].text);
    free(rs.v);
    if (rc != 0) {
        intentlog_close(l); /* NULL when the open failed */
        return rc;
    }
    rc = intentlog_new_lap(l, err);
    if (rc == LT_ERANGE) {
        /* No room for the log: each durable line is fsync'ed in its own
         * journal, as without one (slower, as safe). */
        log_warn("%s; each journal line is fsync'ed on its own instead", err->msg);
        intentlog_close(l);
        lt_err_clear(err);
        return 0;
    }
    if (rc != 0) {
        intentlog_close(l);
        return rc;
    }
    wal = l;
    syncer_start();
    return 0;
}

void journal_wal_close(void)
{
    if (!wal)
        return;
    syncer_stop();
    /* Every line is made durable and the log left with an empty lap: the
     * next start has nothing to replay and no syncfs to wait for. */
    struct lt_err err = { 0 };
    if (intentlog_new_lap(wal, &err) != 0)
        log_warn("%s", err.msg);
    intentlog_close(wal);
    wal = NULL;
}
