/*
 * finish.c - the run's report and its end (see finish.h).
 */
#include "looptrader/finish.h"

#include "looptrader/clock.h"
#include "looptrader/ctlsock.h"
#include "looptrader/live.h"
#include "looptrader/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The run's report over users[0..n): the final one, or a live status. */
struct report_run run_report(const struct run *r, const struct report_user *users,
                             size_t n, int code, const char *why)
{
    return (struct report_run){ .run_id = r->run_tag,
                                .symbol = r->have_rules ? r->rules.symbol : r->cfg.global.symbol,
                                .started_ms = r->started_ms, .finished_ms = clock_wall_ms(),
                                .exit_code = code,
                                .stopped = atomic_load(&r->global_stop) && !r->between_days,
                                .error = why, .users = users, .n_users = n,
                                .quote_decimals = r->have_rules ? r->rules.quote_precision : 8,
                                .base_decimals = r->have_rules ? r->rules.base_precision : 8,
                                .fee_asset = live_fee_asset_name() };
}

/* Checks that the report can be written where asked, before anything is
 * sent: its directory exists and is writable, and it is not a directory. */
int run_check_report_path(const char *path, struct lt_err *err)
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

/* Phase 5, and the end of every start-up failure once the configuration is
 * read: users never reached are marked with why (or as stopped), the
 * report is written when asked for, the summary printed.  Returns the exit
 * code. */
int run_finish(struct run *r, int exit_code, const char *why)
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
    int stopped = run_stopping(r) && !r->between_days;
    size_t n_rep = 0;
    live_fee_price_refresh(r->venue, r->http, r->rules.quote); /* the report's BNB price */
    for (size_t i = 0; r->reports && i < r->n_users; i++) {
        if (!run_selected(&r->cfg, &r->cfg.users[i]))
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
int run_fail_start(struct run *r, int exit_code, const struct lt_err *err)
{
    log_error("%s", err->msg);
    return run_finish(r, exit_code, err->msg);
}
