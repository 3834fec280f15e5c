/*
 * intentlog.c - the group-committed, preallocated intent log (see
 * intentlog.h for the layout, the laps and the locking).
 */
#include "looptrader/intentlog.h"

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
    pthread_cond_t cv;    /* a sync or a wrap ended */
    uint64_t lap;
    uint64_t gen;         /* bumped by each wrap: the old lap is durable */
    off_t end;            /* where the next record goes */
    off_t synced;         /* records before it are durable (this gen) */
    int syncing;          /* a leader is in fdatasync */
    int wrapping;         /* a wrap (syncfs, header) is under way */
    int failed;           /* a write or sync failed: no append succeeds */
    size_t scanned;       /* records of the lap found at open */
    atomic_uint_fast64_t syncs;
    char path[];
};

static uint64_t fnv(uint64_t lap, const char *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 8; i++)
        h = (h ^ ((lap >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)text[i]) * 0x100000001b3ULL;
    return h;
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

static void timespec_in(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
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

/* Hands the whole records of the header's lap to fn, in order. */
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
    l->lap = header_lap(buf, n);
    int rc = 0;
    size_t off = INTENTLOG_HEADER;
    while (l->lap != 0 && rc == 0 && off + REC_HEAD <= n) {
        const char *h = buf + off;
        uint64_t lap, len, hash;
        if (h[0] != 'R' || h[1] != ' ' || hex_field(h + 2, 16, &lap) != 0 || h[18] != ' ' ||
            hex_field(h + 19, 8, &len) != 0 || h[27] != ' ' || hex_field(h + 28, 16, &hash) != 0 ||
            h[44] != '\n' || lap != l->lap || len == 0 || len > n - off - REC_HEAD ||
            fnv(lap, h + REC_HEAD, (size_t)len) != hash)
            break;
        rc = fn(arg, h + REC_HEAD, (size_t)len);
        off += REC_HEAD + (size_t)len;
        l->scanned++;
    }
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
    int rc = preallocate(l, err);
    if (rc != 0)
        return rc;
    if (write_all(l->fd, h, sizeof(h), 0) != 0 || fdatasync(l->fd) != 0)
        return lt_err_set(err, LT_EIO, "intent log: cannot start a lap in %s: %s", l->path,
                          strerror(errno));
    atomic_fetch_add(&l->syncs, 1);
    return 0;
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
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return rc;
}

/* Waits (mu held) for the cv or the deadline; LT_EIO past the deadline. */
static int wait_until(struct intentlog *l, const struct timespec *deadline, struct lt_err *err)
{
    if (pthread_cond_timedwait(&l->cv, &l->mu, deadline) == ETIMEDOUT) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec > deadline->tv_sec ||
            (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec))
            return lt_err_set(err, LT_EIO, "intent log: %s not durable within %d ms",
                              l->path, INTENTLOG_WAIT_MS);
    }
    return 0;
}

int intentlog_append(struct intentlog *l, const char *text, size_t len, int wait,
                     struct lt_err *err)
{
    size_t rlen = REC_HEAD + len;
    if (len == 0 || rlen > (size_t)l->size - INTENTLOG_HEADER)
        return lt_err_set(err, LT_EINVAL, "intent log: a record of %zu bytes", len);
    char small[1024];
    char *rec = rlen <= sizeof(small) ? small : malloc(rlen);
    if (!rec)
        return lt_err_set(err, LT_ENOMEM, "intent log: out of memory");
    struct timespec deadline;
    timespec_in(&deadline, INTENTLOG_WAIT_MS);
    int rc = 0;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        if (l->failed) {
            rc = lt_err_set(err, LT_EIO, "intent log: %s failed earlier: no intent is durable",
                            l->path);
            break;
        }
        if (l->wrapping || l->syncing) {
            /* a wrap needs the leader out of its sync first */
            if (l->wrapping || l->end + (off_t)rlen > l->size) {
                if ((rc = wait_until(l, &deadline, err)) != 0)
                    break;
                continue;
            }
        } else if (l->end + (off_t)rlen > l->size) {
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
    char head[80]; /* len < 2^32: the log is smaller */
    snprintf(head, sizeof(head), "R %016" PRIx64 " %08" PRIx32 " %016" PRIx64 "\n", l->lap,
             (uint32_t)len, fnv(l->lap, text, len));
    memcpy(rec, head, REC_HEAD);
    memcpy(rec + REC_HEAD, text, len);
    off_t off = l->end;
    if (write_all(l->fd, rec, rlen, off) != 0) {
        /* a torn record would hide every later one from the scan */
        l->failed = 1;
        rc = lt_err_set(err, LT_EIO, "intent log: write to %s failed: %s", l->path,
                        strerror(errno));
        pthread_cond_broadcast(&l->cv);
        pthread_mutex_unlock(&l->mu);
        if (rec != small)
            free(rec);
        return rc;
    }
    if (rec != small)
        free(rec);
    l->end = off + (off_t)rlen;
    off_t mine = l->end;
    uint64_t gen = l->gen;
    /* Durable once a sync that started after the write has ended, or a
     * wrap (its syncfs) has. */
    while (wait && rc == 0 && l->gen == gen && l->synced < mine) {
        if (l->failed) {
            rc = lt_err_set(err, LT_EIO, "intent log: fdatasync of %s failed", l->path);
        } else if (!l->syncing && !l->wrapping) {
            l->syncing = 1;
            off_t target = l->end;
            pthread_mutex_unlock(&l->mu);
            int r = fdatasync(l->fd);
            int e = errno;
            atomic_fetch_add(&l->syncs, 1);
            pthread_mutex_lock(&l->mu);
            l->syncing = 0;
            if (r != 0) {
                l->failed = 1;
                rc = lt_err_set(err, LT_EIO, "intent log: fdatasync of %s failed: %s", l->path,
                                strerror(e));
            } else if (l->gen == gen && target > l->synced) {
                l->synced = target;
            }
            pthread_cond_broadcast(&l->cv);
        } else {
            rc = wait_until(l, &deadline, err);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
}

int intentlog_append_upto(struct intentlog *l, const char *text, size_t len,
                          struct intentlog_pos *upto, struct lt_err *err)
{
    int rc = intentlog_append(l, text, len, 0, err);
    if (rc != 0)
        return rc;
    /* at or after the record's end: a wrap since then left a new lap
     * (whose end covers nothing older, and the wrap made the record
     * durable) */
    pthread_mutex_lock(&l->mu);
    upto->gen = l->gen;
    upto->end = (int64_t)l->end;
    pthread_mutex_unlock(&l->mu);
    return 0;
}

int intentlog_wait_durable(struct intentlog *l, const struct intentlog_pos *upto,
                           struct lt_err *err)
{
    struct timespec deadline;
    timespec_in(&deadline, INTENTLOG_WAIT_MS);
    int rc = 0;
    pthread_mutex_lock(&l->mu);
    /* the wait of intentlog_append, for a place instead of a record */
    while (rc == 0 && l->gen == upto->gen && (int64_t)l->synced < upto->end) {
        if (l->failed) {
            rc = lt_err_set(err, LT_EIO, "intent log: fdatasync of %s failed", l->path);
        } else if (!l->syncing && !l->wrapping) {
            l->syncing = 1;
            off_t target = l->end;
            uint64_t gen = l->gen;
            pthread_mutex_unlock(&l->mu);
            int r = fdatasync(l->fd);
            int e = errno;
            atomic_fetch_add(&l->syncs, 1);
            pthread_mutex_lock(&l->mu);
            l->syncing = 0;
            if (r != 0) {
                l->failed = 1;
                rc = lt_err_set(err, LT_EIO, "intent log: fdatasync of %s failed: %s", l->path,
                                strerror(e));
            } else if (l->gen == gen && target > l->synced) {
                l->synced = target;
            }
            pthread_cond_broadcast(&l->cv);
        } else {
            rc = wait_until(l, &deadline, err);
        }
    }
    pthread_mutex_unlock(&l->mu);
    return rc;
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
    free(l);
}
