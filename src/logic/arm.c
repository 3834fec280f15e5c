/*
 * arm.c - the bounds of a pre-armed order intent (see arm.h).
 */
#include "looptrader/arm.h"

#include "looptrader/error.h"
#include "looptrader/plan.h"

#include <string.h>

int arm_buy_bounds(const struct symbol_rules *r, money_t ref_price, money_t want, money_t held,
                   money_t q_min, money_t headroom, struct arm_bounds *out)
{
    money_t q = 0;
    if (ref_price <= 0 || headroom <= 0 ||
        plan_buy_qty(r, want, ref_price, held, q_min, &q, NULL) != 0 || q <= 0)
        return LT_ERANGE;
    /* rounded down to the step, still >= q: q is on the step */
    *out = (struct arm_bounds){ .side = SIDE_BUY,
                                .max_qty = symbol_round_qty(r, money_add_sat(q, q / ARM_SLACK_DIV)),
                                .max_quote = headroom };
    return 0;
}

int arm_sell_bounds(money_t qty, struct arm_bounds *out)
{
    if (qty <= 0)
        return LT_ERANGE;
    *out = (struct arm_bounds){ .side = SIDE_SELL, .max_qty = qty, .max_quote = 0 };
    return 0;
}

int arm_fits(const struct arm_bounds *b, enum order_side side, money_t price, money_t qty)
{
    if (side != b->side || price <= 0 || qty <= 0 || qty > b->max_qty)
        return LT_ERANGE;
    if (b->max_quote > 0 && money_mul_up(price, qty) > b->max_quote)
        return LT_ERANGE;
    return 0;
}

unsigned arm_ahead_rounds(money_t goal, money_t remaining, unsigned armed)
{
    if (armed > 1 || goal <= 0)
        return 0;
    money_t need = goal;
    for (unsigned i = 0; i < armed; i++)
        need = money_add_sat(need, goal);
    unsigned k = 0;
    for (unsigned j = armed + 1; j <= ARM_AHEAD && need <= remaining; j++, k++)
        need = money_add_sat(need, goal);
    return k;
}

size_t arm_unstarted(const struct arm_pending *v, size_t n, size_t i, unsigned char *skip)
{
    if (i >= n || !v[i].ahead || v[i].side != SIDE_BUY)
        return 0;
    unsigned m = v[i].round;
    for (size_t k = 0; k < n; k++) {
        if (strcmp(v[k].run, v[i].run) != 0 || v[k].round < m)
            continue;
        /* a line of its own (sent, or durable before a send): that round
         * started */
        if (!v[k].ahead || v[k].placed)
            return 0;
        /* a round armed twice: a closed batch (its never_placed lines may
         * be lost) and the one armed after it, whose ids may have been
         * sent whatever became of round m's (strategy.c closes the ring
         * when a round's buy armed ahead goes unused) */
        if (v[k].side == SIDE_BUY)
            for (size_t l = k + 1; l < n; l++)
                if (v[l].side == SIDE_BUY && v[l].round == v[k].round &&
                    strcmp(v[l].run, v[k].run) == 0)
                    return 0;
    }
    size_t marked = 0;
    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k].run, v[i].run) == 0 && v[k].round >= m) {
            skip[k] = 1;
            marked++;
        }
    return marked;
}
