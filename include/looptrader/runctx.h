/*
 * runctx.h - struct run: everything one run of the trader owns, so that
 * one function (run_free) frees it on every path, and the helpers every
 * phase's module shares (the stop flag, the start-up retry, the per-user
 * start-up failure).
 *
 * Ownership: main creates the one struct run on its stack and passes it
 * down; the run owns every pointer in it (cfg's strings, the venue, the
 * handles, the users' slots).  Threads: the phases' modules run on the
 * main thread, except where their headers say otherwise (the filter
 * threads write only their own user's slot; the control socket and the
 * metrics endpoint read through the executor's thread-safe calls).  No
 * lock of its own: global_stop and the signal state are atomic.
 */
#ifndef LOOPTRADER_RUNCTX_H
#define LOOPTRADER_RUNCTX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "looptrader/config.h"
#include "looptrader/coord.h"
#include "looptrader/error.h"
#include "looptrader/executor.h"
#include "looptrader/http.h"
#include "looptrader/lock.h"
#include "looptrader/report.h"
#include "looptrader/sigctl.h"
#include "looptrader/strategy.h"
#include "looptrader/symbol.h"
#include "looptrader/trades.h"
#include "looptrader/venue.h"
#include "looptrader/wsclient.h"

/* 1 when --only names u, or there is no --only. */
static inline int run_selected(const struct run_config *cfg, const struct user_config *u)
{
    if (!cfg->only)
        return 1;
    for (char **p = cfg->only; *p; p++)
        if (strcmp(*p, u->name) == 0)
            return 1;
    return 0;
}

/* 1 when the venue refused the credentials (key, signature, session). */
static inline int run_auth_code(const struct lt_err *e)
{
    return e->venue_code == -2014 || e->venue_code == -2015 || e->venue_code == -1022 ||
           e->venue_code == -1002 || e->http_status == 401 || e->http_status == 403;
}

/* Start-up calls are idempotent: a 5xx or 429 is worth a few more tries. */
static inline int run_transient(int rc) { return rc == LT_EUNKNOWN || rc == LT_ERATELIMIT; }

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
     * or clear ex_view (runctl_view_set). */
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

/* 1 once the run stops (a signal, `ctl stop`). */
static inline int run_stopping(struct run *r) { return atomic_load(&r->global_stop); }

/* A start-up call, retried a few times when the venue is busy (5xx, 429)
 * and given up at a stop. */
#define STARTUP_RETRY(r, rc, err, call)                                                       \
    for (int t_ = 0;; t_++) {                                                                 \
        lt_err_clear(err);                                                                    \
        rc = (call);                                                                          \
        if (!run_transient(rc) || t_ >= 4 || run_stopping(r))                                         \
            break;                                                                            \
        run_nap_ms(r, 200L << t_);                                                                \
    }

/* Sleeps up to ms, ending early at a stop. */
void run_nap_ms(struct run *r, long ms);

/* Frees everything the run owns (the workers joined first), removes the
 * pid file if it still names this process, ends the signal thread and
 * closes the log. */
void run_free(struct run *r);

/* Writes --pid-file (this process's pid); run_free removes it. */
int run_write_pid_file(struct run *r, struct lt_err *err);

/* <state_dir>/stop-<name> into path; 0 when it fits. */
int run_stop_path(const struct run *r, const char *name, char *path, size_t size);

/* Ends a user before it trades, saying why in the report and the log. */
void run_user_fails(struct strategy_user *u, enum user_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The users' slots (users, reports, extra, stop_seen: n_users each) and
 * their report rows; LT_ENOMEM when out of memory. */
int run_users_prepare(struct run *r);

/* The report rows of the selected users, filled before any request so a
 * start-up failure still reports each of them (again each --daily day). */
void run_user_rows_init(struct run *r);

#endif
