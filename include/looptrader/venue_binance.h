/*
 * venue_binance.h - the Binance Spot v3 dialect's parsers and extras.
 *
 * The dialect itself is reached through venue_ops() (venue.h).  This header
 * exposes its JSON parsers so unit tests and fuzz harnesses can feed them
 * bytes directly, plus the few Binance-only calls the WebSocket client needs
 * (listenKey, unsubscribe).  Every parser copes with any input: malformed
 * JSON, wrong types, missing fields or out-of-range numbers give LT_EPARSE
 * (or LT_ERANGE), never a crash, and never touch *out partially in a way
 * the caller could mistake for data.
 */
#ifndef LOOPTRADER_VENUE_BINANCE_H
#define LOOPTRADER_VENUE_BINANCE_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/http.h"
#include "looptrader/strbuf.h"
#include "looptrader/venue.h"

extern const struct venue_ops venue_binance_ops;

/* GET /api/v3/exchangeInfo body: the rules of `symbol`, LT_ENOTFOUND if absent. */
int venue_binance_parse_exchange_info(const char *buf, size_t len, const char *symbol,
                                      struct symbol_rules *out, struct lt_err *err);

/* One order object (order, cancel, query, allOrders/openOrders element). */
int venue_binance_parse_order(const char *buf, size_t len, struct order_state *out,
                              struct lt_err *err);

/* A JSON array of orders; *out malloc'd (caller frees), *n may be 0. */
int venue_binance_parse_orders(const char *buf, size_t len, struct order_state **out,
                               size_t *n, struct lt_err *err);

/* GET /api/v3/myTrades body; *out malloc'd (caller frees). */
int venue_binance_parse_trades(const char *buf, size_t len, struct trade_fill **out,
                               size_t *n, struct lt_err *err);

/* GET /api/v3/account body: free and locked of asset (0 when not listed). */
int venue_binance_parse_balance(const char *buf, size_t len, const char *asset,
                                money_t *free_amt, money_t *locked, struct lt_err *err);

/* GET /api/v3/ticker/bookTicker body. */
int venue_binance_parse_book_ticker(const char *buf, size_t len, money_t *bid, money_t *ask,
                                    struct lt_err *err);

/* GET /api/v3/time body: serverTime, refused (LT_ERANGE) when further than
 * VENUE_CLOCK_SKEW_MAX_MS from local_ms, so that no offset or rate-limit
 * window computed from it can overflow. */
int venue_binance_parse_server_time(const char *buf, size_t len, int64_t local_ms, int64_t *ms,
                                    struct lt_err *err);

/* An error body {"code":..,"msg":..} with its HTTP status: fills err with
 * the LT_E* code the status and venue code imply and returns it. */
int venue_binance_parse_error(long http_status, const char *buf, size_t len,
                              int retry_after_s, struct lt_err *err);

/* One WebSocket message (market stream, user stream or WS API reply). */
int venue_binance_parse_push(const char *buf, size_t len, struct venue_push *out,
                             struct lt_err *err);

/* The two halves of venue_binance_parse_push and _parse_order, for the
 * differential fuzz harness and the tests: _scan reads with jscan and
 * returns VENUE_JSON_DECLINE (venue_json.h) for what it does not read
 * exactly, _json reads with jansson; the public parsers run _scan, then
 * _json when it declines.  Both apply the same field checks. */
int venue_binance_parse_push_scan(const char *buf, size_t len, struct venue_push *out,
                                  struct lt_err *err);
int venue_binance_parse_push_json(const char *buf, size_t len, struct venue_push *out,
                                  struct lt_err *err);
int venue_binance_parse_order_scan(const char *buf, size_t len, struct order_state *out,
                                   struct lt_err *err);
int venue_binance_parse_order_json(const char *buf, size_t len, struct order_state *out,
                                   struct lt_err *err);

/* WS API order.place: the request text (the REST order's params,
 * recvWindow, apiKey and a fresh timestamp, sorted by name and signed
 * over "k=v&..." of exactly them, as the WebSocket API wants; order.cancel
 * and order.status are built the same way).  LT_EINVAL when a value is
 * not plain printable ASCII (nothing to send: use REST). */
int venue_binance_ws_order_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                               const struct order_request *req, struct strbuf *out,
                               struct lt_err *err);

/* A WS API answer to one of our order requests (place, cancel, status):
 * status 200 with its
 * "result" read by venue_binance_parse_order; an error maps as REST's
 * (venue_binance_parse_error on its "error" object: 4xx -> LT_EEXCHANGE
 * with venue_code, 429/418 -> LT_ERATELIMIT, 5xx -> LT_EUNKNOWN).  An
 * answer that is not one for req_id, or unreadable, is LT_EPARSE.  With
 * counts (NULL: none), its rateLimits' REQUEST_WEIGHT per minute and
 * ORDERS per 10 s and per day go into the fields REST's headers fill
 * (they stay -1 where absent), for venue_limits_observe, and a 429's or
 * 418's error.data (serverTime, retryAfter) as retry_after_s, in seconds
 * rounded up, as REST's Retry-After header (-1 without). */
int venue_binance_parse_ws_order_answer(const char *buf, size_t len, int64_t req_id,
                                        struct order_state *out, struct http_response *counts,
                                        struct lt_err *err);

/* WS API: {"id":N,"method":"userDataStream.unsubscribe","params":{"subscriptionId":S}}. */
int venue_binance_unsubscribe_msg(int64_t req_id, int subscription_id, struct strbuf *out);

/* WS API session (Ed25519 keys only, as Binance allows): session.logon
 * signed with a's key, then userDataStream.subscribe with no params. */
int venue_binance_logon_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                            struct strbuf *out, struct lt_err *err);
int venue_binance_session_subscribe_msg(int64_t req_id, struct strbuf *out);

/* Legacy user stream: POST /api/v3/userDataStream; copies the listenKey. */
int venue_binance_listen_key(struct venue *v, struct http *h, const struct venue_auth *a,
                             char *key, size_t key_size, struct lt_err *err);

/* GET /api/v3/exchangeInfo body: its rateLimits (REQUEST_WEIGHT per 1
 * MINUTE, ORDERS per 10 SECOND and per 1 DAY); a limit it does not list
 * stays 0.  Other intervals are ignored: the venue's count headers name
 * exactly these. */
struct venue_limits {
    int64_t weight_per_minute;
    int64_t orders_per_10s;
    int64_t orders_per_day;
};
int venue_binance_parse_rate_limits(const char *buf, size_t len, struct venue_limits *out,
                                    struct lt_err *err);

/* ---- venue.c's services for the dialect (not part of the generic interface) ---- */

long venue_recv_window_ms(const struct venue *v);
long venue_timeout_ms(const struct venue *v);

/* exchange.order_transport = "ws-api" (venue_config.order_ws_api). */
int venue_orders_ws_api(const struct venue *v);

/* Another way than REST to send an account's order requests: the
 * WebSocket API connection its user stream already holds (wsclient.c
 * registers one while it runs, with order_transport "ws-api").  Any
 * thread. */
struct venue_order_channel {
    /* A fresh request id (unique on every connection) when a's WS API
     * connection is up now, else -1 (the caller uses REST). */
    int64_t (*begin)(void *ctx, const struct venue_auth *a);
    /* Hands text, one WS API request whose "id" is id, to a's connection,
     * runs f (when not NULL, once the request is queued there: see
     * struct venue_in_flight) and waits at most timeout_ms for its
     * answer.  0: *answer holds the
     * answer message as the venue sent it (untrusted);
     * VENUE_CHANNEL_UNSENT: it was never written (nothing reached the
     * venue: REST may send it); LT_EUNKNOWN: written, but no answer (the
     * connection was lost, the wait ran out or the client stopped). */
    int (*call)(void *ctx, const struct venue_auth *a, int64_t id, const char *text, size_t len,
                const struct venue_in_flight *f, long timeout_ms, struct strbuf *answer,
                struct lt_err *err);
    void *ctx;
};
#define VENUE_CHANNEL_UNSENT 1 /* positive, never an LT_E* code */
/* ch (borrowed, NULL: none) is used by every later order; the caller
 * clears it before ch's owner goes, once no thread orders any more. */
void venue_set_order_channel(struct venue *v, const struct venue_order_channel *ch);
const struct venue_order_channel *venue_order_channel(const struct venue *v);

/* The local wall clock and sleep the venue uses: real ones by default, a
 * fake clock in tests.  Set before any other thread uses v. */
struct venue_clock {
    int64_t (*now_ms)(void *arg);           /* ms since the epoch */
    void (*sleep_ms)(void *arg, int64_t ms);
    void *arg;
};
void venue_set_clock(struct venue *v, const struct venue_clock *clk);
int64_t venue_local_ms(const struct venue *v);
void venue_sleep_ms(const struct venue *v, int64_t ms);

/* 1 for the first caller only, unless venue_set_clock_offset already ran:
 * that caller measures the clock offset before its signed call. */
int venue_clock_claim(struct venue *v);

/* New limits (exchangeInfo); a field <= 0 keeps the current limit.
 * Defaults: 6000 weight per minute, 100 orders per 10 s, 200000 per day. */
void venue_set_limits(struct venue *v, const struct venue_limits *l);

/* A wait longer than this is not slept: the call fails with LT_ERATELIMIT
 * ("retry after N s") and nothing is sent (a ban or a spent daily quota
 * is the caller's decision, not a hidden hour-long sleep). */
#define VENUE_WAIT_MAX_MS 65000

/* Before sending: sleeps (no lock held) until a request of `weight` fits
 * the IP's weight window and, with order != 0, one new order fits the
 * account of `a` (keyed by its API key, else by the auth's address).
 * Counts both.  0, LT_ERATELIMIT as above, or LT_ESTOPPED when the run's
 * stop is set before the wait is over (venue_set_stop). */
int venue_limits_wait(struct venue *v, const struct venue_auth *a, int order, int64_t weight,
                      struct lt_err *err);
/* venue_limits_wait's weight half for a thread that must not sleep (the
 * WebSocket thread; its WS API requests count in the same per-IP window):
 * 0 when `weight` fits now (counted), else the ms to wait (nothing counted). */
int64_t venue_weight_try(struct venue *v, int64_t weight);
/* After an answer to a request sent at sent_ms (venue time): adopts the
 * venue's X-MBX-USED-WEIGHT-1M and order counts when higher than ours. */
void venue_limits_observe(struct venue *v, const struct venue_auth *a, int64_t sent_ms,
                          const struct http_response *resp);
/* A 429/418 answer: nothing is sent for retry_after_s (< 0: 1 s), by any
 * thread; an order-count 429 (-1015) stops only the orders of a's account. */
void venue_limits_block(struct venue *v, const struct venue_auth *a, int venue_code,
                        int retry_after_s);

/* The hex HMAC-SHA256 of data under a's api_secret (non-NULL), with the
 * account's key keyed once and kept beside its order windows until
 * venue_free (sign_hmac: safe from any thread).  0 or LT_EINVAL. */
int venue_sign_hmac(struct venue *v, const struct venue_auth *a, const void *data, size_t len,
                    char out[SIGN_HEX_LEN + 1]);

/* What the limits and faults cost a run (logged by venue_free; tests). */
enum venue_stat {
    VENUE_STAT_WEIGHT_WAITS,   /* sleeps for request weight or a Retry-After block */
    VENUE_STAT_ORDER_WAITS,    /* sleeps for an account's order limits */
    VENUE_STAT_WAIT_MS,        /* total ms slept in both */
    VENUE_STAT_RATE_LIMITED,   /* 429/418 answers */
    VENUE_STAT_CLOCK_SYNCS,    /* clock offset measurements */
    VENUE_STAT_RETRIES,        /* re-sent calls (unknown outcome, -1021) */
    VENUE_STAT_COUNT
};
void venue_stat_add(struct venue *v, enum venue_stat which, int64_t n);
int64_t venue_stat(const struct venue *v, enum venue_stat which);
/* Weight counted in the current window (tests). */
int64_t venue_weight_used(struct venue *v);
/* The weight allowed per minute (0 = unlimited): the live table's budget. */
int64_t venue_weight_limit(struct venue *v);

#endif
