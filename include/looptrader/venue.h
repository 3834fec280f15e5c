/*
 * venue.h - the exchange dialect interface.
 *
 * Strategy, executor and recovery code talk to an exchange only through
 * these calls; they never build a URL or parse a venue's JSON.  A dialect
 * (venue_binance.c today) fills a struct venue_ops.  All calls are blocking,
 * run on the caller's thread with the caller's struct http, and are safe to
 * call from many threads at once on one struct venue (it is immutable after
 * venue_new, apart from the atomically updated clock offset and the rate
 * limiters, each behind its own lock).  Every call is paced by the venue's
 * limits before it is sent (request weight per IP, shared by all accounts;
 * new orders per account), sleeping when it does not fit (a wait is cut
 * short by the run's stop, see venue_set_stop); calls other than
 * place_order are retried a few times on an unknown outcome; a -1021
 * (clock) answer re-measures the server time offset (or adopts one another
 * thread measured meanwhile) and sends again, a bounded number of times.
 * A wait for a limit longer than 1 s is logged.
 *
 * Order calls return:
 *   0            the venue accepted / answered; *out holds the order state
 *   LT_EEXCHANGE the venue rejected it (err->venue_code holds e.g. -2010)
 *   LT_EUNKNOWN  no reliable answer (timeout, 5xx, -1007, dropped connection):
 *                the order may exist; settle it with venue_query_order.
 *   LT_ERATELIMIT 429/418, or a limit that would need a wait of over a
 *                minute (nothing sent); err->msg says "retry after N s"
 *   LT_ESTOPPED  (any call) the run's stop is set and a limit would need
 *                a wait: nothing sent
 */
#ifndef LOOPTRADER_VENUE_H
#define LOOPTRADER_VENUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "looptrader/clientid.h"
#include "looptrader/error.h"
#include "looptrader/http.h"
#include "looptrader/money.h"
#include "looptrader/sign.h"
#include "looptrader/strbuf.h"
#include "looptrader/symbol.h"

enum time_in_force { TIF_GTC = 0, TIF_IOC = 1, TIF_FOK = 2 };

enum order_status {
    ORDER_NEW = 0,
    ORDER_PARTIALLY_FILLED,
    ORDER_FILLED,
    ORDER_CANCELED,
    ORDER_EXPIRED,
    ORDER_REJECTED,
    ORDER_PENDING_CANCEL,
    ORDER_STATUS_UNKNOWN
};

/* 1 when no further fill can happen. */
int order_status_is_final(enum order_status s);
const char *order_status_name(enum order_status s);

/* An account's credentials.  Secrets live here and nowhere else. */
struct venue_auth {
    const char *api_key;          /* may be NULL for cookie/header auth */
    const char *api_secret;       /* HMAC only; may be NULL for cookie/header auth */
    const char *const *headers;   /* extra "Name: value" lines */
    size_t n_headers;
    const char *cookies;          /* "a=b; c=d" or NULL */
    const struct sign_key *key;   /* Ed25519 or RSA private key, NULL for HMAC */
};

struct order_state {
    char client_id[CLIENTID_MAX];
    int64_t order_id;
    enum order_side side;
    enum order_status status;
    money_t price;
    money_t orig_qty;
    money_t executed_qty;   /* cumulative base filled */
    money_t cum_quote;      /* cumulative quote filled */
    int64_t time_ms;        /* creation time */
    int64_t update_ms;      /* last update time */
};

/* A new order's last word before it is signed: asked after every wait of
 * the call (the rate limits), right before the timestamp is taken and the
 * request signed.  0 refuses: nothing is sent, the call returns
 * LT_EFENCED.  (With a coordinator: is the account's lease still
 * trusted.) */
struct order_gate {
    int (*may_sign)(void *ctx);
    void *ctx;
};

struct order_request {
    const char *symbol;
    enum order_side side;
    enum time_in_force tif;
    money_t price;
    money_t qty;
    const char *client_id;
    const struct order_gate *gate; /* NULL: none */
    const struct venue_in_flight *in_flight; /* NULL: none */
};

/* Work of the caller's that must not delay an order's send but may run
 * while the order is out: fn(arg) is called at most once, on the calling
 * thread with no lock held, after the order was handed to a connection
 * that writes it and before its answer is awaited (over the WebSocket API;
 * a REST call never calls it: the caller does the work after the call).
 * It says nothing of the order's fate: the call's result does. */
struct venue_in_flight {
    void (*fn)(void *arg);
    void *arg;
};

/* The gate's answer for a call after its waits: 0, or LT_EFENCED with
 * nothing to send.  NULL gate: 0. */
int venue_gate_check(const struct order_gate *g, struct lt_err *err);

/* One-Triggers-the-Other: a limit BUY (the working order) and the limit
 * SELL of what it bought (the pending order), placed by the venue once the
 * buy has filled completely, in one request.  client_id names the buy,
 * sell_client_id the sell (both ours, so that a restart finds either). */
struct oto_request {
    const char *symbol;
    money_t price;              /* the buy's limit (working price) */
    money_t qty;                /* the buy's quantity */
    money_t sell_price;         /* the sell's limit (pending price) */
    const char *client_id;
    const char *sell_client_id;
    const struct order_gate *gate; /* NULL: none */
};

/* What the venue answered to an OTO: the list and both legs' ids (the
 * sell's 0 while it is not placed yet). */
struct oto_placed {
    int64_t list_id;
    int64_t buy_id;
    int64_t sell_id;
};

struct trade_fill {
    int64_t trade_id;
    int64_t order_id;
    enum order_side side;
    money_t price;
    money_t qty;
    money_t quote_qty;
    money_t commission;
    char commission_asset[16];
    int64_t time_ms;
};

/* One decoded WebSocket message. */
enum venue_push_kind {
    PUSH_IGNORED = 0,    /* valid but not interesting (e.g. listStatus) */
    PUSH_BOOK_TICKER,    /* book.* */
    PUSH_EXECUTION,      /* exec.* */
    PUSH_ACCOUNT,        /* outboundAccountPosition: balances after a change */
    PUSH_RESPONSE,       /* reply to a request of ours: response.* */
    PUSH_STREAM_END      /* eventStreamTerminated / listenKeyExpired */
};

#define PUSH_ASSETS_MAX 4

struct venue_push {
    enum venue_push_kind kind;
    int subscription_id;   /* WS API user-data events; -1 if none */
    union {
        struct {
            char symbol[32];
            money_t bid, bid_qty, ask, ask_qty;
            int64_t update_id;
        } book;
        struct {
            struct order_state order;  /* state after this event */
            int64_t trade_id;          /* -1 when this event is not a trade */
            money_t last_qty, last_price, last_quote;
            money_t commission;
            char commission_asset[16];
            int64_t event_ms;
        } exec;
        struct {
            size_t n;              /* assets listed (at most PUSH_ASSETS_MAX) */
            char asset[PUSH_ASSETS_MAX][16];
            money_t free_amt[PUSH_ASSETS_MAX], locked[PUSH_ASSETS_MAX];
            int64_t event_ms;
        } account;
        struct {
            int64_t id;            /* the request id we sent */
            int status;            /* 200 on success */
            int subscription_id;   /* result.subscriptionId, -1 if none */
            int error_code;        /* error.code when status != 200 */
            char error_msg[128];
        } response;
    } u;
};

struct venue;

struct venue_ops {
    const char *name;
    int (*server_time)(struct venue *v, struct http *h, int64_t *ms, struct lt_err *err);
    int (*exchange_info)(struct venue *v, struct http *h, const char *symbol,
                         struct symbol_rules *out, struct lt_err *err);
    int (*book_ticker)(struct venue *v, struct http *h, const char *symbol, money_t *bid,
                       money_t *ask, struct lt_err *err);
    int (*place_order)(struct venue *v, struct http *h, const struct venue_auth *a,
                       const struct order_request *req, struct order_state *out,
                       struct lt_err *err);
    int (*cancel_order)(struct venue *v, struct http *h, const struct venue_auth *a,
                        const char *symbol, const char *client_id, struct order_state *out,
                        struct lt_err *err);
    int (*query_order)(struct venue *v, struct http *h, const struct venue_auth *a,
                       const char *symbol, const char *client_id, struct order_state *out,
                       struct lt_err *err);
    /* *out is malloc'd (caller frees); *n may be 0. */
    int (*open_orders)(struct venue *v, struct http *h, const struct venue_auth *a,
                       const char *symbol, struct order_state **out, size_t *n,
                       struct lt_err *err);
    /* Every order with time >= start_ms, all pages. */
    int (*order_history)(struct venue *v, struct http *h, const struct venue_auth *a,
                         const char *symbol, int64_t start_ms, struct order_state **out,
                         size_t *n, struct lt_err *err);
    /* Trades of one order (order_id) or, with order_id < 0, since start_ms. */
    int (*my_trades)(struct venue *v, struct http *h, const struct venue_auth *a,
                     const char *symbol, int64_t order_id, int64_t start_ms,
                     struct trade_fill **out, size_t *n, struct lt_err *err);
    int (*balance)(struct venue *v, struct http *h, const struct venue_auth *a,
                   const char *asset, money_t *free_amt, money_t *locked,
                   struct lt_err *err);
    /* WebSocket side: URLs and messages; the wsclient does the I/O. */
    int (*market_stream_path)(struct venue *v, const char *symbol, struct strbuf *out);
    int (*user_subscribe_msg)(struct venue *v, const struct venue_auth *a, int64_t req_id,
                              struct strbuf *out, struct lt_err *err);
    int (*parse_push)(struct venue *v, const char *buf, size_t len, struct venue_push *out,
                      struct lt_err *err);
    /* Optional, NULL where the venue counts a buy once, as its filled quote
     * (Spot).  Venues with a points programme (Alpha) count a buy of symbol
     * *mul times, and report the account's counted volume of symbol today
     * (already multiplied, and lagging behind the fills). */
    int (*volume_multiplier)(struct venue *v, struct http *h, const char *symbol, int *mul,
                             struct lt_err *err);
    int (*counted_volume)(struct venue *v, struct http *h, const struct venue_auth *a,
                          const char *symbol, money_t *counted, struct lt_err *err);
    /* Optional, NULL where the venue offers no OTO orders (Spot here).
     * Sent at most once, like place_order, with its return codes; on 0
     * *out holds the ids, and the buy's state is read with query_order
     * (by req->client_id), the sell's by req->sell_client_id. */
    int (*place_oto)(struct venue *v, struct http *h, const struct venue_auth *a,
                     const struct oto_request *req, struct oto_placed *out,
                     struct lt_err *err);
};

struct venue_config {
    const char *dialect;    /* "binance" */
    const char *rest_url;   /* "http://127.0.0.1:8080" */
    const char *ws_url;     /* "ws://127.0.0.1:8080" */
    const char *ca_file;    /* PEM bundle trusted for https:// and wss:// instead of
                             * the system's; NULL: the system's */
    long recv_window_ms;    /* 0 = 5000 */
    long timeout_ms;        /* per request, 0 = 10000 */
    int order_ws_api;       /* exchange.order_transport = "ws-api": orders over the
                             * WebSocket API where a user's connection is up */
};

int venue_new(const struct venue_config *cfg, struct venue **out, struct lt_err *err);
void venue_free(struct venue *v);
const struct venue_ops *venue_ops(const struct venue *v);
const char *venue_rest_url(const struct venue *v);
const char *venue_ws_url(const struct venue *v);
/* exchange.ca_file, or NULL (the system's trust store). */
const char *venue_ca_file(const struct venue *v);

/* An HTTP handle for this venue's REST calls: http_new with the venue's
 * TLS trust (http_set_ca_file).  Every handle that talks to the venue is
 * made here, so none is left trusting another set of CAs. */
int venue_http_new(const struct venue *v, struct http **out, struct lt_err *err);

/* The run's stop flag (global: per-user stops do not reach the venue).
 * Once it is set, a call that would have to wait for a rate limit returns
 * LT_ESTOPPED instead of sleeping, and a wait under way ends within 0.1 s.
 * Set before any other thread uses v. */
void venue_set_stop(struct venue *v, const atomic_int *stop);

/* A server time further than this from the local clock is refused where
 * it is read (a hostile or broken venue; arithmetic on it could overflow). */
#define VENUE_CLOCK_SKEW_MAX_MS (24LL * 3600 * 1000)

/* Corrects signed timestamps by the server clock (venue time - local time),
 * clamped to +-VENUE_CLOCK_SKEW_MAX_MS; every call bumps the generation. */
void venue_set_clock_offset(struct venue *v, int64_t offset_ms);
int64_t venue_now_ms(const struct venue *v);
/* Counts clock measurements: a call whose timestamp was refused (-1021)
 * after another thread measured anew just sends again. */
unsigned venue_clock_generation(const struct venue *v);

#endif
