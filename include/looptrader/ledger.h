/*
 * ledger.h - the fills of one round, counted exactly once.
 *
 * Fills reach a worker two ways: pushed trade events (executionReport, one
 * per trade, which can be lost or arrive after the order is final) and the
 * cumulative executed figures in place/query/cancel responses.  The ledger
 * sums pushed trades per order, deduplicated by trade id, and keeps the
 * largest cumulative figures the venue reported; an order's fill is the
 * larger of the two, so a lost push and a late push of a cancelled order
 * are both counted once.  Pure: no I/O, no threads.  A ledger belongs to
 * the worker running the round.
 *
 * An order is final only when two sources agree: a query says so, or a
 * FILLED answer or push is matched by distinct trades that add up to the
 * quantity we sent.  Any other final status (a CANCELED answer or push, an
 * IOC's EXPIRED, a FILLED whose trades are missing) is only claimed, and
 * the strategy settles it by query: a lying cancel must not free the
 * account's one live order.  Figures passed in have been through the guard
 * (guard.h); the ledger keeps each source's largest figures apart so that
 * the guard can tell a cumulative figure going down from an older snapshot
 * of another source.
 */
#ifndef LOOPTRADER_LEDGER_H
#define LOOPTRADER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/clientid.h"
#include "looptrader/error.h"
#include "looptrader/guard.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/venue.h"

/* Where a cumulative figure came from. */
enum ledger_source {
    LEDGER_ANSWER = 0,         /* the place or cancel answer */
    LEDGER_QUERY,              /* an order query */
    LEDGER_PUSH                /* an executionReport */
};

struct ledger_order {
    char client_id[CLIENTID_MAX];
    int64_t order_id;          /* 0 until the venue told us */
    enum order_side side;
    money_t price, qty;        /* as sent; 0 when not known (an earlier run's) */
    money_t trades_qty;        /* sum over distinct known trades */
    money_t trades_quote;      /* (pushed, or fetched when pushes were lost) */
    money_t cum_qty;           /* largest cumulative executed qty reported */
    money_t cum_quote;
    money_t fee_quote;         /* commissions of known trades, by asset */
    money_t fee_base;
    money_t fee_other;         /* in a third asset (e.g. BNB); not converted */
    money_t rest_qty, rest_quote;  /* largest figures answered (answers, queries) */
    money_t push_qty, push_quote;  /* largest figures pushed */
    enum order_status claimed; /* newest final status not yet confirmed, else
                                * ORDER_STATUS_UNKNOWN */
    int final;                 /* confirmed: no further fill can happen */
    int not_placed;            /* the venue refused it or never got it: it
                                * commits only the fills known of it */
    int rung;                  /* the ladder rung it was priced at (0 = the
                                * touch), set by its sender; -1 unknown */
};

struct ledger_totals {
    money_t qty, quote;        /* filled base and quote */
    money_t fee_quote, fee_base, fee_other;
    size_t orders;
};

struct ledger {
    char base[16], quote[16];  /* asset names, to classify commissions */
    struct ledger_order *orders;
    size_t n_orders, cap_orders;
    int64_t *trade_ids;        /* every trade id seen this round */
    size_t n_trades, cap_trades;
};

void ledger_init(struct ledger *l, const char *base_asset, const char *quote_asset);
void ledger_release(struct ledger *l);
/* Forgets every order and trade, keeps the allocations (new round). */
void ledger_reset(struct ledger *l);

/* Registers an order of this round before it is sent, with the price and
 * quantity we send (0, 0 for an earlier run's order found open).  0 or
 * LT_ENOMEM (LT_EINVAL if the client id is already registered). */
int ledger_add_order(struct ledger *l, const char *client_id, enum order_side side,
                     money_t price, money_t qty);

/* Index of the order with this client id, or -1. */
int ledger_find(const struct ledger *l, const char *client_id);

/* 1 when this trade id was counted this round. */
int ledger_trade_seen(const struct ledger *l, int64_t trade_id);

/* Records one trade of a registered order.  1 if new, 0 if the trade id
 * was already counted, LT_ENOTFOUND if the order is not this round's,
 * LT_ENOMEM. */
int ledger_add_trade(struct ledger *l, const char *client_id, int64_t order_id,
                     int64_t trade_id, money_t qty, money_t quote, money_t commission,
                     const char *commission_asset);

/* Records cumulative figures reported by the venue (keeps the largest) and
 * its status: final (a query's final status, or a corroborated FILLED) or
 * claimed (see above). */
int ledger_set_cum(struct ledger *l, const char *client_id, int64_t order_id,
                   money_t executed_qty, money_t cum_quote, enum order_status status,
                   enum ledger_source src);

/* What the guard needs to judge an answer about o from src. */
void ledger_guard_order(const struct ledger_order *o, enum ledger_source src,
                        struct guard_order *out);

/* Marks an order the venue does not hold: it answered it with a refusal,
 * queries did not find it, or it was never sent.  0 or LT_ENOTFOUND. */
int ledger_set_not_placed(struct ledger *l, const char *client_id);

/* Buy quote the round's orders commit at our own prices: price x quantity
 * sent while an order may still fill, price x its fill once final or not
 * placed (a lost order and the one sent in its place are one commitment,
 * not two; a venue that denied an order and fills it all the same is
 * still counted by the fills it reports). */
money_t ledger_committed_quote(const struct ledger *l);

/* Base the round's buys may still buy beyond their known fills: the
 * unfilled quantity of each buy neither final nor not placed (the worst
 * case of what orders left live can add to the balance). */
money_t ledger_buy_open_qty(const struct ledger *l);

/* An order's filled base / quote: the larger of the trades sum and cumulative. */
money_t ledger_order_qty(const struct ledger_order *o);
money_t ledger_order_quote(const struct ledger_order *o);

/* 1 when the venue reported more fill than the known trades explain, so
 * that the missing trades (and their fees) should be fetched. */
int ledger_order_missing_trades(const struct ledger_order *o);

/* Sums over the round's orders of one side. */
void ledger_side_totals(const struct ledger *l, enum order_side side,
                        struct ledger_totals *out);

/* The window buy total from order history: filled BUY quote of orders with
 * time >= start_ms; cancelled-but-partially-filled orders count.  Rows
 * the guard refuses (a negative price or quote, more executed than
 * ordered, FILLED with nothing executed, a quote its limit does not allow,
 * off the grid of r when r is not NULL) are not summed, and since a total
 * without them could only be too low, and buying on a total too low is
 * buying past the target, any refused row in the window makes it
 * unknown: LT_EPARSE, err says how many of which kind (*out holds the sum
 * of the rows believed).  Else 0. */
int ledger_window_buy(const struct order_state *orders, size_t n, int64_t start_ms,
                      const struct symbol_rules *r, money_t *out, struct lt_err *err);

#endif
