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
 * This file holds the subcommand dispatch, the argument handling and the
 * sequence; each phase's work is its module's: runctx.h (struct run),
 * sigctl.h, fdbudget.h, coordsetup.h, startup.h (phase 2), counting.h,
 * plan_print.h (--dry-run), runctl.h (phase 4's loop, ctl, metrics),
 * day.h (--daily), finish.h (phase 5).
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
#include "looptrader/clock.h"
#include "looptrader/coord.h"
#include "looptrader/coordsetup.h"
#include "looptrader/counting.h"
#include "looptrader/ctl.h"
#include "looptrader/ctlsock.h"
#include "looptrader/day.h"
#include "looptrader/executor.h"
#include "looptrader/fdbudget.h"
#include "looptrader/finish.h"
#include "looptrader/http.h"
#include "looptrader/latency.h"
#include "looptrader/lock.h"
#include "looptrader/log.h"
#include "looptrader/metrics.h"
#include "looptrader/oto.h"
#include "looptrader/plan_print.h"
#include "looptrader/report.h"
#include "looptrader/runctl.h"
#include "looptrader/runctx.h"
#include "looptrader/startup.h"
#include "looptrader/strategy.h"
#include "looptrader/trades.h"
#include "looptrader/venue.h"
#include "looptrader/version.h"
#include "looptrader/wsclient.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The --trades record's hooks (strategy.h). */
static void trades_ledger_done(void *ctx, const struct strategy_user *u)
{
    trades_ledger(ctx, u->cfg->name, u->rules->symbol, &u->ledger);
}

static void trades_settled(void *ctx, const struct strategy_user *u, const struct order_state *st)
{
    trades_order(ctx, u->cfg->name, u->rules->symbol, st);
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
    atomic_init(&r.global_stop, 0);
    pthread_mutex_init(&r.view_lock, NULL);
    r.started_ms = clock_wall_ms();
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
        if (r.cfg.report_path && run_check_report_path(r.cfg.report_path, NULL) == 0)
            return run_finish(&r, code, err.msg); /* no user rows: none was read for sure */
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
        if (r.cfg.report_path && run_check_report_path(r.cfg.report_path, NULL) == 0)
            return run_finish(&r, 2, err.msg);
        config_free(&r.cfg);
        return 2;
    }
    r.sig.set = set;
    r.sig.global_stop = &r.global_stop;
    r.sig.log_file = r.cfg.log_file;
    if (pthread_create(&r.sig.thread, NULL, sigctl_main, &r.sig) != 0) {
        log_error("cannot start the signal thread");
        run_free(&r);
        return 1;
    }
    r.sig.started = 1;
    clientid_new_run(r.run_tag, (uint64_t)r.started_ms ^ ((uint64_t)getpid() << 20));
    if (r.cfg.report_path && (rc = run_check_report_path(r.cfg.report_path, &err)) != 0) {
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
    if (run_users_prepare(&r) != 0) {
        lt_err_set(&err, LT_ENOMEM, "out of memory");
        return run_fail_start(&r, 1, &err);
    }
    pid_t holder = 0;
    if ((rc = lock_state_dir(r.cfg.state_dir, &r.state_fd, &holder, &err)) != 0)
        return run_fail_start(&r, 2, &err);
    if (r.cfg.pid_file && run_write_pid_file(&r, &err) != 0)
        return run_fail_start(&r, 2, &err);
    /* under the state dir's lock: one process replays and writes the log */
    if (journal_wal_open(r.cfg.state_dir, &err) != 0)
        return run_fail_start(&r, 1, &err);
    char lock_dir[4096];
    if (r.cfg.lock_dir)
        snprintf(lock_dir, sizeof lock_dir, "%s", r.cfg.lock_dir);
    else
        lock_dir_default(lock_dir, sizeof lock_dir);
    if (lock_accounts_open(&r.accounts, lock_dir, !r.cfg.lock_dir, &err) != 0)
        return run_fail_start(&r, 1, &err);
    r.accounts_open = 1;
    /* under the state dir's lock: two runs never append to one record */
    if (r.cfg.trades_path && !r.cfg.dry_run &&
        (rc = trades_open(r.cfg.trades_path, &r.trades, &err)) != 0)
        return run_fail_start(&r, rc == LT_EPARSE ? 2 : 1, &err);
    size_t n_sel = 0;
    for (size_t i = 0; i < r.n_users; i++)
        n_sel += run_selected(&r.cfg, &r.cfg.users[i]) && r.cfg.users[i].enabled;
    if (fdbudget_ensure(&r, n_sel, &err) != 0)
        return run_fail_start(&r, 1, &err);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        lt_err_set(&err, LT_EIO, "libcurl initialisation failed");
        return run_fail_start(&r, 1, &err);
    }
    r.curl_up = 1;
    if ((rc = venue_new(&r.cfg.exchange, &r.venue, &err)) != 0 ||
        (rc = venue_http_new(r.venue, &r.http, &err)) != 0)
        return run_fail_start(&r, rc == LT_ECONFIG || rc == LT_EINVAL ? 2 : 1, &err);
    /* Start-up GETs end at a stop instead of waiting out their deadline. */
    http_set_abort(r.http, &r.global_stop);
    /* A stop must not wait out a rate limit's sleep (up to a minute). */
    venue_set_stop(r.venue, &r.global_stop);
    const struct venue_ops *ops = venue_ops(r.venue);
    if (oto_check(&r.cfg, ops, &err) != 0)
        return run_fail_start(&r, 2, &err);
    int64_t server_ms = 0;
    if (ops->server_time(r.venue, r.http, &server_ms, &err) == 0)
        venue_set_clock_offset(r.venue, server_ms - clock_wall_ms());
    if (run_stopping(&r))
        return run_finish(&r, 3, NULL);
    const char *symbol = r.cfg.global.symbol;
    STARTUP_RETRY(&r, rc, &err, ops->exchange_info(r.venue, r.http, symbol, &r.rules, &err));
    if (rc == 0 && !r.rules.trading)
        rc = lt_err_set(&err, LT_ENOTFOUND, "symbol %s is not trading", symbol);
    if (run_stopping(&r))
        return run_finish(&r, 3, NULL);
    if (rc != 0) {
        char why[sizeof err.msg + 64];
        snprintf(why, sizeof why, "exchange info for %s from %s: %s", symbol,
                 r.cfg.exchange.rest_url, err.msg);
        log_error("%s", why);
        fprintf(stderr, "looptrader: %s\n", why);
        return run_finish(&r, rc == LT_ENOTFOUND ? 2 : 1, why);
    }
    r.have_rules = 1;
    log_info("run %s: %s tick %s step %s min notional %s", r.run_tag, r.rules.symbol,
             money_format_min(r.rules.tick_size, (char[MONEY_STR_MAX]){ 0 }),
             money_format_min(r.rules.step_size, (char[MONEY_STR_MAX]){ 0 }),
             money_format_min(r.rules.min_notional, (char[MONEY_STR_MAX]){ 0 }));

    if (r.has_coord && (rc = coordsetup_init(&r, &err)) != 0)
        return run_fail_start(&r, 2, &err);

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
    struct metrics_source msrc = { .rows = runctl_metrics_rows, .max_rows = r.n_users,
                                   .stopping = runctl_metrics_stopping,
                                   .venue = runctl_metrics_venue, .ctx = &r };
    if (!r.cfg.dry_run && r.cfg.metrics_addr &&
        (rc = metrics_start(r.cfg.metrics_addr, &msrc, &r.metrics, &err)) != 0)
        return run_fail_start(&r, 2, &err);
    if (!r.cfg.dry_run && ctlsock_start(r.cfg.state_dir, runctl_handle, &r, &r.ctl, &err) != 0)
        log_warn("%s: `looptrader ctl` cannot reach this run", err.msg);
    /* Phases 2 to 4, once; with --daily again each UTC day. */
    for (;;) {
        size_t queued = 0;
        int *queue_me = calloc(r.n_users ? r.n_users : 1, sizeof(int));
        if (!queue_me) {
            lt_err_set(&err, LT_ENOMEM, "out of memory");
            return run_fail_start(&r, 1, &err);
        }
        latency_mark(LATENCY_MARK_FILTER_START);
        size_t prepared = 0;
        for (size_t i = 0; i < r.n_users && !run_stopping(&r); i++) {
            if (!run_selected(&r.cfg, &r.cfg.users[i]))
                continue;
            queue_me[i] = startup_filter_prepare(&r, (unsigned)i, &r.users[i]);
            prepared += queue_me[i] != 0;
        }
        struct runctl_progress ps;
        runctl_progress_init(&ps, &r);
        if (prepared > 0 && !run_stopping(&r))
            startup_filter_histories(&r, queue_me, prepared, runctl_startup_tick, &ps);
        for (size_t i = 0; i < r.n_users; i++)
            queued += queue_me[i] != 0;
        latency_mark(LATENCY_MARK_FILTER_END);
        /* Leases are claimed from the first day on by the coordinator's
         * own thread; later days reuse it (coordsetup_go each day). */
        if (r.coord && !r.cfg.dry_run && (rc = coordsetup_go(&r, queue_me, &err)) != 0) {
            free(queue_me);
            return run_fail_start(&r, 1, &err);
        }
        if (run_stopping(&r)) {
            free(queue_me);
            return run_finish(&r, 3, NULL);
        }
        if (r.cfg.dry_run) {
            int cannot = plan_print(&r, queue_me);
            free(queue_me);
            /* the plan printed, the report says the same (nothing ran) */
            return run_finish(&r, cannot ? 1 : 0, NULL);
        }

        /* Phase 3: the WebSocket thread. */
        if (queued > 0) {
            struct wsclient_config wc = { .venue = r.venue, .symbol = r.rules.symbol,
                                          .users_per_connection = r.cfg.users_per_connection,
                                          .legacy_listen_key = r.cfg.legacy_listen_key,
                                          .ws_logon = r.cfg.ws_logon,
                                          .requests_per_second = r.cfg.ws_requests_per_second };
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
                return run_finish(&r, 1, why);
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
            runctl_view_set(&r, r.ex);
            runctl_apply_startup_stops(&r);
        }
        if (rc == 0 && queued > 0)
            rc = executor_start(r.ex, &err);
        if (rc != 0) {
            log_error("executor: %s", err.msg);
            if (r.ex)
                executor_stop_all(r.ex);
        }
        if (r.ex && queued > 0)
            runctl_loop(&r);
        if (r.ex)
            executor_join(r.ex);
        if (!r.cfg.daily || rc != 0 || run_stopping(&r) || day_next(&r) != 0)
            break;
    }

    counting_recheck(&r);

    /* Phase 5: shutdown and the report. */
    return run_finish(&r, rc != 0 ? 1 : 0, NULL);
}
