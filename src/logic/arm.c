/*
 * arm.c - the bounds of a pre-armed order intent (see arm.h).
 */
#include "looptrader/arm.h"

#include "looptrader/error.h"
#include "looptrader/plan.h"

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
