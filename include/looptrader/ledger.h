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
 */
#ifndef LOOPTRADER_LEDGER_H
#define LOOPTRADER_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/clientid.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/venue.h"

struct ledger_order {
    char client_id[CLIENTID_MAX];
    int64_t order_id;          /* 0 until the venue told us */
    enum order_side side;
    money_t trades_qty;        /* sum over distinct known trades */
    money_t trades_quote;      /* (pushed, or fetched when pushes were lost) */
    money_t cum_qty;           /* largest cumulative executed qty reported */
    money_t cum_quote;
    money_t fee_quote;         /* commissions of known trades, by asset */
    money_t fee_base;
    money_t fee_other;         /* in a third asset (e.g. BNB); not converted */
    int final;                 /* the venue said no further fill can happen */
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

/* Registers an order of this round before it is sent.  0 or LT_ENOMEM
 * (LT_EINVAL if the client id is already registered). */
int ledger_add_order(struct ledger *l, const char *client_id, enum order_side side);

/* Index of the order with this client id, or -1. */
int ledger_find(const struct ledger *l, const char *client_id);

/* Records one trade of a registered order.  1 if new, 0 if the trade id
 * was already counted, LT_ENOTFOUND if the order is not this round's,
 * LT_ENOMEM. */
int ledger_add_trade(struct ledger *l, const char *client_id, int64_t order_id,
                     int64_t trade_id, money_t qty, money_t quote, money_t commission,
                     const char *commission_asset);

/* Records cumulative figures reported by the venue (keeps the largest). */
int ledger_set_cum(struct ledger *l, const char *client_id, int64_t order_id,
                   money_t executed_qty, money_t cum_quote, int final);

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
 * time >= start_ms; cancelled-but-partially-filled orders count. */
money_t ledger_window_buy(const struct order_state *orders, size_t n, int64_t start_ms);

#endif
