/*
 * executor.c - the worker pool and the run queue (see executor.h).
 *
 * Lock: ex->lock guards the queue and the active count, and is never held
 * across a round (which does network I/O).  The users array is written only
 * before executor_start and read-only afterwards.
 *
 * Wake-ups are targeted so that more workers cost nothing: a user put back
 * in the queue wakes one idle worker (work_cv, signal); only the last user
 * finishing wakes everybody (the idle workers exit, executor_wait returns).
 */
#include "looptrader/executor.h"
#include "looptrader/clock.h"
#include "looptrader/http.h"
#include "looptrader/journal.h"
#include "looptrader/log.h"
#include "looptrader/money.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct executor {
    struct executor_config cfg;
    struct strategy_user **users;   /* every added user; fixed after start */
    size_t n_users, cap_users;
    pthread_t *threads;             /* cfg.workers of them once started */
    struct http **https;            /* one per worker, owned */
    int started;                    /* threads running (main thread only) */

    pthread_mutex_t lock;
    pthread_cond_t work_cv;         /* a user was queued, or none is left */
    pthread_cond_t done_cv;         /* the last user finished */
    size_t *queue;                  /* ring of n_users user slots; guarded by lock */
    size_t q_head, q_len;           /* guarded by lock */
    size_t active;                  /* users not yet finished; guarded by lock */
    struct xslot *slots;            /* n_users, parallel to users; guarded by lock */
};

/* What other threads (the control socket) may see of a user, copied by
 * its worker after each round so they never read the worker's fields. */
struct xslot {
    struct report_user snap;        /* the report as of the last round */
    int finished;                   /* out of the queue */
    enum strategy_result res;       /* its result once finished */
    money_t new_target;             /* > 0: applied before its next round */
};

static size_t slot_named(const struct executor *ex, const char *name)
{
    for (size_t i = 0; i < ex->n_users; i++)
        if (strcmp(ex->users[i]->cfg->name, name) == 0)
            return i;
    return ex->n_users;
}

int executor_new(const struct executor_config *cfg, struct executor **out, struct lt_err *err)
{
    if (cfg->workers < 1 || !cfg->env || !cfg->global_stop)
        return lt_err_set(err, LT_EINVAL, "executor: bad configuration");
    struct executor *ex = calloc(1, sizeof(*ex));
    if (!ex)
        return lt_err_set(err, LT_ENOMEM, "executor: out of memory");
    ex->cfg = *cfg;
    pthread_mutex_init(&ex->lock, NULL);
    pthread_cond_init(&ex->work_cv, NULL);
    pthread_cond_init(&ex->done_cv, NULL);
    *out = ex;
    return 0;
}

int executor_add(struct executor *ex, struct strategy_user *u, struct lt_err *err)
{
    if (ex->started)
        return lt_err_set(err, LT_EINVAL, "executor: users are added before start");
    if (ex->n_users == ex->cap_users) {
        size_t cap = ex->cap_users ? ex->cap_users * 2 : 16;
        struct strategy_user **n = realloc(ex->users, cap * sizeof(*n));
        if (!n)
            return lt_err_set(err, LT_ENOMEM, "executor: out of memory");
        ex->users = n;
        ex->cap_users = cap;
    }
    ex->users[ex->n_users++] = u;
    return 0;
}

struct worker_arg {
    struct executor *ex;
    struct http *h;
};

static void *worker_main(void *p)
{
    /* the thread's role in top -H, ps -L and perf */
    pthread_setname_np(pthread_self(), "lt-worker");
    struct executor *ex = ((struct worker_arg *)p)->ex;
    struct http *h = ((struct worker_arg *)p)->h;
    free(p);
    pthread_mutex_lock(&ex->lock);
    for (;;) {
        while (ex->q_len == 0 && ex->active > 0)
            pthread_cond_wait(&ex->work_cv, &ex->lock);
        if (ex->q_len == 0)
            break; /* nobody left: every user finished */
        size_t at = ex->queue[ex->q_head];
        struct strategy_user *u = ex->users[at];
        ex->q_head = (ex->q_head + 1) % ex->n_users;
        ex->q_len--;
        money_t new_target = ex->slots[at].new_target;
        ex->slots[at].new_target = 0;
        pthread_mutex_unlock(&ex->lock);

        if (new_target > 0) {
            log_info("%s: target set to %s", u->cfg->name,
                     money_format_min(new_target, (char[MONEY_STR_MAX]){ 0 }));
            u->report.target = new_target;
            u->report.target_points = 0;
            u->buy_cap = 0; /* the cap follows the target: set again at the next buy */
        }
        enum strategy_result res = strategy_round(ex->cfg.env, u, h);
        /* a stop or failure ends a round without the strategy's own call */
        const struct strategy_hooks *hk = ex->cfg.env->hooks;
        if (hk && hk->ledger_done)
            hk->ledger_done(hk->ctx, u);
        /* Between rounds the user is idle: it keeps its journal descriptor
         * only when the budget has one for every account. */
        journal_idle(u->journal);
        /* A user stopped alone may be resumed: its stream stays. */
        int may_resume = res == STRATEGY_STOPPED && !atomic_load(ex->cfg.global_stop);
        if (res != STRATEGY_CONTINUE) {
            journal_release(u->journal); /* an ended user writes no more until a resume */
            log_info("%s: %s", u->cfg->name, user_status_name(u->report.status));
            if (ex->cfg.ws && !may_resume)
                wsclient_remove_user(ex->cfg.ws, u->mb);
        }

        pthread_mutex_lock(&ex->lock);
        ex->slots[at].snap = u->report;
        ex->slots[at].finished = res != STRATEGY_CONTINUE;
        ex->slots[at].res = res;
        if (res == STRATEGY_CONTINUE) {
            ex->queue[(ex->q_head + ex->q_len) % ex->n_users] = at;
            ex->q_len++;
            pthread_cond_signal(&ex->work_cv);
        } else if (--ex->active == 0) {
            pthread_cond_broadcast(&ex->work_cv);
            pthread_cond_broadcast(&ex->done_cv);
        }
    }
    pthread_mutex_unlock(&ex->lock);
    return NULL;
}

int executor_start(struct executor *ex, struct lt_err *err)
{
    int n = ex->cfg.workers;
    if ((size_t)n > ex->n_users && ex->n_users > 0)
        n = (int)ex->n_users; /* idle workers would only hold connections */
    ex->cfg.workers = n;
    ex->queue = calloc(ex->n_users ? ex->n_users : 1, sizeof(*ex->queue));
    ex->slots = calloc(ex->n_users ? ex->n_users : 1, sizeof(*ex->slots));
    ex->threads = calloc((size_t)n, sizeof(*ex->threads));
    ex->https = calloc((size_t)n, sizeof(*ex->https));
    if (!ex->queue || !ex->slots || !ex->threads || !ex->https)
        return lt_err_set(err, LT_ENOMEM, "executor: out of memory");
    for (size_t i = 0; i < ex->n_users; i++)
        ex->slots[i].snap = ex->users[i]->report;
    for (int i = 0; i < n; i++) {
        int rc = venue_http_new(ex->cfg.env->venue, &ex->https[i], err);
        if (rc != 0)
            return rc;
    }
    for (size_t i = 0; i < ex->n_users; i++)
        ex->queue[i] = i;
    ex->q_head = 0;
    ex->q_len = ex->n_users;
    ex->active = ex->n_users;
    for (int i = 0; i < n; i++) {
        struct worker_arg *a = malloc(sizeof(*a));
        if (!a)
            return lt_err_set(err, LT_ENOMEM, "executor: out of memory");
        a->ex = ex;
        a->h = ex->https[i];
        if (pthread_create(&ex->threads[i], NULL, worker_main, a) != 0) {
            free(a);
            /* The threads already running finish the queue; tell the
             * caller, who stops and joins. */
            ex->started = i;
            return lt_err_set(err, LT_ENOMEM, "executor: cannot start worker %d", i);
        }
        ex->started = i + 1;
    }
    return 0;
}

int executor_wait(struct executor *ex, int timeout_ms)
{
    struct timespec ts = clock_ts_ms(clock_wall_ms() + timeout_ms); /* done_cv: default clock */
    pthread_mutex_lock(&ex->lock);
    while (ex->active > 0 && ex->started > 0) {
        if (pthread_cond_timedwait(&ex->done_cv, &ex->lock, &ts) != 0)
            break;
    }
    int done = ex->active == 0 || ex->started == 0;
    pthread_mutex_unlock(&ex->lock);
    return done;
}

void executor_stop_all(struct executor *ex)
{
    atomic_store(ex->cfg.global_stop, 1);
    for (size_t i = 0; i < ex->n_users; i++)
        mailbox_wake(ex->users[i]->mb);
    if (ex->cfg.ws)
        board_wake(wsclient_board(ex->cfg.ws));
}

int executor_stop_user(struct executor *ex, const char *name)
{
    size_t i = slot_named(ex, name);
    if (i == ex->n_users)
        return LT_ENOTFOUND;
    log_info("%s: stop requested", name);
    mailbox_post_stop(ex->users[i]->mb);
    return 0;
}

int executor_resume_user(struct executor *ex, const char *name, struct lt_err *err)
{
    size_t i = slot_named(ex, name);
    if (i == ex->n_users)
        return lt_err_set(err, LT_ENOTFOUND, "%s is not an account of this run", name);
    int rc = 0;
    pthread_mutex_lock(&ex->lock);
    struct xslot *sl = &ex->slots[i];
    if (!ex->started || ex->active == 0 || atomic_load(ex->cfg.global_stop))
        rc = lt_err_set(err, LT_ESTOPPED, "the run is ending: nothing can be resumed");
    else if (!mailbox_stopped(ex->users[i]->mb))
        rc = lt_err_set(err, LT_EINVAL, "%s is not stopped", name);
    else if (!sl->finished)
        rc = lt_err_set(err, LT_EINVAL, "%s is still stopping: try again shortly", name);
    else if (sl->res != STRATEGY_STOPPED)
        rc = lt_err_set(err, LT_EINVAL, "%s ended %s, not stopped", name,
                        user_status_name(sl->snap.status));
    if (rc == 0) {
        /* Finished, so no worker holds it: its fields are ours under the
         * lock until it is queued. */
        struct strategy_user *u = ex->users[i];
        mailbox_clear_stop(u->mb);
        u->report.status = USER_PENDING;
        u->report.error[0] = '\0';
        sl->snap = u->report;
        sl->finished = 0;
        ex->queue[(ex->q_head + ex->q_len) % ex->n_users] = i;
        ex->q_len++;
        ex->active++;
        pthread_cond_signal(&ex->work_cv);
        log_info("%s: resumed", name);
    }
    pthread_mutex_unlock(&ex->lock);
    return rc;
}

int executor_set_target(struct executor *ex, const char *name, money_t target,
                        struct lt_err *err)
{
    size_t i = slot_named(ex, name);
    if (i == ex->n_users)
        return lt_err_set(err, LT_ENOTFOUND, "%s is not an account of this run", name);
    if (target <= 0)
        return lt_err_set(err, LT_EINVAL, "a target is above zero");
    int rc = 0;
    pthread_mutex_lock(&ex->lock);
    if (ex->slots[i].finished)
        rc = lt_err_set(err, LT_EINVAL, "%s has ended (%s): resume it first", name,
                        user_status_name(ex->slots[i].snap.status));
    else
        ex->slots[i].new_target = target;
    pthread_mutex_unlock(&ex->lock);
    return rc;
}

size_t executor_snapshot(struct executor *ex, const struct strategy_user **who,
                         struct report_user *out)
{
    pthread_mutex_lock(&ex->lock);
    for (size_t i = 0; i < ex->n_users; i++) {
        who[i] = ex->users[i];
        out[i] = ex->slots ? ex->slots[i].snap : ex->users[i]->report;
    }
    pthread_mutex_unlock(&ex->lock);
    return ex->n_users;
}

size_t executor_n_users(const struct executor *ex) { return ex->n_users; }

void executor_join(struct executor *ex)
{
    for (int i = 0; i < ex->started; i++)
        pthread_join(ex->threads[i], NULL);
    ex->started = 0;
}

void executor_free(struct executor *ex)
{
    if (!ex)
        return;
    executor_join(ex);
    if (ex->https)
        for (int i = 0; i < ex->cfg.workers; i++)
            http_free(ex->https[i]);
    free(ex->https);
    free(ex->threads);
    free(ex->queue);
    free(ex->slots);
    free(ex->users);
    pthread_cond_destroy(&ex->work_cv);
    pthread_cond_destroy(&ex->done_cv);
    pthread_mutex_destroy(&ex->lock);
    free(ex);
}
