/*
 * venue_alpha.h - the Binance Alpha web dialect ("binance-alpha").
 *
 * Alpha tokens trade only through the endpoints Binance's web page calls
 * (/bapi/...): JSON bodies, browser auth (the session cookies plus the
 * csrftoken, bnc-uuid, device-info, fvideo-id, fvideo-token and
 * clienttype headers, all given as the account's cookies and headers), and
 * every answer wrapped in {"code":"000000","message":..,"data":..,
 * "success":..}.  Nothing is signed, so there is no server clock to follow.
 * The dialect is reached through venue_ops() like Spot; nothing outside it
 * sees a /bapi/ path or an envelope.  Alpha's errors are given to callers
 * with the Spot codes the run already acts on (err->venue_code): 481020
 * insufficient balance as -2010, 481013 below the minimum as -1013, an
 * unknown order as -2011 (cancel) or -2013 (query); an expired login or a
 * step-up verification as HTTP 401 / 403, so that only that account fails,
 * with a message telling the operator what to refresh.
 *
 * These parsers are exposed for unit tests and fuzz harnesses; like Spot's,
 * each copes with any bytes (LT_EPARSE, never a crash).
 */
#ifndef LOOPTRADER_VENUE_ALPHA_H
#define LOOPTRADER_VENUE_ALPHA_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/venue.h"

extern const struct venue_ops venue_alpha_ops;

/* Which call an error answer came from: the unknown-order code differs. */
enum alpha_call { ALPHA_CALL_OTHER = 0, ALPHA_CALL_CANCEL, ALPHA_CALL_QUERY };

/* The envelope of any answer (http_status is its status): 0 when code is
 * "000000" and success is true; otherwise the error, mapped as the top of
 * this file says (LT_EUNKNOWN for 5xx or no envelope at all, LT_ERATELIMIT
 * for 429/418, LT_EEXCHANGE for a refusal). */
int venue_alpha_parse_envelope(long http_status, const char *buf, size_t len,
                               enum alpha_call call, struct lt_err *err);

/* get-exchange-info: the rules of symbol ("ALPHA_971USDT"), LT_ENOTFOUND if absent. */
int venue_alpha_parse_exchange_info(const char *buf, size_t len, const char *symbol,
                                    struct symbol_rules *out, struct lt_err *err);

/* token list: mulPoint and name ("KOGE") of the token whose alphaId is
 * base ("ALPHA_971"); LT_ENOTFOUND if absent. */
int venue_alpha_parse_token(const char *buf, size_t len, const char *base, int *mul,
                            char *name, size_t name_size, struct lt_err *err);

/* today/user-volume: the counted volume of the token called name (0 when
 * it is not listed: nothing counted yet). */
int venue_alpha_parse_counted(const char *buf, size_t len, const char *name, money_t *counted,
                              struct lt_err *err);

/* fullDepth: the best bid and ask (0 for an empty side). */
int venue_alpha_parse_depth_top(const char *buf, size_t len, money_t *bid, money_t *ask,
                                struct lt_err *err);

/* get-open-order (data: an array) or get-order-history-merge (data:
 * {"total":N,"list":[...]}): *out malloc'd, *n may be 0; *total the
 * history's total (or *n). */
int venue_alpha_parse_orders(const char *buf, size_t len, struct order_state **out, size_t *n,
                             int64_t *total, struct lt_err *err);

/* order/place: data is the orderId string. */
int venue_alpha_parse_order_id(const char *buf, size_t len, int64_t *id, struct lt_err *err);

/* oto-order/place: data {orderListId, workingOrderId, pendingOrderId}, the
 * ids as strings or integers, pendingOrderId null (0) until the buy has
 * filled; orderListId may be absent (0). */
int venue_alpha_parse_oto(const char *buf, size_t len, struct oto_placed *out,
                          struct lt_err *err);

/* get-user-trades: *out malloc'd (caller frees). */
int venue_alpha_parse_trades(const char *buf, size_t len, struct trade_fill **out, size_t *n,
                             struct lt_err *err);

/* cloud-wallet/alpha: free and freeze of asset (0 when not listed). */
int venue_alpha_parse_balance(const char *buf, size_t len, const char *asset, money_t *free_amt,
                              money_t *locked, struct lt_err *err);

#endif
