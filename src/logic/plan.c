/*
 * plan.c - a round's sizing and the dry run's plan (see plan.h).
 */
#include "looptrader/plan.h"

#include "looptrader/target.h"

#include <stdio.h>
#include <string.h>

money_t plan_min_sellable_qty(const struct symbol_rules *r, const struct ladder *lad,
                              money_t bid)
{
    money_t q = r->min_qty;
    money_t p = ladder_price(lad, r, SIDE_SELL, bid, lad->max_tries - 1);
    if (r->min_notional > 0 && p > 0) {
        money_t n = money_div(money_mul_up(r->min_notional, MONEY_SCALE + MONEY_SCALE / 50), p);
        if (n > q)
            q = n;
    }
    return money_ceil_to(q, r->step_size);
}

int plan_buy_qty(const struct symbol_rules *r, money_t want, money_t price, money_t held,
                 money_t q_min, money_t *qty, struct lt_err *err)
{
    money_t short_qty = held < q_min ? q_min - held : 0;
    money_t q = want > 0 ? symbol_qty_for_quote(r, want, price) : 0;
    if (q < short_qty)
        q = short_qty;
    if (symbol_check_order(r, price, q, NULL) != 0) {
        if (held > 0 && short_qty == 0) {
            *qty = 0; /* the remainder is below the minimums: keep what is held */
            return 0;
        }
        money_t need = r->min_notional > 0 ? money_div(r->min_notional, price) : 0;
        if (need < q)
            need = q;
        q = money_ceil_to(need, r->step_size);
        struct lt_err fe = { 0 };
        if (symbol_check_order(r, price, q, &fe) != 0)
            return lt_err_set(err, LT_EINVAL, "cannot size a buy: %s", fe.msg);
    }
    *qty = q;
    return 0;
}

void plan_compute(const struct plan_input *in, struct plan *p)
{
    const struct symbol_rules *r = in->rules;
    const struct strategy_config *sc = in->sc;
    struct ladder lad = { sc->slippage, sc->slippage_step, sc->max_tries };
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX];

    memset(p, 0, sizeof *p);
    p->remaining = target_remaining(sc->target, in->window_total);
    if (p->remaining <= 0) {
        p->can_trade = 1;
        return;
    }
    if (in->bid <= 0 || in->ask <= 0) {
        snprintf(p->why, sizeof p->why, "no price for %s (empty book)", r->symbol);
        return;
    }
    p->buy_price = ladder_price(&lad, r, SIDE_BUY, in->ask, 0);
    p->sell_price = ladder_price(&lad, r, SIDE_SELL, in->bid, 0);
    money_t last = ladder_price(&lad, r, SIDE_BUY, in->ask, sc->max_tries - 1);
    if (p->buy_price <= 0 || last <= 0) {
        snprintf(p->why, sizeof p->why, "no valid buy price");
        return;
    }
    money_t goal = sc->buy_amount < p->remaining ? sc->buy_amount : p->remaining;
    money_t q_min = plan_min_sellable_qty(r, &lad, in->bid);
    struct lt_err e = { 0 };
    if (plan_buy_qty(r, goal, p->buy_price, 0, q_min, &p->qty, &e) != 0) {
        snprintf(p->why, sizeof p->why, "%.150s", e.msg);
        return;
    }
    p->round_quote = money_mul(p->qty, p->buy_price);
    p->need_quote = money_mul_up(p->qty, last);
    p->raised = p->round_quote > goal;
    /* with the round's quote at least min notional, rounds stay bounded */
    p->rounds = p->round_quote > 0 ? p->remaining / p->round_quote +
                                         (p->remaining % p->round_quote != 0)
                                   : 0;
    p->cost_round = p->sell_price > 0 ? money_mul(p->qty, p->buy_price - p->sell_price) : 0;
    /* cost_round is negative when the venue's book is crossed (bid above ask) */
    if (p->rounds > 0 && p->cost_round > INT64_MAX / p->rounds)
        p->cost_total = INT64_MAX;
    else if (p->rounds > 0 && p->cost_round < INT64_MIN / p->rounds)
        p->cost_total = INT64_MIN;
    else
        p->cost_total = p->cost_round * p->rounds;
    if (in->free_quote < p->need_quote) {
        snprintf(p->why, sizeof p->why, "balance too low for one round: free %s %s < %s",
                 money_format_min(in->free_quote, a), r->quote,
                 money_format_min(p->need_quote, b));
        return;
    }
    p->can_trade = 1;
}
