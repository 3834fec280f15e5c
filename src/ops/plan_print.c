/*
 * plan_print.c - the dry run's plan, printed (see plan_print.h).
 */
#include "looptrader/plan_print.h"

#include "looptrader/ladder.h"
#include "looptrader/plan.h"

#include <stdio.h>

/* The dry run: the venue, then per account its balances and the plan the
 * real run would follow.  Returns the number of accounts that cannot run. */
int plan_print(struct run *r, const int *queued)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX], c[MONEY_STR_MAX], d[MONEY_STR_MAX];
    const struct venue_ops *ops = venue_ops(r->venue);
    int cannot = 0;
    printf("dry run: nothing will be placed\nvenue %s (ws %s)\n", r->cfg.exchange.rest_url,
           r->cfg.exchange.ws_url);
    for (size_t i = 0; i < r->n_users; i++) {
        const struct strategy_user *u = &r->users[i];
        const struct user_config *uc = &r->cfg.users[i];
        if (!run_selected(&r->cfg, uc))
            continue;
        if (!queued[i]) {
            int bad = u->report.status == USER_FAILED || u->report.status == USER_STOPPED;
            cannot += bad;
            printf("%-12s %-13s %s\n", uc->name,
                   bad ? "CANNOT RUN" : user_status_name(u->report.status), u->report.error);
            continue;
        }
        const struct strategy_config *sc = &uc->strategy;
        const struct symbol_rules *rules = u->rules;
        struct lt_err err = { 0 };
        struct plan_input in = { .rules = rules, .sc = sc, .window_total = u->window_total };
        money_t locked = 0, free_base = 0;
        int brc = ops->balance(r->venue, r->http, &uc->auth, rules->quote, &in.free_quote,
                               &locked, &err);
        if (brc == 0)
            brc = ops->balance(r->venue, r->http, &uc->auth, rules->base, &free_base, &locked,
                               &err);
        if (brc != 0) {
            cannot++;
            printf("%-12s %-13s %s%s\n", uc->name, "CANNOT RUN",
                   run_auth_code(&err) ? "credentials rejected: " : "balance: ", err.msg);
            continue;
        }
        lt_err_clear(&err);
        if (ops->book_ticker(r->venue, r->http, rules->symbol, &in.bid, &in.ask, &err) != 0)
            in.bid = in.ask = 0;
        struct plan p;
        plan_compute(&in, &p);
        cannot += !p.can_trade;
        printf("%-12s %-13s %s window %s target %s remaining %s\n", uc->name,
               p.can_trade ? "queued" : "CANNOT RUN", rules->symbol,
               money_format_min(u->window_total, a), money_format_min(sc->target, b),
               money_format_min(p.remaining, c));
        printf("    free %s %s, %s %s; book bid %s ask %s\n", money_format_min(in.free_quote, a),
               rules->quote, money_format_min(free_base, b), rules->base,
               money_format_min(in.bid, c), money_format_min(in.ask, d));
        if (!p.can_trade)
            printf("    cannot run: %s\n", p.why);
        if (p.qty <= 0)
            continue;
        printf("    per round: buy %s %s at %s = %s %s", money_format_min(p.qty, a), rules->base,
               money_format_min(p.buy_price, b), money_format_min(p.round_quote, c),
               rules->quote);
        if (p.raised)
            printf(" (buy_amount %s raised to the venue's minimums)",
                   money_format_min(sc->buy_amount, d));
        printf("\n    needs up to %s %s free (last rung); rounds ~%lld; tif %s\n",
               money_format_min(p.need_quote, a), rules->quote, (long long)p.rounds,
               sc->tif == TIF_IOC ? "IOC" : sc->tif == TIF_FOK ? "FOK" : "GTC");
        printf("    est. cost %s %s per round, ~%s %s in all (spread + first-rung "
               "slippage; fees not included)\n",
               money_format_min(p.cost_round, a), rules->quote,
               money_format_min(p.cost_total, b), rules->quote);
        struct ladder lad = { sc->slippage, sc->slippage_step, sc->max_tries };
        printf("    buy  ladder:");
        for (int k = 0; k < sc->max_tries && in.ask > 0; k++)
            printf(" %s", money_format_min(ladder_price(&lad, rules, SIDE_BUY, in.ask, k), a));
        printf("\n    sell ladder:");
        for (int k = 0; k < sc->max_tries && in.bid > 0; k++)
            printf(" %s", money_format_min(ladder_price(&lad, rules, SIDE_SELL, in.bid, k), a));
        printf("\n");
    }
    if (cannot)
        printf("%d account(s) cannot run\n", cannot);
    return cannot;
}
