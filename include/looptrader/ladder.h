/*
 * ladder.h - the slippage ladder of a buy or sell step.
 *
 * Rung k of a step is priced ref * (1 + (slippage + k * slippage_step)) for a
 * buy (ref = best ask) and ref * (1 - (...)) for a sell (ref = best bid),
 * rounded to the tick conservatively.  Fractions are money_t (0.002 is
 * 200000).  Pure: no I/O, no threads.
 */
#ifndef LOOPTRADER_LADDER_H
#define LOOPTRADER_LADDER_H

#include "looptrader/money.h"
#include "looptrader/symbol.h"

struct ladder {
    money_t slippage;      /* fraction at rung 0 */
    money_t slippage_step; /* fraction added per rung */
    int max_tries;         /* rungs 0..max_tries-1 */
};

/* Price of rung k (k is clamped to the last rung), or 0 if the result is
 * not a positive price. */
money_t ladder_price(const struct ladder *l, const struct symbol_rules *r,
                     enum order_side side, money_t ref, int k);

/* The rung to use after try k failed to complete: k+1, and for a sell the
 * last rung again once reached (inventory is never abandoned).  Returns -1
 * when a buy has used its last rung. */
int ladder_next_rung(const struct ladder *l, enum order_side side, int k);

#endif
