/*
 * main.c - looptrader: the five phases of a run and nothing else.
 *
 *   1. configuration (flags + file; a config error exits 2 before anything
 *      is sent), logging, ownership (the state dir's lock, the fd budget),
 *      the venue and the symbol's rules;
 *   2. per user: a stop file or an account owned by another trader keeps
 *      it out; else its account lock, then the window buy total from order
 *      history; users at target are skipped (unless an earlier run left
 *      something to settle); --dry-run prints the plan and exits;
 *   3. the WebSocket thread (prices + order pushes into mailboxes);
 *   4. the executor's workers run the strategy; this thread turns signals
 *      (seen by the signal thread) into stops;
 *   5. shutdown: streams closed, report written, summary printed, all freed.
 *
 * Signals are blocked on the first line and read from then on by one
 * thread (sigtimedwait: no work in handlers at all), so a stop during
 * start-up ends the run too, with the report written.  SIGINT/SIGTERM stop
 * every user gracefully; a second one exits at once with code 3 (a later
 * run's recovery settles what is left).  SIGUSR1 stops the users named by
 * <state_dir>/stop-<user> files (which stay: the user stays stopped at
 * later starts until the file is deleted).  SIGHUP reopens the log file.
 *
 * Exit codes: 0 every user done or skipped; 1 a user failed, a start-up
 * error, or a dry run with an account that cannot run; 2 usage or
 * configuration error or a state dir in use; 3 stopped early.
 */
#include "looptrader/config.h"
#include "looptrader/coord.h"
#include "looptrader/ctl.h"
#include "looptrader/ctlsock.h"
#include "looptrader/executor.h"
#include "looptrader/http.h"
#include "looptrader/journal.h"
#include "looptrader/ladder.h"
#include "looptrader/latency.h"
#include "looptrader/ledger.h"
#include "looptrader/live.h"
#include "looptrader/lock.h"
#include "looptrader/log.h"
#include "looptrader/mailbox.h"
#include "looptrader/metrics.h"
#include "looptrader/plan.h"
#include "looptrader/progress.h"
#include "looptrader/report.h"
#include "looptrader/strategy.h"
#include "looptrader/strbuf.h"
#include "looptrader/target.h"
#include "looptrader/trades.h"
#include "looptrader/venue.h"
#include "looptrader/venue_binance.h" /* the pacing counters (venue_stat) */
#include "looptrader/version.h"
#include "looptrader/wsclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>


static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int selected(const struct run_config *cfg, const struct user_config *u)
{
    if (!cfg->only)
        return 1;
    for (char **p = cfg->only; *p; p++)
        if (strcmp(*p, u->name) == 0)
            return 1;
    return 0;
}

static int auth_code(const struct lt_err *e)
{
    return e->venue_code == -2014 || e->venue_code == -2015 || e->venue_code == -1022 ||
           e->venue_code == -1002 || e->http_status == 401 || e->http_status == 403;
}

/* Start-up calls are idempotent: a 5xx or 429 is worth a few more tries. */
static int transient(int rc) { return rc == LT_EUNKNOWN || rc == LT_ERATELIMIT; }

/* The signal thread's state.  Written by that thread, read by main: every
 * shared field is atomic; log_file is set before the thread starts. */
struct sigctl {
    sigset_t set;                    /* INT, TERM, HUP, USR1: blocked everywhere */
    pthread_t thread;
    int started;                     /* main only */
    atomic_int *global_stop;         /* the run's stop flag */
    _Atomic int64_t stop_since_ms;   /* mailbox_now_ms() of the first stop signal */
    atomic_int stops;                /* SIGINT/SIGTERM seen */
    atomic_int usr1;                 /* a SIGUSR1 is waiting for main */
    atomic_int quit;                 /* main asks the thread to end */
    const char *log_file;            /* reopened on SIGHUP; NULL = none */
};

static void *signal_main(void *arg)
{
    struct sigctl *sc = arg;
    while (!atomic_load(&sc->quit)) {
        struct timespec ts = { 0, 200 * 1000000L };
        int sig = sigtimedwait(&sc->set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            if (atomic_fetch_add(&sc->stops, 1) == 0) {
                atomic_store(&sc->stop_since_ms, mailbox_now_ms());
                atomic_store(sc->global_stop, 1);
                log_warn("%s: stopping every user (again to stop hard)",
                         sig == SIGINT ? "SIGINT" : "SIGTERM");
            } else {
                log_error("hard stop: exiting now; the next run settles open orders");
                _exit(3);
            }
        } else if (sig == SIGHUP) {
            if (!sc->log_file)
                log_info("SIGHUP: no log file to reopen");
            else if (log_open(sc->log_file) != 0)
                log_error("SIGHUP: cannot reopen log file %s (%s)", sc->log_file,
                          strerror(errno));
            else
                log_info("SIGHUP: log file %s reopened", sc->log_file);
        } else if (sig == SIGUSR1) {
            atomic_store(&sc->usr1, 1);
        }
    }
    return NULL;
}

/* Everything a run owns, so one function frees it on every path. */
struct run {
    struct run_config cfg;
    struct venue *venue;
    struct http *http;                /* main thread's handle (start-up calls) */
    struct symbol_rules rules;        /* the streamed (global) symbol */
    int have_rules;
    struct symbol_rules *extra;       /* users' other symbols; n_users slots so
                                       * pointers into it stay valid */
    size_t n_extra;
    struct strategy_user *users;      /* n_users slots; [i].journal set once inited */
    struct report_user *reports;      /* copies for the report */
    unsigned char *stop_seen;         /* n_users: a stop file was acted on */
    size_t n_users;
    struct wsclient *ws;
    struct executor *ex;
    /* What the control socket and the metrics read, on their threads:
     * view_lock guards ex_view (r->ex once its users are added; NULL during
     * start-up and from the end of a day), held for a command or a
     * snapshot (never across a blocking call); main takes it only to set
     * or clear ex_view. */
    pthread_mutex_t view_lock;
    struct executor *ex_view;
    struct ctlsock *ctl, *metrics;    /* from phase 2 to the end of the run */
    atomic_int global_stop;
    struct sigctl sig;
    int state_fd;                     /* the state dir's lock, -1 = not held */
    int pid_file_written;
    struct trades *trades;            /* --trades; NULL = none */
    struct lock_accounts accounts;    /* this run's account locks */
    int accounts_open;
    int between_days;                 /* --daily: waiting for the next day */
    struct coord_config coord_cfg;    /* --coordinator flags (borrowed from argv) */
    int has_coord;
    struct coord *coord;              /* NULL: this process owns its accounts */
    char run_tag[8];
    int64_t started_ms;
    int curl_up;
};

static int stopping(struct run *r) { return atomic_load(&r->global_stop); }

/* Sleeps up to ms, ending early at a stop. */
static void nap_ms(struct run *r, long ms)
{
    for (long left = ms; left > 0 && !stopping(r); left -= 50) {
        struct timespec ts = { 0, (left < 50 ? left : 50) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* Removes the pid file if it still names this process. */
static void pid_file_remove(struct run *r)
{
    if (!r->pid_file_written)
        return;
    FILE *f = fopen(r->cfg.pid_file, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid == (long)getpid())
        unlink(r->cfg.pid_file);
    r->pid_file_written = 0;
}

static void run_free(struct run *r)
{
    executor_free(r->ex);
    coord_close(r->coord); /* every lease given up: the workers are joined */
    if (r->ws) {
        wsclient_stop(r->ws);
        wsclient_free(r->ws);
    }
    for (size_t i = 0; i < r->n_users; i++)
        if (r->users[i].mb)
            strategy_user_release(&r->users[i]);
    free(r->users);
    free(r->reports);
    free(r->extra);
    free(r->stop_seen);
    http_free(r->http);
    venue_free(r->venue);
    if (r->curl_up)
        curl_global_cleanup();
    if (r->accounts_open)
        lock_accounts_close(&r->accounts);
    trades_close(r->trades);
    pid_file_remove(r);
    lock_fd_release(r->state_fd);
    if (r->sig.started) {
        atomic_store(&r->sig.quit, 1);
        pthread_join(r->sig.thread, NULL);
    }
    config_free(&r->cfg);
    pthread_mutex_destroy(&r->view_lock);
    live_free();
    log_close();
    log_secrets_clear();
}

/* A start-up call, retried a few times when the venue is busy (5xx, 429)
 * and given up at a stop. */
#define STARTUP_RETRY(r, rc, err, call)                                                       \
    for (int t_ = 0;; t_++) {                                                                 \
        lt_err_clear(err);                                                                    \
        rc = (call);                                                                          \
        if (!transient(rc) || t_ >= 4 || stopping(r))                                         \
            break;                                                                            \
        nap_ms(r, 200L << t_);                                                                \
    }

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

/* <state_dir>/stop-<name> into path; 0 when it fits. */
static int stop_path(const struct run *r, const char *name, char *path, size_t size)
{
    return snprintf(path, size, "%s/stop-%s", r->cfg.state_dir, name) >= (int)size ? -1 : 0;
}

static void user_fails(struct strategy_user *u, enum user_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends a user before it trades, saying why in the report and the log. */
static void user_fails(struct strategy_user *u, enum user_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->report.error, sizeof(u->report.error), fmt, ap);
    va_end(ap);
    u->report.status = st;
    if (st == USER_FAILED)
        log_error("%s: %s", u->report.name, u->report.error);
    else
        log_warn("%s: %s", u->report.name, u->report.error);
}

/* A venue with a points programme (venue.h's optional ops, Alpha): the
 * multiplier is the venue's, so target_points means counted volume; and
 * the start-up total is the larger of our own fills and the venue's counted
 * figure in real quote (that figure lags our fills; a buy made elsewhere,
 * on the web page, is in both).  Writes only users[idx], whose start-up is
 * this caller's alone; h is the caller's HTTP handle. */
static int venue_counting(struct run *r, unsigned idx, const struct symbol_rules *rules,
                          struct http *h, money_t *before, struct lt_err *err)
{
    struct user_config *uc = &r->cfg.users[idx];
    const struct venue_ops *ops = venue_ops(r->venue);
    int mul = uc->strategy.volume_multiplier, rc;
    if (ops->volume_multiplier) {
        STARTUP_RETRY(r, rc, err, ops->volume_multiplier(r->venue, h, rules->symbol, &mul, err));
        if (rc != 0)
            return rc;
        if (mul != uc->strategy.volume_multiplier) {
            log_info("%s: the venue counts each buy of %s %d times (the configuration said %d): "
                     "using %d", uc->name, rules->symbol, mul, uc->strategy.volume_multiplier, mul);
            uc->strategy.volume_multiplier = mul;
            if (uc->strategy.target_points > 0)
                uc->strategy.target = target_from_points(uc->strategy.target_points, mul);
        }
    }
    if (!ops->counted_volume)
        return 0;
    money_t counted = 0;
    STARTUP_RETRY(r, rc, err, ops->counted_volume(r->venue, h, &uc->auth, rules->symbol,
                                                   &counted, err));
    if (rc != 0)
        return rc;
    money_t real = counted / (mul > 0 ? mul : 1);
    char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
    log_info("%s: the venue counts %s of %s today (%s real at x%d); our fills in the window: %s",
             uc->name, money_format_min(counted, b1), rules->symbol,
             money_format_min(real, (char[MONEY_STR_MAX]){ 0 }), mul,
             money_format_min(*before, b2));
    if (real > *before)
        *before = real;
    return 0;
}

/* With --coordinator: connected, the schema checked (unreachable or of
 * another version: exit 2), every configured account in the lease table
 * (the users file is the same on every host). */
static int coord_setup(struct run *r, struct lt_err *err)
{
    r->coord_cfg.recv_window_ms = r->cfg.exchange.recv_window_ms;
    int rc = coord_open(&r->coord_cfg, r->run_tag, &r->coord, err);
    if (rc != 0)
        return rc;
    const char **names = calloc(r->n_users ? r->n_users : 1, sizeof *names);
    if (!names)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_users; i++)
        names[i] = r->cfg.users[i].name;
    rc = coord_register(r->coord, names, r->n_users, err);
    free(names);
    if (rc == 0)
        log_info("coordinator: process %s in IP group %s, lease %ld ms", coord_owner(r->coord),
                 r->coord_cfg.ip_group, r->coord_cfg.lease_ms);
    return rc;
}

/* Accounts that will not run here are never claimed; then the
 * coordinator thread starts claiming the others. */
static int coord_go(struct run *r, const int *queue_me, struct lt_err *err)
{
    for (size_t i = 0; i < r->n_users; i++)
        if (!queue_me[i])
            coord_end(r->coord, i, 0);
    return coord_start(r->coord, err);
}

/* Phase 2 for one user, on the main thread, before any request for it:
 * its stop file, its account lock, its symbol's rules.  Returns 1 when its
 * history is to be read. */
static int filter_prepare(struct run *r, unsigned idx, struct strategy_user *u)
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
    if (stop_path(r, uc->name, path, sizeof path) == 0 && access(path, F_OK) == 0) {
        r->stop_seen[idx] = 1;
        user_fails(u, USER_STOPPED, "stop file %.200s present: delete it to let this account trade",
                   path);
        return 0;
    }
    /* Before any request for the account: another trader's live orders
     * must never look like an earlier run's to our recovery.  With a
     * coordinator its lease does that, on every host at once. */
    uint64_t key = lock_account_key(r->cfg.exchange.rest_url, &uc->auth);
    pid_t holder = 0;
    if (key == 0) {
        user_fails(u, USER_FAILED, "cannot compute the account's lock key");
        return 0;
    }
    if (!r->coord && lock_account_take(&r->accounts, key, &holder, &err) != 0) {
        user_fails(u, USER_FAILED, "account %.200s", err.msg);
        return 0;
    }
    if ((rc = rules_for(r, uc->strategy.symbol, &u->rules, &err)) != 0) {
        user_fails(u, USER_FAILED, "symbol %.32s: %.200s", uc->strategy.symbol, err.msg);
        return 0;
    }
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
        if (stopping(r))
            user_fails(u, USER_STOPPED, "stopped during start-up");
        else
            user_fails(u, USER_FAILED, "%s%.200s",
                       auth_code(&err) ? "credentials rejected: " : "order history: ", err.msg);
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
    if ((rc = venue_counting(r, idx, rules, h, &before, &err)) != 0) {
        user_fails(u, USER_FAILED, "%s%.200s",
                   auth_code(&err) ? "credentials rejected: " : "counted volume: ", err.msg);
        return 0;
    }
    rc = strategy_user_init(u, idx, uc, rules, r->rules.symbol, r->cfg.state_dir, before, &err);
    if (rc != 0) {
        user_fails(u, USER_FAILED, "%s", err.msg);
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
 * round trips in turn; the venue's shared weight budget paces them all. */
#define FILTER_THREADS_MAX 8

struct filter_pool {
    struct run *r;
    int *queue_me;       /* [n_users] in: 1 = prepared; out: 1 = to queue.
                          * Slot i is written only by the thread that took i. */
    atomic_size_t next;  /* the next user index to take */
};

/* Takes users until none is left or a stop comes. */
static void filter_take(struct filter_pool *fp, struct http *h)
{
    for (;;) {
        size_t i = atomic_fetch_add(&fp->next, 1);
        if (i >= fp->r->n_users || stopping(fp->r)) {
            live_unbind(); /* main's later waits are no account's */
            return;
        }
        if (fp->queue_me[i])
            fp->queue_me[i] = filter_history(fp->r, (unsigned)i, &fp->r->users[i], h);
    }
}

static void *filter_thread(void *arg)
{
    struct filter_pool *fp = arg;
    struct http *h = NULL;
    struct lt_err err = { 0 };
    if (http_new(&h, &err) != 0) {
        log_warn("history filter: %s (the other threads go on)", err.msg);
        return NULL;
    }
    http_set_abort(h, &fp->r->global_stop);
    filter_take(fp, h);
    http_free(h);
    return NULL;
}

/* Reads the history of every prepared user (queue_me[i] == 1): on up to
 * FILTER_THREADS_MAX threads, the main thread among them, so the pass
 * completes even when no thread can be started. */
static void filter_histories(struct run *r, int *queue_me, size_t prepared)
{
    struct filter_pool fp = { .r = r, .queue_me = queue_me };
    atomic_init(&fp.next, 0);
    size_t want = prepared < FILTER_THREADS_MAX ? prepared : FILTER_THREADS_MAX;
    if (r->cfg.workers > 0 && want > (size_t)r->cfg.workers)
        want = (size_t)r->cfg.workers;
    pthread_t tid[FILTER_THREADS_MAX];
    size_t started = 0;
    while (started + 1 < want && pthread_create(&tid[started], NULL, filter_thread, &fp) == 0)
        started++;
    filter_take(&fp, r->http);
    for (size_t i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
}

/* The dry run: the venue, then per account its balances and the plan the
 * real run would follow.  Returns the number of accounts that cannot run. */
static int print_plan(struct run *r, const int *queued)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX], c[MONEY_STR_MAX], d[MONEY_STR_MAX];
    const struct venue_ops *ops = venue_ops(r->venue);
    int cannot = 0;
    printf("dry run: nothing will be placed\nvenue %s (ws %s)\n", r->cfg.exchange.rest_url,
           r->cfg.exchange.ws_url);
    for (size_t i = 0; i < r->n_users; i++) {
        const struct strategy_user *u = &r->users[i];
        const struct user_config *uc = &r->cfg.users[i];
        if (!selected(&r->cfg, uc))
            continue;
        if (!queued[i]) {
            int bad = u->report.status == USER_FAILED || u->report.status == USER_STOPPED;
            cannot += bad;
            printf("%-12s %-13s %s\n", uc->name,
                   bad ? "CANNOT RUN" : user_status_name(u->report.status), u->report.error);
            continue;
        }
        const struct strategy_config *sc = &uc->strategy;
        const struct symbol_rules *rules = u->rules;
        struct lt_err err = { 0 };
        struct plan_input in = { .rules = rules, .sc = sc, .window_total = u->window_total };
        money_t locked = 0, free_base = 0;
        int brc = ops->balance(r->venue, r->http, &uc->auth, rules->quote, &in.free_quote,
                               &locked, &err);
        if (brc == 0)
            brc = ops->balance(r->venue, r->http, &uc->auth, rules->base, &free_base, &locked,
                               &err);
        if (brc != 0) {
            cannot++;
            printf("%-12s %-13s %s%s\n", uc->name, "CANNOT RUN",
                   auth_code(&err) ? "credentials rejected: " : "balance: ", err.msg);
            continue;
        }
        lt_err_clear(&err);
        if (ops->book_ticker(r->venue, r->http, rules->symbol, &in.bid, &in.ask, &err) != 0)
            in.bid = in.ask = 0;
        struct plan p;
        plan_compute(&in, &p);
        cannot += !p.can_trade;
        printf("%-12s %-13s %s window %s target %s remaining %s\n", uc->name,
               p.can_trade ? "queued" : "CANNOT RUN", rules->symbol,
               money_format_min(u->window_total, a), money_format_min(sc->target, b),
               money_format_min(p.remaining, c));
        printf("    free %s %s, %s %s; book bid %s ask %s\n", money_format_min(in.free_quote, a),
               rules->quote, money_format_min(free_base, b), rules->base,
               money_format_min(in.bid, c), money_format_min(in.ask, d));
        if (!p.can_trade)
            printf("    cannot run: %s\n", p.why);
        if (p.qty <= 0)
            continue;
        printf("    per round: buy %s %s at %s = %s %s", money_format_min(p.qty, a), rules->base,
               money_format_min(p.buy_price, b), money_format_min(p.round_quote, c),
               rules->quote);
        if (p.raised)
            printf(" (buy_amount %s raised to the venue's minimums)",
                   money_format_min(sc->buy_amount, d));
        printf("\n    needs up to %s %s free (last rung); rounds ~%lld; tif %s\n",
               money_format_min(p.need_quote, a), rules->quote, (long long)p.rounds,
               sc->tif == TIF_IOC ? "IOC" : sc->tif == TIF_FOK ? "FOK" : "GTC");
        printf("    est. cost %s %s per round, ~%s %s in all (spread + first-rung "
               "slippage; fees not included)\n",
               money_format_min(p.cost_round, a), rules->quote,
               money_format_min(p.cost_total, b), rules->quote);
        struct ladder lad = { sc->slippage, sc->slippage_step, sc->max_tries };
        printf("    buy  ladder:");
        for (int k = 0; k < sc->max_tries && in.ask > 0; k++)
            printf(" %s", money_format_min(ladder_price(&lad, rules, SIDE_BUY, in.ask, k), a));
        printf("\n    sell ladder:");
        for (int k = 0; k < sc->max_tries && in.bid > 0; k++)
            printf(" %s", money_format_min(ladder_price(&lad, rules, SIDE_SELL, in.bid, k), a));
        printf("\n");
    }
    if (cannot)
        printf("%d account(s) cannot run\n", cannot);
    return cannot;
}

/* SIGUSR1: stop the users named by <state_dir>/stop-<user> files.  The
 * files stay, so the stop also holds at the next start. */
static void scan_stop_files(struct run *r)
{
    char path[4096];
    for (size_t i = 0; i < r->n_users; i++) {
        const char *name = r->cfg.users[i].name;
        if (r->stop_seen[i] || stop_path(r, name, path, sizeof path) != 0 ||
            access(path, F_OK) != 0)
            continue;
        r->stop_seen[i] = 1;
        if (executor_stop_user(r->ex, name) != 0)
            log_warn("stop requested for %s, which is not running", name);
    }
}

/* The run's report over users[0..n): the final one, or a live status. */
static struct report_run run_report(const struct run *r, const struct report_user *users,
                                    size_t n, int code, const char *why)
{
    return (struct report_run){ .run_id = r->run_tag,
                                .symbol = r->have_rules ? r->rules.symbol : r->cfg.global.symbol,
                                .started_ms = r->started_ms, .finished_ms = wall_ms(),
                                .exit_code = code,
                                .stopped = atomic_load(&r->global_stop) && !r->between_days,
                                .error = why, .users = users, .n_users = n,
                                .quote_decimals = r->have_rules ? r->rules.quote_precision : 8,
                                .base_decimals = r->have_rules ? r->rules.base_precision : 8,
                                .fee_asset = live_fee_asset_name() };
}

/* The --trades record's hooks (strategy.h). */
static void trades_ledger_done(void *ctx, const struct strategy_user *u)
{
    trades_ledger(ctx, u->cfg->name, u->rules->symbol, &u->ledger);
}

static void trades_settled(void *ctx, const struct strategy_user *u, const struct order_state *st)
{
    trades_order(ctx, u->cfg->name, u->rules->symbol, st);
}

/* The selected users' reports as of their last round into rows (r->n_users
 * slots): the executor's copies for queued users, the rest settled by
 * phase 2.  Returns the count, or -1 out of memory. */
static long collect_rows_locked(struct run *r, struct report_user *rows);

/* During start-up (and between days) each selected account as configured,
 * at its live step (starting, filtering, queued, stopping): the filter
 * threads own the accounts' reports until the executor has them. */
static long startup_rows(struct run *r, struct report_user *rows)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_users; i++) {
        const struct user_config *uc = &r->cfg.users[i];
        if (!selected(&r->cfg, uc))
            continue;
        rows[n] = (struct report_user){ .name = uc->name, .status = USER_PENDING,
                                        .target = uc->strategy.target,
                                        .target_points = uc->strategy.target_points,
                                        .multiplier = uc->strategy.volume_multiplier };
        live_fill_row(&rows[n++], (unsigned)i);
    }
    return (long)n;
}

static long collect_rows(struct run *r, struct report_user *rows)
{
    pthread_mutex_lock(&r->view_lock);
    long n = r->ex_view ? collect_rows_locked(r, rows) : startup_rows(r, rows);
    pthread_mutex_unlock(&r->view_lock);
    return n;
}

/* Sets what the control socket and the metrics read (see struct run). */
static void view_set(struct run *r, struct executor *ex)
{
    pthread_mutex_lock(&r->view_lock);
    r->ex_view = ex;
    pthread_mutex_unlock(&r->view_lock);
}

static long collect_rows_locked(struct run *r, struct report_user *rows)
{
    size_t nx = executor_n_users(r->ex), n = 0, k = 0;
    const struct strategy_user **who = calloc(nx ? nx : 1, sizeof(*who));
    struct report_user *snap = calloc(nx ? nx : 1, sizeof(*snap));
    if (!who || !snap) {
        free(who);
        free(snap);
        return -1;
    }
    executor_snapshot(r->ex, who, snap);
    for (size_t i = 0; i < r->n_users; i++) {
        if (!selected(&r->cfg, &r->cfg.users[i]))
            continue;
        /* both in config order: one pass matches them */
        if (k < nx && who[k] == &r->users[i])
            rows[n++] = snap[k++];
        else
            rows[n++] = r->users[i].report;
        live_fill_row(&rows[n - 1], (unsigned)i);
    }
    free(who);
    free(snap);
    return (long)n;
}

/* `ctl status`: the table or the report's JSON, as of each user's last
 * round. */
static void ctl_status(struct run *r, int json, struct strbuf *out)
{
    struct report_user *rows = calloc(r->n_users ? r->n_users : 1, sizeof(*rows));
    long n = rows ? collect_rows(r, rows) : -1;
    char *text = NULL;
    size_t len = 0;
    if (n >= 0) {
        struct report_run rep = run_report(r, rows, (size_t)n,
                                           report_exit_code(rows, (size_t)n, stopping(r)), NULL);
        if (json) {
            text = report_json(&rep);
            len = text ? strlen(text) : 0;
        } else {
            /* the live table, every row, the same fields as the JSON */
            long el = (long)((wall_ms() - r->started_ms) / 1000);
            unsigned orders = 0;
            for (long i = 0; i < n; i++)
                orders += rows[i].s.orders;
            struct progress_totals tot = { .elapsed_s = el,
                                           .orders_per_s = el > 0 ? (double)orders / el : 0,
                                           .weight_used = venue_weight_used(r->venue),
                                           .weight_limit = venue_weight_limit(r->venue) };
            snprintf(tot.fee_asset, sizeof tot.fee_asset, "%s", live_fee_asset_name());
            struct strbuf sb;
            strbuf_init(&sb, 0);
            progress_table(rows, (size_t)n, (size_t)n + 1, &tot, &sb);
            len = sb.len;
            text = strbuf_detach(&sb, NULL);
        }
    }
    if (text) {
        strbuf_addstr(out, "ok\n");
        strbuf_add(out, text, len);
    } else {
        strbuf_addstr(out, "error out of memory\n");
    }
    free(text);
    free(rows);
}

/* What the run shows of itself while it runs (progress.h): on a terminal
 * the table redrawn every second, else a line per running account every
 * --progress-interval seconds.  Main thread only. */
struct progress_state {
    int tty;
    int64_t next_ms, last_ms;
    unsigned last_orders;
};

static void progress_tick(struct run *r, struct progress_state *ps)
{
    int64_t now = wall_ms();
    int every = ps->tty ? 1 : r->cfg.progress_interval_s;
    if (r->cfg.quiet || every <= 0)
        return;
    if (ps->next_ms == 0) {
        ps->next_ms = now + (int64_t)every * 1000;
        ps->last_ms = now;
        return;
    }
    if (now < ps->next_ms)
        return;
    ps->next_ms = now + (int64_t)every * 1000;
    struct report_user *rows = calloc(r->n_users ? r->n_users : 1, sizeof(*rows));
    long n = rows ? collect_rows(r, rows) : -1;
    struct strbuf sb;
    strbuf_init(&sb, 0);
    /* live, not as of each account's last round: a steady rate */
    unsigned orders = (unsigned)live_orders_ended();
    if (ps->tty && n >= 0) {
        struct winsize ws = { 0 };
        size_t max_rows = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4
                              ? (size_t)ws.ws_row - 5 : 20; /* the totals may wrap */
        double dt = (double)(now - ps->last_ms) / 1000.0;
        struct progress_totals tot = { .orders_per_s = dt > 0 ? (orders - ps->last_orders) / dt : 0,
                                       .elapsed_s = (long)((now - r->started_ms) / 1000),
                                       .weight_used = venue_weight_used(r->venue),
                                       .weight_limit = venue_weight_limit(r->venue) };
        snprintf(tot.fee_asset, sizeof tot.fee_asset, "%s", live_fee_asset_name());
        strbuf_addstr(&sb, "\033[H\033[2J");
        progress_table(rows, (size_t)n, max_rows, &tot, &sb);
        fwrite(sb.buf, 1, sb.len, stdout);
        fflush(stdout);
    } else {
        for (long i = 0; i < n; i++) {
            if (rows[i].status != USER_PENDING)
                continue;
            strbuf_reset(&sb);
            progress_line(&rows[i], &sb);
            log_info("%s", sb.buf);
        }
    }
    ps->last_ms = now;
    ps->last_orders = orders;
    strbuf_free(&sb);
    free(rows);
}

/* The metrics endpoint's source (metrics.h), on its thread. */
static long metrics_rows(void *ctx, struct report_user *out) { return collect_rows(ctx, out); }
static int metrics_stopping(void *ctx) { return stopping(ctx); }
static void metrics_venue(void *ctx, struct metrics_venue *out)
{
    struct venue *v = ((struct run *)ctx)->venue;
    *out = (struct metrics_venue){
        .weight_used = venue_weight_used(v), .weight_limit = venue_weight_limit(v),
        .weight_waits = venue_stat(v, VENUE_STAT_WEIGHT_WAITS),
        .order_waits = venue_stat(v, VENUE_STAT_ORDER_WAITS),
        .wait_ms = venue_stat(v, VENUE_STAT_WAIT_MS),
        .rate_limited = venue_stat(v, VENUE_STAT_RATE_LIMITED),
        .retries = venue_stat(v, VENUE_STAT_RETRIES) };
    snprintf(out->base, sizeof out->base, "%s", ((struct run *)ctx)->rules.base);
    snprintf(out->quote, sizeof out->quote, "%s", ((struct run *)ctx)->rules.quote);
}

/* The control socket's commands (ctlsock.h), on its thread: they reach
 * the run only through the executor's thread-safe calls and the stop
 * flag. */
static void ctl_handle_locked(struct run *r, const struct ctl_cmd *cmd, struct strbuf *out);

/* The configured account named name: its index, or r->n_users. */
static size_t user_index(const struct run *r, const char *name)
{
    size_t j = 0;
    while (j < r->n_users && strcmp(r->cfg.users[j].name, name) != 0)
        j++;
    return j;
}

/* During start-up: a stop is remembered (live.h) and applied once the
 * executor has the account; resume and set wait for the run to trade. */
static void ctl_startup(struct run *r, const struct ctl_cmd *cmd, struct strbuf *out)
{
    size_t idx[CTL_NAMES_MAX];
    if (cmd->op != CTL_STOP) {
        strbuf_addstr(out, "error the run is starting (or between days): try again once it "
                           "trades\n");
        return;
    }
    for (size_t i = 0; i < cmd->n_names && i < CTL_NAMES_MAX; i++) {
        size_t j = user_index(r, cmd->names[i]);
        if (j == r->n_users || !selected(&r->cfg, &r->cfg.users[j])) {
            strbuf_addf(out, "error unknown account %s: nothing done\n", cmd->names[i]);
            return;
        }
        idx[i] = j;
    }
    strbuf_addstr(out, "ok\n");
    for (size_t i = 0; i < cmd->n_names && i < CTL_NAMES_MAX; i++) {
        live_set_stop((unsigned)idx[i], 1);
        log_warn("control socket: %s: stop requested during start-up", cmd->names[i]);
        strbuf_addf(out, "%s: stopping (during start-up: it will not trade)\n", cmd->names[i]);
    }
}

/* Start-up stops, once the executor has the accounts (after view_set, so
 * that no stop falls between the two). */
static void apply_startup_stops(struct run *r)
{
    for (size_t i = 0; i < r->n_users; i++) {
        struct live_account a;
        live_account((unsigned)i, &a);
        if (a.stop_asked)
            executor_stop_user(r->ex, r->cfg.users[i].name);
    }
}

static void ctl_handle(void *ctx, const struct ctl_cmd *cmd, struct strbuf *out)
{
    struct run *r = ctx;
    if (cmd->op == CTL_STATUS) {
        ctl_status(r, cmd->json, out);
        return;
    }
    if (cmd->op == CTL_STOP_ALL) {
        ctl_handle_locked(r, cmd, out);
        return;
    }
    pthread_mutex_lock(&r->view_lock);
    if (r->ex_view)
        ctl_handle_locked(r, cmd, out);
    else
        ctl_startup(r, cmd, out);
    pthread_mutex_unlock(&r->view_lock);
}

/* The commands once the executor has the accounts (view_lock held), and
 * stop --all at any time. */
static void ctl_handle_locked(struct run *r, const struct ctl_cmd *cmd, struct strbuf *out)
{
    struct lt_err err = { 0 };
    if (cmd->op == CTL_STOP_ALL) {
        int64_t zero = 0;
        atomic_compare_exchange_strong(&r->sig.stop_since_ms, &zero, mailbox_now_ms());
        if (!atomic_exchange(&r->global_stop, 1))
            log_warn("control socket: stopping every user");
        strbuf_addstr(out, "ok\nstopping every user\n");
        return;
    }
    /* every name is checked before anything is done, so a typo stops nobody */
    for (size_t i = 0; i < cmd->n_names; i++) {
        size_t j = user_index(r, cmd->names[i]);
        if (j == r->n_users) {
            strbuf_addf(out, "error unknown account %s: nothing done\n", cmd->names[i]);
            return;
        }
        if (!r->users[j].mb || !selected(&r->cfg, &r->cfg.users[j])) {
            strbuf_addf(out, "error %s is not running in this run (%s): nothing done\n",
                        cmd->names[i], user_status_name(r->users[j].report.status));
            return;
        }
    }
    int rc = 0;
    if (cmd->op == CTL_STOP) {
        for (size_t i = 0; i < cmd->n_names; i++) {
            executor_stop_user(r->ex, cmd->names[i]);
            live_set_stop((unsigned)user_index(r, cmd->names[i]), 1); /* "stopping" */
        }
    } else if (cmd->op == CTL_RESUME) {
        if ((rc = executor_resume_user(r->ex, cmd->names[0], &err)) == 0)
            live_set_stop((unsigned)user_index(r, cmd->names[0]), 0);
    } else if (cmd->op == CTL_SET) {
        rc = executor_set_target(r->ex, cmd->names[0], cmd->target, &err);
    }
    if (rc != 0) {
        strbuf_addf(out, "error %s\n", err.msg);
        return;
    }
    strbuf_addstr(out, "ok\n");
    for (size_t i = 0; i < cmd->n_names; i++)
        strbuf_addf(out, "%s: %s\n", cmd->names[i],
                    cmd->op == CTL_STOP     ? "stopping"
                    : cmd->op == CTL_RESUME ? "resumed"
                                            : "target set from its next round");
}

/* A points venue's counted volume lags our fills: once the run is over and
 * exchange.counted_recheck_ms has passed, each account that bought is read
 * again and the venue's figure set against the run's window total x the
 * multiplier.  It changes nothing; a shortfall is the operator's to see
 * (the next run tops it up, as it starts from the larger of the two). */
static void recheck_counted(struct run *r)
{
    const struct venue_ops *ops = venue_ops(r->venue);
    if (!ops->counted_volume || r->cfg.counted_recheck_ms <= 0 || stopping(r))
        return;
    int any = 0;
    for (size_t i = 0; i < r->n_users; i++)
        any |= r->users[i].report.s.bought_quote > 0;
    if (!any)
        return;
    log_info("waiting %ld ms to re-read the venue's counted volume", r->cfg.counted_recheck_ms);
    nap_ms(r, r->cfg.counted_recheck_ms);
    for (size_t i = 0; i < r->n_users && !stopping(r); i++) {
        const struct strategy_user *u = &r->users[i];
        const struct user_config *uc = &r->cfg.users[i];
        if (u->report.s.bought_quote <= 0)
            continue;
        money_t counted = 0;
        struct lt_err err = { 0 };
        int rc;
        STARTUP_RETRY(r, rc, &err, ops->counted_volume(r->venue, r->http, &uc->auth,
                                                       uc->strategy.symbol, &counted, &err));
        int mul = uc->strategy.volume_multiplier > 0 ? uc->strategy.volume_multiplier : 1;
        money_t want = 0;
        for (int k = 0; k < mul; k++)
            want = money_add_sat(want, u->window_total);
        char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
        if (rc != 0)
            log_warn("%s: cannot re-read the counted volume: %s", uc->name, err.msg);
        else if (counted < want)
            log_warn("%s: the venue counts %s of %s, short of the %s our fills make (x%d): it "
                     "may still lag; a later run tops it up", uc->name,
                     money_format_min(counted, b1), uc->strategy.symbol,
                     money_format_min(want, b2), mul);
        else
            log_info("%s: the venue counts %s of %s, as our fills make it (%s at x%d)", uc->name,
                     money_format_min(counted, b1), uc->strategy.symbol,
                     money_format_min(want, b2), mul);
    }
}

/* Phase 4's control loop: waits for the executor, turning what the signal
 * thread saw into stops. */
static void control_loop(struct run *r)
{
    int stop_sent = 0;
    struct progress_state ps = { .tty = isatty(STDOUT_FILENO) };
    while (!executor_wait(r->ex, 200)) {
        live_fee_price_refresh(r->venue, r->http, r->rules.quote);
        progress_tick(r, &ps);
        if (!stop_sent && stopping(r)) {
            executor_stop_all(r->ex);
            stop_sent = 1;
        }
        if (atomic_exchange(&r->sig.usr1, 0))
            scan_stop_files(r);
    }
}

/* Checks that the report can be written where asked, before anything is
 * sent: its directory exists and is writable, and it is not a directory. */
static int check_report_path(const char *path, struct lt_err *err)
{
    struct stat st;
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) >= sizeof dir)
        return lt_err_set(err, LT_ECONFIG, "--report %s: path too long", path);
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (stat(dir, &st) != 0)
        return lt_err_set(err, LT_ECONFIG, "report %s: directory %s: %s", path, dir,
                          strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return lt_err_set(err, LT_ECONFIG, "report %s: %s is not a directory", path, dir);
    if (access(dir, W_OK | X_OK) != 0)
        return lt_err_set(err, LT_ECONFIG, "report %s: directory %s is not writable (%s)", path,
                          dir, strerror(errno));
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return lt_err_set(err, LT_ECONFIG, "report %s is a directory", path);
    return 0;
}

static int write_pid_file(struct run *r, struct lt_err *err)
{
    const char *path = r->cfg.pid_file;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return lt_err_set(err, LT_ECONFIG, "--pid-file %s: %s", path, strerror(errno));
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    int bad = write(fd, buf, (size_t)n) != n;
    bad |= close(fd) != 0;
    if (bad)
        return lt_err_set(err, LT_ECONFIG, "--pid-file %s: cannot write it", path);
    r->pid_file_written = 1;
    return 0;
}

/* File descriptors a run needs at most: per worker its HTTP connection
 * (and the resolver's pair), main's handle, the WebSocket connections,
 * a journal per account up to the journal's open-descriptor cap, the log, the locks, and a margin for libcurl
 * and libwebsockets' own (epoll, pipes). */
static long fds_needed(size_t accounts, int workers, int users_per_connection)
{
    size_t upc = users_per_connection > 0 ? (size_t)users_per_connection : 100;
    size_t ws = (accounts + upc - 1) / upc + 1;
    size_t journals = accounts < JOURNAL_FDS_MAX ? accounts : JOURNAL_FDS_MAX;
    return 3 + (long)workers * 3 + 3 + (long)ws + (long)journals + 4 + LOCK_ACCOUNT_SHARDS + 48;
}

/* Raises the soft RLIMIT_NOFILE to what the run needs (up to the hard
 * limit); refuses when the hard limit is short. */
static int ensure_fds(const struct run *r, size_t accounts, struct lt_err *err)
{
    struct rlimit rl;
    long need = fds_needed(accounts, r->cfg.workers, r->cfg.users_per_connection);
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0; /* cannot tell: the kernel's own errors will say */
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)need) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)need
                          ? (rlim_t)need
                          : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = old;
        else
            log_info("open files limit raised from %llu to %llu", (unsigned long long)old,
                     (unsigned long long)rl.rlim_cur);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)need)
        return lt_err_set(err, LT_EINVAL,
                          "%zu accounts with %d workers need up to %ld open files, but the "
                          "limit is %llu (hard limit %llu): raise it (ulimit -n, docker "
                          "--ulimit nofile=...) or run fewer accounts per process",
                          accounts, r->cfg.workers, need, (unsigned long long)rl.rlim_cur,
                          (unsigned long long)rl.rlim_max);
    return 0;
}

/* The report rows of the selected users, filled before any request so a
 * start-up failure still reports each of them. */
static void user_rows_init(struct run *r)
{
    for (size_t i = 0; i < r->n_users; i++) {
        const struct user_config *uc = &r->cfg.users[i];
        struct report_user *ru = &r->users[i].report;
        ru->name = uc->name;
        ru->target = uc->strategy.target;
        ru->target_points = uc->strategy.target_points;
        ru->multiplier = uc->strategy.volume_multiplier;
    }
}

static int users_prepare(struct run *r)
{
    r->n_users = r->cfg.n_users;
    size_t n = r->n_users ? r->n_users : 1;
    r->users = calloc(n, sizeof(*r->users));
    r->reports = calloc(n, sizeof(*r->reports));
    r->extra = calloc(n, sizeof(*r->extra));
    r->stop_seen = calloc(n, 1);
    if (!r->users || !r->reports || !r->extra || !r->stop_seen || live_init(r->n_users) != 0)
        return LT_ENOMEM;
    user_rows_init(r);
    return 0;
}

#define DAY_MS (24 * 3600 * 1000LL)
#define DAY_ROLL_SLACK_MS 1000 /* past midnight, so clock skew never reads the old day */

/* --daily, once every account ended its day: the day's table printed,
 * then a wait (ended by a stop) for the next UTC day by the venue's clock,
 * then every user set back to the start of phase 2.  1 when a stop ended
 * the wait (the run ends with the finished day's report). */
static int day_next(struct run *r)
{
    struct report_user *rows = calloc(r->n_users ? r->n_users : 1, sizeof(*rows));
    size_t n = 0;
    for (size_t i = 0; rows && i < r->n_users; i++)
        if (selected(&r->cfg, &r->cfg.users[i]))
            rows[n++] = r->users[i].report;
    if (rows) {
        struct report_run rep = run_report(r, rows, n, report_exit_code(rows, n, 0), NULL);
        report_print_table(&rep, stdout);
        fflush(stdout);
    }
    free(rows);
    int64_t now = venue_now_ms(r->venue), next = (now / DAY_MS + 1) * DAY_MS;
    time_t secs = (time_t)(next / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    log_info("daily: every account has ended its day; the next window opens %04d-%02d-%02d "
             "00:00 UTC, in %lld s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             (long long)((next - now) / 1000));
    r->between_days = 1;
    while (!stopping(r) && venue_now_ms(r->venue) < next + DAY_ROLL_SLACK_MS)
        nap_ms(r, 200);
    if (stopping(r)) {
        log_info("daily: stopped between days");
        return 1;
    }
    r->between_days = 0;
    view_set(r, NULL);
    executor_free(r->ex);
    r->ex = NULL;
    if (r->ws) {
        wsclient_stop(r->ws);
        wsclient_free(r->ws);
        r->ws = NULL;
    }
    for (size_t i = 0; i < r->n_users; i++) {
        if (r->users[i].mb)
            strategy_user_release(&r->users[i]);
        memset(&r->users[i], 0, sizeof r->users[i]);
    }
    user_rows_init(r);
    live_init(r->n_users); /* same size: resets in place */
    /* The accounts stay locked: one process's record locks never conflict
     * with its own, so phase 2 takes each again as a no-op. */
    r->accounts.n = 0;
    log_info("daily: a new day: every account's target applies afresh");
    return 0;
}

/* Phase 5, and the end of every start-up failure once the configuration is
 * read: users never reached are marked with why (or as stopped), the
 * report is written when asked for, the summary printed.  Returns the exit
 * code. */
static int finish(struct run *r, int exit_code, const char *why)
{
    /* nothing reads the run from other threads from here on */
    ctlsock_stop(r->ctl);
    ctlsock_stop(r->metrics);
    r->ctl = r->metrics = NULL;
    if (r->ws) {
        wsclient_stop(r->ws);
        wsclient_free(r->ws);
        r->ws = NULL;
    }
    /* a stop between two days cuts nothing short */
    int stopped = stopping(r) && !r->between_days;
    size_t n_rep = 0;
    live_fee_price_refresh(r->venue, r->http, r->rules.quote); /* the report's BNB price */
    for (size_t i = 0; r->reports && i < r->n_users; i++) {
        if (!selected(&r->cfg, &r->cfg.users[i]))
            continue;
        struct report_user *ru = &r->users[i].report;
        if (ru->status == USER_PENDING && !r->users[i].mb && (why || stopped)) {
            /* short: with thousands of accounts the run's error, once, says why */
            ru->status = stopped ? USER_STOPPED : USER_FAILED;
            snprintf(ru->error, sizeof ru->error, "%s",
                     stopped ? "stopped during start-up" : "not started: see the run's error");
        }
        r->reports[n_rep++] = *ru;
        live_fill_row(&r->reports[n_rep - 1], (unsigned)i);
    }
    int code = report_exit_code(r->reports, n_rep, stopped);
    if (r->cfg.dry_run && !why)
        code = exit_code; /* queued accounts are "pending", not cut short */
    else if (exit_code > code || (exit_code != 0 && code == 0))
        code = exit_code;
    struct report_run rep = run_report(r, r->reports, n_rep, code, why);
    struct lt_err err = { 0 };
    if (r->cfg.report_path && report_write_json(&rep, r->cfg.report_path, &err) != 0) {
        log_error("%s", err.msg);
        if (code == 0)
            code = 1;
        rep.exit_code = code;
    }
    if (!r->cfg.dry_run || why)
        report_print_table(&rep, stdout);
    fflush(stdout);
    run_free(r);
    return code;
}

/* A start-up failure after the configuration is read: logged, reported. */
static int fail_start(struct run *r, int exit_code, const struct lt_err *err)
{
    log_error("%s", err->msg);
    return finish(r, exit_code, err->msg);
}

/* `looptrader report FILE`: an earlier run's summary. */
static int print_report_file(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: looptrader report FILE (a --report JSON file)\n");
        return 2;
    }
    struct lt_err err = { 0 };
    if (report_print_file(argv[1], stdout, &err) != 0) {
        fprintf(stderr, "looptrader: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    /* First: every later thread inherits the mask, and a signal that comes
     * during start-up waits for the signal thread instead of killing us. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Past a file-size limit a journal append must fail with EFBIG (the
     * journal cuts its partial line), not kill the run mid-write. */
    signal(SIGXFSZ, SIG_IGN);

    if (argc > 1 && (strcmp(argv[1], "stop") == 0 || strcmp(argv[1], "status") == 0))
        return ctl_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "ctl") == 0) {
        /* Cluster-wide with --coordinator (the lease table), else this
         * host's trader through its state dir's control socket. */
        for (int i = 2; i < argc; i++)
            if (strncmp(argv[i], "--coordinator", 13) == 0)
                return coord_ctl_main(argc - 1, argv + 1);
        return ctl_sock_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "report") == 0)
        return print_report_file(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "db") == 0)
        return coord_db_main(argc - 1, argv + 1);

    struct run r;
    memset(&r, 0, sizeof(r));
    r.state_fd = -1;
    pthread_mutex_init(&r.view_lock, NULL);
    atomic_init(&r.global_stop, 0);
    r.started_ms = wall_ms();
    struct lt_err err = { 0 };
    int rc = coord_args_take(&argc, argv, &r.coord_cfg, &r.has_coord, &err);
    if (rc != 0) {
        fprintf(stderr, "looptrader: %s\ntry 'looptrader --help'\n", err.msg);
        return 2;
    }
    rc = config_load(argc, argv, &r.cfg, &err);
    if (rc != 0) {
        int code = rc == LT_ECONFIG || rc == LT_EINVAL ? 2 : 1;
        /* under nohup stderr is often gone: the log file and the report
         * the operator named get the error too */
        if (r.cfg.log_file && log_open(r.cfg.log_file) == 0)
            log_error("%s", err.msg);
        else
            fprintf(stderr, "looptrader: %s\n", err.msg);
        if (code == 2)
            fprintf(stderr, "try 'looptrader --help'\n");
        if (r.cfg.report_path && check_report_path(r.cfg.report_path, NULL) == 0)
            return finish(&r, code, err.msg); /* no user rows: none was read for sure */
        config_free(&r.cfg);
        log_close();
        return code;
    }
    if (r.cfg.show_help || r.cfg.show_version) {
        if (r.cfg.show_help)
            fputs(config_usage(), stdout);
        else
            printf("looptrader %s\n", LT_VERSION);
        config_free(&r.cfg);
        return 0;
    }

    /* Phase 1: logging, signals, ownership, the venue and the symbol. */
    /* every credential is registered with the redactor as config reads it */
    log_set_level((enum log_level)r.cfg.log_level);
    log_set_format((enum log_format)r.cfg.log_format);
    if (r.cfg.log_file && log_open(r.cfg.log_file) != 0) {
        lt_err_set(&err, LT_ECONFIG, "cannot open log file %s (%s)", r.cfg.log_file,
                   strerror(errno));
        fprintf(stderr, "looptrader: %s\n", err.msg);
        if (r.cfg.report_path && check_report_path(r.cfg.report_path, NULL) == 0)
            return finish(&r, 2, err.msg);
        config_free(&r.cfg);
        return 2;
    }
    r.sig.set = set;
    r.sig.global_stop = &r.global_stop;
    r.sig.log_file = r.cfg.log_file;
    if (pthread_create(&r.sig.thread, NULL, signal_main, &r.sig) != 0) {
        log_error("cannot start the signal thread");
        run_free(&r);
        return 1;
    }
    r.sig.started = 1;
    clientid_new_run(r.run_tag, (uint64_t)r.started_ms ^ ((uint64_t)getpid() << 20));
    if (r.cfg.report_path && (rc = check_report_path(r.cfg.report_path, &err)) != 0) {
        log_error("%s", err.msg);
        run_free(&r);
        return 2;
    }
    struct sockaddr_in maddr;
    if (r.cfg.metrics_addr && metrics_parse_addr(r.cfg.metrics_addr, &maddr, &err) != 0) {
        log_error("%s", err.msg);
        run_free(&r);
        return 2;
    }
    if (users_prepare(&r) != 0) {
        lt_err_set(&err, LT_ENOMEM, "out of memory");
        return fail_start(&r, 1, &err);
    }
    pid_t holder = 0;
    if ((rc = lock_state_dir(r.cfg.state_dir, &r.state_fd, &holder, &err)) != 0)
        return fail_start(&r, 2, &err);
    if (r.cfg.pid_file && write_pid_file(&r, &err) != 0)
        return fail_start(&r, 2, &err);
    char lock_dir[4096];
    if (r.cfg.lock_dir)
        snprintf(lock_dir, sizeof lock_dir, "%s", r.cfg.lock_dir);
    else
        lock_dir_default(lock_dir, sizeof lock_dir);
    if (lock_accounts_open(&r.accounts, lock_dir, !r.cfg.lock_dir, &err) != 0)
        return fail_start(&r, 1, &err);
    r.accounts_open = 1;
    /* under the state dir's lock: two runs never append to one record */
    if (r.cfg.trades_path && !r.cfg.dry_run &&
        (rc = trades_open(r.cfg.trades_path, &r.trades, &err)) != 0)
        return fail_start(&r, rc == LT_EPARSE ? 2 : 1, &err);
    size_t n_sel = 0;
    for (size_t i = 0; i < r.n_users; i++)
        n_sel += selected(&r.cfg, &r.cfg.users[i]) && r.cfg.users[i].enabled;
    if (ensure_fds(&r, n_sel, &err) != 0)
        return fail_start(&r, 1, &err);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        lt_err_set(&err, LT_EIO, "libcurl initialisation failed");
        return fail_start(&r, 1, &err);
    }
    r.curl_up = 1;
    if ((rc = venue_new(&r.cfg.exchange, &r.venue, &err)) != 0 ||
        (rc = http_new(&r.http, &err)) != 0)
        return fail_start(&r, rc == LT_ECONFIG || rc == LT_EINVAL ? 2 : 1, &err);
    /* Start-up GETs end at a stop instead of waiting out their deadline. */
    http_set_abort(r.http, &r.global_stop);
    /* A stop must not wait out a rate limit's sleep (up to a minute). */
    venue_set_stop(r.venue, &r.global_stop);
    const struct venue_ops *ops = venue_ops(r.venue);
    int64_t server_ms = 0;
    if (ops->server_time(r.venue, r.http, &server_ms, &err) == 0)
        venue_set_clock_offset(r.venue, server_ms - wall_ms());
    if (stopping(&r))
        return finish(&r, 3, NULL);
    const char *symbol = r.cfg.global.symbol;
    STARTUP_RETRY(&r, rc, &err, ops->exchange_info(r.venue, r.http, symbol, &r.rules, &err));
    if (rc == 0 && !r.rules.trading)
        rc = lt_err_set(&err, LT_ENOTFOUND, "symbol %s is not trading", symbol);
    if (stopping(&r))
        return finish(&r, 3, NULL);
    if (rc != 0) {
        char why[sizeof err.msg + 64];
        snprintf(why, sizeof why, "exchange info for %s from %s: %s", symbol,
                 r.cfg.exchange.rest_url, err.msg);
        log_error("%s", why);
        fprintf(stderr, "looptrader: %s\n", why);
        return finish(&r, rc == LT_ENOTFOUND ? 2 : 1, why);
    }
    r.have_rules = 1;
    log_info("run %s: %s tick %s step %s min notional %s", r.run_tag, r.rules.symbol,
             money_format_min(r.rules.tick_size, (char[MONEY_STR_MAX]){ 0 }),
             money_format_min(r.rules.step_size, (char[MONEY_STR_MAX]){ 0 }),
             money_format_min(r.rules.min_notional, (char[MONEY_STR_MAX]){ 0 }));

    if (r.has_coord && (rc = coord_setup(&r, &err)) != 0)
        return fail_start(&r, 2, &err);

    /* Phase 2: filter. */
    struct strategy_env env = { .coord = r.coord, .venue = r.venue, .run = r.run_tag,
                                .global_stop = &r.global_stop,
                                .stop_since_ms = &r.sig.stop_since_ms,
                                .stop_flatten_ms = r.cfg.stop_timeout_ms };
    struct strategy_hooks hooks = { .ledger_done = trades_ledger_done,
                                    .order_settled = trades_settled, .ctx = r.trades };
    if (r.trades)
        env.hooks = &hooks;
    /* From here to the end the control socket and the metrics answer
     * (start-up rows while the accounts are filtered); a metrics port in
     * use refuses the run before anything is sent for an account. */
    struct metrics_source msrc = { .rows = metrics_rows, .max_rows = r.n_users,
                                   .stopping = metrics_stopping, .venue = metrics_venue,
                                   .ctx = &r };
    if (!r.cfg.dry_run && r.cfg.metrics_addr &&
        (rc = metrics_start(r.cfg.metrics_addr, &msrc, &r.metrics, &err)) != 0)
        return fail_start(&r, 2, &err);
    if (!r.cfg.dry_run && ctlsock_start(r.cfg.state_dir, ctl_handle, &r, &r.ctl, &err) != 0)
        log_warn("%s: `looptrader ctl` cannot reach this run", err.msg);
    /* Phases 2 to 4, once; with --daily again each UTC day. */
    int coord_started = 0;
    for (;;) {
        size_t queued = 0;
        int *queue_me = calloc(r.n_users ? r.n_users : 1, sizeof(int));
        if (!queue_me) {
            lt_err_set(&err, LT_ENOMEM, "out of memory");
            return fail_start(&r, 1, &err);
        }
        latency_mark(LATENCY_MARK_FILTER_START);
        size_t prepared = 0;
        for (size_t i = 0; i < r.n_users && !stopping(&r); i++) {
            if (!selected(&r.cfg, &r.cfg.users[i]))
                continue;
            queue_me[i] = filter_prepare(&r, (unsigned)i, &r.users[i]);
            prepared += queue_me[i] != 0;
        }
        if (prepared > 0 && !stopping(&r))
            filter_histories(&r, queue_me, prepared);
        for (size_t i = 0; i < r.n_users; i++)
            queued += queue_me[i] != 0;
        latency_mark(LATENCY_MARK_FILTER_END);
        /* Leases are claimed from the first day on by the coordinator's
         * own thread; later days reuse it. */
        if (r.coord && !r.cfg.dry_run && !coord_started) {
            if ((rc = coord_go(&r, queue_me, &err)) != 0) {
                free(queue_me);
                return fail_start(&r, 1, &err);
            }
            coord_started = 1;
        }
        if (stopping(&r)) {
            free(queue_me);
            return finish(&r, 3, NULL);
        }
        if (r.cfg.dry_run) {
            int cannot = print_plan(&r, queue_me);
            free(queue_me);
            /* the plan printed, the report says the same (nothing ran) */
            return finish(&r, cannot ? 1 : 0, NULL);
        }

        /* Phase 3: the WebSocket thread. */
        if (queued > 0) {
            struct wsclient_config wc = { .venue = r.venue, .symbol = r.rules.symbol,
                                          .users_per_connection = r.cfg.users_per_connection,
                                          .legacy_listen_key = r.cfg.legacy_listen_key };
            rc = wsclient_new(&wc, &r.ws, &err);
            for (size_t i = 0; rc == 0 && i < r.n_users; i++)
                if (queue_me[i])
                    rc = wsclient_add_user(r.ws, r.cfg.users[i].name, &r.cfg.users[i].auth,
                                           r.users[i].mb, &err);
            if (rc == 0) {
                env.board = wsclient_board(r.ws);
                rc = wsclient_start(r.ws, &err);
            }
            if (rc != 0) {
                free(queue_me);
                char why[sizeof err.msg + 32];
                snprintf(why, sizeof why, "websocket client: %s", err.msg);
                log_error("%s", why);
                return finish(&r, 1, why);
            }
        }

        /* Phase 4: the executor. */
        struct executor_config xc = { .workers = r.cfg.workers > 0 ? r.cfg.workers : 1,
                                      .env = &env, .global_stop = &r.global_stop, .ws = r.ws };
        rc = executor_new(&xc, &r.ex, &err);
        for (size_t i = 0; rc == 0 && i < r.n_users; i++)
            if (queue_me[i])
                rc = executor_add(r.ex, &r.users[i], &err);
        free(queue_me);
        if (rc == 0) {
            view_set(&r, r.ex);
            apply_startup_stops(&r);
        }
        if (rc == 0 && queued > 0)
            rc = executor_start(r.ex, &err);
        if (rc != 0) {
            log_error("executor: %s", err.msg);
            if (r.ex)
                executor_stop_all(r.ex);
        }
        if (r.ex && queued > 0)
            control_loop(&r);
        if (r.ex)
            executor_join(r.ex);
        if (!r.cfg.daily || rc != 0 || stopping(&r) || day_next(&r) != 0)
            break;
    }

    recheck_counted(&r);

    /* Phase 5: shutdown and the report. */
    return finish(&r, rc != 0 ? 1 : 0, NULL);
}
