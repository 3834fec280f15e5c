/*
 * runctl.h - a running run's control surface, phase 4: the control loop
 * (the executor waited for, signals turned into stops, the progress
 * shown), the control socket's commands (`looptrader ctl`), the metrics
 * endpoint's source, and the status rows they all share.
 *
 * Threads and locks: runctl_loop and its progress ticks run on the main
 * thread; runctl_handle on the control socket's thread and the metrics_*
 * callbacks on the metrics thread.  Those two reach the run only through
 * the executor's thread-safe calls (executor.h: its snapshot copies
 * under the executor's lock), the venue's counters, the live state
 * (live.h: atomics) and the stop flag.  Which executor they read is
 * r->ex_view, under r->view_lock (runctx.h): none during start-up and
 * between days, when the rows are each account as configured at its live
 * step and a `stop` is remembered for when the executor has the account.
 */
#ifndef LOOPTRADER_RUNCTL_H
#define LOOPTRADER_RUNCTL_H

#include "looptrader/ctlsock.h"
#include "looptrader/metrics.h"
#include "looptrader/report.h"
#include "looptrader/runctx.h"
#include "looptrader/strbuf.h"

/* The metrics endpoint's source (metrics.h; ctx is the run), on its
 * thread. */
long runctl_metrics_rows(void *ctx, struct report_user *out);
int runctl_metrics_stopping(void *ctx);
void runctl_metrics_venue(void *ctx, struct metrics_venue *out);

/* The control socket's commands (ctlsock.h; ctx is the run), on its
 * thread: they reach the run only through the executor's thread-safe
 * calls and the stop flag. */
void runctl_handle(void *ctx, const struct ctl_cmd *cmd, struct strbuf *out);

/* Sets what the control socket and the metrics read (r->ex_view, under
 * r->view_lock): the executor once its users are added, NULL before a day's
 * executor is freed.  Main thread. */
void runctl_view_set(struct run *r, struct executor *ex);

/* The stops asked during start-up (live.h), applied once the executor has
 * the accounts (after runctl_view_set, so no stop falls between the two).
 * Main thread. */
void runctl_apply_startup_stops(struct run *r);

/* What the run shows of itself while it runs (the live table on a
 * terminal, progress lines elsewhere): when it last did.  Main thread. */
struct runctl_progress {
    struct run *r;
    int tty;                 /* stdout is a terminal */
    int64_t next_ms, last_ms;
    unsigned last_orders;
};

void runctl_progress_init(struct runctl_progress *ps, struct run *r);

/* The start-up filter's tick (startup.h's startup_tick_fn; ctx is a
 * struct runctl_progress): the table headed by "start-up: filtering, k
 * of n account histories read", or off a terminal that line alone every
 * --progress-interval seconds.  Main thread. */
void runctl_startup_tick(void *ctx, size_t read, size_t prepared);

/* Phase 4's control loop: waits for the executor, turning what the signal
 * thread saw into stops (SIGUSR1: the stop files), showing progress. */
void runctl_loop(struct run *r);

#endif
