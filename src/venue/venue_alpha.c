/*
 * venue_alpha.c - the Binance Alpha web dialect (see venue_alpha.h).
 *
 * Paths, JSON bodies and envelope parsing live here and nowhere else.  The
 * web API has no order query and no cancel by client id, so both find the
 * order by its clientOrderId in the open orders, then in today's history
 * (the client id is sent with every order; the simulator echoes it, see
 * docs/venues.md).  Every send waits for the venue's limits like Spot's
 * (weight 1 a call: Alpha publishes none); a new order is sent at most once,
 * other calls are retried a few times on an unknown outcome.  Pushes and
 * market streams are the Spot stream format (the simulator serves Alpha
 * symbols there), so they reuse Spot's push parser.
 */
#include "looptrader/venue_alpha.h"
#include "looptrader/venue_json.h"
#include "looptrader/venue_binance.h"

#include <ctype.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/latency.h"
#include "looptrader/log.h"

#define P_TOKENS "/bapi/defi/v1/public/wallet-direct/buw/wallet/cex/alpha/all/token/list"
#define P_EXINFO "/bapi/defi/v1/public/alpha-trade/get-exchange-info"
#define P_DEPTH "/bapi/defi/v1/public/alpha-trade/fullDepth"
#define P_PLACE "/bapi/asset/v1/private/alpha-trade/order/place"
#define P_OTO "/bapi/asset/v1/private/alpha-trade/oto-order/place"
#define P_CANCEL "/bapi/defi/v1/private/alpha-trade/order/cancel"
#define P_OPEN "/bapi/defi/v1/private/alpha-trade/order/get-open-order"
#define P_HISTORY "/bapi/defi/v1/private/alpha-trade/order/get-order-history-merge"
#define P_TRADES "/bapi/defi/v1/private/alpha-trade/order/get-user-trades"
#define P_WALLET "/bapi/defi/v1/private/wallet-direct/cloud-wallet/alpha"
#define P_VOLUME "/bapi/defi/v1/private/wallet-direct/buw/wallet/today/user-volume"

#define HISTORY_ROWS 500
#define HISTORY_PAGES_MAX 200
#define CALL_TRIES 3
#define RETRY_MS 200
#define ENV_BODY_MAX 65536

/* ---------------------------------------------------------------- JSON */

static json_t *load_data(const char *buf, size_t len, const char *what, json_t **root,
                         struct lt_err *err)
{
    json_error_t je;
    *root = json_loadb(buf, len, 0, &je);
    if (!*root) {
        lt_err_set(err, LT_EPARSE, "alpha %s: bad JSON at %d: %s", what, je.position, je.text);
        return NULL;
    }
    json_t *d = json_is_object(*root) ? json_object_get(*root, "data") : NULL;
    if (!d || json_is_null(d))
        lt_err_set(err, LT_EPARSE, "alpha %s: no data", what);
    return d && !json_is_null(d) ? d : NULL;
}

static int jmoney(json_t *o, const char *key, int required, money_t *out, struct lt_err *err)
{
    return venue_json_money("alpha", o, key, required, out, err);
}

static int jint(json_t *o, const char *key, int required, int64_t *out, struct lt_err *err)
{
    return venue_json_int("alpha", o, key, required, out, err);
}

/* An id the web API writes as a decimal string ("123"), or an integer. */
static int jid(json_t *o, const char *key, int64_t *out, struct lt_err *err)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) > 0) {
        *out = (int64_t)json_integer_value(v);
        return 0;
    }
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    char *end;
    long long x = s && isdigit((unsigned char)s[0]) && strlen(s) <= 18 ? strtoll(s, &end, 10) : 0;
    if (x <= 0 || *end)
        return lt_err_set(err, LT_EPARSE, "alpha: field '%s' is not an id", key);
    *out = x;
    return 0;
}

static int jstr(json_t *o, const char *key, char *out, size_t size, struct lt_err *err)
{
    return venue_json_str("alpha", o, key, 1, out, size, err);
}



/* ---------------------------------------------------------------- envelope */

int venue_alpha_parse_envelope(long http_status, const char *buf, size_t len,
                               enum alpha_call call, struct lt_err *err)
{
    char code[24] = "", msg[160] = "";
    int success = 0, have = 0;
    if (len > 0 && len < ENV_BODY_MAX) {
        json_t *root = json_loadb(buf, len, 0, NULL);
        const char *c = json_is_object(root) ? venue_json_strv(root, "code") : NULL;
        if (c && strlen(c) < sizeof code) {
            have = 1;
            memcpy(code, c, strlen(c) + 1);
            success = json_is_true(json_object_get(root, "success"));
            const char *m = venue_json_strv(root, "message");
            if (m)
                venue_json_clean_text(m, msg, sizeof msg);
        }
        json_decref(root);
    }
    if (http_status == 429 || http_status == 418) {
        lt_err_set(err, LT_ERATELIMIT, "alpha HTTP %ld: rate limited (retry after 1 s)",
                   http_status);
        if (err)
            err->http_status = (int)http_status;
        return LT_ERATELIMIT;
    }
    if (http_status >= 500 || (!have && (http_status < 200 || http_status > 299))) {
        lt_err_set(err, LT_EUNKNOWN, "alpha HTTP %ld", http_status);
        if (err)
            err->http_status = (int)http_status;
        return LT_EUNKNOWN;
    }
    if (!have)
        return lt_err_set(err, LT_EPARSE, "alpha: answer without an envelope code");
    if (!strcmp(code, "000000") && success)
        return 0;

    int venue_code = 0, status = (int)http_status;
    const char *hint = "";
    if (!strcmp(code, "100002001")) {
        status = 401;
        hint = "; the web session expired: log in again in the browser and refresh this "
               "account's cookies and csrftoken";
    } else if (!strcmp(code, "100001005") || strstr(msg, "verification") ||
               strstr(msg, "upplementary authentication")) {
        status = 403;
        hint = "; step-up verification: complete it in the browser, then refresh this "
               "account's cookies and csrftoken";
    } else if (!strcmp(code, "481020")) {
        venue_code = -2010;
    } else if (!strcmp(code, "481013")) {
        venue_code = -1013;
    } else if (!strcmp(code, "481006")) {
        venue_code = call == ALPHA_CALL_CANCEL ? -2011 : -2013;
    }
    lt_err_set(err, LT_EEXCHANGE, "alpha %s: %s%s", code, msg[0] ? msg : "refused", hint);
    if (err) {
        err->venue_code = venue_code;
        err->http_status = status;
    }
    return LT_EEXCHANGE;
}

/* ---------------------------------------------------------------- parsers */

static int filters(json_t *arr, struct symbol_rules *r, struct lt_err *err)
{
    size_t i;
    json_t *f;
    int rc = 0;
    if (!json_is_array(arr))
        return lt_err_set(err, LT_EPARSE, "alpha: filters missing");
    json_array_foreach(arr, i, f) {
        const char *t = venue_json_strv(f, "filterType");
        if (!t)
            continue;
        if (!strcmp(t, "PRICE_FILTER"))
            rc = jmoney(f, "tickSize", 1, &r->tick_size, err) ||
                 jmoney(f, "minPrice", 0, &r->min_price, err) ||
                 jmoney(f, "maxPrice", 0, &r->max_price, err);
        else if (!strcmp(t, "LOT_SIZE"))
            rc = jmoney(f, "stepSize", 1, &r->step_size, err) ||
                 jmoney(f, "minQty", 0, &r->min_qty, err) ||
                 jmoney(f, "maxQty", 0, &r->max_qty, err);
        else if (!strcmp(t, "MIN_NOTIONAL"))
            rc = jmoney(f, "minNotional", 0, &r->min_notional, err);
        if (rc)
            return LT_EPARSE;
    }
    if (r->tick_size <= 0 || r->step_size <= 0 || r->min_price < 0 || r->max_price < 0 ||
        r->min_qty < 0 || r->max_qty < 0 || r->min_notional < 0)
        return lt_err_set(err, LT_EPARSE, "alpha: %s: filters out of range", r->symbol);
    return 0;
}

int venue_alpha_parse_exchange_info(const char *buf, size_t len, const char *symbol,
                                    struct symbol_rules *out, struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "exchange info", &root, err);
    json_t *syms = d ? json_object_get(d, "symbols") : NULL;
    int rc = d ? LT_ENOTFOUND : LT_EPARSE;
    size_t i;
    json_t *s;
    if (d && !json_is_array(syms))
        rc = lt_err_set(err, LT_EPARSE, "alpha exchange info: no symbols");
    else if (d)
        json_array_foreach(syms, i, s) {
            const char *name = venue_json_strv(s, "symbol");
            if (!name || strcmp(name, symbol))
                continue;
            struct symbol_rules r;
            memset(&r, 0, sizeof r);
            int64_t bp = 8, qp = 8;
            const char *status = venue_json_strv(s, "status");
            if ((rc = jstr(s, "symbol", r.symbol, sizeof r.symbol, err)) ||
                (rc = jstr(s, "baseAsset", r.base, sizeof r.base, err)) ||
                (rc = jstr(s, "quoteAsset", r.quote, sizeof r.quote, err)) ||
                (rc = jint(s, "baseAssetPrecision", 0, &bp, err)) ||
                (rc = jint(s, "quotePrecision", 0, &qp, err)))
                break;
            if (bp < 0 || bp > 18 || qp < 0 || qp > 18) {
                rc = lt_err_set(err, LT_EPARSE, "alpha: %s: precision out of range", symbol);
                break;
            }
            r.base_precision = (int)bp;
            r.quote_precision = (int)qp;
            r.trading = status && !strcmp(status, "TRADING");
            if (!(rc = filters(json_object_get(s, "filters"), &r, err)))
                *out = r;
            break;
        }
    if (rc == LT_ENOTFOUND)
        lt_err_set(err, LT_ENOTFOUND, "alpha: symbol %.40s is not listed", symbol);
    json_decref(root);
    return rc;
}

int venue_alpha_parse_token(const char *buf, size_t len, const char *base, int *mul,
                            char *name, size_t name_size, struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "token list", &root, err);
    int rc = d ? LT_ENOTFOUND : LT_EPARSE;
    size_t i;
    json_t *t;
    if (d && !json_is_array(d))
        rc = lt_err_set(err, LT_EPARSE, "alpha token list: not an array");
    else if (d)
        json_array_foreach(d, i, t) {
            const char *id = venue_json_strv(t, "alphaId");
            if (!id || strcmp(id, base))
                continue;
            json_t *m = json_object_get(t, "mulPoint");
            if (!json_is_integer(m) || json_integer_value(m) < 1 || json_integer_value(m) > 64)
                rc = lt_err_set(err, LT_EPARSE, "alpha: %s: mulPoint is not 1..64", base);
            else if (!(rc = jstr(t, "symbol", name, name_size, err)))
                *mul = (int)json_integer_value(m);
            break;
        }
    if (rc == LT_ENOTFOUND)
        lt_err_set(err, LT_ENOTFOUND, "alpha: token %.40s is not listed", base);
    json_decref(root);
    return rc;
}

int venue_alpha_parse_counted(const char *buf, size_t len, const char *name, money_t *counted,
                              struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "user volume", &root, err);
    json_t *list = json_is_object(d) ? json_object_get(d, "tradeVolumeInfoList") : NULL;
    money_t c = 0;
    int rc = 0;
    size_t i;
    json_t *t;
    if (!json_is_array(list))
        rc = d ? lt_err_set(err, LT_EPARSE, "alpha user volume: no tradeVolumeInfoList")
               : LT_EPARSE;
    else
        json_array_foreach(list, i, t) {
            const char *tn = venue_json_strv(t, "tokenName");
            if (!tn || strcmp(tn, name))
                continue;
            if ((rc = jmoney(t, "volume", 1, &c, err)))
                break;
            if (c < 0)
                rc = lt_err_set(err, LT_EPARSE, "alpha user volume: negative volume");
            break;
        }
    json_decref(root);
    if (!rc)
        *counted = c;
    return rc;
}

static int best_level(json_t *side, money_t *px, struct lt_err *err)
{
    json_t *lvl = json_array_get(side, 0);
    *px = 0;
    if (!json_is_array(side))
        return lt_err_set(err, LT_EPARSE, "alpha depth: side is not an array");
    if (!lvl)
        return 0;
    json_t *p = json_array_get(lvl, 0);
    if (!json_is_string(p) || money_parse_n(json_string_value(p), json_string_length(p), px) ||
        *px < 0)
        return lt_err_set(err, LT_EPARSE, "alpha depth: bad price");
    return 0;
}

int venue_alpha_parse_depth_top(const char *buf, size_t len, money_t *bid, money_t *ask,
                                struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "depth", &root, err);
    money_t b = 0, a = 0;
    int rc = !d ? LT_EPARSE
                : best_level(json_object_get(d, "bids"), &b, err) ||
                          best_level(json_object_get(d, "asks"), &a, err)
                      ? LT_EPARSE
                      : 0;
    json_decref(root);
    if (!rc) {
        *bid = b;
        *ask = a;
    }
    return rc;
}


static int order_from(json_t *o, struct order_state *out, struct lt_err *err)
{
    struct order_state st;
    memset(&st, 0, sizeof st);
    if (!json_is_object(o))
        return lt_err_set(err, LT_EPARSE, "alpha: order is not an object");
    const char *cid = venue_json_strv(o, "clientOrderId"), *side = venue_json_strv(o, "side");
    if (cid && strlen(cid) < sizeof st.client_id)
        memcpy(st.client_id, cid, strlen(cid) + 1);
    if (!side || (strcmp(side, "BUY") && strcmp(side, "SELL")))
        return lt_err_set(err, LT_EPARSE, "alpha: order side missing");
    st.side = side[0] == 'B' ? SIDE_BUY : SIDE_SELL;
    st.status = venue_json_status(venue_json_strv(o, "status"));
    int rc;
    if ((rc = jid(o, "orderId", &st.order_id, err)) ||
        (rc = jmoney(o, "price", 0, &st.price, err)) ||
        (rc = jmoney(o, "origQty", 0, &st.orig_qty, err)) ||
        (rc = jmoney(o, "executedQty", 1, &st.executed_qty, err)) ||
        (rc = jmoney(o, "cumQuote", 1, &st.cum_quote, err)) ||
        (rc = jint(o, "time", 0, &st.time_ms, err)))
        return rc;
    st.update_ms = st.time_ms;
    if ((rc = jint(o, "updateTime", 0, &st.update_ms, err)))
        return rc;
    *out = st;
    return 0;
}

int venue_alpha_parse_orders(const char *buf, size_t len, struct order_state **out, size_t *n,
                             int64_t *total, struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "orders", &root, err);
    json_t *list = json_is_object(d) ? json_object_get(d, "list") : d;
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (!d) {
        json_decref(root);
        return LT_EPARSE;
    }
    int64_t t = -1;
    if (json_is_object(d) && (rc = jint(d, "total", 1, &t, err))) {
        json_decref(root);
        return rc;
    }
    if (!json_is_array(list)) {
        json_decref(root);
        return lt_err_set(err, LT_EPARSE, "alpha orders: not a list");
    }
    size_t k = json_array_size(list);
    struct order_state *v = k ? calloc(k, sizeof *v) : NULL;
    if (k && !v)
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < k; i++)
        rc = order_from(json_array_get(list, i), &v[i], err);
    json_decref(root);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    if (total)
        *total = t >= 0 ? t : (int64_t)k;
    return 0;
}

int venue_alpha_parse_order_id(const char *buf, size_t len, int64_t *id, struct lt_err *err)
{
    json_t *root;
    json_t *d = load_data(buf, len, "order", &root, err);
    int rc = LT_EPARSE;
    if (d) {
        json_t *wrap = json_object();
        json_object_set(wrap, "orderId", d);
        rc = jid(wrap, "orderId", id, err);
        json_decref(wrap);
    }
    json_decref(root);
    return rc;
}

/* An OTO leg's id: a decimal string or an integer; null or absent (the
 * sell not placed yet) is 0 when optional. */
static int leg_id(json_t *o, const char *key, int optional, int64_t *out, struct lt_err *err)
{
    json_t *v = json_object_get(o, key);
    *out = 0;
    if (optional && (!v || json_is_null(v)))
        return 0;
    return jid(o, key, out, err);
}

int venue_alpha_parse_oto(const char *buf, size_t len, struct oto_placed *out,
                          struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "OTO order", &root, err);
    struct oto_placed p = { 0 };
    int rc = LT_EPARSE;
    if (d && !json_is_object(d))
        lt_err_set(err, LT_EPARSE, "alpha OTO order: not an object");
    else if (d && !(rc = leg_id(d, "workingOrderId", 0, &p.buy_id, err)) &&
             !(rc = leg_id(d, "pendingOrderId", 1, &p.sell_id, err)) &&
             !(rc = jint(d, "orderListId", 0, &p.list_id, err))) {
        if (p.sell_id == p.buy_id || p.list_id < 0)
            rc = lt_err_set(err, LT_EPARSE, "alpha OTO order: bad ids");
    }
    json_decref(root);
    if (!rc)
        *out = p;
    return rc;
}

int venue_alpha_parse_trades(const char *buf, size_t len, struct trade_fill **out, size_t *n,
                             struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "trades", &root, err);
    int rc = 0;
    *out = NULL;
    *n = 0;
    if (!json_is_array(d)) {
        json_decref(root);
        return lt_err_set(err, LT_EPARSE, "alpha trades: not an array");
    }
    size_t k = json_array_size(d);
    struct trade_fill *v = k ? calloc(k, sizeof *v) : NULL;
    if (k && !v)
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; !rc && i < k; i++) {
        json_t *t = json_array_get(d, i);
        json_t *buyer = json_object_get(t, "isBuyer");
        const char *ca = venue_json_strv(t, "commissionAsset");
        if (!json_is_object(t) || !json_is_boolean(buyer)) {
            rc = lt_err_set(err, LT_EPARSE, "alpha trades: bad trade");
            break;
        }
        v[i].side = json_is_true(buyer) ? SIDE_BUY : SIDE_SELL;
        if (ca && strlen(ca) < sizeof v[i].commission_asset)
            memcpy(v[i].commission_asset, ca, strlen(ca) + 1);
        if ((rc = jint(t, "id", 1, &v[i].trade_id, err)) ||
            (rc = jid(t, "orderId", &v[i].order_id, err)) ||
            (rc = jmoney(t, "price", 1, &v[i].price, err)) ||
            (rc = jmoney(t, "qty", 1, &v[i].qty, err)) ||
            (rc = jmoney(t, "quoteQty", 1, &v[i].quote_qty, err)) ||
            (rc = jmoney(t, "commission", 0, &v[i].commission, err)) ||
            (rc = jint(t, "time", 0, &v[i].time_ms, err)))
            break;
    }
    json_decref(root);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = k;
    return 0;
}

int venue_alpha_parse_balance(const char *buf, size_t len, const char *asset, money_t *free_amt,
                              money_t *locked, struct lt_err *err)
{
    json_t *root, *d = load_data(buf, len, "balances", &root, err);
    json_t *list = json_is_object(d) ? json_object_get(d, "list") : NULL;
    money_t f = 0, l = 0;
    int rc = 0;
    size_t i;
    json_t *b;
    if (!json_is_array(list))
        rc = d ? lt_err_set(err, LT_EPARSE, "alpha balances: no list") : LT_EPARSE;
    else
        json_array_foreach(list, i, b) {
            const char *id = venue_json_strv(b, "tokenId");
            if (!id || strcmp(id, asset))
                continue;
            rc = jmoney(b, "free", 1, &f, err) || jmoney(b, "freeze", 0, &l, err) ? LT_EPARSE : 0;
            break;
        }
    json_decref(root);
    if (!rc) {
        *free_amt = f;
        *locked = l;
    }
    return rc;
}

/* ---------------------------------------------------------------- calls */

struct acall {
    const char *method;
    const char *path;
    struct strbuf query;   /* url-encoded parameters */
    const char *body;      /* JSON, POST only */
    int once;              /* a new order: sent at most once, counted as an order */
    const struct order_gate *gate; /* a new order's, asked after the waits */
    enum alpha_call kind;
};

static void acall_init(struct acall *c, const char *method, const char *path)
{
    memset(c, 0, sizeof *c);
    c->method = method;
    c->path = path;
    strbuf_init(&c->query, 0);
}

static int qparam(struct acall *c, const char *name, const char *value)
{
    int rc = strbuf_addf(&c->query, "%s%s=", c->query.len ? "&" : "", name);
    return rc ? rc : strbuf_addurlenc(&c->query, value);
}

static int qparam_i64(struct acall *c, const char *name, int64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof tmp, "%lld", (long long)v);
    return qparam(c, name, tmp);
}

static int attempt(struct venue *v, struct http *h, const struct venue_auth *a,
                   const struct acall *c, struct http_response *resp, struct lt_err *err)
{
    struct strbuf url = STRBUF_INIT;
    const char **hdrs = NULL;
    size_t nh = 0;
    int rc = venue_limits_wait(v, a, c->once, 1, err);
    /* the gate after the last wait (this venue's requests carry no
     * timestamp: its session stands for the signature) */
    if (rc || (rc = venue_gate_check(c->gate, err)))
        return rc;
    hdrs = calloc((a ? a->n_headers : 0) + 1, sizeof *hdrs);
    if (!hdrs || strbuf_addf(&url, "%s%s%s%s", venue_rest_url(v), c->path,
                             c->query.len ? "?" : "", c->query.len ? c->query.buf : "")) {
        free(hdrs);
        strbuf_free(&url);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    if (c->body)
        hdrs[nh++] = "Content-Type: application/json";
    for (size_t i = 0; a && i < a->n_headers; i++)
        hdrs[nh++] = a->headers[i];
    struct http_request req = {
        .method = c->method, .url = url.buf, .body = c->body, .no_resend = c->once,
        .headers = hdrs, .n_headers = nh, .cookies = a ? a->cookies : NULL,
        .timeout_ms = venue_timeout_ms(v),
    };
    int64_t sent_ms = venue_now_ms(v);
    if (c->once)
        latency_order_sent();
    rc = http_do(h, &req, resp, err);
    log_debug("venue: %s %s: %d", c->method, c->path, rc == 0 ? (int)resp->status : rc);
    if (rc == 0) {
        venue_limits_observe(v, a, sent_ms, resp);
        rc = venue_alpha_parse_envelope(resp->status, resp->body.buf, resp->body.len, c->kind,
                                        err);
        if (rc == LT_ERATELIMIT)
            venue_limits_block(v, a, 0, resp->retry_after_s);
    }
    free(hdrs);
    strbuf_free(&url);
    return rc;
}

/* attempt() until done: an unknown outcome of anything but a new order is
 * sent again (CALL_TRIES in all).  Frees c->query. */
static int perform(struct venue *v, struct http *h, const struct venue_auth *a, struct acall *c,
                   struct http_response *resp, struct lt_err *err)
{
    int rc;
    for (int tries = 1;; tries++) {
        rc = attempt(v, h, a, c, resp, err);
        if (rc != LT_EUNKNOWN || c->once || tries >= CALL_TRIES)
            break;
        venue_stat_add(v, VENUE_STAT_RETRIES, 1);
        venue_sleep_ms(v, RETRY_MS * tries);
    }
    strbuf_free(&c->query);
    return rc;
}

/* perform() and hand the 2xx body to PARSE_EXPR (venue_json.h). */
#define ACALL_AND_PARSE(v, h, a, c, err, PARSE_EXPR) \
    VENUE_CALL_AND_PARSE(perform, v, h, a, c, err, PARSE_EXPR)

/* Nothing is signed: the local clock is all a run needs. */
static int a_server_time(struct venue *v, struct http *h, int64_t *ms, struct lt_err *err)
{
    (void)h;
    (void)err;
    *ms = venue_local_ms(v);
    return 0;
}

/* "ALPHA_971USDT" -> base "ALPHA_971" (the quote is USDT on Alpha). */
static int split_symbol(const char *symbol, char *base, size_t size, struct lt_err *err)
{
    size_t n = strlen(symbol);
    if (n <= 4 || n - 4 >= size || strcmp(symbol + n - 4, "USDT"))
        return lt_err_set(err, LT_EINVAL, "alpha: symbol %.40s is not <alphaId>USDT", symbol);
    memcpy(base, symbol, n - 4);
    base[n - 4] = '\0';
    return 0;
}

/* The token of an Alpha symbol: its mulPoint and the name the volume
 * figures use ("KOGE" for ALPHA_971). */
static int token_of(struct venue *v, struct http *h, const char *symbol, int *mul, char *name,
                    size_t name_size, struct lt_err *err)
{
    char base[32];
    int rc = split_symbol(symbol, base, sizeof base, err);
    if (rc)
        return rc;
    struct acall c;
    acall_init(&c, "GET", P_TOKENS);
    ACALL_AND_PARSE(v, h, NULL, &c, err,
                    venue_alpha_parse_token(body, blen, base, mul, name, name_size, err));
}

static int a_exchange_info(struct venue *v, struct http *h, const char *symbol,
                           struct symbol_rules *out, struct lt_err *err)
{
    struct acall c;
    acall_init(&c, "GET", P_EXINFO);
    ACALL_AND_PARSE(v, h, NULL, &c, err,
                    venue_alpha_parse_exchange_info(body, blen, symbol, out, err));
}

static int a_volume_multiplier(struct venue *v, struct http *h, const char *symbol, int *mul,
                               struct lt_err *err)
{
    char name[64];
    return token_of(v, h, symbol, mul, name, sizeof name, err);
}

static int a_counted_volume(struct venue *v, struct http *h, const struct venue_auth *a,
                            const char *symbol, money_t *counted, struct lt_err *err)
{
    char name[64];
    int mul, rc = token_of(v, h, symbol, &mul, name, sizeof name, err);
    if (rc)
        return rc;
    struct acall c;
    acall_init(&c, "GET", P_VOLUME);
    ACALL_AND_PARSE(v, h, a, &c, err, venue_alpha_parse_counted(body, blen, name, counted, err));
}

static int a_book_ticker(struct venue *v, struct http *h, const char *symbol, money_t *bid,
                         money_t *ask, struct lt_err *err)
{
    struct acall c;
    acall_init(&c, "GET", P_DEPTH);
    if (qparam(&c, "symbol", symbol) || qparam(&c, "limit", "1")) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    ACALL_AND_PARSE(v, h, NULL, &c, err, venue_alpha_parse_depth_top(body, blen, bid, ask, err));
}

/* Sends a new order's JSON body to path, once (never re-sent: an unknown
 * outcome is settled by query); the 2xx answer is left in resp. */
static int send_new(struct venue *v, struct http *h, const struct venue_auth *a,
                    const char *path, json_t *b, const struct order_gate *gate,
                    struct http_response *resp, struct lt_err *err)
{
    char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!body)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    struct acall c;
    acall_init(&c, "POST", path);
    c.body = body;
    c.once = 1;
    c.gate = gate;
    int rc = perform(v, h, a, &c, resp, err);
    free(body);
    return rc;
}

static int a_place_order(struct venue *v, struct http *h, const struct venue_auth *a,
                         const struct order_request *req, struct order_state *out,
                         struct lt_err *err)
{
    char base[32], px[MONEY_STR_MAX], qty[MONEY_STR_MAX], amt[MONEY_STR_MAX];
    int rc;
    if ((rc = split_symbol(req->symbol, base, sizeof base, err)))
        return rc;
    if (req->tif != TIF_GTC)
        return lt_err_set(err, LT_EINVAL, "alpha: only GTC limit orders are offered");
    money_t quote = money_mul_up(req->price, req->qty);
    json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:s}", "baseAsset", base,
                          "quoteAsset", "USDT", "side", req->side == SIDE_BUY ? "BUY" : "SELL",
                          "price", money_format_min(req->price, px), "quantity",
                          money_format_min(req->qty, qty), "orderType", "LIMIT",
                          "paymentDetails", "amount",
                          req->side == SIDE_BUY ? money_format_min(quote, amt) : qty,
                          "paymentWalletType", req->side == SIDE_BUY ? "CARD" : "ALPHA",
                          "clientOrderId", req->client_id ? req->client_id : "");
    struct http_response resp;
    http_response_init(&resp);
    int64_t id = 0;
    rc = send_new(v, h, a, P_PLACE, b, req->gate, &resp, err);
    if (!rc)
        rc = venue_alpha_parse_order_id(resp.body.buf, resp.body.len, &id, err);
    http_response_release(&resp);
    if (rc == LT_EPARSE)
        rc = LT_EUNKNOWN; /* accepted or not, we cannot tell: settle it by query */
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    snprintf(out->client_id, sizeof out->client_id, "%s", req->client_id ? req->client_id : "");
    out->order_id = id;
    out->side = req->side;
    out->status = ORDER_NEW;
    out->price = req->price;
    out->orig_qty = req->qty;
    out->time_ms = out->update_ms = venue_now_ms(v);
    return 0;
}

/* The OTO body is the web page's (workingSide, workingPrice,
 * workingQuantity, paymentDetails, pendingPrice, pendingType) plus the two
 * client ids, clientOrderId for the buy as on order/place and
 * pendingClientOrderId for the sell: the simulator's extension, as
 * clientOrderId is (docs/venues.md). */
static int a_place_oto(struct venue *v, struct http *h, const struct venue_auth *a,
                       const struct oto_request *req, struct oto_placed *out,
                       struct lt_err *err)
{
    char base[32], px[MONEY_STR_MAX], qty[MONEY_STR_MAX], amt[MONEY_STR_MAX],
        spx[MONEY_STR_MAX];
    int rc;
    if ((rc = split_symbol(req->symbol, base, sizeof base, err)))
        return rc;
    if (!req->client_id || !req->sell_client_id)
        return lt_err_set(err, LT_EINVAL, "alpha: an OTO needs both legs' client ids");
    json_t *b = json_pack("{s:s,s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:s,s:s,s:s,s:s}", "baseAsset",
                          base, "quoteAsset", "USDT", "workingSide", "BUY", "workingPrice",
                          money_format_min(req->price, px), "workingQuantity",
                          money_format_min(req->qty, qty), "paymentDetails", "amount",
                          money_format_min(money_mul_up(req->price, req->qty), amt),
                          "paymentWalletType", "CARD", "pendingPrice",
                          money_format_min(req->sell_price, spx), "pendingType", "LIMIT",
                          "clientOrderId", req->client_id, "pendingClientOrderId",
                          req->sell_client_id);
    struct http_response resp;
    http_response_init(&resp);
    rc = send_new(v, h, a, P_OTO, b, req->gate, &resp, err);
    if (!rc)
        rc = venue_alpha_parse_oto(resp.body.buf, resp.body.len, out, err);
    http_response_release(&resp);
    return rc == LT_EPARSE ? LT_EUNKNOWN : rc;
}

static int open_list(struct venue *v, struct http *h, const struct venue_auth *a,
                     const char *symbol, struct order_state **out, size_t *n, struct lt_err *err)
{
    struct acall c;
    acall_init(&c, "GET", P_OPEN);
    if (qparam(&c, "symbol", symbol)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    ACALL_AND_PARSE(v, h, a, &c, err, venue_alpha_parse_orders(body, blen, out, n, NULL, err));
}

static int a_open_orders(struct venue *v, struct http *h, const struct venue_auth *a,
                         const char *symbol, struct order_state **out, size_t *n,
                         struct lt_err *err)
{
    return open_list(v, h, a, symbol, out, n, err);
}

static int history_page(struct venue *v, struct http *h, const struct venue_auth *a,
                        const char *base, int64_t start_ms, int64_t page,
                        struct order_state **out, size_t *n, int64_t *total, struct lt_err *err)
{
    struct acall c;
    acall_init(&c, "GET", P_HISTORY);
    if (qparam_i64(&c, "page", page) || qparam_i64(&c, "rows", HISTORY_ROWS) ||
        qparam(&c, "baseAsset", base) || qparam_i64(&c, "startTime", start_ms)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    ACALL_AND_PARSE(v, h, a, &c, err, venue_alpha_parse_orders(body, blen, out, n, total, err));
}

static int by_order_id(const void *x, const void *y)
{
    const struct order_state *a = x, *b = y;
    return a->order_id < b->order_id ? -1 : a->order_id > b->order_id;
}

static int a_order_history(struct venue *v, struct http *h, const struct venue_auth *a,
                           const char *symbol, int64_t start_ms, struct order_state **out,
                           size_t *n, struct lt_err *err)
{
    char base[32];
    int rc = split_symbol(symbol, base, sizeof base, err);
    struct order_state *all = NULL;
    size_t nall = 0;
    *out = NULL;
    *n = 0;
    for (int64_t page = 1; !rc; page++) {
        struct order_state *pg;
        size_t np;
        int64_t total;
        if (page > HISTORY_PAGES_MAX) {
            rc = lt_err_set(err, LT_ERANGE, "alpha history: more than %d pages",
                            HISTORY_PAGES_MAX);
            break;
        }
        if ((rc = history_page(v, h, a, base, start_ms, page, &pg, &np, &total, err)))
            break;
        struct order_state *grown = np ? realloc(all, (nall + np) * sizeof *all) : all;
        if (np && !grown) {
            free(pg);
            rc = lt_err_set(err, LT_ENOMEM, "out of memory");
            break;
        }
        all = grown;
        for (size_t i = 0; i < np; i++)
            if (pg[i].time_ms >= start_ms)
                all[nall++] = pg[i];
        free(pg);
        if (np < HISTORY_ROWS || (int64_t)(page * HISTORY_ROWS) >= total)
            break;
    }
    if (rc) {
        free(all);
        return rc;
    }
    /* Pages run newest first: an order placed while we page pushes a row
     * onto the next page, read twice.  Ascending ids, each once, as Spot's. */
    if (nall)
        qsort(all, nall, sizeof *all, by_order_id);
    size_t k = 0;
    for (size_t i = 0; i < nall; i++)
        if (!k || all[k - 1].order_id != all[i].order_id)
            all[k++] = all[i];
    *out = all;
    *n = k;
    return 0;
}

/* The order with this client id: open first, else the newest of today's
 * history (the web API queries by neither id). */
static int find_order(struct venue *v, struct http *h, const struct venue_auth *a,
                      const char *symbol, const char *client_id, struct order_state *out,
                      struct lt_err *err)
{
    struct order_state *list;
    size_t n;
    int rc = open_list(v, h, a, symbol, &list, &n, err);
    for (size_t i = 0; !rc && i < n; i++)
        if (!strcmp(list[i].client_id, client_id)) {
            *out = list[i];
            free(list);
            return 0;
        }
    if (!rc)
        free(list);
    int64_t now = venue_now_ms(v);
    if (!rc)
        rc = a_order_history(v, h, a, symbol, now - now % 86400000LL, &list, &n, err);
    if (rc)
        return rc;
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i].client_id, client_id) &&
            (!found || list[i].time_ms >= out->time_ms)) {
            *out = list[i];
            found = 1;
        }
    free(list);
    if (found)
        return 0;
    lt_err_set(err, LT_EEXCHANGE, "alpha: Order does not exist.");
    if (err)
        err->venue_code = -2013;
    return LT_EEXCHANGE;
}

static int a_query_order(struct venue *v, struct http *h, const struct venue_auth *a,
                         const char *symbol, const char *client_id, struct order_state *out,
                         struct lt_err *err)
{
    return find_order(v, h, a, symbol, client_id, out, err);
}

static int a_cancel_order(struct venue *v, struct http *h, const struct venue_auth *a,
                          const char *symbol, const char *client_id, struct order_state *out,
                          struct lt_err *err)
{
    struct order_state st;
    int rc = find_order(v, h, a, symbol, client_id, &st, err);
    if (rc == LT_EEXCHANGE && err && err->venue_code == -2013)
        err->venue_code = -2011;
    if (rc)
        return rc;
    if (order_status_is_final(st.status)) {
        lt_err_set(err, LT_EEXCHANGE, "alpha: Unknown order sent.");
        if (err)
            err->venue_code = -2011;
        return LT_EEXCHANGE;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)st.order_id);
    json_t *b = json_pack("{s:s,s:s}", "orderId", id, "symbol", symbol);
    char *body = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!body)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    struct acall c;
    acall_init(&c, "POST", P_CANCEL);
    c.body = body;
    c.kind = ALPHA_CALL_CANCEL;
    struct http_response resp;
    http_response_init(&resp);
    rc = perform(v, h, a, &c, &resp, err);
    free(body);
    http_response_release(&resp);
    /* The cancel's answer shape is not public: the order's state is read
     * again the one way that is. */
    if (!rc)
        rc = find_order(v, h, a, symbol, client_id, out, err);
    return rc;
}

static int a_my_trades(struct venue *v, struct http *h, const struct venue_auth *a,
                       const char *symbol, int64_t order_id, int64_t start_ms,
                       struct trade_fill **out, size_t *n, struct lt_err *err)
{
    (void)start_ms;
    if (order_id <= 0)
        return lt_err_set(err, LT_EINVAL, "alpha: trades are listed per order only");
    struct acall c;
    acall_init(&c, "GET", P_TRADES);
    if (qparam_i64(&c, "orderId", order_id) || qparam(&c, "symbol", symbol)) {
        strbuf_free(&c.query);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    ACALL_AND_PARSE(v, h, a, &c, err, venue_alpha_parse_trades(body, blen, out, n, err));
}

static int a_balance(struct venue *v, struct http *h, const struct venue_auth *a,
                     const char *asset, money_t *free_amt, money_t *locked, struct lt_err *err)
{
    struct acall c;
    acall_init(&c, "GET", P_WALLET);
    ACALL_AND_PARSE(v, h, a, &c, err,
                    venue_alpha_parse_balance(body, blen, asset, free_amt, locked, err));
}

/* Alpha symbols carry an underscore ("ALPHA_971USDT"), which Spot's do not. */
static int a_market_stream_path(struct venue *v, const char *symbol, struct strbuf *out)
{
    (void)v;
    int rc = strbuf_addstr(out, "/ws/");
    for (const char *p = symbol; !rc && *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_')
            return LT_EINVAL;
        rc = strbuf_addch(out, (char)tolower((unsigned char)*p));
    }
    return rc ? rc : strbuf_addstr(out, "@bookTicker");
}

static int a_user_subscribe_msg(struct venue *v, const struct venue_auth *a, int64_t req_id,
                                struct strbuf *out, struct lt_err *err)
{
    (void)v;
    (void)a;
    (void)req_id;
    (void)out;
    return lt_err_set(err, LT_EINVAL, "alpha: the user stream needs the browser session");
}

static int a_parse_push(struct venue *v, const char *buf, size_t len, struct venue_push *out,
                        struct lt_err *err)
{
    return venue_binance_ops.parse_push(v, buf, len, out, err);
}

const struct venue_ops venue_alpha_ops = {
    .name = "binance-alpha",
    .server_time = a_server_time,
    .exchange_info = a_exchange_info,
    .book_ticker = a_book_ticker,
    .place_order = a_place_order,
    .cancel_order = a_cancel_order,
    .query_order = a_query_order,
    .open_orders = a_open_orders,
    .order_history = a_order_history,
    .my_trades = a_my_trades,
    .balance = a_balance,
    .market_stream_path = a_market_stream_path,
    .user_subscribe_msg = a_user_subscribe_msg,
    .parse_push = a_parse_push,
    .volume_multiplier = a_volume_multiplier,
    .counted_volume = a_counted_volume,
    .place_oto = a_place_oto,
};
