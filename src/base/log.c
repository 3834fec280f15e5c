/*
 * log.c - the process log (see log.h).
 *
 * No lock on the write path.  A line is formatted and redacted into the
 * calling thread's own stack buffers and written with one write(2) per
 * sink; the file sink is an O_APPEND fd whose number never changes once
 * opened (a reopen dup2()s the new file onto it), so a writer that loaded
 * it can never write into an fd that was closed and reused meanwhile.
 *
 * The secret index is an open-addressing hash set of (length, Rabin-Karp
 * hash) -> secret, plus the list of distinct secret lengths.  Writers
 * (log_secret_add) serialise on reg_lock; readers take no lock: a slot is
 * published by a release store of its string pointer after its hash and
 * length are written, a new length by a release store of n_lens, and a
 * grown index by a release store of `published`.  Indexes replaced by a
 * bigger one are kept on a retired list until log_secrets_clear, because a
 * reader may still be scanning them; growth doubles, so the retired ones
 * never outweigh the live one.
 */
#include "looptrader/log.h"
#include "looptrader/error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048
/* A line is formatted up to twice the length written, so that a secret cut
 * by the end of the written line is still seen whole by the redactor. */
#define LOG_FORMAT_MAX (2 * LOG_LINE_MAX)
#define SECRET_MIN 4
#define HASH_BASE 0x100000001b3ULL
#define INDEX_MIN_SLOTS 64
#define INDEX_MIN_LENS 8
#define FILTER_BITS_PER_SLOT 16 /* at load 1/2: 32 bits per secret, ~3 % false hits */

struct sec_slot {
    _Atomic(const char *) s;    /* NULL: empty; published last */
    uint64_t hash;              /* written before s */
    size_t len;                 /* written before s */
};

struct sec_len {
    size_t len;
    uint64_t pow;               /* HASH_BASE^len, mod 2^64 */
};

struct sec_index {
    size_t mask;                /* slots - 1; immutable */
    size_t used;                /* reg_lock */
    size_t lens_cap;            /* immutable */
    atomic_size_t n_lens;       /* reg_lock writes; lens[0..n_lens) published */
    struct sec_len *lens;       /* lens_cap entries */
    struct sec_slot *slots;     /* mask + 1 entries */
    /* A bit per (length, hash) class, FILTER_BITS_PER_SLOT per slot, set
     * before the slot is published: a clear bit means no secret there, so
     * most positions of a line are ruled out in a few KiB that stay in
     * cache instead of a probe into the slots (24 bytes each). */
    atomic_uint_fast64_t *filter; /* (mask + 1) * FILTER_BITS_PER_SLOT / 64 words */
    struct sec_index *retired;  /* reg_lock: the index this one replaced */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static _Atomic(struct sec_index *) published;   /* NULL: no secrets */
static char **owned;                            /* reg_lock: every secret's copy */
static size_t n_owned, cap_owned;               /* reg_lock */

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER; /* log_open/close only */
static atomic_int log_fd = -1;                  /* file sink or -1 */
static atomic_int log_level = LOG_INFO;
static atomic_int log_format = LOG_TEXT;

/* ---------------------------------------------------------------- sinks */

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a log sink failing is not worth failing a trade for */
        buf += n;
        len -= (size_t)n;
    }
}

int log_open(const char *path)
{
    if (!path) {
        log_close();
        return 0;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return LT_EIO;
    pthread_mutex_lock(&open_lock);
    int cur = atomic_load(&log_fd);
    if (cur >= 0) {
        /* Atomically swaps the file behind cur: concurrent writers keep a
         * valid fd. */
        if (dup2(fd, cur) < 0) {
            pthread_mutex_unlock(&open_lock);
            close(fd);
            return LT_EIO;
        }
        close(fd);
    } else {
        atomic_store(&log_fd, fd);
    }
    pthread_mutex_unlock(&open_lock);
    return 0;
}

void log_close(void)
{
    pthread_mutex_lock(&open_lock);
    int fd = atomic_exchange(&log_fd, -1);
    if (fd >= 0)
        close(fd);
    pthread_mutex_unlock(&open_lock);
}

void log_set_level(enum log_level lvl) { atomic_store(&log_level, (int)lvl); }
enum log_level log_get_level(void) { return (enum log_level)atomic_load(&log_level); }

void log_set_format(enum log_format f) { atomic_store(&log_format, (int)f); }

int log_format_parse(const char *name)
{
    return strcmp(name, "text") == 0 ? LOG_TEXT : strcmp(name, "json") == 0 ? LOG_JSON : -1;
}

/* in as the inside of a JSON string into out[size] (NUL-terminated, cut at
 * a whole escape), '/' escaped too when slash; returns the length written. */
static size_t json_escape(const char *in, char *out, size_t size, int slash)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        char esc[8];
        size_t k;
        if (*p == '"' || *p == '\\' || (*p == '/' && slash))
            k = (size_t)snprintf(esc, sizeof esc, "\\%c", *p);
        else if (*p < 0x20)
            k = (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p);
        else
            esc[0] = (char)*p, k = 1;
        if (o + k + 1 > size)
            break;
        memcpy(out + o, esc, k);
        o += k;
    }
    out[o] = '\0';
    return o;
}

int log_level_parse(const char *name)
{
    static const char *names[] = { "debug", "info", "warn", "error", "off" };
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* ---------------------------------------------------------------- secret index */

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 0;
    for (size_t i = 0; i < len; i++)
        h = h * HASH_BASE + (unsigned char)s[i];
    return h;
}

static uint64_t pow_base(size_t len)
{
    uint64_t p = 1;
    for (size_t i = 0; i < len; i++)
        p *= HASH_BASE;
    return p;
}

static uint64_t mix(uint64_t hash, size_t len)
{
    uint64_t k = hash ^ ((uint64_t)len * 0x9e3779b97f4a7c15ULL);
    k ^= k >> 29;
    k *= 0xbf58476d1ce4e5b9ULL;
    k ^= k >> 32;
    return k;
}

static size_t slot_of(const struct sec_index *ix, uint64_t hash, size_t len)
{
    return (size_t)mix(hash, len) & ix->mask;
}

/* The filter bit of a mixed key: from its high half, which the slot (its
 * low bits) does not use. */
static size_t filter_bit(const struct sec_index *ix, uint64_t k)
{
    return (size_t)(k >> 32) & ((ix->mask + 1) * FILTER_BITS_PER_SLOT - 1);
}

/* 0 when no registered secret has this length and hash. */
static int filter_may_have(const struct sec_index *ix, uint64_t hash, size_t len)
{
    size_t b = filter_bit(ix, mix(hash, len));
    return (atomic_load_explicit(&ix->filter[b / 64], memory_order_relaxed) >> (b % 64)) & 1;
}

/* The registered secret equal to s[0..len) with that hash, or NULL. */
static const char *index_find(const struct sec_index *ix, const char *s, size_t len,
                              uint64_t hash)
{
    for (size_t at = slot_of(ix, hash, len);; at = (at + 1) & ix->mask) {
        const char *cand = atomic_load_explicit(&ix->slots[at].s, memory_order_acquire);
        if (!cand)
            return NULL;
        if (ix->slots[at].hash == hash && ix->slots[at].len == len && memcmp(cand, s, len) == 0)
            return cand;
    }
}

static int index_has_len(const struct sec_index *ix, size_t len)
{
    size_t n = atomic_load_explicit(&ix->n_lens, memory_order_acquire);
    for (size_t i = 0; i < n; i++)
        if (ix->lens[i].len == len)
            return 1;
    return 0;
}

/* Caller holds reg_lock; ix has a free slot and, for a new length, room. */
static void index_put(struct sec_index *ix, const char *s, size_t len, uint64_t hash)
{
    size_t at = slot_of(ix, hash, len);
    while (atomic_load_explicit(&ix->slots[at].s, memory_order_relaxed))
        at = (at + 1) & ix->mask;
    ix->slots[at].hash = hash;
    ix->slots[at].len = len;
    size_t b = filter_bit(ix, mix(hash, len));
    atomic_fetch_or_explicit(&ix->filter[b / 64], (uint_fast64_t)1 << (b % 64),
                             memory_order_relaxed);
    atomic_store_explicit(&ix->slots[at].s, s, memory_order_release);
    ix->used++;
    if (!index_has_len(ix, len)) {
        size_t n = atomic_load_explicit(&ix->n_lens, memory_order_relaxed);
        ix->lens[n] = (struct sec_len){ len, pow_base(len) };
        atomic_store_explicit(&ix->n_lens, n + 1, memory_order_release);
    }
}

static void index_free(struct sec_index *ix)
{
    while (ix) {
        struct sec_index *next = ix->retired;
        free(ix->slots);
        free(ix->lens);
        free(ix->filter);
        free(ix);
        ix = next;
    }
}

/* A copy of old (may be NULL) with at least `slots` slots and `lens`
 * length entries; not yet published.  Caller holds reg_lock. */
static struct sec_index *index_grow(const struct sec_index *old, size_t slots, size_t lens)
{
    struct sec_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->mask = slots - 1;
    ix->lens_cap = lens;
    atomic_init(&ix->n_lens, 0);
    ix->slots = calloc(slots, sizeof *ix->slots);
    ix->lens = calloc(lens, sizeof *ix->lens);
    ix->filter = calloc(slots * FILTER_BITS_PER_SLOT / 64, sizeof *ix->filter);
    if (!ix->slots || !ix->lens || !ix->filter) {
        index_free(ix);
        return NULL;
    }
    for (size_t i = 0; old && i <= old->mask; i++) {
        const char *s = atomic_load_explicit(&old->slots[i].s, memory_order_relaxed);
        if (s)
            index_put(ix, s, old->slots[i].len, old->slots[i].hash);
    }
    return ix;
}

/* Registers one form of a secret (the text itself or an encoding of it). */
static int secret_put(const char *secret)
{
    size_t len = strlen(secret);
    if (len < SECRET_MIN)
        return 0;
    uint64_t hash = hash_bytes(secret, len);
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    struct sec_index *ix = atomic_load_explicit(&published, memory_order_relaxed);
    if (ix && index_find(ix, secret, len, hash))
        goto out; /* already registered */
    if (n_owned == cap_owned) {
        size_t cap = cap_owned ? 2 * cap_owned : 16;
        char **grown = realloc(owned, cap * sizeof *grown);
        if (!grown) {
            rc = LT_ENOMEM;
            goto out;
        }
        owned = grown;
        cap_owned = cap;
    }
    char *copy = strdup(secret);
    if (!copy) {
        rc = LT_ENOMEM;
        goto out;
    }
    size_t n_lens = ix ? atomic_load_explicit(&ix->n_lens, memory_order_relaxed) : 0;
    int new_len = !ix || !index_has_len(ix, len);
    if (!ix || 2 * (ix->used + 1) > ix->mask + 1 || (new_len && n_lens == ix->lens_cap)) {
        /* Keep the load at most one half so probes stay short. */
        size_t slots = ix ? ix->mask + 1 : INDEX_MIN_SLOTS;
        while (2 * ((ix ? ix->used : 0) + 1) > slots)
            slots *= 2;
        size_t lens = ix ? ix->lens_cap : INDEX_MIN_LENS;
        if (new_len && n_lens == lens)
            lens *= 2;
        struct sec_index *bigger = index_grow(ix, slots, lens);
        if (!bigger) {
            free(copy);
            rc = LT_ENOMEM;
            goto out;
        }
        bigger->retired = ix;
        index_put(bigger, copy, len, hash);
        atomic_store_explicit(&published, bigger, memory_order_release);
    } else {
        index_put(ix, copy, len, hash);
    }
    owned[n_owned++] = copy;
out:
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* The forms a secret that is sent takes in text the process did not write
 * itself: an answer echoing a request (JSON, with '/' escaped or not), a
 * URL (percent-encoded, either hex case) or a form-encoded query or body
 * (a space as '+': a header value "Bearer x", the whole cookie string;
 * the same length as the URL form, so no more scanning).  Written to out
 * (6 x the secret's length + 1 bytes); returns whether it differs from
 * the secret. */
enum secret_form {
    FORM_JSON, FORM_JSON_SLASH, FORM_URL_UPPER, FORM_URL_LOWER, FORM_FORM, FORM_COUNT
};

static int secret_encode(const char *in, enum secret_form form, char *out)
{
    if (form == FORM_JSON || form == FORM_JSON_SLASH) {
        json_escape(in, out, 6 * strlen(in) + 1, form == FORM_JSON_SLASH);
        return strcmp(in, out) != 0;
    }
    const char *hex = form == FORM_URL_LOWER ? "0123456789abcdef" : "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            out[o++] = (char)*p;
        } else if (*p == ' ' && form == FORM_FORM) {
            out[o++] = '+';
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
    return strcmp(in, out) != 0;
}

int log_secret_add(const char *secret)
{
    return secret ? secret_put(secret) : 0;
}

int log_secret_add_sent(const char *secret)
{
    if (!secret || strlen(secret) < SECRET_MIN)
        return 0;
    int rc = secret_put(secret);
    char *form = rc ? NULL : malloc(6 * strlen(secret) + 1);
    if (!rc && !form)
        rc = LT_ENOMEM;
    for (int f = 0; !rc && f < FORM_COUNT; f++)
        if (secret_encode(secret, (enum secret_form)f, form))
            rc = secret_put(form);
    free(form);
    return rc;
}

void log_secrets_clear(void)
{
    pthread_mutex_lock(&reg_lock);
    index_free(atomic_exchange(&published, NULL));
    for (size_t i = 0; i < n_owned; i++)
        free(owned[i]);
    free(owned);
    owned = NULL;
    n_owned = cap_owned = 0;
    pthread_mutex_unlock(&reg_lock);
}

/* ---------------------------------------------------------------- redaction */

/* For every registered secret occurring in in[0..n), ends[i] becomes at
 * least the end of an occurrence starting at i: 1 when one occurs (ends
 * zeroed here, at the first), 0 when none (ends untouched).  A hash
 * rolled over the text per registered length, rather than an array of
 * prefix hashes: a line with no secret in it, nearly every line, writes
 * no memory, where the arrays were 12 bytes a character of stores, every
 * line, to cache lines of each thread's stack. */
static int mark_secrets(const struct sec_index *ix, const char *in, size_t n, uint32_t *ends)
{
    int any = 0;
    size_t n_lens = atomic_load_explicit(&ix->n_lens, memory_order_acquire);
    for (size_t k = 0; k < n_lens; k++) {
        size_t len = ix->lens[k].len;
        if (len == 0 || len > n)
            continue;
        uint64_t pow = ix->lens[k].pow;
        uint64_t h = hash_bytes(in, len);
        for (size_t i = 0;; i++) {
            if (filter_may_have(ix, h, len) && index_find(ix, in + i, len, h)) {
                if (!any)
                    memset(ends, 0, n * sizeof *ends);
                any = 1;
                if (ends[i] < i + len)
                    ends[i] = (uint32_t)(i + len);
            }
            if (i + len == n)
                break;
            h = h * HASH_BASE - (unsigned char)in[i] * pow + (unsigned char)in[i + len];
        }
    }
    return any;
}

/* Copies in[0..n) to out, each maximal run covered by occurrences
 * (overlapping or touching) written as one "***". */
static void emit_redacted(const char *in, size_t n, const uint32_t *ends, char *out,
                          size_t out_size)
{
    size_t o = 0, reach = 0;
    int in_run = 0;
    for (size_t i = 0; i < n && o + 1 < out_size; i++) {
        if (ends[i] > reach)
            reach = ends[i];
        if (i >= reach) {
            out[o++] = in[i];
            in_run = 0;
        } else if (!in_run) {
            for (const char *r = "***"; *r && o + 1 < out_size; r++)
                out[o++] = *r;
            in_run = 1;
        }
    }
    out[o] = '\0';
}

/* in[0..n) to out as it is, cut to out_size. */
static void copy_cut(const char *in, size_t n, char *out, size_t out_size)
{
    size_t c = n < out_size - 1 ? n : out_size - 1;
    memcpy(out, in, c);
    out[c] = '\0';
}

void log_redact(const char *in, char *out, size_t out_size)
{
    if (out_size == 0)
        return;
    size_t n = strlen(in);
    const struct sec_index *ix = atomic_load_explicit(&published, memory_order_acquire);
    if (!ix || atomic_load_explicit(&ix->n_lens, memory_order_acquire) == 0) {
        copy_cut(in, n, out, out_size);
        return;
    }
    /* ends: 4 bytes a character, on the stack for a log line (written only
     * when a secret is found); longer texts go to the heap. */
    uint32_t ends_stack[LOG_FORMAT_MAX];
    uint32_t *ends = ends_stack;
    if (n > LOG_FORMAT_MAX) {
        ends = n < UINT32_MAX ? malloc(n * sizeof *ends) : NULL;
        if (!ends) {
            snprintf(out, out_size, "[text withheld: out of memory for redaction]");
            return;
        }
    }
    if (mark_secrets(ix, in, n, ends))
        emit_redacted(in, n, ends, out, out_size);
    else
        copy_cut(in, n, out, out_size);
    if (ends != ends_stack)
        free(ends);
}

void log_redact_vformat(char *out, size_t out_size, const char *fmt, va_list ap)
{
    char stack[LOG_FORMAT_MAX];
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    char *full = stack;
    if (n < 0) {
        stack[0] = '\0';
    } else if ((size_t)n >= sizeof stack) {
        full = malloc((size_t)n + 1);
        if (full)
            vsnprintf(full, (size_t)n + 1, fmt, again);
    }
    va_end(again);
    if (!full) {
        snprintf(out, out_size, "[text withheld: out of memory for redaction]");
        return;
    }
    log_redact(full, out, out_size);
    if (full != stack)
        free(full);
}

/* ---------------------------------------------------------------- lines */

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (24 characters and a NUL) for ts.  The part
 * up to the seconds is kept per thread and rebuilt once a second: gmtime_r
 * and a seven-field snprintf on every line were a visible share of a
 * worker's time per order. */
#define STAMP_LEN 24
#define STAMP_MAX 96 /* room for any year gmtime_r gives */
static void stamp_format(const struct timespec *ts, char out[STAMP_MAX])
{
    static _Thread_local time_t cached_sec = -1;
    static _Thread_local char cached[STAMP_LEN + 1];
    if (ts->tv_sec != cached_sec) {
        struct tm tm;
        gmtime_r(&ts->tv_sec, &tm);
        /* a year past 9999 does not fit the cache: formatted whole */
        if (snprintf(cached, sizeof cached, "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec) != 20) {
            cached_sec = -1;
            snprintf(out, STAMP_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts->tv_nsec / 1000000);
            return;
        }
        cached_sec = ts->tv_sec;
    }
    long ms = ts->tv_nsec / 1000000;
    memcpy(out, cached, 20);
    out[20] = (char)('0' + ms / 100);
    out[21] = (char)('0' + ms / 10 % 10);
    out[22] = (char)('0' + ms % 10);
    out[23] = 'Z';
    out[24] = '\0';
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
    static const char *tags[] = { "DEBUG", "INFO ", "WARN ", "ERROR" };
    static const char *names[] = { "debug", "info", "warn", "error" };
    char line[2 * LOG_LINE_MAX + 96];
    struct timespec ts;

    if ((int)lvl < atomic_load(&log_level) || lvl >= LOG_OFF)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    char stamp[STAMP_MAX];
    stamp_format(&ts, stamp);
    size_t len;
    if (atomic_load(&log_format) == LOG_JSON) {
        char msg[LOG_LINE_MAX + 1];
        log_redact_vformat(msg, LOG_LINE_MAX, fmt, ap);
        len = (size_t)snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"",
                               stamp, names[lvl]);
        len += json_escape(msg, line + len, sizeof line - len - 3, 0);
        line[len++] = '"';
        line[len++] = '}';
    } else {
        /* "<stamp> <level padded to 5> <message>" */
        size_t sl = strlen(stamp);
        memcpy(line, stamp, sl);
        line[sl] = ' ';
        memcpy(line + sl + 1, tags[lvl], 5);
        line[sl + 6] = ' ';
        len = sl + 7;
        log_redact_vformat(line + len, LOG_LINE_MAX - len, fmt, ap);
        len += strlen(line + len);
    }
    line[len++] = '\n';
    int fd = atomic_load(&log_fd);
    if (fd < 0 || lvl >= LOG_WARN)
        write_all(STDERR_FILENO, line, len);
    if (fd >= 0)
        write_all(fd, line, len);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lvl, fmt, ap);
    va_end(ap);
}
