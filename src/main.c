/*
 * main.c - looptrader: the five phases of a run and nothing else.
 *
 *   1. configuration (flags + file; a config error exits 2 before anything
 *      is sent), logging, the venue and the symbol's rules;
 *   2. per user: the window buy total from order history; users at target
 *      are skipped (unless an earlier run left something to settle);
 *      --dry-run prints the plan and exits;
 *   3. the WebSocket thread (prices + order pushes into mailboxes);
 *   4. the executor's workers run the strategy; this thread turns signals
 *      into stops (sigwait: no work in signal handlers at all);
 *   5. shutdown: streams closed, report written, summary printed, all freed.
 *
 * Signals: SIGINT/SIGTERM stop every user gracefully; a second one exits
 * at once with code 3 (a later run's recovery settles what is left).
 * SIGUSR1 stops single users: for every file <state_dir>/stop-<user> that
 * exists, that user is stopped and the file removed.
 *
 * Exit codes: 0 every user done or skipped; 1 a user failed or a start-up
 * error; 2 usage or configuration error; 3 stopped early.
 */
#include "looptrader/config.h"
#include "looptrader/executor.h"
#include "looptrader/ladder.h"
#include "looptrader/ledger.h"
#include "looptrader/log.h"
#include "looptrader/report.h"
#include "looptrader/strategy.h"
#include "looptrader/target.h"
#include "looptrader/venue.h"
#include "looptrader/wsclient.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LT_VERSION "0.1.0"

static int64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Registers every credential of a user with the log's redactor. */
static void register_secrets(const struct user_config *u)
{
    log_secret_add(u->api_secret);
    log_secret_add(u->cookies);
    if (u->cookies) {
        char *copy = strdup(u->cookies), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ";", &save) : NULL; t;
             t = strtok_r(NULL, ";", &save)) {
            char *eq = strchr(t, '=');
            if (eq)
                log_secret_add(eq + 1);
        }
        free(copy);
    }
    for (size_t i = 0; i < u->n_headers; i++) {
        const char *colon = strchr(u->headers[i], ':');
        if (colon) {
            colon++;
            while (*colon == ' ')
                colon++;
            log_secret_add(colon);
        }
    }
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

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Everything a run owns, so one function frees it on every path. */
struct run {
    struct run_config cfg;
    struct venue *venue;
    struct http *http;                /* main thread's handle (start-up calls) */
    struct symbol_rules rules;        /* the streamed (global) symbol */
    struct symbol_rules *extra;       /* users' other symbols; n_users slots so
                                       * pointers into it stay valid */
    size_t n_extra;
    struct strategy_user *users;      /* n_users slots; [i].journal set once inited */
    struct report_user *reports;      /* copies for the report */
    size_t n_users;
    struct wsclient *ws;
    struct executor *ex;
    atomic_int global_stop;
    char run_tag[8];
    int curl_up;
};

static void run_free(struct run *r)
{
    executor_free(r->ex);
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
    http_free(r->http);
    venue_free(r->venue);
    if (r->curl_up)
        curl_global_cleanup();
    config_free(&r->cfg);
    log_close();
    log_secrets_clear();
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
    for (int t = 0;; t++) {
        lt_err_clear(err);
        rc = venue_ops(r->venue)->exchange_info(r->venue, r->http, symbol, sr, err);
        if (!transient(rc) || t >= 4)
            break;
        nap_ms(200L << t);
    }
    if (rc == 0 && !sr->trading)
        rc = lt_err_set(err, LT_ENOTFOUND, "symbol %.32s is not trading", symbol);
    if (rc != 0)
        return rc;
    r->n_extra++;
    *out = sr;
    return 0;
}

/* Phase 2 for one user: window total from history.  Returns 1 when the
 * user should be queued. */
static int filter_user(struct run *r, unsigned idx, struct strategy_user *u)
{
    const struct user_config *uc = &r->cfg.users[idx];
    struct lt_err err = { 0 };
    int rc = 0;
    u->report.name = uc->name;
    u->report.target = uc->strategy.target;
    u->report.target_points = uc->strategy.target_points;
    u->report.multiplier = uc->strategy.volume_multiplier;
    if (!uc->enabled) {
        u->report.status = USER_SKIPPED;
        snprintf(u->report.error, sizeof(u->report.error), "disabled");
        return 0;
    }
    const struct symbol_rules *rules;
    if ((rc = rules_for(r, uc->strategy.symbol, &rules, &err)) != 0) {
        u->report.status = USER_FAILED;
        snprintf(u->report.error, sizeof(u->report.error), "symbol %.32s: %.200s",
                 uc->strategy.symbol, err.msg);
        log_error("%s: %s", uc->name, u->report.error);
        return 0;
    }
    int64_t start = target_window_start(&uc->strategy.window, venue_now_ms(r->venue));
    struct order_state *hist = NULL;
    size_t n = 0;
    for (int t = 0;; t++) {
        lt_err_clear(&err);
        rc = venue_ops(r->venue)->order_history(r->venue, r->http, &uc->auth, rules->symbol,
                                                 start, &hist, &n, &err);
        if (!transient(rc) || t >= 4)
            break;
        nap_ms(200L << t);
    }
    if (rc != 0) {
        u->report.status = USER_FAILED;
        snprintf(u->report.error, sizeof(u->report.error), "%s%.200s",
                 auth_code(&err) ? "credentials rejected: " : "order history: ", err.msg);
        log_error("%s: %s", uc->name, u->report.error);
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
    rc = strategy_user_init(u, idx, uc, rules, r->rules.symbol, r->cfg.state_dir, before, &err);
    if (rc != 0) {
        u->report.status = USER_FAILED;
        snprintf(u->report.error, sizeof(u->report.error), "%s", err.msg);
        log_error("%s: %s", uc->name, u->report.error);
        return 0;
    }
    char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
    if (before >= uc->strategy.target && !strategy_user_has_pending(u)) {
        u->report.status = USER_SKIPPED;
        log_info("%s: window buy total %s already at target %s: skipped", uc->name,
                 money_format_min(before, b1), money_format_min(uc->strategy.target, b2));
        return 0;
    }
    log_info("%s: window buy total %s of target %s", uc->name, money_format_min(before, b1),
             money_format_min(uc->strategy.target, b2));
    return 1;
}

static void print_plan(struct run *r)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX], c[MONEY_STR_MAX];
    printf("dry run: nothing will be placed\n");
    for (size_t i = 0; i < r->n_users; i++) {
        const struct strategy_user *u = &r->users[i];
        const struct user_config *uc = &r->cfg.users[i];
        if (!selected(&r->cfg, uc))
            continue;
        printf("%-12s %-8s", uc->name, u->report.status == USER_PENDING
                                           ? "queued"
                                           : user_status_name(u->report.status));
        if (u->report.status != USER_PENDING) {
            printf(" %s\n", u->report.error);
            continue;
        }
        const struct strategy_config *sc = &uc->strategy;
        const struct symbol_rules *rules = u->rules;
        money_t bid = 0, ask = 0;
        struct lt_err err = { 0 };
        if (venue_ops(r->venue)->book_ticker(r->venue, r->http, rules->symbol, &bid, &ask, &err))
            printf(" (book unavailable: %s)", err.msg);
        money_t rem = target_remaining(sc->target, u->window_total);
        int64_t rounds = sc->buy_amount > 0 ? (rem + sc->buy_amount - 1) / sc->buy_amount : 0;
        printf(" %s window %s target %s remaining %s rounds ~%lld tif %s\n", rules->symbol,
               money_format_min(u->window_total, a), money_format_min(sc->target, b),
               money_format_min(rem, c), (long long)rounds,
               sc->tif == TIF_IOC ? "IOC" : sc->tif == TIF_FOK ? "FOK" : "GTC");
        printf("    book bid %s ask %s\n", money_format_min(bid, a), money_format_min(ask, b));
        struct ladder lad = { sc->slippage, sc->slippage_step, sc->max_tries };
        money_t quote = sc->buy_amount < rem ? sc->buy_amount : rem;
        printf("    buy  ladder:");
        for (int k = 0; k < sc->max_tries && ask > 0; k++) {
            money_t p = ladder_price(&lad, rules, SIDE_BUY, ask, k);
            printf(" %s", money_format_min(p, a));
            if (k == 0)
                printf(" (qty %s)", money_format_min(symbol_qty_for_quote(rules, quote, p), b));
        }
        printf("\n    sell ladder:");
        for (int k = 0; k < sc->max_tries && bid > 0; k++)
            printf(" %s", money_format_min(ladder_price(&lad, rules, SIDE_SELL, bid, k), a));
        printf("\n");
    }
}

/* SIGUSR1: stop the users named by <state_dir>/stop-<user> files. */
static void scan_stop_files(struct run *r)
{
    char path[4096];
    for (size_t i = 0; i < r->n_users; i++) {
        const char *name = r->cfg.users[i].name;
        if (snprintf(path, sizeof(path), "%s/stop-%s", r->cfg.state_dir, name) >=
            (int)sizeof(path))
            continue;
        if (access(path, F_OK) == 0) {
            unlink(path);
            if (executor_stop_user(r->ex, name) != 0)
                log_warn("stop requested for %s, which is not running", name);
        }
    }
}

/* Phase 4's control loop: waits for the executor, turning signals into
 * stops.  A second SIGINT/SIGTERM exits at once. */
static void control_loop(struct run *r, const sigset_t *set)
{
    int stops = 0;
    while (!executor_wait(r->ex, 0)) {
        struct timespec ts = { 0, 200 * 1000000L };
        int sig = sigtimedwait(set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            if (++stops == 1) {
                log_warn("%s: stopping every user (again to stop hard)",
                         sig == SIGINT ? "SIGINT" : "SIGTERM");
                executor_stop_all(r->ex);
            } else {
                log_error("hard stop: exiting now; the next run settles open orders");
                _exit(3);
            }
        } else if (sig == SIGUSR1) {
            scan_stop_files(r);
        }
    }
}

int main(int argc, char **argv)
{
    struct run r;
    memset(&r, 0, sizeof(r));
    struct lt_err err = { 0 };
    int rc = config_load(argc, argv, &r.cfg, &err);
    if (rc != 0) {
        fprintf(stderr, "looptrader: %s\n", err.msg);
        if (rc == LT_ECONFIG || rc == LT_EINVAL)
            fprintf(stderr, "try 'looptrader --help'\n");
        config_free(&r.cfg);
        return rc == LT_ECONFIG || rc == LT_EINVAL ? 2 : 1;
    }
    if (r.cfg.show_help || r.cfg.show_version) {
        if (r.cfg.show_help)
            fputs(config_usage(), stdout);
        else
            printf("looptrader %s\n", LT_VERSION);
        config_free(&r.cfg);
        return 0;
    }

    /* Phase 1: logging, signals, the venue and the symbol. */
    for (size_t i = 0; i < r.cfg.n_users; i++)
        register_secrets(&r.cfg.users[i]);
    log_set_level((enum log_level)r.cfg.log_level);
    if (r.cfg.log_file && log_open(r.cfg.log_file) != 0) {
        fprintf(stderr, "looptrader: cannot open log file %s\n", r.cfg.log_file);
        run_free(&r);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every thread inherits it */
    signal(SIGPIPE, SIG_IGN);
    atomic_init(&r.global_stop, 0);

    int exit_code = 1;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        log_error("libcurl initialisation failed");
        run_free(&r);
        return 1;
    }
    r.curl_up = 1;
    int64_t started = wall_ms();
    clientid_new_run(r.run_tag, (uint64_t)started ^ ((uint64_t)getpid() << 20));
    if ((rc = venue_new(&r.cfg.exchange, &r.venue, &err)) != 0 ||
        (rc = http_new(&r.http, &err)) != 0) {
        log_error("%s", err.msg);
        run_free(&r);
        return rc == LT_ECONFIG || rc == LT_EINVAL ? 2 : 1;
    }
    /* A stop must not wait out a rate limit's sleep (up to a minute). */
    venue_set_stop(r.venue, &r.global_stop);
    const struct venue_ops *ops = venue_ops(r.venue);
    int64_t server_ms = 0;
    if (ops->server_time(r.venue, r.http, &server_ms, &err) == 0)
        venue_set_clock_offset(r.venue, server_ms - wall_ms());
    const char *symbol = r.cfg.global.symbol;
    for (int t = 0;; t++) {
        lt_err_clear(&err);
        rc = ops->exchange_info(r.venue, r.http, symbol, &r.rules, &err);
        if (!transient(rc) || t >= 4)
            break;
        nap_ms(200L << t);
    }
    if (rc == 0 && !r.rules.trading)
        rc = lt_err_set(&err, LT_ENOTFOUND, "symbol %s is not trading", symbol);
    if (rc != 0) {
        log_error("exchange info for %s: %s", symbol, err.msg);
        fprintf(stderr, "looptrader: %s\n", err.msg);
        run_free(&r);
        return rc == LT_ENOTFOUND ? 2 : 1;
    }
    log_info("run %s: %s tick %s step %s min notional %s", r.run_tag, r.rules.symbol,
             money_format_min(r.rules.tick_size, (char[MONEY_STR_MAX]){ 0 }),
             money_format_min(r.rules.step_size, (char[MONEY_STR_MAX]){ 0 }),
             money_format_min(r.rules.min_notional, (char[MONEY_STR_MAX]){ 0 }));

    /* Phase 2: filter. */
    r.n_users = r.cfg.n_users;
    r.users = calloc(r.n_users ? r.n_users : 1, sizeof(*r.users));
    r.reports = calloc(r.n_users ? r.n_users : 1, sizeof(*r.reports));
    r.extra = calloc(r.n_users ? r.n_users : 1, sizeof(*r.extra));
    if (!r.users || !r.reports || !r.extra) {
        log_error("out of memory");
        run_free(&r);
        return 1;
    }
    struct strategy_env env = { .venue = r.venue, .run = r.run_tag,
                                .global_stop = &r.global_stop,
                                .stop_flatten_ms = r.cfg.stop_timeout_ms };
    size_t queued = 0;
    int *queue_me = calloc(r.n_users ? r.n_users : 1, sizeof(int));
    if (!queue_me) {
        run_free(&r);
        return 1;
    }
    for (size_t i = 0; i < r.n_users; i++) {
        if (!selected(&r.cfg, &r.cfg.users[i]))
            continue;
        queue_me[i] = filter_user(&r, (unsigned)i, &r.users[i]);
        queued += queue_me[i] != 0;
    }
    if (r.cfg.dry_run) {
        print_plan(&r);
        free(queue_me);
        run_free(&r);
        return 0;
    }

    /* Phase 3: the WebSocket thread. */
    if (queued > 0) {
        struct wsclient_config wc = { .venue = r.venue, .symbol = r.rules.symbol,
                                      .users_per_connection = r.cfg.users_per_connection,
                                      .legacy_listen_key = r.cfg.legacy_listen_key };
        rc = wsclient_new(&wc, &r.ws, &err);
        for (size_t i = 0; rc == 0 && i < r.n_users; i++)
            if (queue_me[i])
                rc = wsclient_add_user(r.ws, &r.cfg.users[i].auth, r.users[i].mb, &err);
        if (rc == 0)
            rc = wsclient_start(r.ws, &err);
        if (rc != 0) {
            log_error("websocket client: %s", err.msg);
            free(queue_me);
            run_free(&r);
            return 1;
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
    if (rc == 0 && queued > 0)
        rc = executor_start(r.ex, &err);
    if (rc != 0) {
        log_error("executor: %s", err.msg);
        if (r.ex)
            executor_stop_all(r.ex);
    }
    if (r.ex && queued > 0)
        control_loop(&r, &set);
    if (r.ex)
        executor_join(r.ex);

    /* Phase 5: shutdown and the report. */
    if (r.ws) {
        wsclient_stop(r.ws);
        wsclient_free(r.ws);
        r.ws = NULL;
    }
    size_t n_rep = 0;
    for (size_t i = 0; i < r.n_users; i++)
        if (selected(&r.cfg, &r.cfg.users[i]))
            r.reports[n_rep++] = r.users[i].report;
    int stopped = atomic_load(&r.global_stop);
    exit_code = report_exit_code(r.reports, n_rep, stopped);
    if (rc != 0 && exit_code == 0)
        exit_code = 1;
    struct report_run rep = { .run_id = r.run_tag, .symbol = r.rules.symbol,
                              .started_ms = started, .finished_ms = wall_ms(),
                              .exit_code = exit_code, .stopped = stopped,
                              .users = r.reports, .n_users = n_rep };
    if (r.cfg.report_path && report_write_json(&rep, r.cfg.report_path, &err) != 0) {
        log_error("%s", err.msg);
        if (exit_code == 0)
            exit_code = 1;
        rep.exit_code = exit_code;
    }
    report_print_table(&rep, stdout);
    fflush(stdout);
    run_free(&r);
    return exit_code;
}
