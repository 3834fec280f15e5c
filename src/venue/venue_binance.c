/*
 * venue_binance.c - the Binance Spot v3 dialect: REST paths and parameters,
 * HMAC signing, status mapping, and parsing of every body and push: jansson,
 * or on the hot paths (pushes, an order's answer) jscan, with jansson where
 * the scanner declines.
 *
 * Signed requests carry all parameters in the query string (one exact
 * string is both sent and signed, so ordering can never disagree) with
 * timestamp and recvWindow last, then signature.  Status mapping follows
 * venue.h: only an answer that proves the venue did not act is a rejection;
 * anything that leaves the outcome open (5xx, -1006, -1007, transport) is
 * LT_EUNKNOWN.  Every send first waits for the venue's rate limits (each
 * call's Binance weight, and one order for a new order; venue.c keeps the
 * windows) and reports the limit headers back; only a new order is never
 * re-sent on an unknown outcome (see perform()).  Parsers treat every byte
 * as hostile: each field is type checked and each number range checked
 * before use.
 */
#include "looptrader/venue_binance.h"
#include "looptrader/venue_json.h"

#include <ctype.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "looptrader/clock.h"
#include "looptrader/decimal.h"
#include "looptrader/latency.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/parsers.h"
#include "looptrader/sign.h"

#define PAGE_LIMIT 1000
/* A listing that does not end within these is a venue's runaway
 * pagination (200 pages are 200,000 orders of one account in one window;
 * the time includes rate-limit waits). */
#define LISTING_PAGES_MAX 200
#define LISTING_TIME_MAX_MS 180000
#define LISTING_LOG_EVERY 20 /* pages between progress lines */
#define ERR_BODY_MAX 65536
/* A venue clock that drifts (or runs at another speed) refuses timestamps
 * again soon after a measurement: a call re-measures (or adopts another
 * thread's new measurement) at most this often before it fails. */
#define CLOCK_RESYNCS_MAX 3

/* ---------------------------------------------------------------- JSON */

static json_t *load(const char *buf, size_t len, const char *what, struct lt_err *err)
{
    json_error_t je;
    json_t *root = json_loadb(buf, len, 0, &je);
    if (!root)
        lt_err_set(err, LT_EPARSE, "binance %s: bad JSON at %d: %s", what, je.position,
                   je.text);
    return root;
}

static int jmoney(json_t *o, const char *key, int required, money_t *out, struct lt_err *err)
{
    return venue_json_money("binance", o, key, required, out, err);
}

static int jint(json_t *o, const char *key, int required, int64_t *out, struct lt_err *err)
{
    return venue_json_int("binance", o, key, required, out, err);
}

static int jstr(json_t *o, const char *key, int required, char *out, size_t size,
                struct lt_err *err)
{
    return venue_json_str("binance", o, key, required, out, size, err);
}



/* The same readers on an object either parser read (the hot paths). */
static int omoney(const struct venue_jobj *o, const char *key, int required, money_t *out,
                  struct lt_err *err)
{
    return venue_jobj_money("binance", o, key, required, out, err);
}

static int oint(const struct venue_jobj *o, const char *key, int required, int64_t *out,
                struct lt_err *err)
{
    return venue_jobj_int("binance", o, key, required, out, err);
}

static int ostr(const struct venue_jobj *o, const char *key, int required, char *out,
                size_t size, struct lt_err *err)
{
    return venue_jobj_str("binance", o, key, required, out, size, err);
}

static int text_is(const char *s, size_t n, const char *word)
{
    return s && n == strlen(word) && memcmp(s, word, n) == 0;
}

static int parse_side(const struct venue_jobj *o, const char *key, enum order_side *out,
                      struct lt_err *err)
{
    const char *s;
    size_t n;
    int rc = venue_jobj_text(o, key, &s, &n);
    if (rc)
        return rc;
    if (text_is(s, n, "BUY"))
        *out = SIDE_BUY;
    else if (text_is(s, n, "SELL"))
        *out = SIDE_SELL;
    else
        return lt_err_set(err, LT_EPARSE, "binance: field '%s' is not BUY or SELL", key);
    return 0;
}

/* Client ids longer than ours cannot be ours: they are kept empty rather
 * than truncated into something that might look like one of ours. */
static void copy_client_id(char out[CLIENTID_MAX], const char *s, size_t n)
{
    out[0] = '\0';
    if (s && n < CLIENTID_MAX) {
        memcpy(out, s, n);
        out[n] = '\0';
    }
}

/* The order's client id: o[orig] when a non-empty string (a cancel names
 * the order there, its own id being the cancel request's), else o[key];
 * *s NULL when neither is a string. */
static int client_id_of(const struct venue_jobj *o, const char *orig, const char *key,
                        const char **s, size_t *n)
{
    int rc = venue_jobj_text(o, orig, s, n);
    if (rc == 0 && !(*s && *n))
        rc = venue_jobj_text(o, key, s, n);
    return rc;
}

/* o[key] as an order status: LT_EPARSE `missing` when not a string. */
static int status_of(const struct venue_jobj *o, const char *key, const char *missing,
                     enum order_status *out, struct lt_err *err)
{
    const char *s;
    size_t n;
    int rc = venue_jobj_text(o, key, &s, &n);
    if (rc)
        return rc;
    if (!s)
        return lt_err_set(err, LT_EPARSE, "binance: %s", missing);
    *out = venue_json_status_n(s, n);
    return 0;
}

static int order_from(const struct venue_jobj *o, struct order_state *out, struct lt_err *err)
{
    struct order_state st;
    memset(&st, 0, sizeof st);
    const char *cid;
    size_t cid_n;
    int rc;
    if ((rc = client_id_of(o, "origClientOrderId", "clientOrderId", &cid, &cid_n)))
        return rc;
    if (!cid)
        return lt_err_set(err, LT_EPARSE, "binance: field 'clientOrderId' missing");
    copy_client_id(st.client_id, cid, cid_n);
    if ((rc = status_of(o, "status", "field 'status' missing", &st.status, err)) ||
        (rc = oint(o, "orderId", 1, &st.order_id, err)) ||
        (rc = parse_side(o, "side", &st.side, err)) ||
        (rc = omoney(o, "price", 0, &st.price, err)) ||
        (rc = omoney(o, "origQty", 0, &st.orig_qty, err)) ||
        (rc = omoney(o, "executedQty", 1, &st.executed_qty, err)) ||
        (rc = omoney(o, "cummulativeQuoteQty", 0, &st.cum_quote, err)) ||
        (rc = oint(o, "transactTime", 0, &st.time_ms, err)) ||
        (rc = oint(o, "time", 0, &st.time_ms, err)))
        return rc;
    st.update_ms = st.time_ms;
    if ((rc = oint(o, "transactTime", 0, &st.update_ms, err)) ||
        (rc = oint(o, "updateTime", 0, &st.update_ms, err)))
        return rc;
    *out = st;
    return 0;
}

static int order_from_json(json_t *o, struct order_state *out, struct lt_err *err)
{
    if (!json_is_object(o))
        return lt_err_set(err, LT_EPARSE, "binance: order is not an object");
    struct venue_jobj jo;
    venue_jobj_json(o, &jo);
    return order_from(&jo, out, err);
}

int venue_binance_parse_order_json(const char *buf, size_t len, struct order_state *out,
                                   struct lt_err *err)
{
    json_t *root = load(buf, len, "order", err);
    if (!root)
        return LT_EPARSE;
    int rc = order_from_json(root, out, err);
    json_decref(root);
    return rc;
}

int venue_binance_parse_order_scan(const char *buf, size_t len, struct order_state *out,
                                   struct lt_err *err)
{
    struct venue_jobj o;
    int rc = venue_jobj_scan(buf, len, &o);
    return rc ? rc : order_from(&o, out, err);
}

int venue_binance_parse_order(const char *buf, size_t len, struct order_state *out,
                              struct lt_err *err)
{
    int rc = venue_binance_parse_order_scan(buf, len, out, err);
    return rc == VENUE_JSON_DECLINE ? venue_binance_parse_order_json(buf, len, out, err) : rc;
}

/* A JSON array of objects, each decoded by parse into one elem_size slot
 * of a malloc'd array (*out stays NULL for an empty array). */
static int parse_array(const char *buf, size_t len, const char *what, size_t elem_size,
                       int (*parse)(json_t *o, void *slot, struct lt_err *err), void **out,
                       size_t *n, struct lt_err *err)
{
    *out = NULL;
    *n = 0;
    json_t *root = load(buf, len, what, err);
    if (!root)
        return LT_EPARSE;
    int rc = 0;
    size_t cnt = json_array_size(root);
    char *arr = NULL;
    if (!json_is_array(root)) {
        rc = lt_err_set(err, LT_EPARSE, "binance: %s reply is not an array", what);
    } else if (cnt > 0 && !(arr = calloc(cnt, elem_size))) {
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < cnt && !rc; i++)
            rc = parse(json_array_get(root, i), arr + i * elem_size, err);
    }
    json_decref(root);
    if (rc) {
        free(arr);
        return rc;
    }
    *out = arr;
    *n = cnt;
    return 0;
}

static int order_slot(json_t *o, void *slot, struct lt_err *err)
{
    return order_from_json(o, slot, err);
}

int venue_binance_parse_orders(const char *buf, size_t len, struct order_state **out,
                               size_t *n, struct lt_err *err)
{
    void *arr;
    int rc = parse_array(buf, len, "orders", sizeof **out, order_slot, &arr, n, err);
    *out = arr;
    return rc;
}

static int trade_from_json(json_t *o, struct trade_fill *out, struct lt_err *err)
{
    struct trade_fill t;
    memset(&t, 0, sizeof t);
    if (!json_is_object(o))
        return lt_err_set(err, LT_EPARSE, "binance: trade is not an object");
    json_t *buyer = json_object_get(o, "isBuyer");
    if (!json_is_boolean(buyer))
        return lt_err_set(err, LT_EPARSE, "binance: field 'isBuyer' missing");
    t.side = json_is_true(buyer) ? SIDE_BUY : SIDE_SELL;
    int rc;
    if ((rc = jint(o, "id", 1, &t.trade_id, err)) ||
        (rc = jint(o, "orderId", 1, &t.order_id, err)) ||
        (rc = jmoney(o, "price", 1, &t.price, err)) ||
        (rc = jmoney(o, "qty", 1, &t.qty, err)) ||
        (rc = jmoney(o, "quoteQty", 0, &t.quote_qty, err)) ||
        (rc = jmoney(o, "commission", 0, &t.commission, err)) ||
        (rc = jstr(o, "commissionAsset", 0, t.commission_asset, sizeof t.commission_asset,
                   err)) ||
        (rc = jint(o, "time", 0, &t.time_ms, err)))
        return rc;
    if (!json_object_get(o, "quoteQty"))
        t.quote_qty = money_mul(t.price, t.qty);
    *out = t;
    return 0;
}

static int trade_slot(json_t *o, void *slot, struct lt_err *err)
{
    return trade_from_json(o, slot, err);
}

int venue_binance_parse_trades(const char *buf, size_t len, struct trade_fill **out,
                               size_t *n, struct lt_err *err)
{
    void *arr;
    int rc = parse_array(buf, len, "trades", sizeof **out, trade_slot, &arr, n, err);
    *out = arr;
    return rc;
}

static int filters_from_json(json_t *filters, struct symbol_rules *r, struct lt_err *err)
{
    int have_price = 0, have_lot = 0, rc;
    size_t i;
    json_t *f;
    if (!json_is_array(filters))
        return lt_err_set(err, LT_EPARSE, "binance: symbol %s has no filters", r->symbol);
    json_array_foreach(filters, i, f) {
        const char *type = venue_json_strv(f, "filterType");
        if (!type)
            continue;
        if (strcmp(type, "PRICE_FILTER") == 0) {
            if ((rc = jmoney(f, "tickSize", 1, &r->tick_size, err)) ||
                (rc = jmoney(f, "minPrice", 0, &r->min_price, err)) ||
                (rc = jmoney(f, "maxPrice", 0, &r->max_price, err)))
                return rc;
            have_price = 1;
        } else if (strcmp(type, "LOT_SIZE") == 0) {
            if ((rc = jmoney(f, "stepSize", 1, &r->step_size, err)) ||
                (rc = jmoney(f, "minQty", 0, &r->min_qty, err)) ||
                (rc = jmoney(f, "maxQty", 0, &r->max_qty, err)))
                return rc;
            have_lot = 1;
        } else if (strcmp(type, "NOTIONAL") == 0) {
            if ((rc = jmoney(f, "minNotional", 0, &r->min_notional, err)) ||
                (rc = jmoney(f, "maxNotional", 0, &r->max_notional, err)))
                return rc;
        } else if (strcmp(type, "MIN_NOTIONAL") == 0) {
            if ((rc = jmoney(f, "minNotional", 0, &r->min_notional, err)))
                return rc;
        }
    }
    if (!have_price || !have_lot)
        return lt_err_set(err, LT_EPARSE, "binance: symbol %s lacks %s", r->symbol,
                          have_price ? "LOT_SIZE" : "PRICE_FILTER");
    /* Binance disables a filter with 0; the rounding code needs a unit. */
    if (r->tick_size <= 0)
        r->tick_size = 1;
    if (r->step_size <= 0)
        r->step_size = 1;
    if (r->min_price < 0 || r->max_price < 0 || r->min_qty < 0 || r->max_qty < 0 ||
        r->min_notional < 0 || r->max_notional < 0)
        return lt_err_set(err, LT_EPARSE, "binance: symbol %s has negative filter values",
                          r->symbol);
    return 0;
}

int venue_binance_parse_exchange_info(const char *buf, size_t len, const char *symbol,
                                      struct symbol_rules *out, struct lt_err *err)
{
    json_t *root = load(buf, len, "exchangeInfo", err);
    if (!root)
        return LT_EPARSE;
    json_t *symbols = json_object_get(root, "symbols");
    int rc = LT_ENOTFOUND;
    if (!json_is_array(symbols)) {
        rc = lt_err_set(err, LT_EPARSE, "binance: exchangeInfo has no symbols list");
        goto out;
    }
    size_t i;
    json_t *s;
    json_array_foreach(symbols, i, s) {
        const char *name = venue_json_strv(s, "symbol");
        if (!name || strcasecmp(name, symbol) != 0)
            continue;
        struct symbol_rules r;
        memset(&r, 0, sizeof r);
        int64_t bp = 8, qp = 8;
        const char *status = venue_json_strv(s, "status");
        if ((rc = jstr(s, "symbol", 1, r.symbol, sizeof r.symbol, err)) ||
            (rc = jstr(s, "baseAsset", 1, r.base, sizeof r.base, err)) ||
            (rc = jstr(s, "quoteAsset", 1, r.quote, sizeof r.quote, err)) ||
            (rc = jint(s, "baseAssetPrecision", 0, &bp, err)) ||
            (rc = jint(s, "quotePrecision", 0, &qp, err)) ||
            (rc = jint(s, "quoteAssetPrecision", 0, &qp, err)))
            goto out;
        if (bp < 0 || bp > 18 || qp < 0 || qp > 18) {
            rc = lt_err_set(err, LT_EPARSE, "binance: symbol %s has bad precisions", r.symbol);
            goto out;
        }
        r.base_precision = (int)bp;
        r.quote_precision = (int)qp;
        r.trading = status && strcmp(status, "TRADING") == 0;
        if ((rc = filters_from_json(json_object_get(s, "filters"), &r, err)))
            goto out;
        *out = r;
        rc = 0;
        goto out;
    }
    lt_err_set(err, LT_ENOTFOUND, "symbol %.32s is not listed by the exchange", symbol);
out:
    json_decref(root);
    return rc;
}

int venue_binance_parse_rate_limits(const char *buf, size_t len, struct venue_limits *out,
                                    struct lt_err *err)
{
    json_t *root = load(buf, len, "exchangeInfo", err);
    if (!root)
        return LT_EPARSE;
    struct venue_limits l = { 0, 0, 0 };
    json_t *list = json_object_get(root, "rateLimits");
    int rc = 0;
    size_t i;
    json_t *o;
    if (!json_is_object(root))
        rc = lt_err_set(err, LT_EPARSE, "binance: exchangeInfo is not an object");
    else if (list && !json_is_array(list))
        rc = lt_err_set(err, LT_EPARSE, "binance: rateLimits is not a list");
    json_array_foreach(list, i, o) {
        const char *type = venue_json_strv(o, "rateLimitType");
        const char *interval = venue_json_strv(o, "interval");
        int64_t num = 0, limit = 0;
        if (!type || !interval)
            continue;
        if ((rc = jint(o, "intervalNum", 1, &num, err)) || (rc = jint(o, "limit", 1, &limit, err)))
            break;
        if (limit <= 0 || limit > 1000000000)
            continue;
        if (strcmp(type, "REQUEST_WEIGHT") == 0 && strcmp(interval, "MINUTE") == 0 && num == 1)
            l.weight_per_minute = limit;
        else if (strcmp(type, "ORDERS") == 0 && strcmp(interval, "SECOND") == 0 && num == 10)
            l.orders_per_10s = limit;
        else if (strcmp(type, "ORDERS") == 0 && strcmp(interval, "DAY") == 0 && num == 1)
            l.orders_per_day = limit;
    }
    json_decref(root);
    if (!rc)
        *out = l;
    return rc;
}

int venue_binance_parse_balance(const char *buf, size_t len, const char *asset,
                                money_t *free_amt, money_t *locked, struct lt_err *err)
{
    json_t *root = load(buf, len, "account", err);
    if (!root)
        return LT_EPARSE;
    json_t *bal = json_object_get(root, "balances");
    int rc = 0;
    money_t f = 0, l = 0;
    if (!json_is_array(bal)) {
        rc = lt_err_set(err, LT_EPARSE, "binance: account has no balances list");
    } else {
        size_t i;
        json_t *b;
        json_array_foreach(bal, i, b) {
            const char *a = venue_json_strv(b, "asset");
            if (!a || strcasecmp(a, asset) != 0)
                continue;
            if ((rc = jmoney(b, "free", 1, &f, err)) || (rc = jmoney(b, "locked", 0, &l, err)))
                break;
            break;
        }
    }
    json_decref(root);
    if (!rc) {
        *free_amt = f;
        *locked = l;
    }
    return rc;
}

int venue_binance_parse_book_ticker(const char *buf, size_t len, money_t *bid, money_t *ask,
                                    struct lt_err *err)
{
    json_t *root = load(buf, len, "bookTicker", err);
    if (!root)
        return LT_EPARSE;
    money_t b = 0, a = 0;
    int rc;
    if (!json_is_object(root))
        rc = lt_err_set(err, LT_EPARSE, "binance: bookTicker is not an object");
    else if (!(rc = jmoney(root, "bidPrice", 1, &b, err)) &&
             !(rc = jmoney(root, "askPrice", 1, &a, err))) {
        *bid = b;
        *ask = a;
    }
    json_decref(root);
    return rc;
}


/* An error answer's status, venue code and (cleaned) message as the
 * LT_E* code they imply, REST's and the WebSocket API's alike. */
static int error_map(long http_status, int64_t code, const char *msg, int retry_after_s,
                     struct lt_err *err)
{
    if (code < -100000 || code > 100000)
        code = 0;
    int lt;
    if (http_status == 429 || http_status == 418)
        lt = LT_ERATELIMIT;
    else if (http_status >= 500 || code == -1006 || code == -1007)
        lt = LT_EUNKNOWN;
    else
        lt = LT_EEXCHANGE;
    if (lt == LT_ERATELIMIT)
        lt_err_set(err, lt, "binance HTTP %ld %lld: %s (retry after %d s)", http_status,
                   (long long)code, msg[0] ? msg : "rate limited",
                   retry_after_s >= 0 ? retry_after_s : 1);
    else if (code)
        lt_err_set(err, lt, "binance %lld: %s", (long long)code, msg);
    else
        lt_err_set(err, lt, "binance HTTP %ld", http_status);
    if (err) {
        err->venue_code = (int)code;
        err->http_status = (int)http_status;
    }
    return lt;
}

int venue_binance_parse_error(long http_status, const char *buf, size_t len,
                              int retry_after_s, struct lt_err *err)
{
    int64_t code = 0;
    char msg[160] = "";
    if (len > 0 && len < ERR_BODY_MAX) {
        json_t *root = json_loadb(buf, len, 0, NULL);
        if (json_is_object(root)) {
            jint(root, "code", 0, &code, NULL);
            const char *m = venue_json_strv(root, "msg");
            if (m)
                venue_json_clean_text(m, msg, sizeof msg);
        }
        json_decref(root);
    }
    return error_map(http_status, code, msg, retry_after_s, err);
}

/* ---------------------------------------------------------------- pushes */

static int push_book(const struct venue_jobj *o, struct venue_push *out, struct lt_err *err)
{
    int rc;
    out->kind = PUSH_BOOK_TICKER;
    if ((rc = ostr(o, "s", 1, out->u.book.symbol, sizeof out->u.book.symbol, err)) ||
        (rc = omoney(o, "b", 1, &out->u.book.bid, err)) ||
        (rc = omoney(o, "B", 0, &out->u.book.bid_qty, err)) ||
        (rc = omoney(o, "a", 1, &out->u.book.ask, err)) ||
        (rc = omoney(o, "A", 0, &out->u.book.ask_qty, err)) ||
        (rc = oint(o, "u", 0, &out->u.book.update_id, err)))
        return rc;
    return 0;
}

static int push_exec(const struct venue_jobj *o, struct venue_push *out, struct lt_err *err)
{
    struct order_state *st = &out->u.exec.order;
    out->kind = PUSH_EXECUTION;
    out->u.exec.trade_id = -1;
    /* A cancel's c is the cancel request's own id; C names the order. */
    const char *cid;
    size_t cid_n;
    int rc;
    if ((rc = client_id_of(o, "C", "c", &cid, &cid_n)))
        return rc;
    if (!cid)
        return lt_err_set(err, LT_EPARSE, "binance: executionReport without 'c'");
    copy_client_id(st->client_id, cid, cid_n);
    if ((rc = status_of(o, "X", "executionReport without 'X'", &st->status, err)) ||
        (rc = oint(o, "i", 1, &st->order_id, err)) ||
        (rc = parse_side(o, "S", &st->side, err)) ||
        (rc = omoney(o, "p", 0, &st->price, err)) ||
        (rc = omoney(o, "q", 0, &st->orig_qty, err)) ||
        (rc = omoney(o, "z", 1, &st->executed_qty, err)) ||
        (rc = omoney(o, "Z", 0, &st->cum_quote, err)) ||
        (rc = oint(o, "O", 0, &st->time_ms, err)) ||
        (rc = oint(o, "E", 0, &out->u.exec.event_ms, err)) ||
        (rc = oint(o, "t", 0, &out->u.exec.trade_id, err)) ||
        (rc = omoney(o, "l", 0, &out->u.exec.last_qty, err)) ||
        (rc = omoney(o, "L", 0, &out->u.exec.last_price, err)) ||
        (rc = omoney(o, "n", 0, &out->u.exec.commission, err)) ||
        (rc = ostr(o, "N", 0, out->u.exec.commission_asset,
                   sizeof out->u.exec.commission_asset, err)))
        return rc;
    st->update_ms = out->u.exec.event_ms;
    if ((rc = oint(o, "T", 0, &st->update_ms, err)))
        return rc;
    struct venue_jval y;
    venue_jobj_get(o, "Y", &y);
    if (y.type != VJ_ABSENT) {
        if ((rc = venue_jval_money("binance", "Y", &y, 0, &out->u.exec.last_quote, err)))
            return rc;
    } else {
        out->u.exec.last_quote = money_mul(out->u.exec.last_qty, out->u.exec.last_price);
    }
    return 0;
}

/* Balances of the assets the event lists; past PUSH_ASSETS_MAX (a trade
 * moves two or three) the rest are left out. */
static int push_account(const struct venue_jobj *o, struct venue_push *out, struct lt_err *err)
{
    out->kind = PUSH_ACCOUNT;
    int rc;
    if ((rc = oint(o, "E", 0, &out->u.account.event_ms, err)))
        return rc;
    struct venue_jval list, b;
    venue_jobj_get(o, "B", &list);
    if (list.type != VJ_ARRAY)
        return lt_err_set(err, LT_EPARSE, "binance: outboundAccountPosition without 'B'");
    struct venue_jiter it;
    venue_jiter_init(&it, &list);
    while (venue_jiter_next(&it, &b)) {
        if (out->u.account.n >= PUSH_ASSETS_MAX)
            break;
        size_t k = out->u.account.n;
        if (b.type != VJ_OBJECT)
            return lt_err_set(err, LT_EPARSE, "binance: balance is not an object");
        struct venue_jobj bo;
        if ((rc = venue_jobj_of(&b, &bo)) ||
            (rc = ostr(&bo, "a", 1, out->u.account.asset[k], sizeof out->u.account.asset[k],
                       err)) ||
            (rc = omoney(&bo, "f", 1, &out->u.account.free_amt[k], err)) ||
            (rc = omoney(&bo, "l", 0, &out->u.account.locked[k], err)))
            return rc;
        out->u.account.n++;
    }
    return 0;
}

static int push_response(const struct venue_jobj *o, struct venue_push *out, struct lt_err *err)
{
    out->kind = PUSH_RESPONSE;
    out->u.response.id = -1;
    out->u.response.subscription_id = -1;
    struct venue_jval id, status, error, result;
    venue_jobj_get(o, "id", &id);
    if (id.type == VJ_INTEGER)
        out->u.response.id = id.num;
    venue_jobj_get(o, "status", &status);
    venue_jobj_get(o, "error", &error);
    if (status.type == VJ_INTEGER) {
        out->u.response.status = status.num >= 0 && status.num < 1000 ? (int)status.num : 0;
    } else {
        /* Market stream replies ({"result":null,"id":1}) have no status. */
        out->u.response.status = error.type != VJ_ABSENT ? 400 : 200;
    }
    venue_jobj_get(o, "result", &result);
    int rc;
    if (result.type == VJ_OBJECT) {
        struct venue_jobj ro;
        int64_t sub = -1;
        if ((rc = venue_jobj_of(&result, &ro)) || (rc = oint(&ro, "subscriptionId", 0, &sub, err)))
            return rc;
        out->u.response.subscription_id = sub >= 0 && sub <= 0x7fffffff ? (int)sub : -1;
    }
    if (error.type == VJ_OBJECT) {
        struct venue_jobj eo;
        int64_t code = 0;
        const char *m;
        size_t mn;
        if ((rc = venue_jobj_of(&error, &eo)))
            return rc;
        oint(&eo, "code", 0, &code, NULL);
        out->u.response.error_code = code >= -100000 && code <= 100000 ? (int)code : 0;
        if ((rc = venue_jobj_text(&eo, "msg", &m, &mn)))
            return rc;
        if (m)
            venue_json_clean_text_n(m, mn, out->u.response.error_msg,
                                    sizeof out->u.response.error_msg);
    }
    return 0;
}

static int has(const struct venue_jobj *o, const char *key)
{
    struct venue_jval v;
    venue_jobj_get(o, key, &v);
    return v.type != VJ_ABSENT;
}

/* The message in root, whichever parser read it.  A WS API event comes as
 * {"subscriptionId":N,"event":{...}}, a combined stream's as
 * {"stream":"..","data":{...}}, a legacy stream's bare. */
static int push_from(const struct venue_jobj *root, struct venue_push *out, struct lt_err *err)
{
    struct venue_jval event, sub, data, stream;
    struct venue_jobj inner;
    const struct venue_jobj *o = root;
    int rc;
    venue_jobj_get(root, "event", &event);
    venue_jobj_get(root, "subscriptionId", &sub);
    venue_jobj_get(root, "data", &data);
    venue_jobj_get(root, "stream", &stream);
    if (event.type == VJ_OBJECT && sub.type == VJ_INTEGER) {
        if (sub.num < 0 || sub.num > 0x7fffffff)
            return lt_err_set(err, LT_EPARSE, "binance: subscriptionId out of range");
        out->subscription_id = (int)sub.num;
        if ((rc = venue_jobj_of(&event, &inner)))
            return rc;
        o = &inner;
    } else if (data.type == VJ_OBJECT && stream.type == VJ_STRING) {
        if ((rc = venue_jobj_of(&data, &inner)))
            return rc;
        o = &inner;
    }
    if (o == root && has(root, "id") &&
        (has(root, "status") || has(root, "result") || has(root, "error")))
        return push_response(root, out, err);
    const char *e;
    size_t en;
    if ((rc = venue_jobj_text(o, "e", &e, &en)))
        return rc;
    if (text_is(e, en, "executionReport"))
        return push_exec(o, out, err);
    if (text_is(e, en, "outboundAccountPosition"))
        return push_account(o, out, err);
    if (text_is(e, en, "eventStreamTerminated") || text_is(e, en, "listenKeyExpired"))
        out->kind = PUSH_STREAM_END;
    else if (text_is(e, en, "bookTicker") || (!e && has(o, "s") && has(o, "b") && has(o, "a")))
        return push_book(o, out, err);
    else
        out->kind = PUSH_IGNORED;
    return 0;
}

/* push_from with out reset first, and again (but for the subscription)
 * on an error, so that nothing that looks like data is left. */
static int push_parse(const struct venue_jobj *root, struct venue_push *out, struct lt_err *err)
{
    memset(out, 0, sizeof *out);
    out->subscription_id = -1;
    int rc = push_from(root, out, err);
    if (rc) {
        int sub_id = rc == VENUE_JSON_DECLINE ? -1 : out->subscription_id;
        memset(out, 0, sizeof *out);
        out->subscription_id = sub_id;
    }
    return rc;
}

int venue_binance_parse_push_json(const char *buf, size_t len, struct venue_push *out,
                                  struct lt_err *err)
{
    memset(out, 0, sizeof *out);
    out->subscription_id = -1;
    json_t *root = load(buf, len, "push", err);
    if (!root)
        return LT_EPARSE;
    int rc;
    if (!json_is_object(root)) {
        rc = lt_err_set(err, LT_EPARSE, "binance: push is not an object");
    } else {
        struct venue_jobj o;
        venue_jobj_json(root, &o);
        rc = push_parse(&o, out, err);
    }
    json_decref(root);
    return rc;
}

int venue_binance_parse_push_scan(const char *buf, size_t len, struct venue_push *out,
                                  struct lt_err *err)
{
    struct venue_jobj root;
    int rc = venue_jobj_scan(buf, len, &root);
    return rc ? rc : push_parse(&root, out, err);
}

int venue_binance_parse_push(const char *buf, size_t len, struct venue_push *out,
                             struct lt_err *err)
{
    int rc = venue_binance_parse_push_scan(buf, len, out, err);
    return rc == VENUE_JSON_DECLINE ? venue_binance_parse_push_json(buf, len, out, err) : rc;
}

/* ---------------------------------------------------------------- requests */

/* Request weights (Binance Spot rest-api.md), counted before each send. */
enum {
    W_TIME = 1,
    W_EXCHANGE_INFO = 20,
    W_BOOK_TICKER = 2,     /* one symbol */
    W_ORDER = 1,           /* new order */
    W_CANCEL = 1,
    W_QUERY = 4,
    W_OPEN_ORDERS = 6,     /* one symbol */
    W_ALL_ORDERS = 20,
    W_MY_TRADES = 20,
    W_ACCOUNT = 20,
    W_USER_STREAM = 2
};

#define CALL_TRIES 3          /* sends of a call whose outcome stayed unknown */
#define BACKOFF_FIRST_MS 100  /* then doubled, at most BACKOFF_MAX_MS, jittered */
#define BACKOFF_MAX_MS 1000

struct call {
    const char *method;
    const char *path;          /* "/api/v3/order" */
    struct strbuf query;       /* parameters without timestamp/signature */
    int sign;                  /* 1: timestamp + recvWindow (+ signature with a secret) */
    int once;                  /* a new order: parameters in the body, sent at most
                                  once, counted against the account's order limits */
    const struct order_gate *gate; /* a new order's, asked after the waits */
    int weight;                /* the venue's request weight */
    int64_t sent_local_ms;     /* local clock around the last send */
    int64_t recv_local_ms;
};

static void call_init(struct call *c, const char *method, const char *path, int sign,
                      int weight)
{
    c->method = method;
    c->path = path;
    strbuf_init(&c->query, 0);
    c->sign = sign;
    c->once = 0;
    c->gate = NULL;
    c->weight = weight;
    c->sent_local_ms = c->recv_local_ms = 0;
}

/* A call's parameters are a few hundred bytes (an order's about 200): room
 * for them at the first, not a reallocation at each doubling. */
#define QUERY_ROOM 256

static int param(struct call *c, const char *name, const char *value)
{
    int rc = 0;
    if (!c->query.alloc)
        rc = strbuf_grow(&c->query, QUERY_ROOM);
    if (!rc && c->query.len)
        rc = strbuf_addch(&c->query, '&');
    if (!rc)
        rc = strbuf_addf(&c->query, "%s=", name);
    if (!rc)
        rc = strbuf_addurlenc(&c->query, value);
    return rc;
}

static int param_i64(struct call *c, const char *name, int64_t v)
{
    char tmp[DECIMAL_MAX];
    decimal_i64(v, tmp);
    return param(c, name, tmp);
}

/* data's signature under a's key: hex HMAC, or base64 Ed25519/RSA that
 * REST (for_url) sends percent-encoded and the WebSocket API as it is. */
static int signature(struct venue *v, const struct venue_auth *a, const char *data, size_t len,
                     int for_url, char out[SIGN_URL_MAX + 1])
{
    if (!a->key)
        return venue_sign_hmac(v, a, data, len, out);
    char b64[SIGN_B64_MAX + 1];
    int rc = sign_key_sign_b64(a->key, data, len, b64);
    if (!rc && for_url)
        sign_url_encode(b64, out);
    else if (!rc)
        memcpy(out, b64, strlen(b64) + 1);
    return rc;
}

/* c's parameters plus, for a signed call, recvWindow, a fresh timestamp
 * and the signature over exactly that string. */
static int signed_query(struct venue *v, const struct venue_auth *a, const struct call *c,
                        struct strbuf *q, struct lt_err *err)
{
    if (c->query.len && strbuf_add(q, c->query.buf, c->query.len))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    if (!c->sign)
        return 0;
    if (strbuf_addf(q, "%srecvWindow=%ld&timestamp=%lld", q->len ? "&" : "",
                    venue_recv_window_ms(v), (long long)venue_now_ms(v)))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    if (!a || ((!a->api_secret || !a->api_secret[0]) && !a->key))
        return 0;
    char sig[SIGN_URL_MAX + 1];
    if (signature(v, a, q->buf, q->len, 1, sig))
        return lt_err_set(err, LT_EINVAL, "cannot sign request");
    if (strbuf_addf(q, "&signature=%s", sig))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    return 0;
}

/* One send: waits for the rate limits, signs with a fresh timestamp, sends
 * with auth's key, headers and cookies, adopts the venue's counts.  On 2xx
 * leaves the body in resp and returns 0, else maps the failure (see top of
 * file); a 429/418 also blocks the limiter for its Retry-After. */
static int attempt(struct venue *v, struct http *h, const struct venue_auth *a,
                   struct call *c, struct http_response *resp, struct lt_err *err)
{
    /* Sized once for what a call usually needs (the signed parameters, the
     * URL, a few headers): every growth step was an allocation per call. */
    enum { SIGNED_EXTRA = 160, HDRS_STACK = 8, KEYHDR_STACK = 160 };
    struct strbuf q = STRBUF_INIT, url = STRBUF_INIT;
    const char *hdrs_stack[HDRS_STACK];
    char keyhdr_stack[KEYHDR_STACK];
    char *keyhdr = NULL;
    const char **hdrs = NULL;
    size_t nh = 0, nh_max = (a ? a->n_headers : 0) + 1;
    int rc = venue_limits_wait(v, a, c->once, c->weight, err);
    /* the gate after the last wait: from here to the timestamp nothing
     * blocks */
    if (rc || (rc = venue_gate_check(c->gate, err)))
        goto done;
    if (strbuf_grow(&q, c->query.len + SIGNED_EXTRA)) {
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
        goto done;
    }
    if ((rc = signed_query(v, a, c, &q, err)))
        goto done;
    int in_url = !c->once && q.len;
    const char *base = venue_rest_url(v);
    hdrs = nh_max <= HDRS_STACK ? hdrs_stack : calloc(nh_max, sizeof *hdrs);
    if (!hdrs || strbuf_grow(&url, strlen(base) + strlen(c->path) + 1 + (in_url ? q.len : 0)) ||
        strbuf_addf(&url, "%s%s%s%s", base, c->path, in_url ? "?" : "", in_url ? q.buf : "")) {
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
        goto done;
    }
    if (a && a->api_key && a->api_key[0]) {
        static const char name[] = "X-MBX-APIKEY: ";
        size_t kl = strlen(a->api_key), need = sizeof name + kl;
        keyhdr = need <= KEYHDR_STACK ? keyhdr_stack : malloc(need);
        if (!keyhdr) {
            rc = lt_err_set(err, LT_ENOMEM, "out of memory");
            goto done;
        }
        memcpy(keyhdr, name, sizeof name - 1);
        memcpy(keyhdr + sizeof name - 1, a->api_key, kl + 1);
        hdrs[nh++] = keyhdr;
    }
    for (size_t i = 0; a && i < a->n_headers; i++)
        hdrs[nh++] = a->headers[i];

    struct http_request req = {
        .method = c->method,
        .url = url.buf,
        .body = c->once ? q.buf : NULL,
        .no_resend = c->once,
        .headers = hdrs,
        .n_headers = nh,
        .cookies = a ? a->cookies : NULL,
        .timeout_ms = venue_timeout_ms(v),
    };
    int64_t sent_ms = venue_now_ms(v);
    c->sent_local_ms = venue_local_ms(v);
    if (c->once)
        latency_order_sent();
    rc = http_do(h, &req, resp, err);
    c->recv_local_ms = venue_local_ms(v);
    /* The path only: the query holds signatures and ids. */
    log_debug("venue: %s %s: %d", c->method, c->path, rc == 0 ? (int)resp->status : rc);
    if (rc == 0) {
        venue_limits_observe(v, a, sent_ms, resp);
        if (resp->status < 200 || resp->status > 299) {
            rc = venue_binance_parse_error(resp->status, resp->body.buf, resp->body.len,
                                           resp->retry_after_s, err);
            if (rc == LT_ERATELIMIT)
                venue_limits_block(v, a, err->venue_code, resp->retry_after_s);
        }
    }
done:
    if (hdrs != hdrs_stack)
        free(hdrs);
    if (keyhdr != keyhdr_stack)
        free(keyhdr);
    strbuf_free(&url);
    strbuf_free(&q);
    return rc;
}

int venue_binance_parse_server_time(const char *buf, size_t len, int64_t local_ms, int64_t *ms,
                                    struct lt_err *err)
{
    json_t *root = load(buf, len, "time", err);
    if (!root)
        return LT_EPARSE;
    int64_t t = 0;
    int rc = json_is_object(root) ? jint(root, "serverTime", 1, &t, err)
                                  : lt_err_set(err, LT_EPARSE, "binance: time is not an object");
    json_decref(root);
    if (!rc && (t < local_ms - VENUE_CLOCK_SKEW_MAX_MS || t > local_ms + VENUE_CLOCK_SKEW_MAX_MS))
        rc = lt_err_set(err, LT_ERANGE,
                        "binance: serverTime %lld is more than a day from the local clock "
                        "(%lld); refused",
                        (long long)t, (long long)local_ms);
    if (!rc)
        *ms = t;
    return rc;
}

/* Measures venue time - local time: the server's clock against the middle
 * of our send and receive times, then corrects every later timestamp. */
static int sync_clock(struct venue *v, struct http *h, struct lt_err *err)
{
    struct call c;
    call_init(&c, "GET", "/api/v3/time", 0, W_TIME);
    struct http_response resp;
    http_response_init(&resp);
    int64_t server_ms = 0;
    int rc = attempt(v, h, NULL, &c, &resp, err);
    if (!rc)
        rc = venue_binance_parse_server_time(resp.body.buf, resp.body.len,
                               (c.sent_local_ms + c.recv_local_ms) / 2, &server_ms, err);
    http_response_release(&resp);
    strbuf_free(&c.query);
    if (rc)
        return rc;
    int64_t offset = server_ms - (c.sent_local_ms + c.recv_local_ms) / 2;
    venue_set_clock_offset(v, offset);
    venue_stat_add(v, VENUE_STAT_CLOCK_SYNCS, 1);
    log_debug("venue: clock offset %lld ms (round trip %lld ms)", (long long)offset,
              (long long)(c.recv_local_ms - c.sent_local_ms));
    return 0;
}

/* Before the run's first signed request: its caller measures the clock. */
static void clock_first(struct venue *v, struct http *h)
{
    struct lt_err e;
    if (venue_clock_claim(v) && sync_clock(v, h, &e) != 0)
        log_warn("venue: cannot measure the server clock (%s); using the local clock", e.msg);
}

/* Jittered exponential backoff before send number tries + 1: half to all
 * of BACKOFF_FIRST_MS << (tries - 1), at most BACKOFF_MAX_MS. */
static int64_t backoff_ms(int tries)
{
    static _Atomic uint64_t seq; /* any thread, atomic */
    uint64_t x = atomic_fetch_add(&seq, 0x9E3779B97F4A7C15ull) + 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull; /* splitmix64 */
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    int64_t base = (int64_t)BACKOFF_FIRST_MS << (tries - 1 < 4 ? tries - 1 : 4);
    if (base > BACKOFF_MAX_MS)
        base = BACKOFF_MAX_MS;
    return base / 2 + (int64_t)(x % (uint64_t)(base / 2 + 1));
}

/* attempt() until it is done: before the first signed call of the run the
 * clock offset is measured; a -1021 (timestamp outside recvWindow, so the
 * venue did nothing) re-measures it, or adopts the measurement another
 * thread made since this send, and sends again, at most CLOCK_RESYNCS_MAX
 * times; an unknown
 * outcome of a call that is safe to repeat (everything but a new order) is
 * retried CALL_TRIES times with backoff.  A new order is never re-sent on
 * an unknown outcome: the caller settles it by query.  Frees c->query. */
static int perform(struct venue *v, struct http *h, const struct venue_auth *a, struct call *c,
                   struct http_response *resp, struct lt_err *err)
{
    struct lt_err e;
    int rc, resyncs = 0;
    if (c->sign)
        clock_first(v, h);
    for (int tries = 1;; tries++) {
        lt_err_clear(&e);
        unsigned gen = venue_clock_generation(v);
        rc = attempt(v, h, a, c, resp, &e);
        if (rc == LT_EEXCHANGE && e.venue_code == -1021 && c->sign &&
            resyncs < CLOCK_RESYNCS_MAX) {
            struct lt_err ce;
            resyncs++;
            if (venue_clock_generation(v) != gen) {
                log_debug("venue: %s %s: %s; the clock was re-measured meanwhile, sending "
                          "again", c->method, c->path, e.msg);
                venue_stat_add(v, VENUE_STAT_RETRIES, 1);
                continue;
            }
            if (sync_clock(v, h, &ce) == 0) {
                log_info("venue: %s %s: %s; clock offset re-measured, sending again", c->method,
                         c->path, e.msg);
                venue_stat_add(v, VENUE_STAT_RETRIES, 1);
                continue;
            }
        } else if (rc == LT_EUNKNOWN && !c->once && tries < CALL_TRIES) {
            int64_t ms = backoff_ms(tries);
            log_debug("venue: %s %s: %s; retrying in %lld ms", c->method, c->path, e.msg,
                      (long long)ms);
            venue_stat_add(v, VENUE_STAT_RETRIES, 1);
            venue_sleep_ms(v, ms);
            continue;
        }
        break;
    }
    strbuf_free(&c->query);
    if (rc && err)
        *err = e;
    return rc;
}

/* perform() and hand the 2xx body to parse. */
#define CALL_AND_PARSE(v, h, a, c, err, PARSE_EXPR) \
    VENUE_CALL_AND_PARSE(perform, v, h, a, c, err, PARSE_EXPR)

static int b_server_time(struct venue *v, struct http *h, int64_t *ms, struct lt_err *err)
{
    struct call c;
    call_init(&c, "GET", "/api/v3/time", 0, W_TIME);
    CALL_AND_PARSE(v, h, NULL, &c, err,
                   venue_binance_parse_server_time(body, blen, venue_local_ms(v), ms, err));
}

static int b_exchange_info(struct venue *v, struct http *h, const char *symbol,
                           struct symbol_rules *out, struct lt_err *err)
{
    struct call c;
    call_init(&c, "GET", "/api/v3/exchangeInfo", 0, W_EXCHANGE_INFO);
    if (param(&c, "symbol", symbol)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    struct http_response resp;
    http_response_init(&resp);
    int rc = perform(v, h, NULL, &c, &resp, err);
    struct venue_limits lim;
    if (rc == 0 && venue_binance_parse_rate_limits(resp.body.buf, resp.body.len, &lim, NULL) == 0)
        venue_set_limits(v, &lim);
    if (rc == 0)
        rc = venue_binance_parse_exchange_info(resp.body.buf, resp.body.len, symbol, out, err);
    else if (rc == LT_EEXCHANGE && err && err->venue_code == -1121)
        rc = lt_err_set(err, LT_ENOTFOUND, "symbol %.32s is not listed by the exchange (%s)",
                        symbol, "binance -1121");
    http_response_release(&resp);
    return rc;
}

static int b_book_ticker(struct venue *v, struct http *h, const char *symbol, money_t *bid,
                         money_t *ask, struct lt_err *err)
{
    struct call c;
    call_init(&c, "GET", "/api/v3/ticker/bookTicker", 0, W_BOOK_TICKER);
    if (param(&c, "symbol", symbol)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    CALL_AND_PARSE(v, h, NULL, &c, err, venue_binance_parse_book_ticker(body, blen, bid, ask, err));
}

static const char *tif_name(enum time_in_force t)
{
    return t == TIF_IOC ? "IOC" : t == TIF_FOK ? "FOK" : "GTC";
}

/* One parameter of a request by name and text value; num: a JSON number
 * in a WebSocket API request (a string otherwise). */
struct named_param {
    const char *name;
    const char *value;
    int num;
};

#define ORDER_PARAMS 8

/* A new order's parameters, the same over REST and the WebSocket API;
 * qty and price hold their text.  RESULT, not FULL: the answer's status
 * and executed amounts are all that is read of it (fills and their
 * commissions come from executionReports or myTrades), and FULL's fills
 * list is bytes every order's answer carries for nothing. */
static void order_params(const struct order_request *req, char qty[MONEY_STR_MAX],
                         char price[MONEY_STR_MAX], struct named_param p[ORDER_PARAMS])
{
    p[0] = (struct named_param){ "symbol", req->symbol, 0 };
    p[1] = (struct named_param){ "side", req->side == SIDE_BUY ? "BUY" : "SELL", 0 };
    p[2] = (struct named_param){ "type", "LIMIT", 0 };
    p[3] = (struct named_param){ "timeInForce", tif_name(req->tif), 0 };
    p[4] = (struct named_param){ "quantity", money_format_min(req->qty, qty), 0 };
    p[5] = (struct named_param){ "price", money_format_min(req->price, price), 0 };
    p[6] = (struct named_param){ "newClientOrderId", req->client_id, 0 };
    p[7] = (struct named_param){ "newOrderRespType", "RESULT", 0 };
}

static int ws_request_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                          const char *method, const struct named_param *p, size_t n,
                          struct strbuf *out, struct lt_err *err);

/* One call over the WebSocket API instead of REST, in attempt()'s order:
 * the limits' wait (the same per-IP weight and, for a new order (once),
 * the account's order counts), a new order's gate, then the request
 * signed with a fresh timestamp and handed to a's connection; the
 * answer's result is read as an order.  VENUE_CHANNEL_UNSENT when REST is
 * to send it: nothing reached the venue (no connection up, the request
 * never written, or -1021: the venue did nothing), or, for a call that is
 * safe to repeat (not once), an unknown outcome (the answer lost, or a
 * 5xx one), which REST retries as it retries its own.  REST then counts
 * its limits again, which errs on the safe side.  A new order's unknown outcome is the caller's to
 * settle, as over REST. */
/* The REST request a WS API method stands for, so that the request
 * latency histogram (live_http) counts it in the same class. */
static void ws_live(const char *method, int64_t us)
{
    int place = strcmp(method, "order.place") == 0, cancel = strcmp(method, "order.cancel") == 0;
    live_http(place ? "POST" : cancel ? "DELETE" : "GET", "/api/v3/order", us);
}

static int ws_call(struct venue *v, struct http *h, const struct venue_auth *a,
                   const struct venue_order_channel *ch, const char *method,
                   const struct named_param *p, size_t n, int once, int weight,
                   const struct order_gate *gate, const struct venue_in_flight *f,
                   struct order_state *out, struct lt_err *err)
{
    int64_t id = ch->begin(ch->ctx, a);
    if (id < 0)
        return VENUE_CHANNEL_UNSENT;
    clock_first(v, h);
    int rc = venue_limits_wait(v, a, once, weight, err);
    if (rc || (rc = venue_gate_check(gate, err)))
        return rc;
    struct strbuf msg = STRBUF_INIT, answer = STRBUF_INIT;
    struct lt_err e;
    int64_t sent_ms = 0;
    lt_err_clear(&e);
    if (ws_request_msg(v, a, id, method, p, n, &msg, &e) != 0) {
        log_debug("venue: %s not over the WebSocket API (%s); REST", method, e.msg);
        rc = VENUE_CHANNEL_UNSENT;
    } else {
        if (once)
            latency_order_sent();
        sent_ms = venue_now_ms(v);
        int64_t t0 = clock_mono_us();
        rc = ch->call(ch->ctx, a, id, msg.buf, msg.len, f, venue_timeout_ms(v), &answer, &e);
        if (rc != VENUE_CHANNEL_UNSENT)
            ws_live(method, clock_mono_us() - t0);
    }
    if (rc == 0) {
        struct http_response counts;
        http_response_init(&counts);
        rc = venue_binance_parse_ws_order_answer(answer.buf, answer.len, id, out, &counts, &e);
        venue_limits_observe(v, a, sent_ms, &counts);
        if (rc == LT_ERATELIMIT)
            venue_limits_block(v, a, e.venue_code, counts.retry_after_s);
        else if (rc == LT_EEXCHANGE && e.venue_code == -1021)
            rc = VENUE_CHANNEL_UNSENT; /* REST re-measures the clock and sends */
        http_response_release(&counts);
    }
    if (rc == LT_EUNKNOWN && !once) /* the answer lost, or a 5xx one: REST retries */
        rc = VENUE_CHANNEL_UNSENT;
    log_debug("venue: WS API %s: %d", method, rc);
    strbuf_free(&msg);
    strbuf_free(&answer);
    if (rc < 0 && err)
        *err = e;
    return rc;
}

static int b_place_order(struct venue *v, struct http *h, const struct venue_auth *a,
                         const struct order_request *req, struct order_state *out,
                         struct lt_err *err)
{
    char qty[MONEY_STR_MAX], price[MONEY_STR_MAX];
    struct named_param p[ORDER_PARAMS];
    order_params(req, qty, price, p);
    const struct venue_order_channel *ch = venue_order_channel(v);
    if (ch) {
        int rc = ws_call(v, h, a, ch, "order.place", p, ORDER_PARAMS, 1, W_ORDER, req->gate,
                         req->in_flight, out, err);
        if (rc != VENUE_CHANNEL_UNSENT)
            return rc;
    }
    struct call c;
    call_init(&c, "POST", "/api/v3/order", 1, W_ORDER);
    c.once = 1;
    c.gate = req->gate;
    for (size_t i = 0; i < ORDER_PARAMS; i++)
        if (param(&c, p[i].name, p[i].value)) {
            strbuf_free(&c.query);
            return lt_err_set(err, LT_ENOMEM, "out of memory");
        }
    CALL_AND_PARSE(v, h, a, &c, err, venue_binance_parse_order(body, blen, out, err));
}

static int order_by_client_id(struct venue *v, struct http *h, const struct venue_auth *a,
                              const char *method, const char *ws_method, int weight,
                              const char *symbol, const char *client_id,
                              struct order_state *out, struct lt_err *err)
{
    const struct venue_order_channel *ch = venue_order_channel(v);
    if (ch) {
        const struct named_param p[] = { { "symbol", symbol, 0 },
                                         { "origClientOrderId", client_id, 0 } };
        int rc = ws_call(v, h, a, ch, ws_method, p, 2, 0, weight, NULL, NULL, out, err);
        if (rc != VENUE_CHANNEL_UNSENT)
            return rc;
    }
    struct call c;
    call_init(&c, method, "/api/v3/order", 1, weight);
    if (param(&c, "symbol", symbol) || param(&c, "origClientOrderId", client_id)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    CALL_AND_PARSE(v, h, a, &c, err, venue_binance_parse_order(body, blen, out, err));
}

static int b_cancel_order(struct venue *v, struct http *h, const struct venue_auth *a,
                          const char *symbol, const char *client_id, struct order_state *out,
                          struct lt_err *err)
{
    return order_by_client_id(v, h, a, "DELETE", "order.cancel", W_CANCEL, symbol, client_id, out,
                              err);
}

static int b_query_order(struct venue *v, struct http *h, const struct venue_auth *a,
                         const char *symbol, const char *client_id, struct order_state *out,
                         struct lt_err *err)
{
    return order_by_client_id(v, h, a, "GET", "order.status", W_QUERY, symbol, client_id, out,
                              err);
}

static int b_open_orders(struct venue *v, struct http *h, const struct venue_auth *a,
                         const char *symbol, struct order_state **out, size_t *n,
                         struct lt_err *err)
{
    *out = NULL;
    *n = 0;
    struct call c;
    call_init(&c, "GET", "/api/v3/openOrders", 1, W_OPEN_ORDERS);
    if (param(&c, "symbol", symbol)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    CALL_AND_PARSE(v, h, a, &c, err, venue_binance_parse_orders(body, blen, out, n, err));
}

/* Appends src[0..n) to the growing array *dst (*dn used); frees src. */
static int append_items(void **dst, size_t *dn, void *src, size_t n, size_t size)
{
    if (n == 0) {
        free(src);
        return 0;
    }
    char *p = realloc(*dst, (*dn + n) * size);
    if (!p) {
        free(src);
        return LT_ENOMEM;
    }
    memcpy(p + *dn * size, src, n * size);
    free(src);
    *dst = p;
    *dn += n;
    return 0;
}

/* One paginated listing (allOrders, myTrades): how to ask for the page
 * starting at an id (from_id < 0: the first page), how to decode it, each
 * item's id, and which items the caller wants. */
struct pager {
    const char *path;
    int weight;
    size_t size;   /* bytes per item */
    const void *ctx;
    int (*params)(struct call *c, const void *ctx, int64_t from_id);
    int (*parse)(const char *buf, size_t len, void **out, size_t *n, struct lt_err *err);
    int64_t (*id_of)(const void *item);
    int (*keep)(const void *item, const void *ctx);
};

/* Every page of a listing, the kept items appended to one malloc'd array;
 * LT_ERANGE when it does not end within LISTING_PAGES_MAX pages or
 * LISTING_TIME_MAX_MS. */
static int fetch_pages(struct venue *v, struct http *h, const struct venue_auth *a,
                       const struct pager *pgr, void **out, size_t *n, struct lt_err *err)
{
    char *all = NULL;
    size_t total = 0;
    int64_t from_id = -1, t0 = venue_local_ms(v);
    const char *name = strrchr(pgr->path, '/') + 1;
    int rc = 0;
    for (int page = 0;; page++) {
        int64_t elapsed = venue_local_ms(v) - t0;
        if (page >= LISTING_PAGES_MAX || elapsed >= LISTING_TIME_MAX_MS) {
            rc = lt_err_set(err, LT_ERANGE, "%s listing did not end after %d pages / %lld s",
                            name, page, (long long)(elapsed / 1000));
            break;
        }
        if (page > 0 && page % LISTING_LOG_EVERY == 0)
            log_info("venue: %s listing still going: %d pages, %zu kept, %lld s", name, page,
                     total, (long long)(elapsed / 1000));
        struct call c;
        call_init(&c, "GET", pgr->path, 1, pgr->weight);
        if (pgr->params(&c, pgr->ctx, from_id) || param_i64(&c, "limit", PAGE_LIMIT)) {
            strbuf_free(&c.query);
            rc = lt_err_set(err, LT_ENOMEM, "out of memory");
            break;
        }
        struct http_response resp;
        http_response_init(&resp);
        char *pg = NULL;
        size_t np = 0;
        rc = perform(v, h, a, &c, &resp, err);
        if (!rc)
            rc = pgr->parse(resp.body.buf, resp.body.len, (void **)&pg, &np, err);
        http_response_release(&resp);
        if (rc)
            break;
        int64_t last = from_id;
        size_t keep = 0;
        for (size_t i = 0; i < np; i++) {
            const char *item = pg + i * pgr->size;
            if (pgr->id_of(item) > last)
                last = pgr->id_of(item);
            if (pgr->keep(item, pgr->ctx))
                memmove(pg + keep++ * pgr->size, item, pgr->size);
        }
        if ((rc = append_items((void **)&all, &total, pg, keep, pgr->size))) {
            lt_err_set(err, rc, "out of memory");
            break;
        }
        /* A short page is the last; so is one that did not get past
         * from_id, or that reached the largest id (a hostile venue's:
         * last + 1 would overflow). */
        if (np < PAGE_LIMIT || last <= from_id || last == INT64_MAX)
            break;
        from_id = last + 1;
    }
    if (rc) {
        free(all);
        all = NULL;
        total = 0;
    }
    *out = all;
    *n = total;
    return rc;
}

struct history_ctx {
    const char *symbol;
    int64_t start_ms;
};

static int history_params(struct call *c, const void *ctx, int64_t from_id)
{
    const struct history_ctx *x = ctx;
    return param(c, "symbol", x->symbol) ||
           (from_id < 0 ? param_i64(c, "startTime", x->start_ms)
                        : param_i64(c, "orderId", from_id));
}

static int history_parse(const char *buf, size_t len, void **out, size_t *n,
                         struct lt_err *err)
{
    struct order_state *o = NULL;
    int rc = venue_binance_parse_orders(buf, len, &o, n, err);
    *out = o;
    return rc;
}

static int64_t history_id(const void *item)
{
    return ((const struct order_state *)item)->order_id;
}

static int history_keep(const void *item, const void *ctx)
{
    return ((const struct order_state *)item)->time_ms >=
           ((const struct history_ctx *)ctx)->start_ms;
}

static int b_order_history(struct venue *v, struct http *h, const struct venue_auth *a,
                           const char *symbol, int64_t start_ms, struct order_state **out,
                           size_t *n, struct lt_err *err)
{
    struct history_ctx x = { symbol, start_ms };
    struct pager pgr = { "/api/v3/allOrders", W_ALL_ORDERS, sizeof **out, &x,
                         history_params, history_parse, history_id, history_keep };
    void *all;
    int rc = fetch_pages(v, h, a, &pgr, &all, n, err);
    *out = all;
    return rc;
}

struct trades_ctx {
    const char *symbol;
    int64_t order_id; /* < 0: all trades since start_ms */
    int64_t start_ms;
};

static int trades_params(struct call *c, const void *ctx, int64_t from_id)
{
    const struct trades_ctx *x = ctx;
    int rc = param(c, "symbol", x->symbol);
    if (!rc && x->order_id >= 0)
        rc = param_i64(c, "orderId", x->order_id);
    if (!rc && from_id >= 0)
        rc = param_i64(c, "fromId", from_id);
    else if (!rc && x->order_id < 0)
        rc = param_i64(c, "startTime", x->start_ms);
    return rc;
}

static int trades_parse(const char *buf, size_t len, void **out, size_t *n, struct lt_err *err)
{
    struct trade_fill *t = NULL;
    int rc = venue_binance_parse_trades(buf, len, &t, n, err);
    *out = t;
    return rc;
}

static int64_t trades_id(const void *item)
{
    return ((const struct trade_fill *)item)->trade_id;
}

static int trades_keep(const void *item, const void *ctx)
{
    const struct trade_fill *t = item;
    const struct trades_ctx *x = ctx;
    return x->order_id >= 0 ? t->order_id == x->order_id : t->time_ms >= x->start_ms;
}

static int b_my_trades(struct venue *v, struct http *h, const struct venue_auth *a,
                       const char *symbol, int64_t order_id, int64_t start_ms,
                       struct trade_fill **out, size_t *n, struct lt_err *err)
{
    struct trades_ctx x = { symbol, order_id, start_ms };
    struct pager pgr = { "/api/v3/myTrades", W_MY_TRADES, sizeof **out, &x,
                         trades_params, trades_parse, trades_id, trades_keep };
    void *all;
    int rc = fetch_pages(v, h, a, &pgr, &all, n, err);
    *out = all;
    return rc;
}

static int b_balance(struct venue *v, struct http *h, const struct venue_auth *a,
                     const char *asset, money_t *free_amt, money_t *locked, struct lt_err *err)
{
    struct call c;
    call_init(&c, "GET", "/api/v3/account", 1, W_ACCOUNT);
    CALL_AND_PARSE(v, h, a, &c, err,
                   venue_binance_parse_balance(body, blen, asset, free_amt, locked, err));
}

static int b_market_stream_path(struct venue *v, const char *symbol, struct strbuf *out)
{
    (void)v;
    int rc = strbuf_addstr(out, "/ws/");
    for (const char *p = symbol; !rc && *p; p++) {
        if (!isalnum((unsigned char)*p))
            return LT_EINVAL;
        rc = strbuf_addch(out, (char)tolower((unsigned char)*p));
    }
    return rc ? rc : strbuf_addstr(out, "@bookTicker");
}

#define WS_PARAMS_MAX 16

/* 1 when s goes into a JSON string as it is (and signs as it is sent). */
static int ws_plain(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '"' || *s == '\\')
            return 0;
    return 1;
}

/* {"id":N,"method":M,"params":{...,"signature":S}}: extra plus apiKey and
 * a fresh timestamp, sorted by name, signed over "k=v&..." of exactly
 * those (the WS API's rule: params sorted by name, signature left out). */
static int signed_ws_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                         const char *method, const struct named_param *extra, size_t n_extra,
                         struct strbuf *out, struct lt_err *err)
{
    if (!a->api_key || !a->api_key[0] || ((!a->api_secret || !a->api_secret[0]) && !a->key))
        return lt_err_set(err, LT_EINVAL, "WebSocket API %s needs an API key and secret",
                          method);
    if (n_extra + 2 > WS_PARAMS_MAX)
        return lt_err_set(err, LT_EINVAL, "%s: too many parameters", method);
    char ts[DECIMAL_MAX];
    decimal_i64(venue_now_ms(v), ts);
    struct named_param p[WS_PARAMS_MAX];
    size_t n = 0;
    p[n++] = (struct named_param){ "apiKey", a->api_key, 0 };
    p[n++] = (struct named_param){ "timestamp", ts, 1 };
    for (size_t i = 0; i < n_extra; i++)
        p[n++] = extra[i];
    for (size_t i = 1; i < n; i++) {
        struct named_param x = p[i];
        size_t j = i;
        for (; j > 0 && strcmp(p[j - 1].name, x.name) > 0; j--)
            p[j] = p[j - 1];
        p[j] = x;
    }
    for (size_t i = 0; i < n; i++)
        if (!ws_plain(p[i].value))
            return lt_err_set(err, LT_EINVAL, "cannot encode %s: %s is not printable ASCII",
                              method, p[i].name);
    /* appended piece by piece, not printf'd: this runs for every order */
    struct strbuf payload = STRBUF_INIT;
    char sig[SIGN_URL_MAX + 1];
    int rc = strbuf_grow(&payload, QUERY_ROOM);
    for (size_t i = 0; i < n && !rc; i++)
        rc = (i && strbuf_addch(&payload, '&')) || strbuf_addstr(&payload, p[i].name) ||
             strbuf_addch(&payload, '=') || strbuf_addstr(&payload, p[i].value);
    if (!rc)
        rc = signature(v, a, payload.buf, payload.len, 0, sig) ? LT_EINVAL : LT_OK;
    strbuf_free(&payload);
    if (rc)
        return lt_err_set(err, rc < 0 ? rc : LT_ENOMEM, "cannot sign %s", method);
    char id[DECIMAL_MAX];
    decimal_i64(req_id, id);
    rc = strbuf_grow(out, QUERY_ROOM + SIGN_URL_MAX) || strbuf_addstr(out, "{\"id\":") ||
         strbuf_addstr(out, id) || strbuf_addstr(out, ",\"method\":\"") ||
         strbuf_addstr(out, method) || strbuf_addstr(out, "\",\"params\":{");
    for (size_t i = 0; i < n && !rc; i++)
        rc = strbuf_addch(out, '"') || strbuf_addstr(out, p[i].name) ||
             strbuf_addstr(out, p[i].num ? "\":" : "\":\"") || strbuf_addstr(out, p[i].value) ||
             strbuf_addstr(out, p[i].num ? "," : "\",");
    if (!rc)
        rc = strbuf_addstr(out, "\"signature\":\"") || strbuf_addstr(out, sig) ||
             strbuf_addstr(out, "\"}}");
    return rc ? lt_err_set(err, LT_ENOMEM, "out of memory") : 0;
}

/* A signed call's request: p and recvWindow (signed_ws_msg adds apiKey and
 * the timestamp). */
static int ws_request_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                          const char *method, const struct named_param *p, size_t n,
                          struct strbuf *out, struct lt_err *err)
{
    char window[DECIMAL_MAX];
    struct named_param all[WS_PARAMS_MAX];
    if (n + 1 > WS_PARAMS_MAX)
        return lt_err_set(err, LT_EINVAL, "%s: too many parameters", method);
    memcpy(all, p, n * sizeof *p);
    decimal_i64(venue_recv_window_ms(v), window);
    all[n] = (struct named_param){ "recvWindow", window, 1 };
    return signed_ws_msg(v, a, req_id, method, all, n + 1, out, err);
}

int venue_binance_ws_order_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                               const struct order_request *req, struct strbuf *out,
                               struct lt_err *err)
{
    char qty[MONEY_STR_MAX], price[MONEY_STR_MAX];
    struct named_param p[ORDER_PARAMS];
    order_params(req, qty, price, p);
    return ws_request_msg(v, a, req_id, "order.place", p, ORDER_PARAMS, out, err);
}

/* A WS API answer's rateLimits as the REST headers' counts (an entry it
 * cannot read is skipped: the counts only ever raise ours). */
static void ws_answer_counts(const struct venue_jobj *o, struct http_response *counts)
{
    struct venue_jval rl, el;
    struct venue_jiter it;
    venue_jobj_get(o, "rateLimits", &rl);
    if (rl.type != VJ_ARRAY)
        return;
    venue_jiter_init(&it, &rl);
    for (int k = 0; k < 16 && venue_jiter_next(&it, &el); k++) {
        struct venue_jobj lo;
        const char *type = NULL, *ival = NULL;
        size_t tn = 0, in = 0;
        int64_t num = 0, count = -1;
        if (el.type != VJ_OBJECT || venue_jobj_of(&el, &lo) ||
            venue_jobj_text(&lo, "rateLimitType", &type, &tn) ||
            venue_jobj_text(&lo, "interval", &ival, &in) ||
            oint(&lo, "intervalNum", 1, &num, NULL) || oint(&lo, "count", 1, &count, NULL) ||
            !type || !ival || count < 0)
            continue;
        int c = count > 1000000000 ? 1000000000 : (int)count;
        if (text_is(type, tn, "REQUEST_WEIGHT") && text_is(ival, in, "MINUTE") && num == 1)
            counts->used_weight_1m = c;
        else if (text_is(type, tn, "ORDERS") && text_is(ival, in, "SECOND") && num == 10)
            counts->order_count_10s = c;
        else if (text_is(type, tn, "ORDERS") && text_is(ival, in, "DAY") && num == 1)
            counts->order_count_1d = c;
    }
}

/* A rate-limited answer's error.data (Binance's 429 and 418: serverTime
 * and retryAfter, when to retry, both ms) as the seconds to wait, into
 * counts->retry_after_s as REST's Retry-After header fills it (rounded up,
 * at most HTTP_RETRY_AFTER_MAX_S); left as it was when either is missing or
 * they disagree.  0, or VENUE_JSON_DECLINE for jansson to read it. */
static int ws_error_retry_after(const struct venue_jobj *error, struct http_response *counts)
{
    struct venue_jval data;
    struct venue_jobj d;
    int64_t server = 0, retry = 0;
    venue_jobj_get(error, "data", &data);
    if (data.type != VJ_OBJECT)
        return 0;
    int rc = venue_jobj_of(&data, &d);
    if (rc)
        return rc;
    if (oint(&d, "serverTime", 1, &server, NULL) || oint(&d, "retryAfter", 1, &retry, NULL) ||
        server < 0 || retry < server)
        return 0;
    int64_t ms = retry - server, sec = ms / 1000 + (ms % 1000 != 0);
    counts->retry_after_s = sec > HTTP_RETRY_AFTER_MAX_S ? HTTP_RETRY_AFTER_MAX_S : (int)sec;
    return 0;
}

/* venue_binance_parse_ws_order_answer over either parser's root object. */
static int ws_answer_from(const struct venue_jobj *o, int64_t req_id, struct order_state *out,
                          struct http_response *counts, struct lt_err *err)
{
    struct venue_jval id, status, result, error;
    venue_jobj_get(o, "id", &id);
    venue_jobj_get(o, "status", &status);
    venue_jobj_get(o, "result", &result);
    venue_jobj_get(o, "error", &error);
    if (id.type != VJ_INTEGER || id.num != req_id)
        return lt_err_set(err, LT_EPARSE, "binance: WebSocket answer for another request");
    if (status.type != VJ_INTEGER || status.num < 100 || status.num > 999)
        return lt_err_set(err, LT_EPARSE, "binance: WebSocket answer without a status");
    if (counts)
        ws_answer_counts(o, counts);
    struct venue_jobj inner;
    int rc;
    if (status.num == 200) {
        if (result.type != VJ_OBJECT)
            return lt_err_set(err, LT_EPARSE, "binance: WebSocket answer without a result");
        return (rc = venue_jobj_of(&result, &inner)) ? rc : order_from(&inner, out, err);
    }
    int64_t code = 0;
    char msg[160] = "";
    if (error.type == VJ_OBJECT) {
        const char *m;
        size_t mn;
        if ((rc = venue_jobj_of(&error, &inner)) || (rc = venue_jobj_text(&inner, "msg", &m, &mn)))
            return rc;
        oint(&inner, "code", 0, &code, NULL);
        if (m)
            venue_json_clean_text_n(m, mn, msg, sizeof msg);
        if (counts && (rc = ws_error_retry_after(&inner, counts)))
            return rc;
    }
    return error_map((long)status.num, code, msg, counts ? counts->retry_after_s : -1, err);
}

int venue_binance_parse_ws_order_answer(const char *buf, size_t len, int64_t req_id,
                                        struct order_state *out, struct http_response *counts,
                                        struct lt_err *err)
{
    struct venue_jobj o;
    int rc = venue_jobj_scan(buf, len, &o);
    if (!rc)
        rc = ws_answer_from(&o, req_id, out, counts, err);
    if (rc != VENUE_JSON_DECLINE)
        return rc;
    json_t *root = load(buf, len, "WebSocket answer", err);
    if (!root)
        return LT_EPARSE;
    if (json_is_object(root)) {
        venue_jobj_json(root, &o);
        rc = ws_answer_from(&o, req_id, out, counts, err);
    } else {
        rc = lt_err_set(err, LT_EPARSE, "binance: WebSocket answer is not an object");
    }
    json_decref(root);
    return rc;
}

static int b_user_subscribe_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                                struct strbuf *out, struct lt_err *err)
{
    return signed_ws_msg(v, a, req_id, "userDataStream.subscribe.signature", NULL, 0, out, err);
}

int venue_binance_logon_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                            struct strbuf *out, struct lt_err *err)
{
    return signed_ws_msg(v, a, req_id, "session.logon", NULL, 0, out, err);
}

int venue_binance_session_subscribe_msg(int64_t req_id, struct strbuf *out)
{
    return strbuf_addf(out, "{\"id\":%lld,\"method\":\"userDataStream.subscribe\"}",
                       (long long)req_id);
}

static int b_parse_push(struct venue *v, const char *buf, size_t len, struct venue_push *out,
                        struct lt_err *err)
{
    (void)v;
    return venue_binance_parse_push(buf, len, out, err);
}

int venue_binance_unsubscribe_msg(int64_t req_id, int subscription_id, struct strbuf *out)
{
    return strbuf_addf(out,
                       "{\"id\":%lld,\"method\":\"userDataStream.unsubscribe\","
                       "\"params\":{\"subscriptionId\":%d}}",
                       (long long)req_id, subscription_id);
}

static int parse_listen_key(const char *buf, size_t len, char *key, size_t size,
                            struct lt_err *err)
{
    json_t *root = load(buf, len, "userDataStream", err);
    if (!root)
        return LT_EPARSE;
    int rc = json_is_object(root) ? jstr(root, "listenKey", 1, key, size, err)
                                  : lt_err_set(err, LT_EPARSE, "binance: bad listenKey reply");
    json_decref(root);
    if (!rc) {
        for (const char *p = key; *p; p++)
            if (!isalnum((unsigned char)*p))
                return lt_err_set(err, LT_EPARSE, "binance: listenKey has odd characters");
        if (!key[0])
            return lt_err_set(err, LT_EPARSE, "binance: empty listenKey");
    }
    return rc;
}

int venue_binance_listen_key(struct venue *v, struct http *h, const struct venue_auth *a,
                             char *key, size_t key_size, struct lt_err *err)
{
    struct call c;
    call_init(&c, "POST", "/api/v3/userDataStream", 0, W_USER_STREAM);
    CALL_AND_PARSE(v, h, a, &c, err, parse_listen_key(body, blen, key, key_size, err));
}

const struct venue_ops venue_binance_ops = {
    .name = "binance",
    .server_time = b_server_time,
    .exchange_info = b_exchange_info,
    .book_ticker = b_book_ticker,
    .place_order = b_place_order,
    .cancel_order = b_cancel_order,
    .query_order = b_query_order,
    .open_orders = b_open_orders,
    .order_history = b_order_history,
    .my_trades = b_my_trades,
    .balance = b_balance,
    .market_stream_path = b_market_stream_path,
    .user_subscribe_msg = b_user_subscribe_msg,
    .parse_push = b_parse_push,
};

/* Fuzzing entry (parsers.h). */
int venue_binance_parse_listen_key(const char *buf, size_t len, char *key, size_t size,
                                   struct lt_err *err)
{
    return parse_listen_key(buf, len, key, size, err);
}
