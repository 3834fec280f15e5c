/*
 * rest.c - Binance Spot REST v3 endpoints of the simulator (see rest.h).
 *
 * A route table maps method + path to a handler with its security level and
 * request weight.  Handlers write the JSON answer or fail with a Binance
 * error in struct lt_err (venue_code, http_status, msg); rest_handle turns
 * either into the response and adds the rate-limit headers.
 */
#include "looptrader/sim/rest.h"
#include "looptrader/sim/timeunit.h"
#include "looptrader/sim/auth.h"
#include "looptrader/sim/render.h"
#include "looptrader/log.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define DEPTH_MAX 5000

enum sec { SEC_NONE, SEC_KEY, SEC_SIGNED };

struct call {
    struct rest *r;
    struct sim_req *q;
    struct strbuf *out;
    int account;
    int *weight; /* the handler may raise its route's weight */
};

typedef int (*handler_fn)(struct call *c, struct lt_err *err);

struct route {
    unsigned methods; /* 1 << enum sim_method */
    const char *path;
    enum sec sec;
    int weight;
    int is_order;     /* counts toward the order limits */
    handler_fn fn;
};

#define M(x) (1u << (x))

static int fail_symbol(struct lt_err *err)
{
    return params_fail(err, 400, -1121, "Invalid symbol.");
}

/* The symbol parameter, mandatory, as an index. */
static int need_symbol(struct call *c, int *sym, const char **name, struct lt_err *err)
{
    const char *s;
    int rc = params_need(&c->q->params, "symbol", &s, err);
    if (rc)
        return rc;
    *sym = sim_exchange_symbol_index(c->r->ex, s);
    if (name)
        *name = s;
    return *sym < 0 ? fail_symbol(err) : 0;
}

/* symbol= or symbols=["A","B"] or neither (every symbol): fills set[] with
 * 1 for selected symbols; *single when symbol= chose one object answer. */
static int select_symbols(struct call *c, char *set, int *single, struct lt_err *err)
{
    size_t n = sim_exchange_symbol_count(c->r->ex);
    const char *one = params_get(&c->q->params, "symbol");
    const char *many = params_get(&c->q->params, "symbols");
    *single = 0;
    if (one && many)
        return params_fail(err, 400, -1106, "Parameter 'symbols' sent when not required.");
    if (one) {
        int i = sim_exchange_symbol_index(c->r->ex, one);
        if (i < 0)
            return fail_symbol(err);
        memset(set, 0, n);
        set[i] = 1;
        *single = 1;
        return 0;
    }
    if (!many) {
        memset(set, 1, n);
        return 0;
    }
    memset(set, 0, n);
    json_error_t je;
    json_t *arr = json_loads(many, 0, &je);
    int rc = 0;
    if (!json_is_array(arr) || !json_array_size(arr)) {
        rc = params_fail(err, 400, -1100,
                         "Illegal characters found in parameter 'symbols'; legal range is "
                         "'^\\[(\"[A-Z0-9-_.]{1,20}\"(,\"[A-Z0-9-_.]{1,20}\"){0,}){0,1}\\]$'.");
    } else {
        size_t k;
        json_t *v;
        json_array_foreach(arr, k, v) {
            int i = json_is_string(v) ? sim_exchange_symbol_index(c->r->ex, json_string_value(v))
                                      : -1;
            if (i < 0) {
                rc = fail_symbol(err);
                break;
            }
            set[i] = 1;
        }
    }
    json_decref(arr);
    return rc;
}

static int limit_param(struct call *c, int def, int max, int *out, struct lt_err *err)
{
    int64_t v = def;
    int rc = params_int(&c->q->params, "limit", &v, NULL, err);
    if (rc)
        return rc;
    if (v <= 0)
        v = def;
    *out = (int)(v > max ? max : v);
    return 0;
}

static int query_params(struct call *c, struct sim_query *sq, const char *from_key,
                        struct lt_err *err)
{
    int rc;
    int64_t v;
    int present;
    sim_query_init(sq);
    if (from_key) {
        if ((rc = params_int(&c->q->params, from_key, &v, &present, err)))
            return rc;
        if (present)
            sq->from_id = v;
    }
    if ((rc = params_int(&c->q->params, "startTime", &v, &present, err)))
        return rc;
    if (present)
        sq->start_ms = v;
    if ((rc = params_int(&c->q->params, "endTime", &v, &present, err)))
        return rc;
    if (present)
        sq->end_ms = v;
    if (sq->start_ms >= 0 && sq->end_ms >= 0 && sq->end_ms < sq->start_ms)
        return params_fail(err, 400, -1127, "More than 24 hours between startTime and endTime.");
    return limit_param(c, 500, 1000, &sq->limit, err);
}

/* ---- public ---- */

static int h_ping(struct call *c, struct lt_err *err)
{
    (void)err;
    strbuf_addstr(c->out, "{}");
    return 0;
}

static int h_time(struct call *c, struct lt_err *err)
{
    (void)err;
    strbuf_addf(c->out, "{\"serverTime\":%lld}", (long long)c->q->now_ms);
    return 0;
}

static int h_exchange_info(struct call *c, struct lt_err *err)
{
    struct sim_exchange *ex = c->r->ex;
    size_t n = sim_exchange_symbol_count(ex);
    char set[n ? n : 1];
    int single, rc = select_symbols(c, set, &single, err);
    if (rc)
        return rc;
    strbuf_addf(c->out, "{\"timezone\":\"UTC\",\"serverTime\":%lld,\"rateLimits\":",
                (long long)c->q->now_ms);
    render_rate_limits(c->out, &sim_exchange_conf(ex)->limits);
    strbuf_addstr(c->out, ",\"exchangeFilters\":[],\"symbols\":[");
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!set[i])
            continue;
        if (!first)
            strbuf_addch(c->out, ',');
        first = 0;
        render_symbol_info(c->out, sim_exchange_symbol_rules(ex, (int)i));
    }
    strbuf_addstr(c->out, "]}");
    return 0;
}

static int h_depth(struct call *c, struct lt_err *err)
{
    int sym, limit, rc;
    if ((rc = need_symbol(c, &sym, NULL, err)) || (rc = limit_param(c, 100, DEPTH_MAX, &limit, err)))
        return rc;
    *c->weight = limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    struct sim_level *bids = malloc(sizeof(*bids) * (size_t)limit * 2);
    if (!bids)
        return params_fail(err, 500, -1000, "An unknown error occurred while processing the request.");
    struct sim_level *asks = bids + limit;
    size_t nb = 0, na = 0;
    int64_t last = 0;
    rc = sim_exchange_depth(c->r->ex, sym, (size_t)limit, bids, &nb, asks, &na, &last);
    if (!rc) {
        strbuf_addf(c->out, "{\"lastUpdateId\":%lld,\"bids\":", (long long)last);
        render_levels(c->out, bids, nb);
        strbuf_addstr(c->out, ",\"asks\":");
        render_levels(c->out, asks, na);
        strbuf_addch(c->out, '}');
    }
    free(bids);
    return rc ? params_fail(err, 400, -1121, "Invalid symbol.") : 0;
}

struct list_ctx {
    struct strbuf *out;
    int n;
    int agg;
    const struct sim_exchange *ex;
    struct rest *r;
    int64_t now_ms;
};

static void trade_cb(void *ctx, const struct sim_trade *t)
{
    struct list_ctx *l = ctx;
    struct strbuf *sb = l->out;
    if (l->n++)
        strbuf_addch(sb, ',');
    if (l->agg) {
        strbuf_addf(sb, "{\"a\":%lld,\"p\":", (long long)t->id);
        render_money(sb, t->price);
        render_money_field(sb, "q", t->qty);
        strbuf_addf(sb, ",\"f\":%lld,\"l\":%lld,\"T\":%lld,\"m\":%s,\"M\":true}", (long long)t->id,
                    (long long)t->id, (long long)t->time_ms, t->buyer_is_maker ? "true" : "false");
        return;
    }
    strbuf_addf(sb, "{\"id\":%lld,\"price\":", (long long)t->id);
    render_money(sb, t->price);
    render_money_field(sb, "qty", t->qty);
    render_money_field(sb, "quoteQty", t->quote_qty);
    strbuf_addf(sb, ",\"time\":%lld,\"isBuyerMaker\":%s,\"isBestMatch\":true}",
                (long long)t->time_ms, t->buyer_is_maker ? "true" : "false");
}

static int trades_common(struct call *c, int agg, struct lt_err *err)
{
    int sym, rc;
    struct sim_query sq;
    if ((rc = need_symbol(c, &sym, NULL, err)) || (rc = query_params(c, &sq, agg ? "fromId" : NULL, err)))
        return rc;
    struct list_ctx l = { .out = c->out, .agg = agg };
    strbuf_addch(c->out, '[');
    sim_exchange_trades(c->r->ex, sym, &sq, trade_cb, &l);
    strbuf_addch(c->out, ']');
    return 0;
}

static int h_trades(struct call *c, struct lt_err *err)
{
    return trades_common(c, 0, err);
}

static int h_agg_trades(struct call *c, struct lt_err *err)
{
    return trades_common(c, 1, err);
}

static void kline_cb(void *ctx, const struct sim_kline *k)
{
    struct list_ctx *l = ctx;
    struct strbuf *sb = l->out;
    strbuf_addf(sb, "%s[%lld,", l->n++ ? "," : "", (long long)k->open_ms);
    render_money(sb, k->open);
    strbuf_addch(sb, ',');
    render_money(sb, k->high);
    strbuf_addch(sb, ',');
    render_money(sb, k->low);
    strbuf_addch(sb, ',');
    render_money(sb, k->close);
    strbuf_addch(sb, ',');
    render_money(sb, k->volume);
    strbuf_addf(sb, ",%lld,", (long long)k->close_ms);
    render_money(sb, k->quote_volume);
    strbuf_addf(sb, ",%lld,", (long long)k->count);
    render_money(sb, k->taker_buy_volume);
    strbuf_addch(sb, ',');
    render_money(sb, k->taker_buy_quote_volume);
    strbuf_addstr(sb, ",\"0\"]");
}

static int h_klines(struct call *c, struct lt_err *err)
{
    int sym, rc;
    const char *iv;
    struct sim_query sq;
    if ((rc = need_symbol(c, &sym, NULL, err)) ||
        (rc = params_need(&c->q->params, "interval", &iv, err)) ||
        (rc = query_params(c, &sq, NULL, err)))
        return rc;
    int64_t ms = sim_kline_interval_ms(iv);
    if (ms <= 0)
        return params_fail(err, 400, -1120, "Invalid interval.");
    struct list_ctx l = { .out = c->out };
    strbuf_addch(c->out, '[');
    rc = sim_exchange_klines(c->r->ex, sym, ms, &sq, c->q->now_ms, kline_cb, &l, err);
    strbuf_addch(c->out, ']');
    return rc;
}

static int h_avg_price(struct call *c, struct lt_err *err)
{
    int sym, rc;
    struct sim_ticker24 t;
    if ((rc = need_symbol(c, &sym, NULL, err)))
        return rc;
    sim_exchange_ticker24(c->r->ex, sym, c->q->now_ms, &t);
    strbuf_addstr(c->out, "{\"mins\":5,\"price\":");
    render_money(c->out, t.last ? t.last : (t.bid + t.ask) / 2);
    strbuf_addf(c->out, ",\"closeTime\":%lld}", (long long)c->q->now_ms);
    return 0;
}

/* One ticker object of the kind the route serves. */
enum ticker_kind { TK_24HR, TK_MINI, TK_PRICE, TK_BOOK };

static void ticker_one(struct call *c, int sym, enum ticker_kind kind)
{
    struct strbuf *sb = c->out;
    const struct symbol_rules *rules = sim_exchange_symbol_rules(c->r->ex, sym);
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, rules->symbol);
    if (kind == TK_BOOK) {
        struct sim_book_ticker bt;
        sim_exchange_book_ticker(c->r->ex, sym, &bt);
        render_money_field(sb, "bidPrice", bt.bid);
        render_money_field(sb, "bidQty", bt.bid_qty);
        render_money_field(sb, "askPrice", bt.ask);
        render_money_field(sb, "askQty", bt.ask_qty);
        strbuf_addch(sb, '}');
        return;
    }
    struct sim_ticker24 t;
    sim_exchange_ticker24(c->r->ex, sym, c->q->now_ms, &t);
    if (kind == TK_PRICE) {
        render_money_field(sb, "price", t.last);
        strbuf_addch(sb, '}');
        return;
    }
    if (kind == TK_24HR) {
        money_t change = t.last - t.open;
        money_t pct = t.open ? money_div(change * 100, t.open) : 0;
        char p[MONEY_STR_MAX];
        render_money_field(sb, "priceChange", change);
        strbuf_addf(sb, ",\"priceChangePercent\":\"%s\"", money_format(pct, 3, p));
        render_money_field(sb, "weightedAvgPrice", t.weighted_avg);
        render_money_field(sb, "prevClosePrice", t.prev_close);
    }
    render_money_field(sb, "lastPrice", t.last);
    if (kind == TK_24HR) {
        render_money_field(sb, "lastQty", t.last_qty);
        render_money_field(sb, "bidPrice", t.bid);
        render_money_field(sb, "bidQty", t.bid_qty);
        render_money_field(sb, "askPrice", t.ask);
        render_money_field(sb, "askQty", t.ask_qty);
    }
    render_money_field(sb, "openPrice", t.open);
    render_money_field(sb, "highPrice", t.high);
    render_money_field(sb, "lowPrice", t.low);
    render_money_field(sb, "volume", t.volume);
    render_money_field(sb, "quoteVolume", t.quote_volume);
    strbuf_addf(sb, ",\"openTime\":%lld,\"closeTime\":%lld,\"firstId\":%lld,\"lastId\":%lld,"
                    "\"count\":%lld}",
                (long long)t.open_ms, (long long)t.close_ms, (long long)t.first_id,
                (long long)t.last_id, (long long)t.count);
}

static int tickers(struct call *c, enum ticker_kind kind, struct lt_err *err)
{
    size_t n = sim_exchange_symbol_count(c->r->ex);
    char set[n ? n : 1];
    int single, rc = select_symbols(c, set, &single, err);
    if (rc)
        return rc;
    if (kind == TK_24HR) {
        const char *type = params_get(&c->q->params, "type");
        if (type && !strcmp(type, "MINI"))
            kind = TK_MINI;
        else if (type && strcmp(type, "FULL"))
            return params_fail(err, 400, -1100,
                               "Illegal characters found in parameter 'type'; legal range is "
                               "'FULL, MINI'.");
    }
    if (!single) {
        *c->weight *= 2;
        strbuf_addch(c->out, '[');
    }
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (!set[i])
            continue;
        if (!first)
            strbuf_addch(c->out, ',');
        first = 0;
        ticker_one(c, (int)i, kind);
    }
    if (!single)
        strbuf_addch(c->out, ']');
    return 0;
}

static int h_ticker24(struct call *c, struct lt_err *err)
{
    return tickers(c, TK_24HR, err);
}

static int h_ticker_price(struct call *c, struct lt_err *err)
{
    return tickers(c, TK_PRICE, err);
}

static int h_book_ticker(struct call *c, struct lt_err *err)
{
    return tickers(c, TK_BOOK, err);
}

/* ---- orders ---- */

static int client_id_ok(const char *s)
{
    size_t n = strlen(s);
    if (!n || n > SIM_CLIENT_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              strchr("._:/-", ch)))
            return 0;
    }
    return 1;
}

static int bad_client_id(struct lt_err *err, const char *name)
{
    return params_fail(err, 400, -1100,
                       "Illegal characters found in parameter '%s'; legal range is "
                       "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
                       name);
}

static int not_required(struct lt_err *err, const char *name)
{
    return params_fail(err, 400, -1106, "Parameter '%s' sent when not required.", name);
}

/* Reads and checks an order's parameters (shared by /order and /order/test). */
static int order_params(struct call *c, struct sim_place_req *pr, enum sim_resp_type *rt,
                        struct lt_err *err)
{
    const struct params *p = &c->q->params;
    const char *side, *type, *tif, *cid, *resp;
    int sym, rc, has_price, has_qty, has_quote;

    memset(pr, 0, sizeof(*pr));
    if ((rc = need_symbol(c, &sym, &pr->symbol, err)) || (rc = params_need(p, "side", &side, err)) ||
        (rc = params_need(p, "type", &type, err)))
        return rc;
    if (sim_side_parse(side, &pr->side))
        return params_fail(err, 400, -1117, "Invalid side.");
    if (sim_order_type_parse(type, &pr->type))
        return params_fail(err, 400, -1116, "Invalid orderType.");
    if ((rc = params_money(p, "price", &pr->price, &has_price, err)) ||
        (rc = params_money(p, "quantity", &pr->quantity, &has_qty, err)) ||
        (rc = params_money(p, "quoteOrderQty", &pr->quote_order_qty, &has_quote, err)))
        return rc;
    tif = params_get(p, "timeInForce");
    if (pr->type == SIM_LIMIT) {
        if (!tif)
            return params_need(p, "timeInForce", &tif, err);
        if (!has_price)
            return params_need(p, "price", &tif, err);
        if (!has_qty)
            return params_need(p, "quantity", &tif, err);
        if (has_quote)
            return not_required(err, "quoteOrderQty");
    } else if (pr->type == SIM_LIMIT_MAKER) {
        if (!has_price)
            return params_need(p, "price", &tif, err);
        if (!has_qty)
            return params_need(p, "quantity", &tif, err);
        if (tif)
            return not_required(err, "timeInForce");
    } else {
        if (has_price)
            return not_required(err, "price");
        if (tif)
            return not_required(err, "timeInForce");
        if (has_qty == has_quote)
            return params_fail(err, 400, -1102,
                               "Param 'quantity' or 'quoteOrderQty' must be sent, but both "
                               "were empty/null!");
    }
    if (tif && sim_tif_parse(tif, &pr->tif))
        return params_fail(err, 400, -1115, "Invalid timeInForce.");
    cid = params_get(p, "newClientOrderId");
    if (cid && !client_id_ok(cid))
        return bad_client_id(err, "newClientOrderId");
    pr->client_order_id = cid;
    *rt = (pr->type == SIM_LIMIT || pr->type == SIM_MARKET) ? SIM_RESP_FULL : SIM_RESP_ACK;
    resp = params_get(p, "newOrderRespType");
    if (resp && sim_resp_type_parse(resp, rt))
        return params_fail(err, 400, -1100,
                           "Illegal characters found in parameter 'newOrderRespType'; legal "
                           "range is 'ACK, RESULT, FULL'.");
    return 0;
}

static int h_place(struct call *c, struct lt_err *err)
{
    struct sim_place_req pr;
    struct sim_place_result res;
    enum sim_resp_type rt;
    int rc = order_params(c, &pr, &rt, err);
    if (!rc)
        rc = sim_exchange_place(c->r->ex, c->account, &pr, c->q->now_ms, &res, err);
    if (!rc)
        render_place(c->out, &res, rt);
    return rc;
}

static int h_place_test(struct call *c, struct lt_err *err)
{
    struct sim_place_req pr;
    enum sim_resp_type rt;
    int rc = order_params(c, &pr, &rt, err);
    if (rc)
        return rc;
    const struct symbol_rules *rules =
        sim_exchange_symbol_rules(c->r->ex, sim_exchange_symbol_index(c->r->ex, pr.symbol));
    if (pr.type != SIM_MARKET && symbol_check_order(rules, pr.price, pr.quantity, NULL))
        return params_fail(err, 400, -1013, "Filter failure: PRICE_FILTER / LOT_SIZE / NOTIONAL");
    strbuf_addstr(c->out, "{}");
    return 0;
}

/* orderId or origClientOrderId, one mandatory. */
static int order_ref(struct call *c, int64_t *order_id, const char **orig, struct lt_err *err)
{
    int present, rc;
    *order_id = 0;
    if ((rc = params_int(&c->q->params, "orderId", order_id, &present, err)))
        return rc;
    *orig = params_get(&c->q->params, "origClientOrderId");
    if (!present && !*orig)
        return params_fail(err, 400, -1102,
                           "Param 'origClientOrderId' or 'orderId' must be sent, but both were "
                           "empty/null!");
    return 0;
}

static int h_query(struct call *c, struct lt_err *err)
{
    int sym, rc;
    const char *name, *orig;
    int64_t id;
    struct sim_order o;
    if ((rc = need_symbol(c, &sym, &name, err)) || (rc = order_ref(c, &id, &orig, err)) ||
        (rc = sim_exchange_query(c->r->ex, c->account, name, id, orig, &o, err)))
        return rc;
    render_order(c->out, &o);
    return 0;
}

/* Binance generates a cancel's client id when none is given. */
static void gen_client_id(struct rest *r, char out[SIM_CLIENT_ID_MAX + 1])
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    uint64_t x = ++r->cancel_seq * 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 22; i++) {
        x ^= x >> 29;
        x *= 0xbf58476d1ce4e5b9ull;
        out[i] = alnum[(x >> 33) % (sizeof(alnum) - 1)];
    }
    out[22] = '\0';
}

static int h_cancel(struct call *c, struct lt_err *err)
{
    int sym, rc;
    const char *name, *orig, *ncid;
    int64_t id;
    struct sim_order o;
    char gen[SIM_CLIENT_ID_MAX + 1];
    if ((rc = need_symbol(c, &sym, &name, err)) || (rc = order_ref(c, &id, &orig, err)))
        return rc;
    ncid = params_get(&c->q->params, "newClientOrderId");
    if (ncid && !client_id_ok(ncid))
        return bad_client_id(err, "newClientOrderId");
    if (!ncid) {
        gen_client_id(c->r, gen);
        ncid = gen;
    }
    if ((rc = sim_exchange_cancel(c->r->ex, c->account, name, id, orig, ncid, c->q->now_ms, &o,
                                  err)))
        return rc;
    render_cancel(c->out, &o, ncid, c->q->now_ms);
    return 0;
}

static void order_cb(void *ctx, const struct sim_order *o)
{
    struct list_ctx *l = ctx;
    if (l->n++)
        strbuf_addch(l->out, ',');
    render_order(l->out, o);
}

static void canceled_cb(void *ctx, const struct sim_order *o)
{
    struct list_ctx *l = ctx;
    char gen[SIM_CLIENT_ID_MAX + 1];
    if (l->n++)
        strbuf_addch(l->out, ',');
    gen_client_id(l->r, gen);
    render_cancel(l->out, o, gen, l->now_ms);
}

static int h_open_orders(struct call *c, struct lt_err *err)
{
    const char *name = params_get(&c->q->params, "symbol");
    if (name && sim_exchange_symbol_index(c->r->ex, name) < 0)
        return fail_symbol(err);
    if (!name)
        *c->weight = 80;
    struct list_ctx l = { .out = c->out };
    strbuf_addch(c->out, '[');
    int rc = sim_exchange_open_orders(c->r->ex, c->account, name, order_cb, &l, err);
    strbuf_addch(c->out, ']');
    return rc;
}

static int h_cancel_all(struct call *c, struct lt_err *err)
{
    int sym, rc;
    const char *name;
    if ((rc = need_symbol(c, &sym, &name, err)))
        return rc;
    struct list_ctx l = { .out = c->out, .r = c->r, .now_ms = c->q->now_ms };
    strbuf_addch(c->out, '[');
    rc = sim_exchange_cancel_all(c->r->ex, c->account, name, c->q->now_ms, canceled_cb, &l, err);
    strbuf_addch(c->out, ']');
    return rc;
}

static int h_all_orders(struct call *c, struct lt_err *err)
{
    int sym, rc;
    const char *name;
    struct sim_query sq;
    if ((rc = need_symbol(c, &sym, &name, err)) || (rc = query_params(c, &sq, "orderId", err)))
        return rc;
    struct list_ctx l = { .out = c->out };
    strbuf_addch(c->out, '[');
    rc = sim_exchange_all_orders(c->r->ex, c->account, name, &sq, order_cb, &l, err);
    strbuf_addch(c->out, ']');
    return rc;
}

static void my_trade_cb(void *ctx, const struct sim_account_trade *t)
{
    struct list_ctx *l = ctx;
    struct strbuf *sb = l->out;
    if (l->n++)
        strbuf_addch(sb, ',');
    strbuf_addstr(sb, "{\"symbol\":");
    render_str(sb, sim_exchange_symbol_rules(l->ex, t->symbol)->symbol);
    strbuf_addf(sb, ",\"id\":%lld,\"orderId\":%lld,\"orderListId\":-1,\"price\":",
                (long long)t->id, (long long)t->order_id);
    render_money(sb, t->price);
    render_money_field(sb, "qty", t->qty);
    render_money_field(sb, "quoteQty", t->quote_qty);
    render_money_field(sb, "commission", t->commission);
    render_str_field(sb, "commissionAsset", t->commission_asset);
    strbuf_addf(sb, ",\"time\":%lld,\"isBuyer\":%s,\"isMaker\":%s,\"isBestMatch\":true}",
                (long long)t->time_ms, t->is_buyer ? "true" : "false",
                t->is_maker ? "true" : "false");
}

static int h_my_trades(struct call *c, struct lt_err *err)
{
    int sym, rc, present;
    const char *name;
    struct sim_query sq;
    int64_t oid;
    if ((rc = need_symbol(c, &sym, &name, err)) || (rc = query_params(c, &sq, "fromId", err)) ||
        (rc = params_int(&c->q->params, "orderId", &oid, &present, err)))
        return rc;
    if (present)
        sq.order_id = oid;
    struct list_ctx l = { .out = c->out, .ex = c->r->ex };
    strbuf_addch(c->out, '[');
    rc = sim_exchange_my_trades(c->r->ex, c->account, name, &sq, my_trade_cb, &l, err);
    strbuf_addch(c->out, ']');
    return rc;
}

struct bal_ctx {
    struct strbuf *out;
    int n;
    int omit_zero;
};

static void balance_cb(void *ctx, const struct sim_balance *b)
{
    struct bal_ctx *bc = ctx;
    if (bc->omit_zero && !b->free && !b->locked)
        return;
    strbuf_addstr(bc->out, bc->n++ ? ",{\"asset\":" : "{\"asset\":");
    render_str(bc->out, b->asset);
    render_money_field(bc->out, "free", b->free);
    render_money_field(bc->out, "locked", b->locked);
    strbuf_addch(bc->out, '}');
}

static int h_account(struct call *c, struct lt_err *err)
{
    (void)err;
    money_t maker, taker;
    struct strbuf *sb = c->out;
    const char *omit = params_get(&c->q->params, "omitZeroBalances");
    sim_exchange_fees(c->r->ex, &maker, &taker);
    strbuf_addf(sb,
                "{\"makerCommission\":%lld,\"takerCommission\":%lld,\"buyerCommission\":0,"
                "\"sellerCommission\":0,\"commissionRates\":{\"maker\":",
                (long long)(maker / (MONEY_SCALE / 10000)),
                (long long)(taker / (MONEY_SCALE / 10000)));
    render_money(sb, maker);
    render_money_field(sb, "taker", taker);
    strbuf_addstr(sb, ",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},"
                      "\"canTrade\":true,\"canWithdraw\":true,\"canDeposit\":true,"
                      "\"brokered\":false,\"requireSelfTradePrevention\":false,"
                      "\"preventSor\":false,");
    strbuf_addf(sb, "\"updateTime\":%lld,\"accountType\":\"SPOT\",\"balances\":[",
                (long long)c->q->now_ms);
    struct bal_ctx bc = { .out = sb, .omit_zero = omit && !strcmp(omit, "true") };
    sim_exchange_balances(c->r->ex, c->account, balance_cb, &bc);
    strbuf_addf(sb, "],\"permissions\":[\"SPOT\"],\"uid\":%d}", 1000000 + c->account);
    return 0;
}

static int h_commission(struct call *c, struct lt_err *err)
{
    int sym, rc;
    const char *name;
    money_t maker, taker;
    if ((rc = need_symbol(c, &sym, &name, err)))
        return rc;
    sim_exchange_fees(c->r->ex, &maker, &taker);
    strbuf_addstr(c->out, "{\"symbol\":");
    render_str(c->out, sim_exchange_symbol_rules(c->r->ex, sym)->symbol);
    strbuf_addstr(c->out, ",\"standardCommission\":{\"maker\":");
    render_money(c->out, maker);
    render_money_field(c->out, "taker", taker);
    strbuf_addstr(c->out, ",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},"
                          "\"specialCommission\":{\"maker\":\"0.00000000\",\"taker\":"
                          "\"0.00000000\",\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},"
                          "\"taxCommission\":{\"maker\":\"0.00000000\",\"taker\":\"0.00000000\","
                          "\"buyer\":\"0.00000000\",\"seller\":\"0.00000000\"},"
                          "\"discount\":{\"enabledForAccount\":false,\"enabledForSymbol\":false,"
                          "\"discountAsset\":\"BNB\",\"discount\":\"0.00000000\"}}");
    return 0;
}

static int h_order_rate_limit(struct call *c, struct lt_err *err)
{
    (void)err;
    const struct simconf_limits *lim = &sim_exchange_conf(c->r->ex)->limits;
    const struct rest_order_count *oc = &c->r->orders[c->account];
    int64_t now = c->q->now_ms;
    strbuf_addf(c->out,
                "[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\",\"intervalNum\":10,"
                "\"limit\":%d,\"count\":%d},{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\","
                "\"intervalNum\":1,\"limit\":%d,\"count\":%d}]",
                lim->orders_per_10s > 0 ? lim->orders_per_10s : 100,
                oc->win10s == now / 10000 ? oc->n10s : 0,
                lim->orders_per_day > 0 ? lim->orders_per_day : 200000,
                oc->day == now / 86400000 ? oc->nday : 0);
    return 0;
}

/* Wallet coin list (/sapi), so that clients which load currencies along
 * with markets (ccxt does when it has a key) work: one entry per asset the
 * venue trades, no networks. */
static int h_coins(struct call *c, struct lt_err *err)
{
    (void)err;
    struct sim_exchange *ex = c->r->ex;
    size_t n = sim_exchange_symbol_count(ex);
    const char *seen[2 * n + 1];
    size_t n_seen = 0;
    strbuf_addch(c->out, '[');
    for (size_t i = 0; i < 2 * n; i++) {
        const struct symbol_rules *r = sim_exchange_symbol_rules(ex, (int)(i / 2));
        const char *asset = i % 2 ? r->quote : r->base;
        size_t k = 0;
        while (k < n_seen && strcmp(seen[k], asset))
            k++;
        if (k < n_seen)
            continue;
        seen[n_seen++] = asset;
        strbuf_addstr(c->out, n_seen > 1 ? ",{\"coin\":" : "{\"coin\":");
        render_str(c->out, asset);
        render_str_field(c->out, "name", asset);
        strbuf_addstr(c->out, ",\"depositAllEnable\":false,\"withdrawAllEnable\":false,"
                              "\"trading\":true,\"isLegalMoney\":false,\"free\":\"0\","
                              "\"locked\":\"0\",\"freeze\":\"0\",\"withdrawing\":\"0\","
                              "\"ipoing\":\"0\",\"ipoable\":\"0\",\"storage\":\"0\","
                              "\"networkList\":[]}");
    }
    strbuf_addch(c->out, ']');
    return 0;
}

/* Trade fees per symbol (/sapi), as the account endpoint's rates. */
static int h_trade_fee(struct call *c, struct lt_err *err)
{
    size_t n = sim_exchange_symbol_count(c->r->ex);
    char set[n ? n : 1];
    int single, rc = select_symbols(c, set, &single, err);
    money_t maker, taker;
    if (rc)
        return rc;
    sim_exchange_fees(c->r->ex, &maker, &taker);
    strbuf_addch(c->out, '[');
    for (size_t i = 0, first = 1; i < n; i++) {
        if (!set[i])
            continue;
        strbuf_addstr(c->out, first ? "{\"symbol\":" : ",{\"symbol\":");
        first = 0;
        render_str(c->out, sim_exchange_symbol_rules(c->r->ex, (int)i)->symbol);
        render_money_field(c->out, "makerCommission", maker);
        render_money_field(c->out, "takerCommission", taker);
        strbuf_addch(c->out, '}');
    }
    strbuf_addch(c->out, ']');
    return 0;
}

/* Margin pairs (/sapi): this venue has no margin trading; clients that load
 * them with the markets (ccxt) get an empty list. */
static int h_empty_list(struct call *c, struct lt_err *err)
{
    (void)err;
    strbuf_addstr(c->out, "[]");
    return 0;
}

/* Futures markets (/fapi, /dapi): this venue has none.  Clients that load
 * every market type by default (ccxt asks for spot, USD-M and COIN-M) get
 * a valid exchange description listing no symbol. */
static int h_no_markets(struct call *c, struct lt_err *err)
{
    (void)err;
    strbuf_addf(c->out,
                "{\"timezone\":\"UTC\",\"serverTime\":%lld,\"rateLimits\":[],"
                "\"exchangeFilters\":[],\"assets\":[],\"symbols\":[]}",
                (long long)c->q->now_ms);
    return 0;
}

/* Venue status (/sapi): always normal; maintenance is not simulated. */
static int h_system_status(struct call *c, struct lt_err *err)
{
    (void)err;
    strbuf_addstr(c->out, "{\"status\":0,\"msg\":\"normal\"}");
    return 0;
}

/* ---- legacy user data stream ---- */

static int h_listen_key(struct call *c, struct lt_err *err)
{
    struct rest *r = c->r;
    const char *key = params_get(&c->q->params, "listenKey");
    int64_t now = c->q->now_ms;
    if (c->q->method == SIM_POST) {
        const char *k = listenkeys_create(r->keys, c->account, now);
        if (!k)
            return params_fail(err, 400, -1000, "Too many listen keys.");
        strbuf_addf(c->out, "{\"listenKey\":\"%s\"}", k);
        return 0;
    }
    if (!key)
        return params_need(&c->q->params, "listenKey", &key, err);
    int rc = c->q->method == SIM_PUT ? listenkeys_keepalive(r->keys, c->account, key, now)
                                     : listenkeys_delete(r->keys, c->account, key, now);
    if (rc)
        return params_fail(err, 400, -1125, "This listenKey does not exist.");
    strbuf_addstr(c->out, "{}");
    return 0;
}

static const struct route routes[] = {
    { M(SIM_GET), "/api/v3/ping", SEC_NONE, 1, 0, h_ping },
    { M(SIM_GET), "/api/v3/time", SEC_NONE, 1, 0, h_time },
    { M(SIM_GET), "/api/v3/exchangeInfo", SEC_NONE, 20, 0, h_exchange_info },
    { M(SIM_GET), "/api/v3/depth", SEC_NONE, 5, 0, h_depth },
    { M(SIM_GET), "/api/v3/trades", SEC_NONE, 25, 0, h_trades },
    { M(SIM_GET), "/api/v3/historicalTrades", SEC_NONE, 25, 0, h_trades },
    { M(SIM_GET), "/api/v3/aggTrades", SEC_NONE, 4, 0, h_agg_trades },
    { M(SIM_GET), "/api/v3/klines", SEC_NONE, 2, 0, h_klines },
    { M(SIM_GET), "/api/v3/uiKlines", SEC_NONE, 2, 0, h_klines },
    { M(SIM_GET), "/api/v3/avgPrice", SEC_NONE, 2, 0, h_avg_price },
    { M(SIM_GET), "/api/v3/ticker/24hr", SEC_NONE, 2, 0, h_ticker24 },
    { M(SIM_GET), "/api/v3/ticker/price", SEC_NONE, 2, 0, h_ticker_price },
    { M(SIM_GET), "/api/v3/ticker/bookTicker", SEC_NONE, 2, 0, h_book_ticker },
    { M(SIM_POST), "/api/v3/order", SEC_SIGNED, 1, 1, h_place },
    { M(SIM_POST), "/api/v3/order/test", SEC_SIGNED, 1, 0, h_place_test },
    { M(SIM_GET), "/api/v3/order", SEC_SIGNED, 4, 0, h_query },
    { M(SIM_DELETE), "/api/v3/order", SEC_SIGNED, 1, 0, h_cancel },
    { M(SIM_GET), "/api/v3/openOrders", SEC_SIGNED, 6, 0, h_open_orders },
    { M(SIM_DELETE), "/api/v3/openOrders", SEC_SIGNED, 1, 0, h_cancel_all },
    { M(SIM_GET), "/api/v3/allOrders", SEC_SIGNED, 20, 0, h_all_orders },
    { M(SIM_GET), "/api/v3/myTrades", SEC_SIGNED, 20, 0, h_my_trades },
    { M(SIM_GET), "/api/v3/account", SEC_SIGNED, 20, 0, h_account },
    { M(SIM_GET), "/api/v3/account/commission", SEC_SIGNED, 20, 0, h_commission },
    { M(SIM_GET), "/api/v3/rateLimit/order", SEC_SIGNED, 40, 0, h_order_rate_limit },
    { M(SIM_GET), "/sapi/v1/capital/config/getall", SEC_SIGNED, 10, 0, h_coins },
    { M(SIM_GET), "/sapi/v1/asset/tradeFee", SEC_SIGNED, 1, 0, h_trade_fee },
    { M(SIM_GET), "/sapi/v1/margin/allPairs", SEC_KEY, 1, 0, h_empty_list },
    { M(SIM_GET), "/sapi/v1/margin/isolated/allPairs", SEC_KEY, 10, 0, h_empty_list },
    { M(SIM_GET), "/sapi/v1/system/status", SEC_NONE, 1, 0, h_system_status },
    { M(SIM_GET), "/fapi/v1/exchangeInfo", SEC_NONE, 1, 0, h_no_markets },
    { M(SIM_GET), "/dapi/v1/exchangeInfo", SEC_NONE, 1, 0, h_no_markets },
    { M(SIM_POST) | M(SIM_PUT) | M(SIM_DELETE), "/api/v3/userDataStream", SEC_KEY, 2, 0,
      h_listen_key },
};

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))
#define N_METHODS (SIM_OTHER + 1)

int rest_init(struct rest *r, struct sim_exchange *ex, struct listenkeys *keys,
              struct lt_err *err)
{
    memset(r, 0, sizeof(*r));
    r->ex = ex;
    r->keys = keys;
    r->n_accounts = sim_exchange_account_count(ex);
    r->orders = calloc(r->n_accounts ? r->n_accounts : 1, sizeof(*r->orders));
    r->stats = calloc(N_ROUTES * N_METHODS, sizeof(*r->stats));
    if (!r->orders || !r->stats) {
        rest_free(r);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    return 0;
}

void rest_free(struct rest *r)
{
    free(r->orders);
    free(r->stats);
    r->orders = NULL;
    r->stats = NULL;
}

/* ip's window for the minute of now_ms: its own, or the stalest slot
 * taken over (a slot of an earlier minute holds nothing that still counts). */
static struct rest_ip_weight *ip_window(struct rest *r, const char *ip, int64_t now_ms)
{
    int64_t minute = now_ms / 60000;
    struct rest_ip_weight *w = &r->ips[0];
    for (int i = 0; i < REST_IPS; i++) {
        if (!strcmp(r->ips[i].ip, ip)) {
            w = &r->ips[i];
            break;
        }
        if (r->ips[i].minute < w->minute)
            w = &r->ips[i];
    }
    if (strcmp(w->ip, ip)) {
        snprintf(w->ip, sizeof(w->ip), "%s", ip);
        w->minute = minute;
        w->used = 0;
    }
    if (w->minute != minute) {
        w->minute = minute;
        w->used = 0;
    }
    return w;
}

int rest_weight_used(struct rest *r, const char *ip, int64_t now_ms)
{
    return ip_window(r, ip, now_ms)->used;
}

int rest_weight_add(struct rest *r, const char *ip, int weight, int64_t now_ms,
                    int *retry_after, struct lt_err *err)
{
    struct rest_ip_weight *w = ip_window(r, ip, now_ms);
    w->used += weight;
    int limit = sim_exchange_conf(r->ex)->limits.weight_per_minute;
    if (limit > 0 && w->used > limit) {
        *retry_after = (int)(60 - (now_ms / 1000) % 60);
        params_fail(err, 429, -1003,
                    "Too much request weight used; current limit is %d request weight per 1 "
                    "MINUTE. Please use WebSocket Streams for live updates to avoid polling the "
                    "API.",
                    limit);
        return -1;
    }
    return w->used;
}

/* Counts one new order of account; fails with 429 -1015 past a limit. */
static int order_count(struct rest *r, int account, int64_t now_ms, struct sim_resp *resp,
                       struct lt_err *err)
{
    const struct simconf_limits *lim = &sim_exchange_conf(r->ex)->limits;
    struct rest_order_count *oc = &r->orders[account];
    if (oc->win10s != now_ms / 10000) {
        oc->win10s = now_ms / 10000;
        oc->n10s = 0;
    }
    if (oc->day != now_ms / 86400000) {
        oc->day = now_ms / 86400000;
        oc->nday = 0;
    }
    oc->n10s++;
    oc->nday++;
    resp->orders_10s = oc->n10s;
    resp->orders_1d = oc->nday;
    if (lim->orders_per_10s > 0 && oc->n10s > lim->orders_per_10s) {
        resp->retry_after = (int)(10 - (now_ms / 1000) % 10);
        return params_fail(err, 429, -1015,
                           "Too many new orders; current limit is %d orders per TEN_SECONDS.",
                           lim->orders_per_10s);
    }
    if (lim->orders_per_day > 0 && oc->nday > lim->orders_per_day) {
        resp->retry_after = (int)(86400 - (now_ms / 1000) % 86400);
        return params_fail(err, 429, -1015,
                           "Too many new orders; current limit is %d orders per DAY.",
                           lim->orders_per_day);
    }
    return 0;
}

static const char *method_name(enum sim_method m)
{
    static const char *names[] = { "GET", "POST", "PUT", "DELETE", "OTHER" };
    return names[m];
}

static const struct route *route_find(enum sim_method m, const char *path, int *path_known)
{
    *path_known = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, path))
            continue;
        *path_known = 1;
        if (routes[i].methods & M(m))
            return &routes[i];
    }
    return NULL;
}

/*
 * The steps a route's call takes whichever door it came in by: charge the
 * route's weight, settle the account, count a new order, run the handler,
 * then charge the weight the handler added (no symbol, deep books).  REST
 * authenticates here (authenticate); the WebSocket API has already, and
 * passes the account (-1: none).  resp collects the limit headers.
 */
static int route_run(struct rest *r, const struct route *rt, struct sim_req *q, int account,
                     int authenticate, struct strbuf *out, int *weight, struct sim_resp *resp,
                     struct lt_err *err)
{
    struct call c = { .r = r, .q = q, .out = out, .account = account, .weight = weight };
    int rc = 0;
    *weight = rt->weight;
    if (rest_weight_add(r, q->ip, rt->weight, q->now_ms, &resp->retry_after, err) < 0)
        rc = LT_EEXCHANGE;
    else if (rt->sec != SEC_NONE && authenticate)
        rc = auth_rest(r->ex, q, rt->sec == SEC_KEY ? AUTH_KEY : AUTH_SIGNED, &c.account, err);
    else if (rt->sec != SEC_NONE && account < 0)
        rc = params_fail(err, 401, -2014, "API-key format invalid.");
    if (!rc && rt->is_order)
        rc = order_count(r, c.account, q->now_ms, resp, err);
    if (!rc)
        rc = rt->fn(&c, err);
    ip_window(r, q->ip, q->now_ms)->used += *weight - rt->weight;
    struct rest_route_stat *st = &r->stats[(size_t)(rt - routes) * N_METHODS + q->method];
    st->calls++;
    st->weight += (uint64_t)*weight;
    return rc;
}

int rest_stats_write(const struct rest *r, FILE *f)
{
    int first = 1;
    for (size_t i = 0; i < N_ROUTES * N_METHODS; i++) {
        if (!r->stats[i].calls)
            continue;
        fprintf(f, "%s\"%s %s\":{\"calls\":%llu,\"weight\":%llu}", first ? "" : ",",
                method_name((enum sim_method)(i % N_METHODS)), routes[i / N_METHODS].path,
                (unsigned long long)r->stats[i].calls, (unsigned long long)r->stats[i].weight);
        first = 0;
    }
    return !first;
}

int rest_call(struct rest *r, struct sim_req *q, int account, struct strbuf *out, int *weight,
              int *retry_after, struct lt_err *err)
{
    int known;
    const struct route *rt = route_find(q->method, q->path, &known);
    /* the WebSocket API answers without headers: only Retry-After is read */
    struct sim_resp headers = { .retry_after = -1 };
    *retry_after = -1;
    if (!rt)
        return params_fail(err, 400, -1000, "Unknown endpoint.");
    int rc = route_run(r, rt, q, account, 0, out, weight, &headers, err);
    *retry_after = headers.retry_after;
    return rc;
}

void rest_handle(void *arg, struct sim_req *q, struct sim_resp *resp)
{
    struct rest *r = arg;
    struct lt_err err = { 0 };
    int path_known, rc;
    const struct route *rt = route_find(q->method, q->path, &path_known);

    strbuf_reset(&resp->body);
    if (!rt) {
        /* Tells whoever points a new client at the simulator what it lacks. */
        log_info("sim: %s %s: %s", method_name(q->method), q->path,
                 path_known ? "method not allowed" : "no such endpoint");
        resp->status = path_known ? 405 : 404;
        render_error(&resp->body, -1000,
                     path_known ? "Method not allowed for this endpoint." : "Unknown endpoint.");
        return;
    }

    int weight;
    char unit_hdr[32];
    enum time_unit unit = TIME_UNIT_MS;
    rc = params_validate(&q->params, &err);
    if (!rc && server_header(q->conn, "x-mbx-time-unit", unit_hdr, sizeof(unit_hdr)) >= 0 &&
        time_unit_parse(unit_hdr, &unit))
        rc = params_fail(&err, 400, -1100, "Invalid time unit: use MILLISECOND or MICROSECOND.");
    if (!rc)
        rc = route_run(r, rt, q, -1, 1, &resp->body, &weight, resp, &err);
    if (!rc && unit == TIME_UNIT_US)
        time_unit_micro(&resp->body, strstr(q->path, "lines") != NULL);
    resp->used_weight = ip_window(r, q->ip, q->now_ms)->used;
    if (rc) {
        strbuf_reset(&resp->body);
        resp->status = err.http_status ? err.http_status : 400;
        render_error(&resp->body, err.venue_code ? err.venue_code : -1000,
                     err.msg[0] ? err.msg
                                : "An unknown error occurred while processing the request.");
        return;
    }
    resp->status = 200;
}
