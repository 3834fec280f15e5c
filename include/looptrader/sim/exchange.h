/*
 * exchange.h - the simulated venue's engine: markets, books, accounts.
 *
 * This is the facade the simulator's HTTP/WebSocket server calls.  It is
 * pure and single-threaded: the server calls every function from its one
 * service thread, time is always passed in (now_ms, Unix epoch ms) and all
 * randomness comes from the seed, so tests are deterministic.
 *
 * Errors: functions return 0 or a negative LT_E* code and fill struct
 * lt_err with the Binance answer: err->venue_code is the Binance code
 * (-1121, -1013, -2010, -2011, -2013, -1100, -1102, -1106), err->msg the
 * Binance message exactly as Binance words it ("Unknown order sent."), and
 * err->http_status the HTTP status to answer with (400).
 *
 * Pointers handed to callbacks, and the fills array of a place result, are
 * valid only until the next call into the exchange.  Symbols and accounts
 * are small integer indexes, stable for the exchange's life.
 */
#ifndef LOOPTRADER_SIM_EXCHANGE_H
#define LOOPTRADER_SIM_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/sim/simconf.h"

#define SIM_CLIENT_ID_MAX 36 /* Binance's newClientOrderId limit */

enum sim_order_type { SIM_LIMIT = 0, SIM_MARKET = 1, SIM_LIMIT_MAKER = 2 };
enum sim_tif { SIM_GTC = 0, SIM_IOC = 1, SIM_FOK = 2 };
enum sim_order_status {
    SIM_NEW = 0, SIM_PARTIALLY_FILLED, SIM_FILLED, SIM_CANCELED, SIM_EXPIRED, SIM_REJECTED
};
enum sim_exec_type {
    SIM_X_NEW = 0, SIM_X_TRADE, SIM_X_CANCELED, SIM_X_EXPIRED, SIM_X_REJECTED
};
enum sim_resp_type { SIM_RESP_ACK = 0, SIM_RESP_RESULT, SIM_RESP_FULL };

/* Binance's spellings ("LIMIT", "GTC", "PARTIALLY_FILLED", "TRADE", "BUY"). */
const char *sim_order_type_name(enum sim_order_type t);
const char *sim_tif_name(enum sim_tif t);
const char *sim_status_name(enum sim_order_status s);
const char *sim_exec_type_name(enum sim_exec_type x);
const char *sim_side_name(enum order_side s);
/* Parsers of the same spellings (exact, upper case): 0 or LT_EINVAL. */
int sim_order_type_parse(const char *s, enum sim_order_type *out);
int sim_tif_parse(const char *s, enum sim_tif *out);
int sim_side_parse(const char *s, enum order_side *out);
int sim_resp_type_parse(const char *s, enum sim_resp_type *out);

/* An order as Binance shows it (query, openOrders, allOrders, responses). */
struct sim_order {
    int symbol;                     /* symbol index */
    const struct symbol_rules *rules;
    int account;
    int64_t order_id;               /* increasing per symbol */
    char client_order_id[SIM_CLIENT_ID_MAX + 1];
    enum order_side side;
    enum sim_order_type type;
    enum sim_tif tif;               /* GTC for MARKET orders (Binance shows GTC) */
    enum sim_order_status status;
    money_t price;                  /* 0 for MARKET */
    money_t orig_qty;               /* for quoteOrderQty MARKET: the planned qty */
    money_t orig_quote_qty;         /* quoteOrderQty, 0 if not given */
    money_t executed_qty;
    money_t cumm_quote_qty;
    int64_t time_ms;                /* creation (transactTime of the place) */
    int64_t update_ms;
    int64_t working_ms;             /* workingTime: when it went on the book */
    int is_working;                 /* on the book (isWorking) */
};

/* One fill of the taker order, for newOrderRespType=FULL. */
struct sim_fill {
    money_t price;
    money_t qty;
    money_t commission;
    const char *commission_asset;
    int64_t trade_id;
};

struct sim_place_req {
    const char *symbol;
    enum order_side side;
    enum sim_order_type type;
    enum sim_tif tif;               /* LIMIT only; MARKET ignores it */
    money_t price;                  /* LIMIT; 0 = absent */
    money_t quantity;               /* 0 = absent */
    money_t quote_order_qty;        /* MARKET only; 0 = absent */
    const char *client_order_id;    /* NULL or "" = generated */
};

struct sim_place_result {
    struct sim_order order;         /* the order's state after matching */
    const struct sim_fill *fills;   /* owned by the exchange */
    size_t n_fills;
};

/* executionReport: the values of every field Binance sends. */
struct sim_exec_report {
    int64_t event_ms;                 /* E */
    const struct sim_order *order;    /* s S o f q p X i z Z O W w Q */
    const char *client_id;            /* c: the order's id, or the cancel's id */
    const char *orig_client_id;       /* C: "" unless canceled */
    enum sim_exec_type exec_type;     /* x */
    const char *reject_reason;        /* r: "NONE" */
    money_t last_qty;                 /* l */
    money_t last_price;               /* L */
    money_t last_quote_qty;           /* Y */
    money_t commission;               /* n */
    const char *commission_asset;     /* N: NULL when no trade */
    int64_t transact_ms;              /* T */
    int64_t trade_id;                 /* t: -1 when no trade */
    int64_t exec_id;                  /* I: increasing per exchange */
    int is_maker;                     /* m */
    /* Constant on this venue: P "0", F "0", g -1, M false, V "NONE". */
};

struct sim_balance {
    const char *asset;
    money_t free;
    money_t locked;
};

/* A public trade (/api/v3/trades, aggTrades with f = l = id, @trade). */
struct sim_trade {
    int64_t id;
    money_t price;
    money_t qty;
    money_t quote_qty;
    int64_t time_ms;
    int buyer_is_maker;
};

/* One of an account's trades (myTrades). */
struct sim_account_trade {
    int symbol;
    int64_t id;
    int64_t order_id;
    money_t price, qty, quote_qty, commission;
    const char *commission_asset;
    int64_t time_ms;
    int is_buyer;
    int is_maker;
};

struct sim_book_ticker {
    int64_t update_id;               /* the depth counter's value */
    money_t bid, bid_qty;
    money_t ask, ask_qty;
};

struct sim_level {
    money_t price;
    money_t qty;
};

struct sim_kline {
    int64_t open_ms, close_ms;       /* close = open + interval - 1 */
    money_t open, high, low, close;
    money_t volume, quote_volume;
    money_t taker_buy_volume, taker_buy_quote_volume;
    int64_t count;
    int64_t first_id, last_id;       /* trade ids; -1 when no trade */
};

/* Rolling 24 h statistics (/api/v3/ticker/24hr, @ticker, @miniTicker). */
struct sim_ticker24 {
    int64_t open_ms, close_ms;
    money_t open, high, low, last, last_qty, prev_close;
    money_t volume, quote_volume;
    money_t weighted_avg;            /* quote_volume / volume, or last */
    int64_t first_id, last_id;       /* trade ids; -1 when no trade */
    int64_t count;
    money_t bid, bid_qty, ask, ask_qty;
};

/* Filters of list queries.  sim_query_init sets every bound to "none". */
struct sim_query {
    int64_t from_id;     /* allOrders: orderId >= ; trades: fromId >= ; -1 none */
    int64_t order_id;    /* myTrades: only this order's trades; -1 none */
    int64_t start_ms;    /* -1 none */
    int64_t end_ms;      /* -1 none */
    int limit;           /* 0 = default 500; larger than 1000 -> 1000 */
};
void sim_query_init(struct sim_query *q);
/* The effective limit: 500 when 0, at most 1000. */
int sim_query_limit(const struct sim_query *q);

/* Callbacks the server registers; any may be NULL.  Called synchronously
 * from place, cancel and tick, after the state they report has changed. */
struct sim_event_sink {
    void *ctx;
    void (*execution_report)(void *ctx, int account, const struct sim_exec_report *r);
    /* outboundAccountPosition: the balances that changed (u = E = event_ms). */
    void (*account_position)(void *ctx, int account, int64_t event_ms,
                             const struct sim_balance *b, size_t n);
    void (*public_trade)(void *ctx, int symbol, const struct sim_trade *t);
    void (*book_ticker)(void *ctx, int symbol, const struct sim_book_ticker *bt);
    /* The book changed; update_id is the new lastUpdateId.  Fetch the
     * changes with sim_exchange_depth_diff when it is time to push. */
    void (*depth_changed)(void *ctx, int symbol, int64_t update_id);
};

struct sim_options {
    uint64_t seed;
    money_t partial;    /* fault: max fraction of orig qty filled per match;
                           0 or >= 1 = no cap */
};

struct sim_exchange;

/* Builds the venue from conf (which must outlive the exchange): markets at
 * their start prices, accounts with balances, history orders placed in the
 * past relative to now_ms. */
int sim_exchange_create(const struct simconf *conf, const struct sim_options *opt,
                        int64_t now_ms, struct sim_exchange **out, struct lt_err *err);
void sim_exchange_free(struct sim_exchange *ex);

void sim_exchange_set_sink(struct sim_exchange *ex, const struct sim_event_sink *sink);
void sim_exchange_set_partial(struct sim_exchange *ex, money_t partial);
const struct simconf *sim_exchange_conf(const struct sim_exchange *ex);

/* Advances every market by the steps of conf->tick_ms elapsed since the
 * last tick (at most a bounded number per call), moving prices, refreshing
 * synthetic liquidity and filling resting orders the market crossed.
 * Returns ms until the next step is due. */
int64_t sim_exchange_tick(struct sim_exchange *ex, int64_t now_ms);

/* ---- symbols ---- */
size_t sim_exchange_symbol_count(const struct sim_exchange *ex);
const struct symbol_rules *sim_exchange_symbol_rules(const struct sim_exchange *ex, int symbol);
/* Case-insensitive; -1 when unknown. */
int sim_exchange_symbol_index(const struct sim_exchange *ex, const char *symbol);

/* ---- accounts and auth ---- */
size_t sim_exchange_account_count(const struct sim_exchange *ex);
const struct simconf_account *sim_exchange_account_conf(const struct sim_exchange *ex,
                                                        int account);
/* The account's api_secret keyed once for HMAC signature checks (keyed at
 * its first call: a one-shot HMAC fetches the digest and hashes the key's
 * pads on every request), or NULL when OpenSSL refused it or the account
 * does not exist: the caller then checks one-shot.  Owned by ex. */
struct sign_hmac;
struct sign_hmac *sim_exchange_account_hmac(const struct sim_exchange *ex, int account);
/* Account whose api_key equals key, or -1.  O(1). */
int sim_exchange_account_by_key(const struct sim_exchange *ex, const char *key);
/* 1 when cookie_header (a whole Cookie: header value, may be NULL) holds
 * the account's session cookie and header_value (may be NULL) equals its
 * session token; 0 otherwise (always 0 for accounts without session auth). */
int sim_session_matches(const struct simconf_account *a, const char *cookie_header,
                        const char *header_value);
/* Session account for a request: get_header(ctx, name) returns the value of
 * request header `name` or NULL.  -1 when none matches. */
int sim_exchange_account_by_session(const struct sim_exchange *ex, const char *cookie_header,
                                    const char *(*get_header)(void *ctx, const char *name),
                                    void *ctx);
/* Maker and taker rates as fractions (0.001 = 0.1 %). */
void sim_exchange_fees(const struct sim_exchange *ex, money_t *maker, money_t *taker);

/* Calls fn for each asset the account holds or ever held (ordered by asset). */
void sim_exchange_balances(const struct sim_exchange *ex, int account,
                           void (*fn)(void *ctx, const struct sim_balance *b), void *ctx);

/* ---- orders (signed endpoints) ---- */
int sim_exchange_place(struct sim_exchange *ex, int account, const struct sim_place_req *req,
                       int64_t now_ms, struct sim_place_result *out, struct lt_err *err);

/* Cancels an open order found by order_id (> 0) or else orig_client_id.
 * cancel_client_id (NULL = generated) becomes the executionReport's c.
 * -2011 "Unknown order sent." when no such open order. */
int sim_exchange_cancel(struct sim_exchange *ex, int account, const char *symbol,
                        int64_t order_id, const char *orig_client_id,
                        const char *cancel_client_id, int64_t now_ms,
                        struct sim_order *out, struct lt_err *err);

/* Cancels every open order of the account on symbol, calling fn for each
 * canceled order; -2011 when there was none. */
int sim_exchange_cancel_all(struct sim_exchange *ex, int account, const char *symbol,
                            int64_t now_ms,
                            void (*fn)(void *ctx, const struct sim_order *o), void *ctx,
                            struct lt_err *err);

/* By order_id (> 0) or else orig_client_id (the latest order with that id);
 * -2013 "Order does not exist.". */
int sim_exchange_query(const struct sim_exchange *ex, int account, const char *symbol,
                       int64_t order_id, const char *orig_client_id,
                       struct sim_order *out, struct lt_err *err);

/* Open orders of one symbol, or of all when symbol is NULL. */
int sim_exchange_open_orders(const struct sim_exchange *ex, int account, const char *symbol,
                             void (*fn)(void *ctx, const struct sim_order *o), void *ctx,
                             struct lt_err *err);

/* allOrders, ascending by orderId, as Binance selects them: from_id set ->
 * the first `limit` orders with id >= from_id; else start_ms set -> the
 * first `limit` with time >= start (and <= end); else the last `limit`
 * (with time <= end_ms when set). */
int sim_exchange_all_orders(const struct sim_exchange *ex, int account, const char *symbol,
                            const struct sim_query *q,
                            void (*fn)(void *ctx, const struct sim_order *o), void *ctx,
                            struct lt_err *err);

/* myTrades, ascending by id, same selection rules (from_id = fromId). */
int sim_exchange_my_trades(const struct sim_exchange *ex, int account, const char *symbol,
                           const struct sim_query *q,
                           void (*fn)(void *ctx, const struct sim_account_trade *t),
                           void *ctx, struct lt_err *err);

/* ---- market data (public endpoints and streams) ---- */
int sim_exchange_book_ticker(const struct sim_exchange *ex, int symbol,
                             struct sim_book_ticker *out);

/* Up to limit levels per side, best first, and the lastUpdateId. */
int sim_exchange_depth(const struct sim_exchange *ex, int symbol, size_t limit,
                       struct sim_level *bids, size_t *n_bids,
                       struct sim_level *asks, size_t *n_asks, int64_t *last_update_id);

/* Levels changed after update id since_id (qty 0 = level removed), each
 * once with its current quantity: bids descending, then asks ascending.
 * *first_id = since_id + 1, *last_id = current id (first > last: nothing
 * changed).  LT_ERANGE when since_id is older than the kept journal (the
 * client must resync from a snapshot). */
int sim_exchange_depth_diff(const struct sim_exchange *ex, int symbol, int64_t since_id,
                            int64_t *first_id, int64_t *last_id,
                            void (*fn)(void *ctx, enum order_side side, money_t price,
                                       money_t qty),
                            void *ctx, struct lt_err *err);

/* Public trades, ascending by id: from_id / start_ms / end_ms / limit as in
 * struct sim_query (no bound -> the most recent `limit`). */
int sim_exchange_trades(const struct sim_exchange *ex, int symbol, const struct sim_query *q,
                        void (*fn)(void *ctx, const struct sim_trade *t), void *ctx);

/* Interval spelling ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h",
 * "6h", "8h", "12h", "1d") to ms; -1 when unsupported. */
int64_t sim_kline_interval_ms(const char *interval);

/* Klines ascending; start/end/limit as in struct sim_query (limit default
 * 500, max 1000).  LT_EINVAL for an unsupported interval. */
int sim_exchange_klines(const struct sim_exchange *ex, int symbol, int64_t interval_ms,
                        const struct sim_query *q, int64_t now_ms,
                        void (*fn)(void *ctx, const struct sim_kline *k), void *ctx,
                        struct lt_err *err);

int sim_exchange_ticker24(const struct sim_exchange *ex, int symbol, int64_t now_ms,
                          struct sim_ticker24 *out);

#endif
