/*
 * day.c - --daily's turn of the day (see day.h).
 */
#include "looptrader/day.h"

#include "looptrader/finish.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/runctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DAY_MS (24 * 3600 * 1000LL)
#define DAY_ROLL_SLACK_MS 1000 /* past midnight, so clock skew never reads the old day */

/* --daily, once every account ended its day: the day's table printed,
 * then a wait (ended by a stop) for the next UTC day by the venue's clock,
 * then every user set back to the start of phase 2.  1 when a stop ended
 * the wait (the run ends with the finished day's report). */
int day_next(struct run *r)
{
    struct report_user *rows = calloc(r->n_users ? r->n_users : 1, sizeof(*rows));
    size_t n = 0;
    for (size_t i = 0; rows && i < r->n_users; i++)
        if (run_selected(&r->cfg, &r->cfg.users[i]))
            rows[n++] = r->users[i].report;
    if (rows) {
        struct report_run rep = run_report(r, rows, n, report_exit_code(rows, n, 0), NULL);
        report_print_table(&rep, stdout);
        fflush(stdout);
    }
    free(rows);
    int64_t now = venue_now_ms(r->venue), next = (now / DAY_MS + 1) * DAY_MS;
    time_t secs = (time_t)(next / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    log_info("daily: every account has ended its day; the next window opens %04d-%02d-%02d "
             "00:00 UTC, in %lld s", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             (long long)((next - now) / 1000));
    r->between_days = 1;
    while (!run_stopping(r) && venue_now_ms(r->venue) < next + DAY_ROLL_SLACK_MS)
        run_nap_ms(r, 200);
    if (run_stopping(r)) {
        log_info("daily: stopped between days");
        return 1;
    }
    r->between_days = 0;
    runctl_view_set(r, NULL);
    executor_free(r->ex);
    r->ex = NULL;
    if (r->ws) {
        wsclient_stop(r->ws);
        wsclient_free(r->ws);
        r->ws = NULL;
    }
    for (size_t i = 0; i < r->n_users; i++) {
        if (r->users[i].mb)
            strategy_user_release(&r->users[i]);
        memset(&r->users[i], 0, sizeof r->users[i]);
    }
    run_user_rows_init(r);
    live_init(r->n_users); /* same size: resets in place */
    lock_accounts_forget(&r->accounts); /* phase 2 takes each again */
    log_info("daily: a new day: every account's target applies afresh");
    return 0;
}
