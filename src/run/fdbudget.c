/*
 * fdbudget.c - the run's file descriptor budget (see fdbudget.h).
 */
#include "looptrader/fdbudget.h"

#include "looptrader/journal.h"
#include "looptrader/lock.h"
#include "looptrader/log.h"

#include <sys/resource.h>

/* File descriptors a run needs at most besides its journals: per worker
 * its HTTP connection (and the resolver's pair), main's handle, the
 * WebSocket connections, the log, the locks, and a margin for libcurl and
 * libwebsockets' own (epoll, pipes). */
static long fdbudget_base(size_t accounts, int workers, int users_per_connection)
{
    size_t upc = users_per_connection > 0 ? (size_t)users_per_connection : 100;
    size_t ws = (accounts + upc - 1) / upc + 1;
    return 3 + (long)workers * 3 + 3 + (long)ws + 4 + LOCK_ACCOUNT_SHARDS + 48;
}

/* Raises the soft RLIMIT_NOFILE towards a kept descriptor for every
 * account's journal (up to the hard limit), and refuses when it cannot
 * reach the least a run needs: JOURNAL_FDS_MAX journals' worth.  Whatever
 * the limit leaves beyond the base is the journals' budget: every
 * account's when it fits (descriptors kept across rounds), else the
 * journals beyond it open per line. */
int fdbudget_ensure(const struct run *r, size_t accounts, struct lt_err *err)
{
    struct rlimit rl;
    long base = fdbudget_base(accounts, r->cfg.workers,
                              r->cfg.ws_logon ? 1 : r->cfg.users_per_connection);
    long least = base + (long)(accounts < JOURNAL_FDS_MAX ? accounts : JOURNAL_FDS_MAX);
    long want = base + (long)accounts;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 0; /* cannot tell: the kernel's own errors will say; default budget */
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want) {
        rlim_t old = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= (rlim_t)want
                          ? (rlim_t)want
                          : rl.rlim_max;
        if (rl.rlim_cur <= old || setrlimit(RLIMIT_NOFILE, &rl) != 0 ||
            getrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = old;
        else
            log_info("open files limit raised from %llu to %llu", (unsigned long long)old,
                     (unsigned long long)rl.rlim_cur);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)least)
        return lt_err_set(err, LT_EINVAL,
                          "%zu accounts with %d workers need up to %ld open files, but the "
                          "limit is %llu (hard limit %llu): raise it (ulimit -n, docker "
                          "--ulimit nofile=...) or run fewer accounts per process",
                          accounts, r->cfg.workers, least, (unsigned long long)rl.rlim_cur,
                          (unsigned long long)rl.rlim_max);
    size_t kept = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= (rlim_t)want
                      ? accounts
                      : (size_t)(rl.rlim_cur - (rlim_t)base);
    journal_fds_budget(kept, accounts);
    if (kept < accounts)
        log_info("open files limit %llu: %zu of %zu journals keep their descriptor, the "
                 "others open per line (a limit of %ld keeps them all)",
                 (unsigned long long)rl.rlim_cur, kept, accounts, want);
    return 0;
}
