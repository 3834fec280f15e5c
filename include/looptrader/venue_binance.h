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

/* An error body {"code":..,"msg":..} with its HTTP status: fills err with
 * the LT_E* code the status and venue code imply and returns it. */
int venue_binance_parse_error(long http_status, const char *buf, size_t len,
                              int retry_after_s, struct lt_err *err);

/* One WebSocket message (market stream, user stream or WS API reply). */
int venue_binance_parse_push(const char *buf, size_t len, struct venue_push *out,
                             struct lt_err *err);

/* WS API: {"id":N,"method":"userDataStream.unsubscribe","params":{"subscriptionId":S}}. */
int venue_binance_unsubscribe_msg(int64_t req_id, int subscription_id, struct strbuf *out);

/* Legacy user stream: POST /api/v3/userDataStream; copies the listenKey. */
int venue_binance_listen_key(struct venue *v, struct http *h, const struct venue_auth *a,
                             char *key, size_t key_size, struct lt_err *err);

/* venue.c's settings the dialect reads (not part of the generic interface). */
long venue_recv_window_ms(const struct venue *v);
long venue_timeout_ms(const struct venue *v);

#endif
