/*
 * arm.h - the bounds of a pre-armed order intent.
 *
 * Why: an order's intent must be durable before the order is sent, and a
 * sync costs 100-400 us of wall time here.  Made durable once the price is
 * known, that sync sits between the tick and the order.  A worker knows
 * its next order's client id and side before it takes the price, and can
 * bound the order: its quantity (the quantity the remaining quote buys at
 * the reference price, plus a slack; or the inventory for a sell) and,
 * for a buy, its notional (what the buy cap leaves).  That bounded intent
 * ("armed") is made durable before the price is taken; on the price, an
 * order within the bounds is sent with no sync on its path and its exact
 * price and quantity written after, durable with the next sync.  A
 * restart that finds an armed intent without its exact line asks the
 * venue and refuses an order outside the bounds (guard_check_armed).
 *
 * Pure: no I/O, no threads, no globals.
 */
#ifndef LOOPTRADER_ARM_H
#define LOOPTRADER_ARM_H

#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/venue.h"

/* The quantity bound of an armed buy is the reference quantity plus
 * 1/ARM_SLACK_DIV of it: a price that fell more than that between the
 * arming and the take sends a normal (synced) intent instead. */
#define ARM_SLACK_DIV 8

struct arm_bounds {
    enum order_side side;
    money_t max_qty;   /* > 0 */
    money_t max_quote; /* the notional's bound (price x qty, rounded up); 0: none */
};

/* A buy's bounds before its price: the quantity plan_buy_qty gives for
 * want quote at ref_price (held base, at least q_min), plus the slack, and
 * the notional headroom the buy cap leaves.  0 with *out set; LT_ERANGE
 * when there is nothing to bound (no quantity at ref_price, no headroom):
 * the order then goes the normal way. */
int arm_buy_bounds(const struct symbol_rules *r, money_t ref_price, money_t want, money_t held,
                   money_t q_min, money_t headroom, struct arm_bounds *out);

/* A sell's bounds: at most qty (the inventory the sell is for). */
int arm_sell_bounds(money_t qty, struct arm_bounds *out);

/* The order (side, price, qty) within b: 0, else LT_ERANGE. */
int arm_fits(const struct arm_bounds *b, enum order_side side, money_t price, money_t qty);

#endif
