/*
 * ladder.c - the slippage ladder of a buy or sell step.
 *
 * Rung prices are computed exactly in money_t and rounded so that a rung
 * never pays more slippage than configured: a buy's product and tick
 * rounding go down, a sell's go up.
 */
#include "looptrader/ladder.h"

#include <stdint.h>

static int last_rung(const struct ladder *l)
{
    return l->max_tries > 1 ? l->max_tries - 1 : 0;
}

money_t ladder_price(const struct ladder *l, const struct symbol_rules *r,
                     enum order_side side, money_t ref, int k)
{
    if (ref <= 0)
        return 0;
    if (k < 0)
        k = 0;
    if (k > last_rung(l))
        k = last_rung(l);
    /* 128-bit so that no configuration can wrap the fraction's sign. */
    __int128 frac = (__int128)l->slippage + (__int128)k * l->slippage_step;
    __int128 factor = side == SIDE_BUY ? MONEY_SCALE + frac : MONEY_SCALE - frac;
    if (factor <= 0 || factor > INT64_MAX)
        return 0;
    money_t raw = side == SIDE_BUY ? money_mul(ref, (money_t)factor)
                                   : money_mul_up(ref, (money_t)factor);
    money_t p = symbol_round_price(r, side, raw);
    return p > 0 ? p : 0;
}

int ladder_next_rung(const struct ladder *l, enum order_side side, int k)
{
    int last = last_rung(l);
    if (k < last)
        return k + 1;
    return side == SIDE_BUY ? -1 : last;
}
