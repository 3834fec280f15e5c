/*
 * executor.h - StrategyExecutor: a fixed pool of workers over a run queue.
 *
 * Each worker takes a user from the front of the locked queue, runs ONE
 * round (strategy_round) on its own HTTP handle, and puts the user at the
 * back unless it is done, stopped or failed, so with more users than
 * workers every user still progresses.  A global stop (the atomic in the
 * strategy env) and per-user stops (the user's mailbox) end users
 * gracefully; the strategy itself cancels and flattens.  A user stopped
 * alone can be resumed, and given a new target, while the run goes on; the
 * control socket reads each user's report as its worker last copied it.
 */
#ifndef LOOPTRADER_EXECUTOR_H
#define LOOPTRADER_EXECUTOR_H

#include <stdatomic.h>
#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/strategy.h"
#include "looptrader/wsclient.h"

struct executor;

struct executor_config {
    int workers;                     /* pool size (>= 1) */
    const struct strategy_env *env;  /* borrowed; outlives the executor */
    atomic_int *global_stop;         /* the flag env->global_stop points at */
    struct wsclient *ws;             /* finished users are unsubscribed; may be NULL */
};

int executor_new(const struct executor_config *cfg, struct executor **out, struct lt_err *err);
void executor_free(struct executor *ex);

/* Queues a user (before executor_start); the user is borrowed. */
int executor_add(struct executor *ex, struct strategy_user *u, struct lt_err *err);

/* Starts the workers (each with its own HTTP handle). */
int executor_start(struct executor *ex, struct lt_err *err);

/* Waits up to timeout_ms for every queued user to finish: 1 when finished. */
int executor_wait(struct executor *ex, int timeout_ms);

/* Global graceful stop: sets the flag and wakes every user's waits. */
void executor_stop_all(struct executor *ex);

/* Per-user graceful stop.  0, or LT_ENOTFOUND if no queued user has that
 * name. */
int executor_stop_user(struct executor *ex, const char *name);

/* Queues again a user that a per-user stop ended, while the run goes on
 * (its stop cleared: it continues towards its target).  LT_ENOTFOUND no
 * such user; LT_EINVAL not stopped, or still stopping; LT_ESTOPPED the run
 * is ending.  Thread-safe. */
int executor_resume_user(struct executor *ex, const char *name, struct lt_err *err);

/* A new quote target for a user, applied before its next round (its buy
 * cap follows).  LT_ENOTFOUND, or LT_EINVAL for a user that has ended or
 * a target <= 0.  Thread-safe. */
int executor_set_target(struct executor *ex, const char *name, money_t target,
                        struct lt_err *err);

/* Copies, under the lock, each added user and its report as of its last
 * round into who[] and out[] (executor_n_users slots each); returns the
 * count.  Thread-safe once started. */
size_t executor_snapshot(struct executor *ex, const struct strategy_user **who,
                         struct report_user *out);
size_t executor_n_users(const struct executor *ex);

/* Joins the workers (after executor_wait returned 1). */
void executor_join(struct executor *ex);

#endif
