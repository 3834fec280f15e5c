/*
 * symbol.h - a trading pair's exchange filters and the rounding they imply.
 *
 * Pure logic shared by the trader (to build valid orders) and the simulator
 * (to reject invalid ones with -1013).  Buy prices round down and sell prices
 * round up to the tick, so a rung never exceeds its slippage bound;
 * quantities round down to the step.
 */
#ifndef LOOPTRADER_SYMBOL_H
#define LOOPTRADER_SYMBOL_H

#include "looptrader/error.h"
#include "looptrader/money.h"

enum order_side { SIDE_BUY = 0, SIDE_SELL = 1 };

struct symbol_rules {
    char symbol[32];
    char base[16];
    char quote[16];
    int trading;          /* status == "TRADING" */
    int base_precision;   /* baseAssetPrecision */
    int quote_precision;  /* quoteAssetPrecision */
    money_t tick_size;    /* PRICE_FILTER */
    money_t min_price, max_price;
    money_t step_size;    /* LOT_SIZE */
    money_t min_qty, max_qty;
    money_t min_notional; /* NOTIONAL / MIN_NOTIONAL; 0 = none */
    money_t max_notional; /* NOTIONAL; 0 = none */
};

/* Rounds a limit price to the tick in the side's conservative direction
 * (buy: down, sell: up). */
money_t symbol_round_price(const struct symbol_rules *r, enum order_side side, money_t price);

/* Rounds a quantity down to the step. */
money_t symbol_round_qty(const struct symbol_rules *r, money_t qty);

/* Largest step-multiple quantity whose notional at price is <= quote. */
money_t symbol_qty_for_quote(const struct symbol_rules *r, money_t quote, money_t price);

/* Checks price and qty against every filter.  0, or LT_EINVAL with a message
 * naming the filter (e.g. "NOTIONAL: 4.2 < min 5"). */
int symbol_check_order(const struct symbol_rules *r, money_t price, money_t qty,
                       struct lt_err *err);

/* Same checks without a price filter (MARKET orders: notional at ref). */
int symbol_check_market(const struct symbol_rules *r, money_t ref_price, money_t qty,
                        struct lt_err *err);

#endif
