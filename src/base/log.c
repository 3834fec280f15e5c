/*
 * log.c - the process log (see log.h).
 *
 * No lock on the write path.  A line is formatted and redacted into the
 * calling thread's own stack buffers and written with one write(2) per
 * sink; the file sink is an O_APPEND fd whose number never changes once
 * opened (a reopen dup2()s the new file onto it), so a writer that loaded
 * it can never write into an fd that was closed and reused meanwhile.
 *
 * The secret index maps the last SECRET_MIN bytes of a secret (its tail)
 * to the list of registered secrets that end so: an open-addressing hash
 * table of distinct tails, each slot the head of a list of immutable
 * nodes.  A scan looks up the tail that ends at each position of a line
 * (a filter bit first), so it costs one lookup a byte however many
 * secrets of however many lengths are registered, and compares a secret
 * only where its tail occurs.  Writers (log_secret_add) serialise on
 * reg_lock; readers take no lock: a slot's tail is written before a
 * release store of its first node, a node's fields before the release
 * store that links it at its list's head, and a grown index (new nodes,
 * the old ones untouched) by a release store of `published`.  Indexes
 * replaced by a bigger one are kept on a retired list until
 * log_secrets_clear, because a reader may still be scanning them; growth
 * doubles, so the retired ones never outweigh the live one.
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
#define SECRET_MIN 4 /* also the width of a tail */
#define INDEX_MIN_SLOTS 64
#define FILTER_BITS_PER_SLOT 16 /* at load 1/2: 32 bits per tail, ~3 % false hits */

struct sec_node {
    const char *s;              /* immutable once linked */
    size_t len;
    struct sec_node *next;      /* the secrets with the same tail */
};

struct sec_slot {
    _Atomic(struct sec_node *) head; /* NULL: empty; published after tail */
    uint32_t tail;
};

struct sec_index {
    size_t mask;                /* slots - 1; immutable */
    size_t used;                /* reg_lock: slots with a tail */
    struct sec_slot *slots;     /* mask + 1 entries */
    /* A bit per tail class, FILTER_BITS_PER_SLOT per slot, set before the
     * slot is published: a clear bit means no secret ends so, and most
     * positions of a line are ruled out in a few KiB that stay in cache
     * instead of a probe into the slots. */
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

static uint32_t tail_at(const char *end)
{
    uint32_t t;
    memcpy(&t, end - SECRET_MIN, sizeof t);
    return t;
}

/* One multiply (Fibonacci hashing): its high bits are well mixed; the
 * slot is taken from bits 32 and up, the filter bit from 40 and up (so
 * past 2^20 slots, over half a million distinct tails, the filter's
 * first 2^24 bits serve: more false hits, as many right answers). */
static inline uint64_t mix(uint32_t tail)
{
    return (uint64_t)tail * 0x9e3779b97f4a7c15ULL;
}

static inline size_t slot_of(const struct sec_index *ix, uint64_t k)
{
    return (size_t)(k >> 32) & ix->mask;
}

static inline size_t filter_bit(const struct sec_index *ix, uint64_t k)
{
    return (size_t)(k >> 40) & ((ix->mask + 1) * FILTER_BITS_PER_SLOT - 1);
}

/* 0 when no registered secret ends with the tail mixed into k. */
static inline int filter_may_have(const struct sec_index *ix, uint64_t k)
{
    size_t b = filter_bit(ix, k);
    return (atomic_load_explicit(&ix->filter[b / 64], memory_order_relaxed) >> (b % 64)) & 1;
}

/* The list of the secrets that end with tail (k = mix(tail)), or NULL.
 * A scan asks filter_may_have first; this probes whatever it says. */
static const struct sec_node *index_list(const struct sec_index *ix, uint32_t tail, uint64_t k)
{
    for (size_t at = slot_of(ix, k);; at = (at + 1) & ix->mask) {
        const struct sec_node *n = atomic_load_explicit(&ix->slots[at].head, memory_order_acquire);
        if (!n || ix->slots[at].tail == tail)
            return n;
    }
}

/* 1 when s[0..len) is registered. */
static int index_has(const struct sec_index *ix, const char *s, size_t len)
{
    uint32_t tail = tail_at(s + len);
    for (const struct sec_node *n = index_list(ix, tail, mix(tail)); n; n = n->next)
        if (n->len == len && memcmp(n->s, s, len) == 0)
            return 1;
    return 0;
}

/* Links a new node for s at the head of its tail's list (a new slot when
 * the tail is new).  Caller holds reg_lock; ix has a free slot.  LT_ENOMEM
 * or 0. */
static int index_put(struct sec_index *ix, const char *s, size_t len)
{
    struct sec_node *node = malloc(sizeof *node);
    if (!node)
        return LT_ENOMEM;
    uint32_t tail = tail_at(s + len);
    uint64_t k = mix(tail);
    size_t at = slot_of(ix, k);
    struct sec_node *head;
    while ((head = atomic_load_explicit(&ix->slots[at].head, memory_order_relaxed)) &&
           ix->slots[at].tail != tail)
        at = (at + 1) & ix->mask;
    *node = (struct sec_node){ s, len, head };
    if (!head) {
        ix->slots[at].tail = tail;
        size_t b = filter_bit(ix, k);
        atomic_fetch_or_explicit(&ix->filter[b / 64], (uint_fast64_t)1 << (b % 64),
                                 memory_order_relaxed);
        ix->used++;
    }
    atomic_store_explicit(&ix->slots[at].head, node, memory_order_release);
    return 0;
}

static void index_free(struct sec_index *ix)
{
    while (ix) {
        struct sec_index *next = ix->retired;
        for (size_t i = 0; ix->slots && i <= ix->mask; i++) {
            struct sec_node *n = atomic_load_explicit(&ix->slots[i].head, memory_order_relaxed);
            while (n) {
                struct sec_node *after = n->next;
                free(n);
                n = after;
            }
        }
        free(ix->slots);
        free(ix->filter);
        free(ix);
        ix = next;
    }
}

/* A copy of old (may be NULL) with `slots` slots, its own nodes for old's
 * secrets (old's are read by scans still under way); not yet published.
 * Caller holds reg_lock. */
static struct sec_index *index_grow(const struct sec_index *old, size_t slots)
{
    struct sec_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->mask = slots - 1;
    ix->slots = calloc(slots, sizeof *ix->slots);
    ix->filter = calloc(slots * FILTER_BITS_PER_SLOT / 64, sizeof *ix->filter);
    if (!ix->slots || !ix->filter) {
        index_free(ix);
        return NULL;
    }
    for (size_t i = 0; old && i <= old->mask; i++)
        for (const struct sec_node *n =
                 atomic_load_explicit(&old->slots[i].head, memory_order_relaxed);
             n; n = n->next)
            if (index_put(ix, n->s, n->len) != 0) {
                index_free(ix);
                return NULL;
            }
    return ix;
}

/* Registers one form of a secret (the text itself or an encoding of it). */
static int secret_put(const char *secret)
{
    size_t len = strlen(secret);
    if (len < SECRET_MIN)
        return 0;
    int rc = 0;
    pthread_mutex_lock(&reg_lock);
    struct sec_index *ix = atomic_load_explicit(&published, memory_order_relaxed);
    if (ix && index_has(ix, secret, len))
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
    if (!ix || 2 * (ix->used + 1) > ix->mask + 1) {
        /* Keep the load at most one half so probes stay short. */
        size_t slots = ix ? 2 * (ix->mask + 1) : INDEX_MIN_SLOTS;
        struct sec_index *bigger = index_grow(ix, slots);
        if (!bigger || index_put(bigger, copy, len) != 0) {
            index_free(bigger);
            free(copy);
            rc = LT_ENOMEM;
            goto out;
        }
        bigger->retired = ix;
        atomic_store_explicit(&published, bigger, memory_order_release);
    } else if (index_put(ix, copy, len) != 0) {
        free(copy);
        rc = LT_ENOMEM;
        goto out;
    }
    owned[n_owned++] = copy;
out:
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

/* The forms a secret that is sent takes in text the process did not write
 * itself: an answer echoing a request (JSON, with '/' escaped or not), a
 * URL (percent-encoded, either hex case) or a form-encoded query or body
 * (a space as '+', as in a header value "Bearer x").  Written to out
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
    if (rc)
        return rc;
    char *form = malloc(6 * strlen(secret) + 1);
    if (!form)
        return LT_ENOMEM;
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
 * zeroed here, at the first), 0 when none (ends untouched).  One tail
 * lookup a position, rather than a hash rolled over the text for each
 * registered length: 10,000 accounts with cookies register hundreds of
 * lengths.  A line with no secret in it, nearly every line, writes no
 * memory. */
static int mark_secrets(const struct sec_index *ix, const char *in, size_t n, uint32_t *ends)
{
    int any = 0;
    for (size_t end = SECRET_MIN; end <= n; end++) {
        uint32_t tail = tail_at(in + end);
        uint64_t k = mix(tail);
        if (!filter_may_have(ix, k))
            continue;
        for (const struct sec_node *s = index_list(ix, tail, k); s; s = s->next) {
            if (s->len > end || memcmp(in + end - s->len, s->s, s->len) != 0)
                continue;
            size_t i = end - s->len;
            if (!any)
                memset(ends, 0, n * sizeof *ends);
            any = 1;
            if (ends[i] < end)
                ends[i] = (uint32_t)end;
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
    if (!ix) {
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
