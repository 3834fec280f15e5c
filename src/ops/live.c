/*
 * live.c - what the run is doing right now (see live.h).
 *
 * One slot of atomics per account and run-wide atomic counters; relaxed
 * ordering throughout (each figure stands alone).  The slots array is
 * allocated once by live_init and freed by live_free after every thread
 * that could use it has ended; a second live_init with the same size
 * resets the slots in place, so a reader never sees the array move.
 */
#include "looptrader/live.h"

#include "looptrader/clock.h"
#include "looptrader/log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FEE_PRICE_EVERY_MS 30000

struct slot {
    atomic_int step, rung, rate_wait, stop_asked;
    _Atomic int64_t last_fill_price;
    _Atomic int64_t tick;  /* its symbol's price tick, 0 unknown */
};

static struct slot *slots;   /* [n_slots]; main writes the pointer before any hook */
static size_t n_slots;
static _Thread_local int my_idx = -1; /* the account this thread works for */

static atomic_uint_fast64_t orders[2][LIVE_RESULTS], fills[2], ws_reconnects;
static atomic_uint_fast64_t http_count[LIVE_HTTP_CLASSES], http_sum_us[LIVE_HTTP_CLASSES];
static atomic_uint_fast64_t http_bucket[LIVE_HTTP_CLASSES][LIVE_HTTP_BUCKETS];

const double live_http_le[LIVE_HTTP_BUCKETS] = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                 0.1,   0.25,   0.5,   1,    2.5,   5 };
const char *const live_http_class_names[LIVE_HTTP_CLASSES] = { "order", "query", "account",
                                                               "other" };

/* The third fee asset: fee_asset is written once, under fee_lock, before
 * fee_state becomes 1 (release), and never again. */
static pthread_mutex_t fee_lock = PTHREAD_MUTEX_INITIALIZER;
static char fee_asset[16];
static atomic_int fee_state;              /* 0 none seen, 1 one asset, 2 several */
static _Atomic int64_t fee_price;         /* its quote price (mid), 0 unknown */
static int64_t fee_tried_ms;              /* main thread only */
static int fee_failed_logged;             /* main thread only */

static void slot_reset(struct slot *s)
{
    atomic_store(&s->step, LIVE_STARTING);
    atomic_store(&s->rung, -1);
    atomic_store(&s->rate_wait, 0);
    atomic_store(&s->stop_asked, 0);
    atomic_store(&s->last_fill_price, 0);
    atomic_store(&s->tick, 0);
}

int live_init(size_t n)
{
    if (!slots || n != n_slots) {
        struct slot *s = calloc(n ? n : 1, sizeof(*s));
        if (!s)
            return LT_ENOMEM;
        free(slots);
        slots = s;
        n_slots = n;
    }
    for (size_t i = 0; i < n_slots; i++)
        slot_reset(&slots[i]);
    return 0;
}

void live_free(void)
{
    free(slots);
    slots = NULL;
    n_slots = 0;
}

static struct slot *slot_of(long idx)
{
    return slots && idx >= 0 && (size_t)idx < n_slots ? &slots[idx] : NULL;
}

void live_step(unsigned idx, enum live_step s, int rung)
{
    struct slot *sl = slot_of(idx);
    my_idx = (int)idx;
    if (!sl)
        return;
    atomic_store_explicit(&sl->step, s, memory_order_relaxed);
    atomic_store_explicit(&sl->rung, rung, memory_order_relaxed);
}

void live_unbind(void) { my_idx = -1; }

void live_rate_wait(int on)
{
    struct slot *sl = slot_of(my_idx);
    if (sl)
        atomic_store_explicit(&sl->rate_wait, on ? 1 : 0, memory_order_relaxed);
}

void live_order(unsigned idx, enum order_side side, enum live_result res, money_t qty,
                money_t quote)
{
    int sd = side == SIDE_BUY ? 0 : 1;
    if (res < 0 || res >= LIVE_RESULTS)
        res = LIVE_UNKNOWN;
    atomic_fetch_add_explicit(&orders[sd][res], 1, memory_order_relaxed);
    if (qty <= 0)
        return;
    atomic_fetch_add_explicit(&fills[sd], 1, memory_order_relaxed);
    struct slot *sl = slot_of(idx);
    if (!sl || quote <= 0)
        return;
    /* the average of fills at several prices is rarely on the tick: shown
     * at the symbol's price precision (nearest tick), never below one */
    money_t p = money_div(quote, qty);
    money_t tick = atomic_load_explicit(&sl->tick, memory_order_relaxed);
    if (tick > 0 && p >= tick)
        p = money_round_to(p, tick);
    atomic_store_explicit(&sl->last_fill_price, p, memory_order_relaxed);
}

void live_tick(unsigned idx, money_t tick)
{
    struct slot *sl = slot_of(idx);
    if (sl)
        atomic_store_explicit(&sl->tick, tick > 0 ? tick : 0, memory_order_relaxed);
}

void live_fee_asset(const char *asset, const char *base, const char *quote)
{
    if (!asset || !asset[0] || strcmp(asset, base) == 0 || strcmp(asset, quote) == 0)
        return;
    int st = atomic_load_explicit(&fee_state, memory_order_acquire);
    if (st == 2 || (st == 1 && strcmp(fee_asset, asset) == 0))
        return;
    pthread_mutex_lock(&fee_lock);
    st = atomic_load(&fee_state);
    if (st == 0 && strlen(asset) < sizeof fee_asset) {
        memcpy(fee_asset, asset, strlen(asset) + 1);
        atomic_store_explicit(&fee_state, 1, memory_order_release);
    } else if (st == 0 || (st == 1 && strcmp(fee_asset, asset) != 0)) {
        atomic_store(&fee_state, 2);
        st = 3; /* log below, once, without the lock */
    }
    pthread_mutex_unlock(&fee_lock);
    if (st == 3)
        log_warn("fees are charged in more than one third asset (%.16s and others): such "
                 "fees are left out of the cost figures", asset);
}

void live_ws_lost(int was_up)
{
    if (was_up)
        atomic_fetch_add_explicit(&ws_reconnects, 1, memory_order_relaxed);
}

static enum live_http_class http_class(const char *method, const char *url)
{
    char path[256];
    const char *p = strstr(url, "://");
    p = p ? strchr(p + 3, '/') : url;
    if (!p)
        p = "/";
    size_t n = strcspn(p, "?");
    if (n >= sizeof path)
        n = sizeof path - 1;
    memcpy(path, p, n);
    path[n] = '\0';
    int get = strcmp(method, "GET") == 0;
    if (strcasestr(path, "order"))
        return get ? LIVE_HTTP_QUERY : LIVE_HTTP_ORDER;
    if (get && strcasestr(path, "trades") && !strcasestr(path, "aggTrades"))
        return strstr(path, "my") || strstr(path, "My") ? LIVE_HTTP_QUERY : LIVE_HTTP_OTHER;
    if (strcasestr(path, "account") || strcasestr(path, "balance"))
        return LIVE_HTTP_ACCOUNT;
    return LIVE_HTTP_OTHER;
}

void live_http(const char *method, const char *url, int64_t us)
{
    if (!method || !url || us < 0)
        return;
    enum live_http_class c = http_class(method, url);
    atomic_fetch_add_explicit(&http_count[c], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&http_sum_us[c], (uint64_t)us, memory_order_relaxed);
    double s = (double)us / 1e6;
    for (int b = 0; b < LIVE_HTTP_BUCKETS; b++)
        if (s <= live_http_le[b]) {
            atomic_fetch_add_explicit(&http_bucket[c][b], 1, memory_order_relaxed);
            break;
        }
}

int live_rung(unsigned idx)
{
    struct slot *sl = slot_of(idx);
    return sl ? atomic_load_explicit(&sl->rung, memory_order_relaxed) : -1;
}

void live_http_done(const char *method, const char *url, CURL *curl)
{
    curl_off_t us = 0;
    if (curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
        live_http(method, url, (int64_t)us);
}

void live_account(unsigned idx, struct live_account *out)
{
    struct slot *sl = slot_of(idx);
    memset(out, 0, sizeof(*out));
    out->rung = -1;
    if (!sl)
        return;
    out->step = (enum live_step)atomic_load_explicit(&sl->step, memory_order_relaxed);
    out->rung = atomic_load_explicit(&sl->rung, memory_order_relaxed);
    out->rate_wait = atomic_load_explicit(&sl->rate_wait, memory_order_relaxed);
    out->stop_asked = atomic_load_explicit(&sl->stop_asked, memory_order_relaxed);
    out->last_fill_price = atomic_load_explicit(&sl->last_fill_price, memory_order_relaxed);
}

const char *live_step_name(enum user_status status, const struct live_account *a)
{
    static const char *const names[LIVE_STEPS] = { "starting", "filtering",  "queued",
                                                   "recovering", "buying", "selling" };
    if (status != USER_PENDING)
        return user_status_name(status);
    if (a->stop_asked)
        return "stopping";
    if (a->rate_wait)
        return "rate-limit wait";
    return a->step < LIVE_STEPS ? names[a->step] : "?";
}

void live_fill_row(struct report_user *row, unsigned idx)
{
    struct live_account a;
    live_account(idx, &a);
    row->step = live_step_name(row->status, &a);
    row->rung = row->status == USER_PENDING && (a.step == LIVE_BUYING || a.step == LIVE_SELLING)
                    ? a.rung
                    : -1;
    row->last_fill_price = a.last_fill_price;
    live_value_fees(&row->s);
}

void live_totals(struct live_totals *out)
{
    memset(out, 0, sizeof(*out));
    for (int s = 0; s < 2; s++) {
        for (int r = 0; r < LIVE_RESULTS; r++)
            out->orders[s][r] = atomic_load_explicit(&orders[s][r], memory_order_relaxed);
        out->fills[s] = atomic_load_explicit(&fills[s], memory_order_relaxed);
    }
    out->ws_reconnects = atomic_load_explicit(&ws_reconnects, memory_order_relaxed);
    for (int c = 0; c < LIVE_HTTP_CLASSES; c++) {
        uint64_t cum = 0;
        for (int b = 0; b < LIVE_HTTP_BUCKETS; b++) {
            cum += atomic_load_explicit(&http_bucket[c][b], memory_order_relaxed);
            out->http_bucket[c][b] = cum;
        }
        out->http_count[c] = atomic_load_explicit(&http_count[c], memory_order_relaxed);
        out->http_sum_us[c] = atomic_load_explicit(&http_sum_us[c], memory_order_relaxed);
        if (out->http_count[c] < cum) /* counted between the two loads */
            out->http_count[c] = cum;
    }
}

uint64_t live_orders_ended(void)
{
    uint64_t n = 0;
    for (int s = 0; s < 2; s++)
        for (int r = 0; r < LIVE_RESULTS; r++)
            n += atomic_load_explicit(&orders[s][r], memory_order_relaxed);
    return n;
}

void live_set_stop(unsigned idx, int on)
{
    struct slot *sl = slot_of(idx);
    if (sl)
        atomic_store(&sl->stop_asked, on ? 1 : 0);
}

void live_value_fees(struct user_stats *s)
{
    s->fees_other_quote = 0;
    s->fees_unpriced = 0;
    if (s->fees_other <= 0)
        return;
    money_t p = atomic_load_explicit(&fee_price, memory_order_relaxed);
    if (atomic_load_explicit(&fee_state, memory_order_acquire) != 1 || p <= 0) {
        s->fees_unpriced = 1;
        return;
    }
    s->fees_other_quote = money_mul(s->fees_other, p);
}

const char *live_fee_asset_name(void)
{
    int st = atomic_load_explicit(&fee_state, memory_order_acquire);
    return st == 1 ? fee_asset : st == 2 ? "*" : "";
}

void live_fee_price_refresh(struct venue *v, struct http *h, const char *quote)
{
    if (atomic_load_explicit(&fee_state, memory_order_acquire) != 1 || !v || !h)
        return;
    int64_t now = clock_mono_ms();
    if (fee_tried_ms && now - fee_tried_ms < FEE_PRICE_EVERY_MS)
        return;
    fee_tried_ms = now;
    char sym[40];
    snprintf(sym, sizeof sym, "%s%s", fee_asset, quote);
    money_t bid = 0, ask = 0;
    struct lt_err err = { 0 };
    int rc = venue_ops(v)->book_ticker(v, h, sym, &bid, &ask, &err);
    /* untrusted: a book must be a book */
    if (rc == 0 && (bid <= 0 || ask < bid))
        rc = lt_err_set(&err, LT_EPARSE, "%s book %s", sym, "not a valid bid/ask");
    if (rc != 0) {
        if (!fee_failed_logged++)
            log_warn("no %s price to value %s fees in %s (%s): cost figures leave them out "
                     "until one is read", sym, fee_asset, quote, err.msg);
        return;
    }
    if (fee_failed_logged || !atomic_load(&fee_price)) {
        char b[MONEY_STR_MAX];
        log_info("%s fees valued at the %s mid %s", fee_asset, sym,
                 money_format_min(bid + (ask - bid) / 2, b));
    }
    fee_failed_logged = 0;
    atomic_store_explicit(&fee_price, bid + (ask - bid) / 2, memory_order_relaxed);
}
