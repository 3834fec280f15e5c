/*
 * progress.c - the live table and progress lines (see progress.h).
 */
#include "looptrader/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sort rank: what needs the operator's eyes first. */
static int rank(enum user_status s)
{
    switch (s) {
    case USER_FAILED: return 0;
    case USER_PENDING: return 1;
    case USER_STOPPED: return 2;
    case USER_DONE: return 3;
    case USER_SKIPPED: return 4;
    }
    return 5;
}

static money_t left_of(const struct report_user *u)
{
    return u->target > u->window_after ? u->target - u->window_after : 0;
}

/* A running account with an order or a wait in hand, rather than one
 * waiting for its turn (or its start): shown first among the running. */
static int busy(const struct report_user *u)
{
    return u->status == USER_PENDING && u->step && strcmp(u->step, "queued") != 0 &&
           strcmp(u->step, "starting") != 0;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct report_user *x = *(const struct report_user *const *)a;
    const struct report_user *y = *(const struct report_user *const *)b;
    int d = rank(x->status) - rank(y->status);
    if (d)
        return d;
    if ((d = busy(y) - busy(x)) != 0)
        return d;
    money_t lx = left_of(x), ly = left_of(y);
    if (lx != ly)
        return lx > ly ? -1 : 1;
    return strcmp(x->name, y->name);
}

void progress_bar(money_t window, money_t target, char *out)
{
    int fill = 0;
    if (target > 0 && window > 0)
        fill = window >= target ? PROGRESS_BAR
                                : (int)((double)window / (double)target * PROGRESS_BAR);
    out[0] = '[';
    for (int i = 0; i < PROGRESS_BAR; i++)
        out[1 + i] = i < fill ? '#' : '.';
    out[PROGRESS_BAR + 1] = ']';
    out[PROGRESS_BAR + 2] = '\0';
}

static const char *bps_text(const struct user_stats *s, char out[32])
{
    int64_t x = report_cost_bps_x100(s), a = x < 0 ? -x : x;
    snprintf(out, 32, "%s%lld.%02lld%s", x < 0 ? "-" : "", (long long)(a / 100),
             (long long)(a % 100), s->fees_unpriced ? "*" : "");
    return out;
}

static const char *step_text(const struct report_user *u, char out[32])
{
    const char *s = u->step ? u->step
                    : u->status == USER_PENDING ? "running" : user_status_name(u->status);
    if (u->step && u->rung >= 0)
        snprintf(out, 32, "%s r%d", s, u->rung);
    else
        snprintf(out, 32, "%s", s);
    return out;
}

static const char *price_text(money_t p, char out[MONEY_STR_MAX])
{
    return p > 0 ? money_format_min(p, out) : "-";
}

void progress_line(const struct report_user *u, struct strbuf *out)
{
    char w[MONEY_STR_MAX], t[MONEY_STR_MAX], bar[PROGRESS_BAR + 3], p[MONEY_STR_MAX];
    progress_bar(u->window_after, u->target, bar);
    char b[32], st[32];
    strbuf_addf(out, "progress %s: %s %s %s/%s rounds %u orders %u last %s cost_bps %s", u->name,
                step_text(u, st), bar, money_format(u->window_after, 2, w),
                money_format(u->target, 2, t), u->s.rounds, u->s.orders,
                price_text(u->last_fill_price, p), bps_text(&u->s, b));
}

void progress_table(const struct report_user *users, size_t n, size_t max_rows,
                    const struct progress_totals *tot, struct strbuf *out)
{
    const struct report_user **order = malloc((n ? n : 1) * sizeof(*order));
    if (!order) {
        strbuf_addstr(out, "(out of memory)\n");
        return;
    }
    size_t count[6] = { 0 };
    money_t win = 0, tgt = 0;
    unsigned orders = 0, rounds = 0;
    size_t unpriced = 0;
    for (size_t i = 0; i < n; i++) {
        unpriced += users[i].s.fees_unpriced != 0;
        order[i] = &users[i];
        count[rank(users[i].status)]++;
        win = money_add_sat(win, users[i].window_after);
        tgt = money_add_sat(tgt, users[i].target);
        orders += users[i].s.orders;
        rounds += users[i].s.rounds;
    }
    qsort(order, n, sizeof(*order), cmp_rows);
    if (max_rows < 1)
        max_rows = 1;
    size_t shown = n <= max_rows ? n : max_rows - 1; /* the last line says "N more" */
    strbuf_addf(out, "%-16s %-18s %-22s %14s %14s %6s %6s %12s %9s\n", "account", "step",
                "progress", "window", "target", "rounds", "orders", "last_fill", "cost_bps");
    for (size_t i = 0; i < shown; i++) {
        const struct report_user *u = order[i];
        char w[MONEY_STR_MAX], t[MONEY_STR_MAX], bar[PROGRESS_BAR + 3], b[32], st[32],
            p[MONEY_STR_MAX];
        progress_bar(u->window_after, u->target, bar);
        strbuf_addf(out, "%-16.16s %-18.18s %-22s %14s %14s %6u %6u %12.12s %9s\n", u->name,
                    step_text(u, st), bar, money_format(u->window_after, 2, w),
                    money_format(u->target, 2, t), u->s.rounds, u->s.orders,
                    price_text(u->last_fill_price, p), bps_text(&u->s, b));
        if (u->status == USER_FAILED && u->error[0])
            strbuf_addf(out, "    %.120s\n", u->error);
    }
    if (shown < n) {
        size_t rest[6] = { 0 };
        for (size_t i = shown; i < n; i++)
            rest[rank(order[i]->status)]++;
        strbuf_addf(out, "... %zu more:", n - shown);
        static const char *const names[] = { "failed", "running", "stopped", "done", "skipped" };
        for (int k = 0; k < 5; k++)
            if (rest[k])
                strbuf_addf(out, " %zu %s", rest[k], names[k]);
        strbuf_addch(out, '\n');
    }
    char w[MONEY_STR_MAX], t[MONEY_STR_MAX], budget[64] = "";
    if (tot && tot->weight_limit > 0)
        snprintf(budget, sizeof budget, " of %lld (%lld%%)", tot->weight_limit,
                 tot->weight_used * 100 / tot->weight_limit);
    strbuf_addf(out,
                "total %zu accounts: %zu running, %zu done, %zu skipped, %zu stopped, %zu failed; "
                "window %s of %s; %u rounds, %u orders, %.1f orders/s; weight %lld%s/min; "
                "%ld s\n",
                n, count[1], count[3], count[4], count[2], count[0], money_format(win, 2, w),
                money_format(tgt, 2, t), rounds, orders, tot ? tot->orders_per_s : 0.0,
                tot ? tot->weight_used : 0LL, budget, tot ? tot->elapsed_s : 0L);
    if (unpriced)
        strbuf_addf(out, "* %zu account(s): cost leaves out fees in %s, for want of a price to "
                         "value them in the quote\n",
                    unpriced, tot && tot->fee_asset[0] ? tot->fee_asset : "a third asset");
    free(order);
}
