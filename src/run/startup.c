/*
 * startup.c - phase 2, the start-up filter (see startup.h).
 */
#include "looptrader/startup.h"

#include "looptrader/clock.h"
#include "looptrader/counting.h"
#include "looptrader/ledger.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/target.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* The rules of a user's symbol: the streamed one, one fetched already, or
 * fetched now from exchange info. */
static int rules_for(struct run *r, const char *symbol, const struct symbol_rules **out,
                     struct lt_err *err)
{
    if (strcmp(symbol, r->rules.symbol) == 0) {
        *out = &r->rules;
        return 0;
    }
    for (size_t i = 0; i < r->n_extra; i++) {
        if (strcmp(symbol, r->extra[i].symbol) == 0) {
            *out = &r->extra[i];
            return 0;
        }
    }
    struct symbol_rules *sr = &r->extra[r->n_extra];
    int rc;
    STARTUP_RETRY(r, rc, err, venue_ops(r->venue)->exchange_info(r->venue, r->http, symbol, sr, err));
    if (rc == 0 && !sr->trading)
        rc = lt_err_set(err, LT_ENOTFOUND, "symbol %.32s is not trading", symbol);
    if (rc != 0)
        return rc;
    r->n_extra++;
    *out = sr;
    return 0;
}

/* Phase 2 for one user, on the main thread, before any request for it:
 * its stop file, its account lock, its symbol's rules.  Returns 1 when its
 * history is to be read. */
int startup_filter_prepare(struct run *r, unsigned idx, struct strategy_user *u)
{
    const struct user_config *uc = &r->cfg.users[idx];
    struct lt_err err = { 0 };
    char path[4096];
    int rc = 0;
    if (!uc->enabled) {
        u->report.status = USER_SKIPPED;
        snprintf(u->report.error, sizeof(u->report.error), "disabled");
        return 0;
    }
    if (run_stop_path(r, uc->name, path, sizeof path) == 0 && access(path, F_OK) == 0) {
        r->stop_seen[idx] = 1;
        run_user_fails(u, USER_STOPPED, "stop file %.200s present: delete it to let this account trade",
                   path);
        return 0;
    }
    /* Before any request for the account: another trader's live orders
     * must never look like an earlier run's to our recovery.  With a
     * coordinator its lease does that, on every host at once. */
    uint64_t key = lock_account_key(r->cfg.exchange.rest_url, &uc->auth);
    pid_t holder = 0;
    if (key == 0) {
        run_user_fails(u, USER_FAILED, "cannot compute the account's lock key");
        return 0;
    }
    if (!r->coord && lock_account_take(&r->accounts, key, &holder, &err) != 0) {
        run_user_fails(u, USER_FAILED, "account %.200s", err.msg);
        return 0;
    }
    if ((rc = rules_for(r, uc->strategy.symbol, &u->rules, &err)) != 0) {
        run_user_fails(u, USER_FAILED, "symbol %.32s: %.200s", uc->strategy.symbol, err.msg);
        return 0;
    }
    live_tick(idx, u->rules->tick_size);
    return 1;
}

/* Phase 2 for one prepared user, on a filter thread's own handle: the
 * window total from order history, then the user's mailbox and journal.
 * Touches only *u and thread-safe modules.  Returns 1 when the user should
 * be queued. */
static int filter_history(struct run *r, unsigned idx, struct strategy_user *u, struct http *h)
{
    const struct user_config *uc = &r->cfg.users[idx];
    const struct symbol_rules *rules = u->rules;
    struct lt_err err = { 0 };
    int rc;
    int64_t start = target_window_start(&uc->strategy.window, venue_now_ms(r->venue));
    struct order_state *hist = NULL;
    size_t n = 0;
    live_step(idx, LIVE_FILTERING, -1);
    STARTUP_RETRY(r, rc, &err,
                  venue_ops(r->venue)->order_history(r->venue, h, &uc->auth, rules->symbol,
                                                     start, &hist, &n, &err));
    if (rc != 0) {
        if (run_stopping(r))
            run_user_fails(u, USER_STOPPED, "stopped during start-up");
        else
            run_user_fails(u, USER_FAILED, "%s%.200s",
                       run_auth_code(&err) ? "credentials rejected: " : "order history: ", err.msg);
        return 0;
    }
    money_t before = 0;
    rc = ledger_window_buy(hist, n, start, rules, &before, &err);
    free(hist);
    if (rc != 0) {
        u->report.status = USER_FAILED;
        snprintf(u->report.error, sizeof(u->report.error), "%s", err.msg);
        log_error("%s: %s", uc->name, u->report.error);
        return 0;
    }
    if ((rc = counting_check(r, idx, rules, h, &before, &err)) != 0) {
        run_user_fails(u, USER_FAILED, "%s%.200s",
                   run_auth_code(&err) ? "credentials rejected: " : "counted volume: ", err.msg);
        return 0;
    }
    rc = strategy_user_init(u, idx, uc, rules, r->rules.symbol, r->cfg.state_dir, before, &err);
    if (rc != 0) {
        run_user_fails(u, USER_FAILED, "%s", err.msg);
        return 0;
    }
    char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
    if (before >= uc->strategy.target && !strategy_user_has_pending(u)) {
        u->report.status = USER_SKIPPED;
        snprintf(u->report.error, sizeof(u->report.error),
                 "window buy total %s already at target %s", money_format_min(before, b1),
                 money_format_min(uc->strategy.target, b2));
        log_info("%s: %s: skipped", uc->name, u->report.error);
        return 0;
    }
    log_info("%s: window buy total %s of target %s", uc->name, money_format_min(before, b1),
             money_format_min(uc->strategy.target, b2));
    live_step(idx, LIVE_QUEUED, -1);
    return 1;
}

/* Phase 2's history reads run on a few threads, each with its own HTTP
 * handle, so that thousands of accounts do not wait on one connection's
 * round trips in turn; the venue's shared weight budget paces them all.
 * Meanwhile the main thread shows the progress. */

struct filter_pool {
    struct run *r;
    int *queue_me;       /* [n_users] in: 1 = prepared; out: 1 = to queue.
                          * Slot i is written only by the thread that took i. */
    atomic_size_t next;  /* the next user index to take */
    atomic_size_t read;  /* prepared users whose history pass is over */
    pthread_mutex_t lock; /* scope: running, and the signal of done */
    pthread_cond_t done;  /* a filter thread ended (CLOCK_MONOTONIC) */
    size_t running;       /* filter threads not yet ended */
};

/* Takes users until none is left or a stop comes. */
static void filter_take(struct filter_pool *fp, struct http *h)
{
    for (;;) {
        size_t i = atomic_fetch_add(&fp->next, 1);
        if (i >= fp->r->n_users || run_stopping(fp->r)) {
            live_unbind(); /* main's later waits are no account's */
            return;
        }
        if (fp->queue_me[i]) {
            fp->queue_me[i] = filter_history(fp->r, (unsigned)i, &fp->r->users[i], h);
            atomic_fetch_add_explicit(&fp->read, 1, memory_order_relaxed);
        }
    }
}

static void *filter_thread(void *arg)
{
    pthread_setname_np(pthread_self(), "lt-filter");
    struct filter_pool *fp = arg;
    struct http *h = NULL;
    struct lt_err err = { 0 };
    if (venue_http_new(fp->r->venue, &h, &err) != 0) {
        log_warn("history filter: %s (the other threads go on)", err.msg);
    } else {
        http_set_abort(h, &fp->r->global_stop);
        filter_take(fp, h);
        http_free(h);
    }
    pthread_mutex_lock(&fp->lock);
    fp->running--;
    pthread_mutex_unlock(&fp->lock);
    pthread_cond_signal(&fp->done);
    return NULL;
}

/* Until every filter thread has ended: tick every 200 ms.  Each thread
 * ends once the users run out or on a stop (its HTTP handle aborts on the
 * stop flag), so this ends too. */
static void filter_watch(struct filter_pool *fp, size_t prepared, startup_tick_fn *tick,
                         void *ctx)
{
    pthread_mutex_lock(&fp->lock);
    while (fp->running > 0) {
        struct timespec ts = clock_ts_ms(clock_mono_ms() + 200);
        pthread_cond_timedwait(&fp->done, &fp->lock, &ts);
        if (fp->running == 0 || !tick)
            continue;
        pthread_mutex_unlock(&fp->lock); /* the tick prints: not under the lock */
        tick(ctx, atomic_load_explicit(&fp->read, memory_order_relaxed), prepared);
        pthread_mutex_lock(&fp->lock);
    }
    pthread_mutex_unlock(&fp->lock);
}

/* Reads the history of every prepared user (queue_me[i] == 1) on up to
 * FILTER_THREADS_MAX threads while the main thread ticks; the main thread
 * reads what is left when no thread could (none started, or none got an
 * HTTP handle). */
void startup_filter_histories(struct run *r, int *queue_me, size_t prepared,
                              startup_tick_fn *tick, void *ctx)
{
    struct filter_pool fp = { .r = r, .queue_me = queue_me };
    atomic_init(&fp.next, 0);
    atomic_init(&fp.read, 0);
    size_t want = prepared < FILTER_THREADS_MAX ? prepared : FILTER_THREADS_MAX;
    if (r->cfg.workers > 0 && want > (size_t)r->cfg.workers)
        want = (size_t)r->cfg.workers;
    pthread_condattr_t ca;
    int sync_ok = pthread_condattr_init(&ca) == 0;
    if (sync_ok) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        sync_ok = pthread_cond_init(&fp.done, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (sync_ok && pthread_mutex_init(&fp.lock, NULL) != 0) {
        pthread_cond_destroy(&fp.done);
        sync_ok = 0;
    }
    pthread_t tid[FILTER_THREADS_MAX];
    size_t started = 0;
    /* running is counted before the create: a thread may end before
     * pthread_create returns */
    while (sync_ok && started < want) {
        pthread_mutex_lock(&fp.lock);
        fp.running++;
        pthread_mutex_unlock(&fp.lock);
        if (pthread_create(&tid[started], NULL, filter_thread, &fp) != 0) {
            pthread_mutex_lock(&fp.lock);
            fp.running--;
            pthread_mutex_unlock(&fp.lock);
            break;
        }
        started++;
    }
    if (started > 0)
        filter_watch(&fp, prepared, tick, ctx);
    for (size_t i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    /* what no thread took (none started, or none got an HTTP handle): a
     * prepared user is never queued unread */
    filter_take(&fp, r->http);
    if (sync_ok) {
        pthread_mutex_destroy(&fp.lock);
        pthread_cond_destroy(&fp.done);
    }
}
