/*
 * book.h - one symbol's order book in the simulator: synthetic liquidity
 * around the market's mid price plus resting user limit orders.
 *
 * Pure and allocation-light: the exchange owns the orders (struct
 * book_order is embedded in its order record); the book only links them
 * into price levels.  Matching is price-time priority; at one price the
 * synthetic liquidity (the market makers, always there first) goes before
 * user orders, which go in arrival order.  Every change bumps the depth
 * update id once per operation and is journaled, so diffs since any recent
 * id can be produced for @depth streams.
 */
#ifndef LOOPTRADER_SIM_BOOK_H
#define LOOPTRADER_SIM_BOOK_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/sim/exchange.h"

struct book_level;

struct book_order {
    struct book_order *prev, *next;   /* FIFO within the level */
    struct book_level *level;         /* NULL when not on the book */
    enum order_side side;
    money_t price;
    money_t remaining;
    money_t match_cap;                /* most filled per match event */
    void *owner;
};

struct book_params {
    money_t tick;
    money_t step;
    int spread_ticks;                 /* best ask - best bid */
    int gap_ticks;                    /* between synthetic levels */
    int levels;                       /* synthetic levels per side */
    money_t level_qty;
};

struct book_fill {
    money_t price;
    money_t qty;
    struct book_order *maker;         /* NULL: synthetic liquidity */
};

/* A growable fill list the caller owns and reuses. */
struct book_fills {
    struct book_fill *v;
    size_t n, cap;
};

struct book_jentry {
    int64_t id;
    money_t price;
    int side;
};

struct book {
    struct book_params p;
    struct sim_level *syn[2];          /* [side] best first, p.levels each */
    struct book_level **lv[2];        /* [side] user levels, WORST first */
    size_t n_lv[2], cap_lv[2];
    struct book_level *free_levels;   /* recycled level structs */
    int64_t update_id;
    struct book_jentry *journal;      /* ring */
    size_t j_cap, j_head, j_len;
    int64_t j_evicted;                /* highest id dropped from the ring */
};

int book_init(struct book *b, const struct book_params *p, money_t mid, struct lt_err *err);
void book_free(struct book *b);

/* Re-centres the synthetic levels on mid (a tick multiple) at full depth. */
void book_set_mid(struct book *b, money_t mid);

/* Puts o (side, price, remaining, match_cap set) at the back of its level. */
int book_add(struct book *b, struct book_order *o);
/* Takes o off the book (no-op when it is not on it). */
void book_remove(struct book *b, struct book_order *o);

/* Plans, without changing anything, what a taker on `side` would get from
 * the opposite side: up to max_qty base and (when max_quote > 0) at most
 * max_quote of quote, at prices no worse than limit (0 = any).  Quantities
 * are step multiples.  Appends to *out; returns the planned base qty, or
 * -1 when out of memory. */
money_t book_plan(const struct book *b, enum order_side side, money_t limit, money_t max_qty,
                  money_t max_quote, struct book_fills *out);

/* Applies fills produced by book_plan (no other change in between):
 * synthetic levels shrink, maker orders' remaining shrinks and filled
 * makers leave the book. */
void book_consume(struct book *b, enum order_side taker_side, const struct book_fill *f,
                  size_t n);

/* After a mid move: resting user orders the synthetic market now crosses
 * fill (as makers, at their own price) against the synthetic liquidity,
 * each at most its match_cap.  Appends fills (maker set) to *out. */
int book_cross(struct book *b, struct book_fills *out);

/* Best price and aggregate qty on side; 0 when the side is empty. */
int book_best(const struct book *b, enum order_side side, money_t *price, money_t *qty);

/* Aggregate qty resting at price on side. */
money_t book_qty_at(const struct book *b, enum order_side side, money_t price);

/* Up to limit aggregated levels, best first; returns how many. */
size_t book_depth(const struct book *b, enum order_side side, size_t limit,
                  struct sim_level *out);

/* Levels changed after since_id: fn once per level with its current qty,
 * bids descending then asks ascending.  LT_ERANGE when the journal no
 * longer reaches back to since_id; LT_ENOMEM. */
int book_diff(const struct book *b, int64_t since_id,
              void (*fn)(void *ctx, enum order_side side, money_t price, money_t qty),
              void *ctx);

int book_fills_push(struct book_fills *f, money_t price, money_t qty, struct book_order *maker);
void book_fills_free(struct book_fills *f);

#endif
