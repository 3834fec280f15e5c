/*
 * plan.h - what a run would do for one account, computed before it trades:
 * the order size the venue's minimums really make it, rounds, the quote one
 * round needs, and a cost estimate from the book.
 *
 * The dry run prints this, so it must be the strategy's own arithmetic:
 * plan_min_sellable_qty and plan_buy_qty are the sizing rules of a round's
 * first buy (strategy.c's buy_step calls them), kept here as pure
 * functions so both use one definition.  Pure: no I/O, no threads.
 */
#ifndef LOOPTRADER_PLAN_H
#define LOOPTRADER_PLAN_H

#include "looptrader/config.h"
#include "looptrader/error.h"
#include "looptrader/ladder.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"

/* Smallest base quantity whose sale is still a valid order at the last sell
 * rung below bid, with 2 % to spare for the price moving meanwhile: a round
 * never buys less, or its inventory could not be sold again. */
money_t plan_min_sellable_qty(const struct symbol_rules *r, const struct ladder *lad,
                              money_t bid);

/* The quantity of a buy at price for want quote, when the round holds
 * `held` base already and must hold at least q_min: the quote's quantity,
 * raised to what is short of q_min, then to the venue's minimum notional
 * and quantity.  0 with *qty set; LT_EINVAL ("cannot size a buy: ...") when
 * no quantity passes the filters.  With held > 0 and nothing short, a
 * remainder below the minimums is *qty = 0 (keep what is held). */
int plan_buy_qty(const struct symbol_rules *r, money_t want, money_t price, money_t held,
                 money_t q_min, money_t *qty, struct lt_err *err);

struct plan_input {
    const struct symbol_rules *rules;
    const struct strategy_config *sc;
    money_t window_total;       /* window buy total so far */
    money_t bid, ask;           /* live book; 0 = unknown */
    money_t free_quote;         /* the account's free quote balance */
};

struct plan {
    money_t remaining;          /* quote still to buy in the window */
    money_t buy_price;          /* rung 0 of the buy ladder */
    money_t sell_price;         /* rung 0 of the sell ladder */
    money_t qty;                /* base bought by one full round */
    money_t round_quote;        /* qty * buy_price: what a round really buys */
    money_t need_quote;         /* qty at the last buy rung: free quote one round needs */
    int64_t rounds;             /* ceil(remaining / round_quote) */
    money_t cost_round;         /* qty * (buy_price - sell_price): spread + slippage */
    money_t cost_total;         /* cost_round * rounds (fees not included) */
    int raised;                 /* the venue's minimums raised buy_amount */
    int can_trade;              /* 1 when one round can run */
    char why[160];              /* why not, when can_trade == 0 */
};

/* Fills p for one account.  Never fails: an account that cannot trade has
 * can_trade = 0 and why says what is missing. */
void plan_compute(const struct plan_input *in, struct plan *p);

#endif
