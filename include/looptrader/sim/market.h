/*
 * market.h - one simulated symbol's market: a seeded random walk that moves
 * the book's synthetic liquidity, the public trade tape, klines and 24 h
 * statistics.
 *
 * The walk uses doubles internally, but every price it produces is a
 * money_t on the tick.  Klines are kept at 1 s (last hour) and 1 m (last
 * week) granularity; coarser intervals are summed from the 1 m buckets and
 * intervals without trades are flat at the previous close, as Binance
 * shows them.
 */
#ifndef LOOPTRADER_SIM_MARKET_H
#define LOOPTRADER_SIM_MARKET_H

#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/sim/book.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/simconf.h"

struct market {
    const struct simconf_symbol *conf;
    struct book book;
    uint64_t rng;
    double log_px, log_start;
    money_t mid;
    int64_t start_ms;                  /* klines exist from here */
    int64_t next_trade_id;
    money_t last_price, last_qty;
    struct sim_trade *tape;            /* ring of recent public trades */
    size_t tape_cap, tape_head, tape_len;
    struct sim_kline *k1s, *k1m;       /* rings indexed by open time */
    size_t k1s_cap, k1m_cap;
};

int market_init(struct market *m, const struct simconf_symbol *c, uint64_t seed, int64_t now_ms,
                struct lt_err *err);
void market_free(struct market *m);

/* One step of the walk: moves mid and re-centres the book's liquidity. */
void market_walk(struct market *m);

/* Others trading: with the configured chance, a small trade at the best
 * bid or ask is put on the tape.  1 and *out filled when one happened. */
int market_random_trade(struct market *m, int64_t now_ms, struct sim_trade *out);

/* Puts a trade on the tape (next id), updating klines and last price. */
void market_record(struct market *m, money_t price, money_t qty, int buyer_is_maker,
                   int64_t now_ms, struct sim_trade *out);

/* A trade id for a trade that is not on the tape (history before start). */
int64_t market_take_trade_id(struct market *m);

void market_trades(const struct market *m, const struct sim_query *q,
                   void (*fn)(void *ctx, const struct sim_trade *t), void *ctx);

int market_klines(const struct market *m, int64_t interval_ms, const struct sim_query *q,
                  int64_t now_ms, void (*fn)(void *ctx, const struct sim_kline *k), void *ctx);

void market_ticker24(const struct market *m, int64_t now_ms, struct sim_ticker24 *out);

#endif
