/*
 * report.h - what a run did, per user: the JSON report and the summary table.
 *
 * The figures are filled by the strategy (one writer per user, see
 * strategy.h) and read by main after every worker has been joined, so this
 * module needs no locks.  Amounts are written as exact decimals; only the
 * derived cost in basis points is a ratio.
 */
#ifndef LOOPTRADER_REPORT_H
#define LOOPTRADER_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "looptrader/error.h"
#include "looptrader/money.h"

enum user_status {
    USER_PENDING = 0,  /* queued, not finished (only seen if the run is cut short) */
    USER_DONE,         /* reached its target */
    USER_SKIPPED,      /* at or above target before the run, or disabled */
    USER_STOPPED,      /* stopped by a global or per-user stop, or max_cost */
    USER_FAILED        /* an error ended it; see error */
};

const char *user_status_name(enum user_status s);

/* This run's activity for one user. */
struct user_stats {
    money_t bought_base, bought_quote;
    money_t sold_base, sold_quote;
    money_t fees_quote;      /* commissions paid in the quote asset */
    money_t fees_base;       /* commissions paid in the base asset */
    money_t fees_other;      /* commissions paid in a third asset (BNB) */
    money_t fees_other_quote; /* fees_other valued in the quote (live.h's
                              * live_value_fees); 0 while unpriced */
    int fees_unpriced;       /* fees_other > 0 and no price to value it: the
                              * cost figures leave it out (and say so) */
    money_t residual_base;   /* bought this run and not sold (dust, stop timeout) */
    money_t recovered_base;  /* an earlier run's leftover sold at start-up */
    unsigned rounds;         /* completed rounds */
    unsigned orders;         /* orders sent */
};

struct report_user {
    const char *name;        /* borrowed from the config */
    enum user_status status;
    char error[256];         /* why it failed or stopped; never a secret */
    money_t target;          /* quote volume */
    int target_points;       /* 0 when the target was given in quote */
    int multiplier;          /* volume multiplier for points */
    money_t window_before;   /* window buy total from order history at start-up,
                              * before an earlier run's open orders were settled */
    money_t window_after;    /* history's total once an earlier run is settled
                              * (its orders' late fills included) plus this
                              * run's buys */
    struct user_stats s;
    /* What it is doing now (live.h; filled for status, the table and the
     * metrics, and from the status in the final report). */
    const char *step;        /* static text; NULL: the status's name */
    int rung;                /* the ladder rung of its order, -1 none */
    money_t last_fill_price; /* average price of its latest filled order, 0 none */
};

struct report_run {
    const char *run_id;
    const char *symbol;
    int64_t started_ms, finished_ms;
    int exit_code;
    int stopped;             /* a global stop happened */
    const char *error;       /* why the run could not start; NULL when it ran */
    int quote_decimals;      /* the table's precision for quote amounts */
    int base_decimals;       /* and for base amounts (0..8) */
    const char *fee_asset;   /* the third fee asset (BNB); NULL or "" none */
    const struct report_user *users;
    size_t n_users;
};

/* fees + buy quote - sell quote (fees in base valued at nothing: they are
 * already missing from the sold quantity, so from sell quote; fees in a
 * third asset at fees_other_quote, nothing while unpriced). */
money_t report_cost(const struct user_stats *s);

/* Average cost per bought volume in hundredths of a basis point:
 * cost / bought_quote * 1e4 * 100.  0 when nothing was bought. */
int64_t report_cost_bps_x100(const struct user_stats *s);

/* The exit code a run with these users earns: 0 every user done or
 * skipped, 3 when a stop cut it short (and nobody failed), else 1. */
int report_exit_code(const struct report_user *users, size_t n, int stopped);

/* Writes the JSON report to path (via a temporary file and rename). */
int report_write_json(const struct report_run *run, const char *path, struct lt_err *err);

/* The JSON text itself (caller frees). */
char *report_json(const struct report_run *run);

/* v rounded (half away from zero) to `decimals` (0..8) and formatted with
 * exactly that many digits: the table's amounts. */
char *report_format_amount(money_t v, int decimals, char out[MONEY_STR_MAX]);

/* The human summary table: amounts rounded to the symbol's precision. */
void report_print_table(const struct report_run *run, FILE *out);

/* `looptrader report FILE`: an earlier run's JSON report read back and
 * printed as its table (at the precision the report names, 8 decimals for
 * older reports; amounts read through double, exact to the table's digits).
 * LT_EPARSE when it is not a report. */
int report_print_file(const char *path, FILE *out, struct lt_err *err);

#endif
