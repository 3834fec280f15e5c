/*
 * venue.c - the dialect-independent half of the exchange layer: picking a
 * dialect by name, owning the base URLs and the server clock offset, the
 * order-status vocabulary every dialect maps onto, and the rate limiters.
 *
 * The limiters live here, not in the strategy, so that every call through
 * venue_ops() is paced without the caller knowing: one request-weight
 * window shared by every thread (all accounts leave from one IP), and one
 * pair of order windows per account, found by API key (or, for keyless
 * session auth, by the auth's address) through a hash index: O(1) per
 * order whatever the number of accounts.
 * Waits sleep with no lock held, in short slices while the run's stop is
 * unset: a stop ends a wait at once (LT_ESTOPPED, nothing sent).
 */
#include "looptrader/venue.h"
#include "looptrader/venue_alpha.h"
#include "looptrader/venue_binance.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "looptrader/clock.h"
#include "looptrader/hash.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/ratelimit.h"

#define DEFAULT_WEIGHT_PER_MINUTE 6000
#define DEFAULT_ORDERS_PER_10S 100
#define DEFAULT_ORDERS_PER_DAY 200000
/* Our clock against the venue's: the edge guard of every window. */
#define LIMIT_MARGIN_MS 300
/* How late a limit wait may notice the run's stop. */
#define STOP_SLICE_MS 100

/* One account's order windows.  The API key is copied because the auth it
 * came from may not outlive the table; it is an identifier the venue sees
 * in every request header, never logged. */
struct order_account {
    char *api_key;            /* owned; NULL: keyed by auth address */
    const void *auth;         /* identity only, never dereferenced */
    struct ratelimit_orders win;
    struct sign_hmac *hmac;   /* owned; keyed by the first signature, NULL before */
    const char *hmac_secret;  /* identity of the secret hmac was keyed with,
                               * never dereferenced */
};

struct venue {
    const struct venue_ops *ops;  /* static table; immutable */
    char *rest_url;               /* owned; immutable, no trailing '/' */
    char *ws_url;                 /* owned; immutable, no trailing '/' */
    char *ca_file;                /* owned; immutable; NULL: the system's CAs */
    long recv_window_ms;          /* immutable */
    long timeout_ms;              /* immutable */
    int order_ws_api;             /* immutable: exchange.order_transport = "ws-api" */
    _Atomic(const struct venue_order_channel *) order_channel; /* any thread, atomic;
                                   * set and cleared by the WebSocket client */
    struct venue_clock clock;     /* immutable once threads use v */
    const atomic_int *stop;       /* the run's stop or NULL; immutable once
                                   * threads use v; read atomically */
    _Atomic int64_t clock_offset_ms; /* venue - local; any thread, atomic */
    atomic_int clock_claimed;     /* 1 once measured or claimed; atomic */
    atomic_uint clock_gen;        /* offsets set so far; atomic */
    struct ratelimit weight;      /* shared weight window; its own lock */
    pthread_mutex_t orders_lock;  /* guards the six fields below */
    struct order_account *accounts;
    size_t n_accounts, cap_accounts;
    size_t *account_slots;        /* hash index: accounts[i] as i + 1, 0 empty */
    size_t slots_mask;            /* slots - 1 (0 before the first account) */
    struct venue_limits order_limits; /* for new accounts (weight unused) */
    _Atomic int64_t stats[VENUE_STAT_COUNT]; /* any thread, atomic */
};

int order_status_is_final(enum order_status s)
{
    return s == ORDER_FILLED || s == ORDER_CANCELED || s == ORDER_EXPIRED ||
           s == ORDER_REJECTED;
}

const char *order_status_name(enum order_status s)
{
    switch (s) {
    case ORDER_NEW: return "NEW";
    case ORDER_PARTIALLY_FILLED: return "PARTIALLY_FILLED";
    case ORDER_FILLED: return "FILLED";
    case ORDER_CANCELED: return "CANCELED";
    case ORDER_EXPIRED: return "EXPIRED";
    case ORDER_REJECTED: return "REJECTED";
    case ORDER_PENDING_CANCEL: return "PENDING_CANCEL";
    case ORDER_STATUS_UNKNOWN: break;
    }
    return "UNKNOWN";
}

static int64_t real_now_ms(void *arg)
{
    (void)arg;
    return clock_wall_ms();
}

static void real_sleep_ms(void *arg, int64_t ms)
{
    (void)arg;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static char *dup_url(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int venue_new(const struct venue_config *cfg, struct venue **out, struct lt_err *err)
{
    *out = NULL;
    const char *dialect = cfg->dialect ? cfg->dialect : "binance";
    const struct venue_ops *ops = !strcmp(dialect, "binance")         ? &venue_binance_ops
                                  : !strcmp(dialect, "binance-alpha") ? &venue_alpha_ops
                                                                      : NULL;
    if (!ops)
        return lt_err_set(err, LT_ECONFIG,
                          "unknown exchange dialect '%.64s' (known: binance, binance-alpha)",
                          dialect);
    if (!cfg->rest_url || !cfg->rest_url[0] || !cfg->ws_url || !cfg->ws_url[0])
        return lt_err_set(err, LT_ECONFIG, "exchange rest_url and ws_url are required");
    struct venue *v = calloc(1, sizeof *v);
    if (!v)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    v->ops = ops;
    v->clock = (struct venue_clock){ real_now_ms, real_sleep_ms, NULL };
    atomic_init(&v->clock_offset_ms, 0);
    atomic_init(&v->clock_claimed, 0);
    atomic_init(&v->clock_gen, 0);
    for (int i = 0; i < VENUE_STAT_COUNT; i++)
        atomic_init(&v->stats[i], 0);
    ratelimit_init(&v->weight, DEFAULT_WEIGHT_PER_MINUTE, LIMIT_MARGIN_MS);
    pthread_mutex_init(&v->orders_lock, NULL);
    v->order_limits = (struct venue_limits){ 0, DEFAULT_ORDERS_PER_10S,
                                             DEFAULT_ORDERS_PER_DAY };
    v->rest_url = dup_url(cfg->rest_url);
    v->ws_url = dup_url(cfg->ws_url);
    v->ca_file = cfg->ca_file ? strdup(cfg->ca_file) : NULL;
    if (!v->rest_url || !v->ws_url || (cfg->ca_file && !v->ca_file)) {
        venue_free(v);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    v->recv_window_ms = cfg->recv_window_ms > 0 ? cfg->recv_window_ms : 5000;
    v->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
    v->order_ws_api = cfg->order_ws_api;
    atomic_init(&v->order_channel, NULL);
    *out = v;
    return 0;
}

void venue_free(struct venue *v)
{
    if (!v)
        return;
    if (venue_stat(v, VENUE_STAT_WEIGHT_WAITS) || venue_stat(v, VENUE_STAT_ORDER_WAITS) ||
        venue_stat(v, VENUE_STAT_RATE_LIMITED) || venue_stat(v, VENUE_STAT_RETRIES))
        log_info("venue: paced %lld times for request weight and %lld for order limits "
                 "(%lld ms asleep); %lld rate-limit answers (429/418); %lld retries; "
                 "%lld clock measurements",
                 (long long)venue_stat(v, VENUE_STAT_WEIGHT_WAITS),
                 (long long)venue_stat(v, VENUE_STAT_ORDER_WAITS),
                 (long long)venue_stat(v, VENUE_STAT_WAIT_MS),
                 (long long)venue_stat(v, VENUE_STAT_RATE_LIMITED),
                 (long long)venue_stat(v, VENUE_STAT_RETRIES),
                 (long long)venue_stat(v, VENUE_STAT_CLOCK_SYNCS));
    for (size_t i = 0; i < v->n_accounts; i++) {
        free(v->accounts[i].api_key);
        sign_hmac_free(v->accounts[i].hmac);
    }
    free(v->accounts);
    free(v->account_slots);
    pthread_mutex_destroy(&v->orders_lock);
    ratelimit_destroy(&v->weight);
    free(v->rest_url);
    free(v->ws_url);
    free(v->ca_file);
    free(v);
}

const struct venue_ops *venue_ops(const struct venue *v) { return v->ops; }
const char *venue_rest_url(const struct venue *v) { return v->rest_url; }
const char *venue_ws_url(const struct venue *v) { return v->ws_url; }
const char *venue_ca_file(const struct venue *v) { return v->ca_file; }
long venue_recv_window_ms(const struct venue *v) { return v->recv_window_ms; }
long venue_timeout_ms(const struct venue *v) { return v->timeout_ms; }

int venue_http_new(const struct venue *v, struct http **out, struct lt_err *err)
{
    int rc = http_new(out, err);
    if (!rc && v->ca_file && (rc = http_set_ca_file(*out, v->ca_file, err)) != 0) {
        http_free(*out);
        *out = NULL;
    }
    return rc;
}

int venue_orders_ws_api(const struct venue *v) { return v->order_ws_api; }

void venue_set_order_channel(struct venue *v, const struct venue_order_channel *ch)
{
    atomic_store(&v->order_channel, ch);
}

const struct venue_order_channel *venue_order_channel(const struct venue *v)
{
    return atomic_load(&v->order_channel);
}

void venue_set_clock(struct venue *v, const struct venue_clock *clk)
{
    v->clock = *clk;
}

int64_t venue_local_ms(const struct venue *v)
{
    return v->clock.now_ms(v->clock.arg);
}

void venue_sleep_ms(const struct venue *v, int64_t ms)
{
    if (ms > 0)
        v->clock.sleep_ms(v->clock.arg, ms);
}

void venue_set_stop(struct venue *v, const atomic_int *stop)
{
    v->stop = stop;
}

/* Sleeps ms, in slices while a stop is to be watched, until it is set;
 * returns the ms slept (less than ms only when the stop cut it short). */
static int64_t sleep_unless_stopped(struct venue *v, int64_t ms)
{
    if (!v->stop) {
        venue_sleep_ms(v, ms);
        return ms;
    }
    int64_t slept = 0;
    while (slept < ms && !atomic_load(v->stop)) {
        int64_t slice = ms - slept < STOP_SLICE_MS ? ms - slept : STOP_SLICE_MS;
        venue_sleep_ms(v, slice);
        slept += slice;
    }
    return slept;
}

void venue_set_clock_offset(struct venue *v, int64_t offset_ms)
{
    if (offset_ms > VENUE_CLOCK_SKEW_MAX_MS)
        offset_ms = VENUE_CLOCK_SKEW_MAX_MS;
    else if (offset_ms < -VENUE_CLOCK_SKEW_MAX_MS)
        offset_ms = -VENUE_CLOCK_SKEW_MAX_MS;
    atomic_store(&v->clock_offset_ms, offset_ms);
    atomic_store(&v->clock_claimed, 1);
    atomic_fetch_add(&v->clock_gen, 1);
}

unsigned venue_clock_generation(const struct venue *v)
{
    return atomic_load(&((struct venue *)v)->clock_gen);
}

int venue_clock_claim(struct venue *v)
{
    return atomic_exchange(&v->clock_claimed, 1) == 0;
}

int64_t venue_now_ms(const struct venue *v)
{
    /* atomic_load wants a non-const object; the offset is only read here. */
    return venue_local_ms(v) + atomic_load(&((struct venue *)v)->clock_offset_ms);
}

void venue_stat_add(struct venue *v, enum venue_stat which, int64_t n)
{
    atomic_fetch_add(&v->stats[which], n);
}

int64_t venue_stat(const struct venue *v, enum venue_stat which)
{
    return atomic_load(&((struct venue *)v)->stats[which]);
}

int64_t venue_weight_used(struct venue *v)
{
    pthread_mutex_lock(&v->weight.lock);
    int64_t used = v->weight.weight.used;
    pthread_mutex_unlock(&v->weight.lock);
    return used;
}

int64_t venue_weight_try(struct venue *v, int64_t weight)
{
    return ratelimit_reserve(&v->weight, venue_now_ms(v), weight);
}

int64_t venue_weight_limit(struct venue *v)
{
    pthread_mutex_lock(&v->weight.lock);
    int64_t limit = v->weight.weight.limit;
    pthread_mutex_unlock(&v->weight.lock);
    return limit;
}

void venue_set_limits(struct venue *v, const struct venue_limits *l)
{
    if (l->weight_per_minute > 0)
        ratelimit_set_limit(&v->weight, l->weight_per_minute);
    pthread_mutex_lock(&v->orders_lock);
    if (l->orders_per_10s > 0)
        v->order_limits.orders_per_10s = l->orders_per_10s;
    if (l->orders_per_day > 0)
        v->order_limits.orders_per_day = l->orders_per_day;
    for (size_t i = 0; i < v->n_accounts; i++) {
        v->accounts[i].win.ten_s.limit = v->order_limits.orders_per_10s;
        v->accounts[i].win.day.limit = v->order_limits.orders_per_day;
    }
    pthread_mutex_unlock(&v->orders_lock);
}

static size_t account_hash(const char *key, const void *auth)
{
    uint64_t h = HASH_FNV_BASIS;
    if (key)
        h = hash_fnv1a(h, key, strlen(key));
    else
        h ^= (uint64_t)(uintptr_t)auth * 0x9e3779b97f4a7c15ULL;
    return (size_t)(h ^ (h >> 31));
}

static int account_is(const struct order_account *acc, const char *key, const void *auth)
{
    return key ? acc->api_key && strcmp(acc->api_key, key) == 0
               : !acc->api_key && acc->auth == auth;
}

/* Puts accounts[i] in the index, which has a free slot.  Caller holds
 * orders_lock. */
static void slot_put(struct venue *v, size_t i)
{
    const struct order_account *acc = &v->accounts[i];
    size_t at = account_hash(acc->api_key, acc->auth) & v->slots_mask;
    while (v->account_slots[at])
        at = (at + 1) & v->slots_mask;
    v->account_slots[at] = i + 1;
}

/* Keeps the index at most half full.  0 or LT_ENOMEM.  Caller holds
 * orders_lock. */
static int slots_reserve(struct venue *v, size_t n)
{
    size_t cap = v->account_slots ? v->slots_mask + 1 : 0;
    if (2 * n <= cap)
        return 0;
    size_t ncap = cap ? 2 * cap : 16;
    while (2 * n > ncap)
        ncap *= 2;
    size_t *slots = calloc(ncap, sizeof *slots);
    if (!slots)
        return LT_ENOMEM;
    free(v->account_slots);
    v->account_slots = slots;
    v->slots_mask = ncap - 1;
    for (size_t i = 0; i < v->n_accounts; i++)
        slot_put(v, i);
    return 0;
}

/* a's account record, created on first use; NULL when out of memory.
 * Caller holds orders_lock. */
static struct order_account *account_find_locked(struct venue *v, const struct venue_auth *a)
{
    const char *key = a->api_key && a->api_key[0] ? a->api_key : NULL;
    if (v->account_slots) {
        for (size_t at = account_hash(key, a) & v->slots_mask; v->account_slots[at];
             at = (at + 1) & v->slots_mask) {
            struct order_account *acc = &v->accounts[v->account_slots[at] - 1];
            if (account_is(acc, key, a))
                return acc;
        }
    }
    if (slots_reserve(v, v->n_accounts + 1) != 0)
        return NULL;
    if (v->n_accounts == v->cap_accounts) {
        size_t cap = v->cap_accounts ? 2 * v->cap_accounts : 8;
        struct order_account *p = realloc(v->accounts, cap * sizeof *p);
        if (!p)
            return NULL;
        v->accounts = p;
        v->cap_accounts = cap;
    }
    struct order_account *acc = &v->accounts[v->n_accounts];
    acc->api_key = key ? strdup(key) : NULL;
    if (key && !acc->api_key)
        return NULL;
    acc->auth = a;
    acc->hmac = NULL;
    acc->hmac_secret = NULL;
    ratelimit_orders_init(&acc->win, v->order_limits.orders_per_10s,
                          v->order_limits.orders_per_day, LIMIT_MARGIN_MS);
    slot_put(v, v->n_accounts++);
    return acc;
}

/* The order windows of a's account, created on first use; NULL when out of
 * memory (the venue's own limit still holds).  Caller holds orders_lock. */
static struct ratelimit_orders *account_locked(struct venue *v, const struct venue_auth *a)
{
    struct order_account *acc = account_find_locked(v, a);
    return acc ? &acc->win : NULL;
}

/* The account's key is made once, outside orders_lock (OpenSSL's fetch
 * takes its own locks), and installed unless another thread was first.
 * The record is found by API key, so a second auth with the same key but
 * another secret falls back to the one-shot signature rather than use the
 * wrong key. */
int venue_sign_hmac(struct venue *v, const struct venue_auth *a, const void *data, size_t len,
                    char out[SIGN_HEX_LEN + 1])
{
    struct sign_hmac *k = NULL, *made = NULL;
    for (int pass = 0; pass < 2 && !k; pass++) {
        pthread_mutex_lock(&v->orders_lock);
        struct order_account *acc = account_find_locked(v, a);
        if (acc && !acc->hmac && made) {
            acc->hmac = made;
            acc->hmac_secret = a->api_secret;
            made = NULL;
        }
        int missing = acc && !acc->hmac;
        if (acc && acc->hmac && acc->hmac_secret == a->api_secret)
            k = acc->hmac;
        pthread_mutex_unlock(&v->orders_lock);
        if (!missing || sign_hmac_new(a->api_secret, strlen(a->api_secret), &made) != 0)
            break;
    }
    sign_hmac_free(made); /* another thread installed its key first */
    /* k outlives the unlock: records are freed only by venue_free. */
    if (k)
        return sign_hmac_hex(k, data, len, out);
    return sign_hmac_sha256_hex(a->api_secret, strlen(a->api_secret), data, len, out);
}

static int64_t order_reserve(struct venue *v, const struct venue_auth *a, int64_t now)
{
    pthread_mutex_lock(&v->orders_lock);
    struct ratelimit_orders *o = account_locked(v, a);
    int64_t wait = o ? ratelimit_orders_reserve(o, now) : 0;
    pthread_mutex_unlock(&v->orders_lock);
    return wait;
}

int venue_gate_check(const struct order_gate *g, struct lt_err *err)
{
    if (!g || g->may_sign(g->ctx))
        return 0;
    return lt_err_set(err, LT_EFENCED, "the order's gate refused it after the rate limits' "
                                       "wait: nothing signed");
}

int venue_limits_wait(struct venue *v, const struct venue_auth *a, int order, int64_t weight,
                      struct lt_err *err)
{
    int need_order = order && a;
    for (;;) {
        int64_t now = venue_now_ms(v), wait = 0;
        enum venue_stat what = VENUE_STAT_ORDER_WAITS;
        if (need_order && (wait = order_reserve(v, a, now)) == 0)
            need_order = 0;
        if (wait == 0) {
            what = VENUE_STAT_WEIGHT_WAITS;
            if ((wait = ratelimit_reserve(&v->weight, now, weight)) == 0)
                return 0;
        }
        if (wait > VENUE_WAIT_MAX_MS)
            return lt_err_set(err, LT_ERATELIMIT,
                              "%s limit reached; nothing sent (retry after %lld s)",
                              what == VENUE_STAT_ORDER_WAITS ? "order" : "request weight",
                              (long long)((wait + 999) / 1000));
        venue_stat_add(v, what, 1);
        if (wait > 1000)
            log_info("venue: waiting %lld ms for the %s limit", (long long)wait,
                     what == VENUE_STAT_ORDER_WAITS ? "order" : "request weight");
        live_rate_wait(1); /* the table shows the account waiting */
        int64_t slept = sleep_unless_stopped(v, wait);
        live_rate_wait(0);
        venue_stat_add(v, VENUE_STAT_WAIT_MS, slept);
        /* An order already counted stays counted: the window only errs
         * toward waiting. */
        if (slept < wait)
            return lt_err_set(err, LT_ESTOPPED,
                              "stopped while waiting for the %s limit; nothing sent",
                              what == VENUE_STAT_ORDER_WAITS ? "order" : "request weight");
    }
}

void venue_limits_observe(struct venue *v, const struct venue_auth *a, int64_t sent_ms,
                          const struct http_response *resp)
{
    int64_t now = venue_now_ms(v);
    if (resp->used_weight_1m >= 0)
        ratelimit_observe(&v->weight, sent_ms, now, resp->used_weight_1m);
    if (a && (resp->order_count_10s >= 0 || resp->order_count_1d >= 0)) {
        pthread_mutex_lock(&v->orders_lock);
        struct ratelimit_orders *o = account_locked(v, a);
        if (o)
            ratelimit_orders_observe(o, sent_ms, now, resp->order_count_10s,
                                     resp->order_count_1d);
        pthread_mutex_unlock(&v->orders_lock);
    }
}

void venue_limits_block(struct venue *v, const struct venue_auth *a, int venue_code,
                        int retry_after_s)
{
    int64_t until = venue_now_ms(v) + (retry_after_s >= 0 ? retry_after_s : 1) * 1000LL;
    venue_stat_add(v, VENUE_STAT_RATE_LIMITED, 1);
    if (venue_code == -1015 && a) {
        pthread_mutex_lock(&v->orders_lock);
        struct ratelimit_orders *o = account_locked(v, a);
        if (o)
            ratelimit_orders_block(o, until);
        pthread_mutex_unlock(&v->orders_lock);
        return;
    }
    ratelimit_block(&v->weight, until);
}
