/*
 * strategy_internal.h - what strategy.c shares with the round variants
 * beside it (oto.c): a round's working state and the steps every order of
 * a round goes through (journal, send, settle, follow, cancel).  Not for
 * anything outside src/run/: the rest of the program sees strategy.h.
 */
#ifndef LOOPTRADER_STRATEGY_INTERNAL_H
#define LOOPTRADER_STRATEGY_INTERNAL_H

#include "looptrader/arm.h"
#include "looptrader/ladder.h"
#include "looptrader/strategy.h"

/* Outcomes of order_run besides 0 (final) and fatal errors. */
#define ORDER_REJECTED_RC LT_EEXCHANGE
#define ORDER_NOT_PLACED_RC LT_ENOTFOUND

#define RATELIMIT_TRIES 6

/* One round's working state, on the worker's stack. */
struct rctx {
    const struct strategy_env *env;
    struct strategy_user *u;
    struct http *h;
    const struct symbol_rules *r;
    const struct venue_ops *ops;
    const struct venue_auth *auth;
    unsigned seq;              /* order number within the round */
    int64_t stop_ms;           /* when a stop was first seen (0: not yet) */
    int64_t flatten_deadline;  /* stop_ms + the stop's bound */
    int topup;                 /* buying up to a sellable quantity despite a stop */
    int blind;                 /* pushes were down or lost during the round */
    int refused_row;           /* answers refused since the last believed one */
    int live_unknown;          /* an order may still be live: send nothing more */
    enum guard_kind last_refused;
    int64_t no_price_since;    /* when prices became unusable (0: they are) */
    int64_t no_price_logged;
    money_t ref_bid, ref_ask;  /* the last book taken (0: none yet): arms the next buy */
    struct strategy_armed arm;      /* the next order's armed intent */
    struct strategy_armed arm_sell; /* the round's sell, armed with its first buy */
    struct lt_err err;         /* the error that ends the user, if any */
};

/* strategy.c's steps, under the module's prefix (strategy.c keeps its
 * short static names; these call them): */
/* The round's next client id, of side code code: 0 or fatal (c->err). */
int strategy_next_cid(struct rctx *c, char code, char cid[CLIENTID_MAX]);
/* The user's stop (global or its own) is set. */
int strategy_stopping(struct rctx *c);
/* Sleeps ms, ending early at a stop. */
void strategy_nap(struct rctx *c, int64_t ms);
/* The answer said the order does not exist (-2013). */
int strategy_not_found(int rc, const struct lt_err *e);
/* The newest book through the guard. */
int strategy_book(struct rctx *c, money_t *bid, money_t *ask);
/* The ledger's order cid (registered with ledger_add_order), or NULL. */
const struct ledger_order *strategy_lorder(struct rctx *c, const char *cid);
/* Records st about cid if the guard believes it (0), else LT_EINVAL. */
int strategy_believe(struct rctx *c, const char *cid, const struct order_state *st,
                     enum ledger_source src);
/* Queries cid and believes the answer: 0 when the venue answered. */
int strategy_query(struct rctx *c, const char *cid, struct order_state *st, struct lt_err *e);
/* The intent in the coordinator's journal (nothing without one). */
int strategy_fence_intent(struct rctx *c, char code, const char *cid, money_t price,
                          money_t qty);
/* The order gate of c's account (venue.h): with a coordinator, whether the
 * lease is trusted at the moment of signing; pass it only then. */
struct order_gate strategy_gate(struct rctx *c);
/* Queries an order whose place outcome is unknown until it shows up (0),
 * or ORDER_NOT_PLACED_RC once it has clearly never arrived. */
int strategy_settle_unknown(struct rctx *c, const char *cid);
/* The venue's Retry-After, else a backoff. */
int64_t strategy_retry_after_ms(const struct lt_err *e, int tries);
/* The venue does not hold cid: out of the cap's commitment but for its
 * known fills; sent (the venue refused it, or queries did not find it),
 * its unfilled buy quote is added to the run's denied quote (strategy.h);
 * else it was never sent. */
void strategy_not_placed(struct rctx *c, const char *cid, int sent);
/* The venue received the order (answered it, or refused it itself). */
int strategy_reached_venue(int rc, const struct lt_err *e);
/* Follows the sent order cid until final (cancelling it once its fill
 * timeout ends), completes its trades, journals it final: 0 or fatal. */
int strategy_order_finish(struct rctx *c, const char *cid, enum order_side side,
                          enum time_in_force tif, money_t price, money_t qty);
struct ladder strategy_ladder(const struct strategy_user *u);
/* The buy cap (strategy.h): LT_ERANGE when this buy would pass it. */
int strategy_check_buy_cap(struct rctx *c, money_t price, money_t qty);
void strategy_set_buy_cap(struct rctx *c, const struct ladder *lad, money_t ask, money_t q_min);
/* The ladder's buy of quote_goal quote, less what the round bought. */
int strategy_buy_step(struct rctx *c, money_t quote_goal);

/* oto.c: the round's buy as one OTO request when the user asks for it
 * (strategy.oto), else buy_step; see oto.c. */
int oto_buy_step(struct rctx *c, money_t quote_goal);

#endif
