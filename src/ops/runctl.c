/*
 * runctl.c - the control loop, `ctl` commands, progress and the metrics
 * source of a running run (see runctl.h).
 */
#include "looptrader/runctl.h"

#include "looptrader/clock.h"
#include "looptrader/finish.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/mailbox.h"
#include "looptrader/progress.h"
#include "looptrader/venue_binance.h" /* the pacing counters (venue_stat) */

#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* SIGUSR1: stop the users named by <state_dir>/stop-<user> files.  The
 * files stay, so the stop also holds at the next start. */
static void scan_stop_files(struct run *r)
{
    char path[4096];
    for (size_t i = 0; i < r->n_users; i++) {
        const char *name = r->cfg.users[i].name;
        if (r->stop_seen[i] || run_stop_path(r, name, path, sizeof path) != 0 ||
            access(path, F_OK) != 0)
            continue;
        r->stop_seen[i] = 1;
        if (executor_stop_user(r->ex, name) != 0)
            log_warn("stop requested for %s, which is not running", name);
    }
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
        if (!run_selected(&r->cfg, uc))
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

/* Sets what the control socket and the metrics read (runctl.h). */
void runctl_view_set(struct run *r, struct executor *ex)
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
        if (!run_selected(&r->cfg, &r->cfg.users[i]))
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
                                           report_exit_code(rows, (size_t)n, run_stopping(r)), NULL);
        if (json) {
            text = report_json(&rep);
            len = text ? strlen(text) : 0;
        } else {
            /* the live table, every row, the same fields as the JSON */
            long el = (long)((clock_wall_ms() - r->started_ms) / 1000);
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

void runctl_progress_init(struct runctl_progress *ps, struct run *r)
{
    *ps = (struct runctl_progress){ .r = r, .tty = isatty(STDOUT_FILENO) };
}

/* What the run shows of itself (progress.h): on a terminal the table
 * redrawn every second, else a line per running account every
 * --progress-interval seconds.  During start-up (starting) the table
 * is headed by how far the history pass is, and off a terminal that is
 * the one line shown: each account's own line would say "filtering" for
 * thousands of them.  Main thread only. */
static void progress_tick(struct runctl_progress *ps, int starting, size_t read,
                          size_t prepared)
{
    struct run *r = ps->r;
    int64_t now = clock_wall_ms();
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
    if (!ps->tty && starting) {
        log_info("start-up: filtering, %zu of %zu account histories read", read, prepared);
        ps->last_ms = now;
        return;
    }
    struct report_user *rows = calloc(r->n_users ? r->n_users : 1, sizeof(*rows));
    long n = rows ? collect_rows(r, rows) : -1;
    struct strbuf sb;
    strbuf_init(&sb, 0);
    /* live, not as of each account's last round: a steady rate */
    unsigned orders = (unsigned)live_orders_ended();
    if (ps->tty && n >= 0) {
        struct winsize ws = { 0 };
        size_t lines = starting ? 6 : 5; /* the totals may wrap */
        size_t max_rows = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > lines
                              ? (size_t)ws.ws_row - lines : 20;
        double dt = (double)(now - ps->last_ms) / 1000.0;
        struct progress_totals tot = { .orders_per_s = dt > 0 ? (orders - ps->last_orders) / dt : 0,
                                       .elapsed_s = (long)((now - r->started_ms) / 1000),
                                       .weight_used = venue_weight_used(r->venue),
                                       .weight_limit = venue_weight_limit(r->venue) };
        snprintf(tot.fee_asset, sizeof tot.fee_asset, "%s", live_fee_asset_name());
        strbuf_addstr(&sb, "\033[H\033[2J");
        if (starting)
            strbuf_addf(&sb, "start-up: filtering, %zu of %zu account histories read\n", read,
                        prepared);
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

void runctl_startup_tick(void *ctx, size_t read, size_t prepared)
{
    progress_tick(ctx, 1, read, prepared);
}

/* The metrics endpoint's source (metrics.h), on its thread. */
long runctl_metrics_rows(void *ctx, struct report_user *out) { return collect_rows(ctx, out); }
int runctl_metrics_stopping(void *ctx) { return run_stopping(ctx); }
void runctl_metrics_venue(void *ctx, struct metrics_venue *out)
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
        if (j == r->n_users || !run_selected(&r->cfg, &r->cfg.users[j])) {
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
void runctl_apply_startup_stops(struct run *r)
{
    for (size_t i = 0; i < r->n_users; i++) {
        struct live_account a;
        live_account((unsigned)i, &a);
        if (a.stop_asked)
            executor_stop_user(r->ex, r->cfg.users[i].name);
    }
}

void runctl_handle(void *ctx, const struct ctl_cmd *cmd, struct strbuf *out)
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
        atomic_compare_exchange_strong(&r->sig.stop_since_ms, &zero, clock_mono_ms());
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
        if (!r->users[j].mb || !run_selected(&r->cfg, &r->cfg.users[j])) {
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

/* Phase 4's control loop: waits for the executor, turning what the signal
 * thread saw into stops. */
void runctl_loop(struct run *r)
{
    int stop_sent = 0;
    struct runctl_progress ps;
    runctl_progress_init(&ps, r);
    while (!executor_wait(r->ex, 200)) {
        live_fee_price_refresh(r->venue, r->http, r->rules.quote);
        progress_tick(&ps, 0, 0, 0);
        if (!stop_sent && run_stopping(r)) {
            executor_stop_all(r->ex);
            stop_sent = 1;
        }
        if (atomic_exchange(&r->sig.usr1, 0))
            scan_stop_files(r);
    }
}
