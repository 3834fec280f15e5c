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
 * Rounds ahead: a worker arms the first buy and the sell of the next
 * ARM_AHEAD rounds at once (one journal write, one intent-log record and
 * one sync for all of them), with the bounds known then: the quote goal
 * and the buy cap's headroom only fall in later rounds, so they bound
 * those rounds too; a price that moved past a bound sends that order the
 * normal (synced) way.  A restart that finds such a round's first buy
 * unknown to the venue, and nothing else of that round or a later one
 * but lines armed ahead, knows that none of them started: rounds run in
 * order and a round's first buy is sent only on a durable line
 * (arm_unstarted).
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

/* Rounds armed ahead in one record.  The ring (strategy.c, arm_carry)
 * arms again when one round is left, so ARM_AHEAD - 1 rounds share a
 * record and its sync.  Measured with bench.py --only marginal,latency
 * (4 accounts saturated, 6 interleaved runs, medians; fdatasync counted
 * with strace): 2 (one round a record, as before): 0.36 fdatasync and
 * 67 us trader CPU an order; 4: 0.17 and 59 us; 8: 0.08 and 54 us, with
 * tick->order unchanged; 16 against 8 (10 interleaved pairs of 8,000
 * orders): 53.8 against 57.2 us.  16, since the syncs keep falling with
 * it, and what it costs stays bounded: a batch of 32 lines (~6 KB) in
 * one write, a ring of two batch descriptors whatever ARM_AHEAD is
 * (strategy_carried: client ids made again, not kept), rounds armed only
 * while the target leaves them, a price that moved past a bound re-arms
 * the ring (one batch), and a restart asks for one round's buy, not
 * every round armed ahead (arm_unstarted). */
#define ARM_AHEAD 16

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

/* How many rounds to arm ahead now, after the armed ones already ahead
 * (0 while more than one is: the batch comes when one is left): round
 * armed + 1 .. ARM_AHEAD ahead, each while the quote goals of the rounds
 * before it (goal each) leave it a whole goal of remaining. */
unsigned arm_ahead_rounds(money_t goal, money_t remaining, unsigned armed);

/* An order an earlier run left pending, as recovery decides whether to
 * ask the venue about it. */
struct arm_pending {
    const char *run;       /* its run's tag */
    unsigned round;
    enum order_side side;
    int ahead;             /* only an armed line, written ahead (its round armed
                            * before it started), no exact line */
    int placed;            /* the venue holds it (asked already) */
};

/* v[i], the buy armed ahead for its round m, is unknown to the venue.
 * When every order of its run of round m or later is armed ahead only (no
 * intent, exact or own armed line: one of those is durable before any
 * send of its round), none is known to the venue, and each of those
 * rounds has one buy armed ahead (a round armed again, after a ring was
 * closed, may have been sent on the second), round m never started, nor
 * did any later one: rounds run in order, and a round whose buy armed
 * ahead goes unused closes the ring, so a later round of the same batch
 * is never sent.  Then skip[k] is set for each such order (i included;
 * never placed, no query) and their count is returned.  Otherwise
 * nothing is set and 0 is returned (ask the venue). */
size_t arm_unstarted(const struct arm_pending *v, size_t n, size_t i, unsigned char *skip);

#endif
