/*
 * progress.h - what a running trader shows of itself: the live table on a
 * terminal and the plain progress lines elsewhere.
 *
 * Pure formatting over report rows (each account's report as of its last
 * round, see executor_snapshot): main decides when and where to print.
 * With hundreds of accounts the table stays readable: rows are sorted
 * failed first, then running (those buying, selling, waiting or filtering
 * before those waiting for their turn; then furthest from target first),
 * stopped, done, skipped, and cut at max_rows with a count of the rest by
 * status.
 * Each row shows the account's step (report_user.step: buying or selling
 * at rung k, waiting for the rate limit, recovering, ... or its status
 * once ended), the average price of its latest filled order and its cost
 * so far in bps; a cost that leaves out third-asset fees it could not
 * value (no price) is marked '*' and explained under the table.
 */
#ifndef LOOPTRADER_PROGRESS_H
#define LOOPTRADER_PROGRESS_H

#include <stddef.h>

#include "looptrader/report.h"
#include "looptrader/strbuf.h"

#define PROGRESS_BAR 20  /* characters of a progress bar */

/* Run-wide figures for the totals line. */
struct progress_totals {
    double orders_per_s;     /* over the last interval */
    long elapsed_s;
    long long weight_used;   /* request weight counted in the current minute */
    long long weight_limit;  /* of the minute's budget; 0 = unlimited/unknown */
    char fee_asset[16];      /* the third fee asset (live.h), "" none */
};

/* The table: header, up to max_rows rows (>= 1), "N more", totals. */
void progress_table(const struct report_user *users, size_t n, size_t max_rows,
                    const struct progress_totals *tot, struct strbuf *out);

/* One account's progress line (no timestamp, no newline). */
void progress_line(const struct report_user *u, struct strbuf *out);

/* [#####.....] for window/target into out (PROGRESS_BAR + 3 bytes). */
void progress_bar(money_t window, money_t target, char *out);

#endif
