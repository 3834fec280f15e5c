/*
 * fdbudget.c - the run's file descriptor budget (see fdbudget.h).
 */
#include "looptrader/fdbudget.h"

#include "looptrader/journal.h"
#include "looptrader/lock.h"
#include "looptrader/log.h"

#include <sys/resource.h>

/* File descriptors a run needs at most: per worker its HTTP connection
 * (and the resolver's pair), main's handle, the WebSocket connections,
 * a journal per account up to the journal's open-descriptor cap, the log, the locks, and a margin for libcurl
 * and libwebsockets' own (epoll, pipes). */
static long fdbudget_needed(size_t accounts, int workers, int users_per_connection)
{
    size_t upc = users_per_connection > 0 ? (size_t)users_per_connection : 100;
    size_t ws = (accounts + upc - 1) / upc + 1;
    size_t journals = accounts < JOURNAL_FDS_MAX ? accounts : JOURNAL_FDS_MAX;
    return 3 + (long)workers * 3 + 3 + (long)ws + (long)journals + 4 + LOCK_ACCOUNT_SHARDS + 48;
}

/* Raises the soft RLIMIT_NOFILE to what the run needs (up to the hard
 * limit); refuses when the hard limit is short. */
int fdbudget_ensure(const struct run *r, size_t accounts, struct lt_err *err)
{
    struct rlimit rl;
    long need = fdbudget_needed(accounts, r->cfg.workers,
                                r->cfg.ws_logon ? 1 : r->cfg.users_per_connection);
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
