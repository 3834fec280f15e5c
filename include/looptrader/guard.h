/*
 * guard.h - what the trader believes of a venue: consistency rules on every
 * answer and push.
 *
 * A venue (or a clone of its dialect) can answer wrongly: FILLED with a
 * zero quantity, a fill at price 0, "-0", more filled than ordered, a
 * cumulative figure that goes down, an order that is not the one we sent.
 * Believing any of these made the trader buy without end.  Every order
 * state (place, cancel and query answers, executionReport pushes), every
 * trade, history row, balance and book price passes through one of the
 * checks below before the strategy uses it; the strategy calls them, not
 * the dialect, so that no dialect can bypass them.  A refused answer tells
 * nothing: the order it is about stays what it was (unknown, if it was) and
 * is settled by query.
 *
 * Pure: no I/O, no threads, no globals.  A struct guard_counts belongs to
 * the worker running the user it counts for.
 */
#ifndef LOOPTRADER_GUARD_H
#define LOOPTRADER_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/arm.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/venue.h"

enum guard_kind {
    GUARD_NEGATIVE = 0,   /* a price or amount below zero (the dialect reads "-0" so) */
    GUARD_OFF_GRID,       /* a price off the tick or a quantity off the step */
    GUARD_MISMATCH,       /* client id, side, price or quantity is not what we sent */
    GUARD_OVERFILL,       /* more executed than ordered */
    GUARD_DECREASE,       /* a cumulative figure went down */
    GUARD_FILLED_SHORT,   /* FILLED, but executed != ordered (e.g. FILLED with 0) */
    GUARD_NO_QUOTE,       /* a fill at price 0, or executed base with no quote */
    GUARD_QUOTE_RANGE,    /* quote beyond what the limit price allows */
    GUARD_FINAL_DISAGREE, /* a final status with less executed than the trades seen */
    GUARD_BAD_BOOK,       /* bid or ask not above 0 */
    GUARD_FINAL_REFUTED,  /* a final status (answer, push) that a query refutes */
    GUARD_ARM_BOUND,      /* an armed order beyond its durable bounds (arm.h) */
    GUARD_KINDS
};

const char *guard_kind_name(enum guard_kind k);

/* What we know of one of our orders when an answer about it comes in. */
struct guard_order {
    const char *client_id;   /* as sent */
    enum order_side side;
    money_t price, qty;      /* as sent; qty 0: not known (an earlier run's order) */
    money_t prev_qty;        /* largest executed qty this source reported before */
    money_t prev_quote;      /* largest cumulative quote this source reported before */
    money_t trades_qty;      /* sum of the distinct trades seen so far */
};

/* An order state answered or pushed for g.  0 when it can be believed,
 * else LT_EINVAL with *why set.  Absent fields (origQty, price or client id
 * left out by a terse answer: 0 / "") are taken as what we sent. */
int guard_check_order(const struct symbol_rules *r, const struct guard_order *g,
                      const struct order_state *st, enum guard_kind *why);

/* An order state for g whose exact price and quantity were never
 * recorded, only its armed bounds b (a crash between the send and the
 * exact line): guard_check_order with what g knows (client id, side),
 * then the bounds: the quantity ordered and executed at most b's, the
 * notional (limit x ordered, and the cumulative quote) at most b's.  0 or
 * LT_EINVAL with *why set. */
int guard_check_armed(const struct symbol_rules *r, const struct guard_order *g,
                      const struct arm_bounds *b, const struct order_state *st,
                      enum guard_kind *why);

/* One trade (a pushed execution or a myTrades row) of g, not counted yet. */
int guard_check_trade(const struct symbol_rules *r, const struct guard_order *g,
                      money_t qty, money_t price, money_t quote, money_t commission,
                      enum guard_kind *why);

/* A row of order history (any order of the account, not only ours; r may
 * be NULL when the symbol's filters are not known). */
int guard_check_history(const struct symbol_rules *r, const struct order_state *o,
                        enum guard_kind *why);

/* A best bid / ask before a price is derived from it. */
int guard_check_book(money_t bid, money_t ask, enum guard_kind *why);

/* A free or locked balance. */
int guard_check_balance(money_t free_amt, money_t locked, enum guard_kind *why);

/* Refusals of one user's run, by kind. */
struct guard_counts {
    uint32_t n[GUARD_KINDS];
};

/* Counts one refusal; 1 when it is the first of its kind (log that one). */
int guard_count(struct guard_counts *c, enum guard_kind k);

/* "3 off-grid, 1 overfill" into out; returns the total count. */
uint64_t guard_counts_format(const struct guard_counts *c, char *out, size_t size);

#endif
