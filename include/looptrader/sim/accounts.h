/*
 * accounts.h - a simulated account's state: balances per asset, its orders
 * and trades per symbol, the open-order list and the client order id index.
 *
 * Storage only (the exchange decides what happens to balances and orders);
 * built so that place, cancel and lookups never scan history: orders and
 * trades are appended in increasing id (and time) order and found by
 * binary search, client ids through a hash table, open orders through an
 * intrusive list.  The account owns its order records.
 */
#ifndef LOOPTRADER_SIM_ACCOUNTS_H
#define LOOPTRADER_SIM_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/money.h"
#include "looptrader/sim/book.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/simconf.h"

struct sim_order_rec {
    struct sim_order v;
    struct book_order bo;                    /* bo.owner == this */
    struct sim_order_rec *open_prev, *open_next;
    money_t locked;                          /* still locked: quote (buy) or base (sell) */
    size_t first_trade;                      /* account trade index when placed */
};

struct account_symbol {
    struct sim_order_rec **orders;           /* ascending order id */
    size_t n_orders, cap_orders;
    struct sim_account_trade *trades;        /* ascending trade id */
    size_t n_trades, cap_trades;
};

struct account {
    const struct simconf_account *conf;
    money_t *free, *locked;                  /* [n_assets] */
    unsigned char *held;                     /* asset ever held: shown in /account */
    struct account_symbol *sym;              /* [n_symbols] */
    size_t n_symbols;
    struct sim_order_rec **cids;             /* open addressing: latest order per (symbol, cid) */
    size_t cid_cap, cid_len;
    struct sim_order_rec *open_head;
    size_t n_open;
    int touched;                             /* balances changed in this operation */
};

int account_init(struct account *a, const struct simconf_account *conf, size_t n_assets,
                 size_t n_symbols);
void account_free(struct account *a);

/* A new zeroed order record appended to symbol's orders (ids must grow). */
struct sim_order_rec *account_order_new(struct account *a, int symbol, int64_t order_id);
struct sim_order_rec *account_order_by_id(const struct account *a, int symbol, int64_t id);
/* Index of the first order with id >= id / time >= t / time > t. */
size_t account_order_lower_id(const struct account_symbol *s, int64_t id);
size_t account_order_lower_time(const struct account_symbol *s, int64_t t);
size_t account_order_upper_time(const struct account_symbol *s, int64_t t);

/* The latest order with client id cid on symbol, or NULL. */
struct sim_order_rec *account_cid_get(const struct account *a, int symbol, const char *cid);
/* Makes r the latest order for its (symbol, client id). */
int account_cid_put(struct account *a, struct sim_order_rec *r);

void account_open_add(struct account *a, struct sim_order_rec *r);
void account_open_remove(struct account *a, struct sim_order_rec *r);

/* Appends a trade; returns 0 or LT_ENOMEM. */
int account_trade_push(struct account *a, const struct sim_account_trade *t);
size_t account_trade_lower_id(const struct account_symbol *s, int64_t id);
size_t account_trade_lower_time(const struct account_symbol *s, int64_t t);
size_t account_trade_upper_time(const struct account_symbol *s, int64_t t);

#endif
