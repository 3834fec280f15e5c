/*
 * intentlog.c - the group-committed, preallocated intent log (see
 * intentlog.h for the layout, the laps and the locking).
 */
#include "looptrader/intentlog.h"

#include "looptrader/clock.h"
#include "looptrader/hash.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define REC_HEAD 45 /* "R " 16 " " 8 " " 16 "\n" */
#define ZERO_CHUNK 65536

struct intentlog {
    int fd;
    off_t size;           /* preallocated bytes; records never pass it */
    pthread_mutex_t mu;   /* covers every field below */
    pthread_cond_t cv;    /* a wrap ended, or writes in flight drained */
    pthread_cond_t synced_cv[2]; /* sync number k ended: synced_cv[k & 1] */
    uint64_t lap;
    uint64_t gen;         /* bumped by each wrap: the old lap is durable */
    off_t end;            /* where the next record goes (reserved up to it) */
    off_t synced;         /* records before it are durable (this gen) */
    off_t sync_target;    /* what the running sync makes durable */
    uint64_t syncs_begun; /* the running sync, if any, is number syncs_begun - 1 */
    unsigned waiters[2];  /* threads waiting on synced_cv[i] */
    unsigned inflight[2]; /* reserved records not yet written, by phase */
    unsigned phase;       /* the phase new reservations join */
    int syncing;          /* a leader is in fdatasync (or draining writes for it) */
    int wrapping;         /* a wrap (syncfs, header) is under way */
    int failed;           /* a write or sync failed: no append succeeds */
    size_t scanned;       /* records of the lap found at open */
    atomic_uint_fast64_t syncs;
    char path[];
};

/* The lap's bytes least significant first, whatever the host's order. */
static uint64_t fnv(uint64_t lap, const char *text, size_t len)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(lap >> (8 * i));
    return hash_fnv1a(hash_fnv1a(HASH_FNV_BASIS, b, sizeof b), text, len);
}

static int hex_field(const char *p, int n, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < n; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        x = x << 4 | (uint64_t)d;
    }
    *v = x;
    return 0;
}

static int write_all(int fd, const char *buf, size_t len, off_t off)
{
    while (len > 0) {
        ssize_t w = pwrite(fd, buf, len, off);
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Zeros from the current size up to l->size: real blocks, so that no
 * later overwrite allocates or changes the size.  Then fsync'ed.  A file
 * system without the room: LT_ERANGE, the file emptied (its records are
 * durable in the journals by then: syncfs ran first). */
static int preallocate(struct intentlog *l, struct lt_err *err)
{
    struct stat st;
    if (fstat(l->fd, &st) != 0)
        return lt_err_set(err, LT_EIO, "intent log: cannot stat %s: %s", l->path,
                          strerror(errno));
    if (st.st_size >= l->size)
        return 0;
    char *z = calloc(1, ZERO_CHUNK);
    if (!z)
        return lt_err_set(err, LT_ENOMEM, "intent log: out of memory");
    int rc = 0;
    for (off_t off = st.st_size; off < l->size && rc == 0; off += ZERO_CHUNK) {
        size_t n = l->size - off < ZERO_CHUNK ? (size_t)(l->size - off) : ZERO_CHUNK;
        if (write_all(l->fd, z, n, off) != 0)
            rc = -1;
    }
    free(z);
    if (rc == 0 && fsync(l->fd) != 0)
        rc = -1;
    if (rc != 0) {
        int e = errno;
        (void)ftruncate(l->fd, 0);
        /* no strerror for a full disk: it is expected here, and a log that
         * names ENOSPC should mean a journal line was refused */
        if (e == ENOSPC || e == EFBIG || e == EDQUOT)
            return lt_err_set(err, LT_ERANGE, "intent log: no room for its %lld KiB at %s",
                              (long long)(l->size >> 10), l->path);
        return lt_err_set(err, LT_EIO, "intent log: cannot preallocate %s: %s", l->path,
                          strerror(e));
    }
    return 0;
}

/* The header's lap; 0 (no lap: a fresh or unreadable file) when absent. */
static uint64_t header_lap(const char *buf, size_t n)
{
    uint64_t lap;
    if (n < INTENTLOG_HEADER || memcmp(buf, "LTWAL 1 ", 8) != 0 || buf[24] != '\n' ||
        hex_field(buf + 8, 16, &lap) != 0)
        return 0;
    return lap;
}

/* Parses the record head at h (REC_HEAD bytes): 0, or -1 when it is not one. */
static int parse_head(const char *h, uint64_t *lap, uint64_t *len, uint64_t *hash)
{
    if (h[0] != 'R' || h[1] != ' ' || hex_field(h + 2, 16, lap) != 0 || h[18] != ' ' ||
        hex_field(h + 19, 8, len) != 0 || h[27] != ' ' || hex_field(h + 28, 16, hash) != 0 ||
        h[44] != '\n')
        return -1;
    return 0;
}

/* The highest lap a record head anywhere in buf[0..n) names.  The next
 * lap must be above it: its records overwrite the file from offset 64
 * and the scan goes on into whatever follows the last one, so an older
 * record there of the same lap number would pass for one of its own.
 * The header's lap alone does not bound them when the header was torn or
 * the disk left other bytes. */
static uint64_t highest_lap(const char *buf, size_t n)
{
    uint64_t top = 0, lap, len, hash;
    const char *p = buf, *last = buf + n;
    while (last - p >= REC_HEAD && (p = memchr(p, 'R', (size_t)(last - p) - REC_HEAD + 1))) {
        if (parse_head(p, &lap, &len, &hash) == 0 && lap > top)
            top = lap;
        p++;
    }
    return top;
}

/* Hands the whole records of the header's lap to fn, in order, and
 * leaves in l->lap the highest lap the file names. */
static int scan(struct intentlog *l, intentlog_record_fn fn, void *arg, struct lt_err *err)
{
    char *buf = malloc((size_t)l->size);
    if (!buf)
        return lt_err_set(err, LT_ENOMEM, "intent log: out of memory");
    size_t n = 0;
    while (n < (size_t)l->size) {
        ssize_t r = pread(l->fd, buf + n, (size_t)l->size - n, (off_t)n);
        if (r < 0) {
            free(buf);
            return lt_err_set(err, LT_EIO, "intent log: cannot read %s: %s", l->path,
                              strerror(errno));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    uint64_t cur = header_lap(buf, n);
    int rc = 0;
    size_t off = INTENTLOG_HEADER;
    while (cur != 0 && rc == 0 && off + REC_HEAD <= n) {
        const char *h = buf + off;
        uint64_t lap, len, hash;
        if (parse_head(h, &lap, &len, &hash) != 0 || lap != cur || len == 0 ||
            len > n - off - REC_HEAD || fnv(lap, h + REC_HEAD, (size_t)len) != hash)
            break;
        rc = fn(arg, h + REC_HEAD, (size_t)len);
        off += REC_HEAD + (size_t)len;
        l->scanned++;
    }
    uint64_t top = highest_lap(buf, n);
    l->lap = top > cur ? top : cur;
    free(buf);
    return rc;
}

int intentlog_open(const char *path, size_t size, intentlog_record_fn fn, void *arg,
                   struct intentlog **out, struct lt_err *err)
{
    *out = NULL;
    size_t plen = strlen(path);
    struct intentlog *l = calloc(1, sizeof(*l) + plen + 1);
    if (!l)
        return lt_err_set(err, LT_ENOMEM, "intent log: out of memory");
    memcpy(l->path, path, plen + 1);
    l->size = (off_t)size;
    /* O_NONBLOCK and the regular-file check: a FIFO or a device in its
     * place must fail, not block or swallow the records. */
    l->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    struct stat st;
    int rc = 0;
    if (l->fd < 0)
        rc = lt_err_set(err, LT_EIO, "intent log: cannot open %s: %s", path, strerror(errno));
    else if (fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = lt_err_set(err, LT_EIO, "intent log: %s is not a regular file", path);
    if (rc == 0)
        rc = scan(l, fn, arg, err);
    if (rc != 0) {
        if (l->fd >= 0)
            close(l->fd);
        free(l);
        return rc;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&l->cv, &ca);
    pthread_cond_init(&l->synced_cv[0], &ca);
    pthread_cond_init(&l->synced_cv[1], &ca);
    pthread_condattr_destroy(&ca);
    l->end = l->synced = INTENTLOG_HEADER;
    l->wrapping = 1; /* no append before intentlog_new_lap */
    *out = l;
    return 0;
}

/* syncfs, then the next lap's header.  Called with no lock held by the
 * one thread that set l->wrapping.  The first lap after an open whose
 * last lap held no record has nothing to make durable: no syncfs (it
 * waits for every dirty page of the file system, other programs' too). */
static int start_lap(struct intentlog *l, uint64_t lap, struct lt_err *err)
{
    char h[INTENTLOG_HEADER];
    memset(h, ' ', sizeof(h));
    snprintf(h, sizeof(h), "LTWAL 1 %016" PRIx64 "\n", lap);
    h[25] = ' '; /* snprintf's NUL: the header is text */
    h[INTENTLOG_HEADER - 1] = '\n';
    if ((l->gen > 0 || l->scanned > 0) && syncfs(l->fd) != 0)
        return lt_err_set(err, LT_EIO, "intent log: syncfs for %s failed: %s", l->path,
                          strerror(errno));
    /* After the last lap number the file may hold records of any lap,
     * the next one's too: emptied, it is zeroed again by preallocate. */
    if (l->lap == UINT64_MAX && ftruncate(l->fd, 0) != 0)
        return lt_err_set(err, LT_EIO, "intent log: cannot empty %s: %s", l->path,
                          strerror(errno));
    int rc = preallocate(l, err);
    if (rc != 0)
        return rc;
    if (write_all(l->fd, h, sizeof(h), 0) != 0 || fdatasync(l->fd) != 0)
        return lt_err_set(err, LT_EIO, "intent log: cannot start a lap in %s: %s", l->path,
                          strerror(errno));
    atomic_fetch_add(&l->syncs, 1);
    return 0;
}

/* A wrap ended or the log failed: every waiter looks again. */
static void wake_all(struct intentlog *l)
{
    pthread_cond_broadcast(&l->cv);
    pthread_cond_broadcast(&l->synced_cv[0]);
    pthread_cond_broadcast(&l->synced_cv[1]);
}

int intentlog_new_lap(struct intentlog *l, struct lt_err *err)
{
    /* Before the first append (l->wrapping is still set by open), by the
     * one appender that set it, or once no thread appends: no other thread
     * touches the fields. */
    uint64_t lap = l->lap + 1 ? l->lap + 1 : 1;
    int rc = start_lap(l, lap, err);
    pthread_mutex_lock(&l->mu);
    if (rc == 0) {
        l->lap = lap;
        l->gen++;
        l->end = l->synced = INTENTLOG_HEADER;
    } else {
        l->failed = 1;
    }
    l->wrapping = 0;
    wake_all(l);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

/* Waits (mu held) for cv or the deadline; LT_EIO past the deadline. */
static int wait_until(struct intentlog *l, pthread_cond_t *cv, int64_t deadline_ms,
                      struct lt_err *err)
{
    struct timespec ts = clock_ts_ms(deadline_ms);
    if (pthread_cond_timedwait(cv, &l->mu, &ts) == ETIMEDOUT && clock_mono_ms() >= deadline_ms)
        return lt_err_set(err, LT_EIO, "intent log: %s not durable within %d ms", l->path,
                          INTENTLOG_WAIT_MS);
    return 0;
}

/* Leads one sync (mu held, returned held): claims what is reserved, lets
 * the writes in flight reach the page cache, fdatasyncs with mu released,
 * then wakes the waiters of this sync and one waiter of the next, who
 * leads it.  Only the waiters a sync covers wake: no herd per sync. */
static int lead_sync(struct intentlog *l, uint64_t gen, int64_t deadline_ms,
                     struct lt_err *err)
{
    l->syncing = 1;
    uint64_t k = l->syncs_begun++;
    l->sync_target = l->end;
    unsigned old = l->phase;
    l->phase ^= 1; /* reservations from now on are past the target */
    int rc = 0;
    while (l->inflight[old] > 0 && !l->failed && rc == 0)
        rc = wait_until(l, &l->cv, deadline_ms, err);
    /* A page-cache write still not done at the deadline: the disk is not
     * answering, and the phase cannot be reused with it in flight. */
    if (rc != 0)
        l->failed = 1;
    if (!l->failed) {
        off_t target = l->sync_target;
        pthread_mutex_unlock(&l->mu);
        int r = fdatasync(l->fd);
        int e = errno;
        atomic_fetch_add(&l->syncs, 1);
        pthread_mutex_lock(&l->mu);
        if (r != 0) {
            l->failed = 1;
            rc = lt_err_set(err, LT_EIO, "intent log: fdatasync of %s failed: %s", l->path,
                            strerror(e));
        } else if (l->gen == gen && target > l->synced) {
            l->synced = target;
        }
    }
    l->syncing = 0;
    if (l->failed) {
        wake_all(l);
    } else {
        pthread_cond_broadcast(&l->synced_cv[k & 1]);
        if (l->waiters[(k + 1) & 1] > 0)
            pthread_cond_signal(&l->synced_cv[(k + 1) & 1]);
        pthread_cond_broadcast(&l->cv); /* a wrap waits for the leader out */
    }
    return rc;
}

/* Writes text[0..len) as one record (its place reserved under the lock,
 * its bytes written with it released) and says in *pos where it ends. */
static int put_record(struct intentlog *l, const char *text, size_t len,
                      int64_t deadline_ms, struct intentlog_pos *pos,
                      struct lt_err *err)
{
    size_t rlen = REC_HEAD + len;
    if (len == 0 || rlen > (size_t)l->size - INTENTLOG_HEADER)
        return lt_err_set(err, LT_EINVAL, "intent log: a record of %zu bytes", len);
    char small[1024];
    char *rec = rlen <= sizeof(small) ? small : malloc(rlen);
    if (!rec)
        return lt_err_set(err, LT_ENOMEM, "intent log: out of memory");
    int rc = 0;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (l->failed) {
            rc = lt_err_set(err, LT_EIO, "intent log: %s failed earlier: no intent is durable",
                            l->path);
            break;
        }
        if (l->wrapping || l->end + (off_t)rlen > l->size) {
            /* a wrap needs the leader out of its sync and every write
             * in flight done first */
            if (l->wrapping || l->syncing || l->inflight[0] || l->inflight[1]) {
                if ((rc = wait_until(l, &l->cv, deadline_ms, err)) != 0)
                    break;
                continue;
            }
            l->wrapping = 1;
            pthread_mutex_unlock(&l->mu);
            rc = intentlog_new_lap(l, err); /* err may be NULL */
            pthread_mutex_lock(&l->mu);
            if (rc != 0)
                break;
            continue;
        }
        break;
    }
    if (rc != 0) {
        pthread_mutex_unlock(&l->mu);
        if (rec != small)
            free(rec);
        return rc;
    }
    /* The record's place and lap are reserved under the lock; its bytes
     * go to the page cache with the lock released (a sync leader waits
     * for the writes of its phase before it syncs). */
    uint64_t lap = l->lap, gen = l->gen;
    off_t off = l->end;
    l->end = off + (off_t)rlen;
    off_t mine = l->end;
    unsigned ph = l->phase;
    l->inflight[ph]++;
    pthread_mutex_unlock(&l->mu);

    char head[80]; /* len < 2^32: the log is smaller */
    snprintf(head, sizeof(head), "R %016" PRIx64 " %08" PRIx32 " %016" PRIx64 "\n", lap,
             (uint32_t)len, fnv(lap, text, len));
    memcpy(rec, head, REC_HEAD);
    memcpy(rec + REC_HEAD, text, len);
    int wr = write_all(l->fd, rec, rlen, off);
    int e = errno;
    if (rec != small)
        free(rec);

    pthread_mutex_lock(&l->mu);
    if (--l->inflight[ph] == 0)
        pthread_cond_broadcast(&l->cv);
    if (wr != 0) {
        /* a torn record would hide every later one from the scan */
        l->failed = 1;
        wake_all(l);
        pthread_mutex_unlock(&l->mu);
        return lt_err_set(err, LT_EIO, "intent log: write to %s failed: %s", l->path,
                          strerror(e));
    }
    pos->gen = gen;
    pos->end = (int64_t)mine;
    pthread_mutex_unlock(&l->mu);
    return 0;
}

/* Returns (mu not held) once the log is durable up to pos: a sync that
 * claimed it has ended, or a wrap (its syncfs) has. */
static int wait_pos(struct intentlog *l, const struct intentlog_pos *pos,
                    int64_t deadline_ms, struct lt_err *err)
{
    int rc = 0;
    pthread_mutex_lock(&l->mu);
    while (rc == 0 && l->gen == pos->gen && (int64_t)l->synced < pos->end) {
        if (l->failed) {
            rc = lt_err_set(err, LT_EIO, "intent log: fdatasync of %s failed", l->path);
        } else if (!l->syncing && !l->wrapping) {
            rc = lead_sync(l, pos->gen, deadline_ms, err);
        } else {
            /* the running sync if it claimed this place, else the next */
            uint64_t k = l->syncing && pos->end <= (int64_t)l->sync_target ? l->syncs_begun - 1
                                                                            : l->syncs_begun;
            l->waiters[k & 1]++;
            rc = wait_until(l, &l->synced_cv[k & 1], deadline_ms, err);
            l->waiters[k & 1]--;
        }
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int intentlog_append(struct intentlog *l, const char *text, size_t len, int wait,
                     struct lt_err *err)
{
    int64_t deadline_ms = clock_mono_ms() + INTENTLOG_WAIT_MS;
    struct intentlog_pos pos;
    int rc = put_record(l, text, len, deadline_ms, &pos, err);
    return rc == 0 && wait ? wait_pos(l, &pos, deadline_ms, err) : rc;
}

int intentlog_append_upto(struct intentlog *l, const char *text, size_t len,
                          struct intentlog_pos *upto, struct lt_err *err)
{
    int64_t deadline_ms = clock_mono_ms() + INTENTLOG_WAIT_MS;
    return put_record(l, text, len, deadline_ms, upto, err);
}

int intentlog_wait_durable(struct intentlog *l, const struct intentlog_pos *upto,
                           struct lt_err *err)
{
    int64_t deadline_ms = clock_mono_ms() + INTENTLOG_WAIT_MS;
    return wait_pos(l, upto, deadline_ms, err);
}

uint64_t intentlog_syncs(const struct intentlog *l)
{
    return atomic_load(&((struct intentlog *)l)->syncs);
}

void intentlog_close(struct intentlog *l)
{
    if (!l)
        return;
    close(l->fd);
    pthread_mutex_destroy(&l->mu);
    pthread_cond_destroy(&l->cv);
    pthread_cond_destroy(&l->synced_cv[0]);
    pthread_cond_destroy(&l->synced_cv[1]);
    free(l);
}
