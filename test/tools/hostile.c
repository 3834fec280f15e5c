/*
 * hostile - a Binance-dialect venue that lies, for the trader's hostile-venue
 * tests (issue 9).
 *
 *   hostile --port N --config FILE [--seed S] [--lie MODE]... [--truth FILE]
 *           [--fault KIND=VALUE]...
 *
 * Underneath it is the real simulator (the same engine, REST and WebSocket
 * code as looptrader-sim), so matching, balances and history stay true; the
 * lies are rewrites of what the trader is told, applied to the rendered
 * JSON of REST answers, of WebSocket API answers and of WebSocket pushes
 * (the server's ws_filter hook).  A WS API answer is lied about as the
 * answer of the REST endpoint its request stands for (order.place as POST
 * /api/v3/order: the simulator's own table, wsapi_endpoints), by one
 * lie_result for both transports; what a request stands for is noted as it
 * arrives, by connection and request id.  A few lies change what is done
 * instead (cancel-lie answers a cancel without cancelling, on either
 * transport: the cancel is sent on as a query of the same order;
 * clock-half runs the venue's clock at half speed; blackhole listens and
 * never reads).
 *
 * Ground truth, never filtered: GET /hostile/truth, and the same JSON
 * written to --truth FILE when SIGTERM/SIGINT ends the server.  For every
 * account: its real orders (client ids, status, quantities), balances, the
 * number of live orders now and the maximum number of simultaneously live
 * orders it ever had; and how many times each lie was told.  The live count
 * is taken after every request, WebSocket message and engine tick, which is
 * every point where the single-threaded engine can change state.  "told_via"
 * splits the counts by where the lie went: "rest" answers, "ws-api"
 * answers (and requests, for clock-half), "push"es.
 */
#include "looptrader/log.h"
#include "looptrader/money.h"
#include "looptrader/sim/app.h"
#include "looptrader/sim/wsapi.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define ECHO_MAX 6 /* session requests answered with an echo of their secrets */
#define WS_PENDING_MAX 64 /* WS API requests awaiting their answer, per connection */
#define WS_ID_MAX 48      /* a request id's JSON text; longer ids are not lied to */

enum lie {
    LIE_FILLED_ZERO,    /* FILLED with nothing executed (answers, pushes) */
    LIE_PRICE_ZERO,     /* fills at price 0, quote volume 0 */
    LIE_NEG_ZERO,       /* every executed quantity "-0" */
    LIE_HISTORY_NEG,    /* allOrders rows: negative price, cummulativeQuoteQty -1 */
    LIE_FINAL_DISAGREE, /* FILLED with half the quantity and fills (place answer, push) */
    LIE_PUSH_DROP,      /* only the first push of each order is sent */
    LIE_CANCEL,         /* a cancel answers CANCELED, the order keeps resting */
    LIE_PUSH_CANCEL,    /* every NEW push is followed by a CANCELED one */
    LIE_QUERY_FILLED,   /* a query says FILLED for an open order */
    LIE_FILL_10X,       /* executed figures 10x (answers, pushes) */
    LIE_TICKER_ZERO,    /* bookTicker bid/ask 0 (REST, push) */
    LIE_TICKER_NAN,     /* bookTicker bid/ask NaN (REST, push) */
    LIE_BLACKHOLE,      /* a listening socket that never reads */
    LIE_ENDLESS_PAGES,  /* allOrders pages never end */
    LIE_ECHO_SECRET,    /* error text echoing the request's cookie and headers */
    LIE_TIME_MAX,       /* serverTime INT64_MAX */
    LIE_TIME_MIN,       /* serverTime -INT64_MAX */
    LIE_CLOCK_HALF,     /* the venue's clock runs at half speed */
    LIE_NEG_BALANCE,    /* every free balance negative */
    LIE_COUNT
};

static const char *const lie_names[LIE_COUNT] = {
    "filled-zero", "price-zero",   "neg-zero",     "history-negative", "final-disagree",
    "push-drop",   "cancel-lie",   "push-cancel",  "query-filled",     "fill-10x",
    "ticker-zero", "ticker-nan",   "blackhole",    "endless-pages",    "echo-secret",
    "time-max",    "time-min",     "clock-half",   "neg-balance",
};

/* Which answer an order object is in (openOrders rows are never lied
 * about: they are what lets a careful trader see through a lying cancel). */
enum order_ctx { ORD_PLACE, ORD_QUERY, ORD_CANCEL };

/* Where a lie was told. */
enum via { VIA_REST, VIA_WS_API, VIA_PUSH, VIA_COUNT };

static const char *const via_names[VIA_COUNT] = { "rest", "ws-api", "push" };

struct seen_id {
    char cid[SIM_CLIENT_ID_MAX + 1];
};

/* A WS API request not answered yet: which REST endpoint its answer is
 * lied about as. */
struct ws_pending {
    char id[WS_ID_MAX];   /* its id as JSON text; "" a free slot */
    unsigned long seq;    /* a full table reuses the oldest slot */
    const struct wsapi_endpoint *e;
    int cancel_lie;       /* a cancel sent on as a query: the answer says CANCELED */
};

/* One WebSocket connection: the real venue's state for it (app) and the
 * requests awaiting an answer.  The table is bounded: a request whose
 * answer never comes (its connection dropped) only holds a slot until a
 * later one takes it. */
struct hconn {
    void *app;
    struct sim_conn *conn;
    struct ws_pending pending[WS_PENDING_MAX];
    unsigned long seq;
    struct hconn *next, *prev;
};

/* Used from the server's one service thread only, like the engine; the
 * signal handler reaches srv alone, through the async-signal-safe
 * server_stop. */
struct hostile {
    struct sim_app app;   /* the real venue: the ground truth */
    struct sim_exchange *ex; /* app.ex */
    struct server_handlers real; /* app's handlers, wrapped by ours */
    struct sim_server *srv;
    int on[LIE_COUNT];
    long told[LIE_COUNT]; /* how often each lie was applied */
    long told_via[VIA_COUNT][LIE_COUNT];
    enum via via;         /* where the lies being applied now go */
    struct hconn *conns;  /* every WebSocket connection */
    int *max_live, *live; /* per account */
    int64_t clock0_ms;    /* clock-half: when the venue's clock started */
    int echoes;
    struct seen_id *pushed; /* push-drop: orders whose first push went out */
    size_t n_pushed, cap_pushed;
};

static struct hostile H; /* large; the server's callbacks reach it through arg */

static void on_signal(int sig)
{
    (void)sig;
    if (H.srv)
        server_stop(H.srv);
}

/* ---- ground truth ---- */

static void count_open(void *ctx, const struct sim_order *o)
{
    (void)o;
    ++*(int *)ctx;
}

static void track_live(struct hostile *h)
{
    for (size_t a = 0; a < sim_exchange_account_count(h->ex); a++) {
        int n = 0;
        struct lt_err err = { 0 };
        sim_exchange_open_orders(h->ex, (int)a, NULL, count_open, &n, &err);
        h->live[a] = n;
        if (n > h->max_live[a])
            h->max_live[a] = n;
    }
}

static json_t *jmoney(money_t v)
{
    char buf[MONEY_STR_MAX];
    return json_string(money_format(v, 8, buf));
}

struct truth_orders {
    json_t *arr;
    int64_t last_id;
    size_t n;
};

static void truth_order(void *ctx, const struct sim_order *o)
{
    struct truth_orders *t = ctx;
    json_array_append_new(
        t->arr,
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:I, s:I}", "symbol",
                  o->rules->symbol, "orderId", (json_int_t)o->order_id, "clientOrderId",
                  o->client_order_id, "side", sim_side_name(o->side), "status",
                  sim_status_name(o->status), "timeInForce", sim_tif_name(o->tif), "price",
                  jmoney(o->price), "origQty", jmoney(o->orig_qty), "executedQty",
                  jmoney(o->executed_qty), "cummulativeQuoteQty", jmoney(o->cumm_quote_qty),
                  "time", (json_int_t)o->time_ms, "updateTime", (json_int_t)o->update_ms));
    t->last_id = o->order_id;
    t->n++;
}

static void truth_balance(void *ctx, const struct sim_balance *b)
{
    json_object_set_new(ctx, b->asset,
                        json_pack("{s:o, s:o}", "free", jmoney(b->free), "locked",
                                  jmoney(b->locked)));
}

static json_t *truth_json(struct hostile *h)
{
    json_t *accts = json_array(), *told = json_object(), *via = json_object();
    for (size_t a = 0; a < sim_exchange_account_count(h->ex); a++) {
        json_t *orders = json_array(), *bal = json_object();
        for (size_t s = 0; s < sim_exchange_symbol_count(h->ex); s++) {
            struct truth_orders t = { orders, -1, 0 };
            struct sim_query q;
            struct lt_err err = { 0 };
            sim_query_init(&q);
            q.limit = 1000;
            q.from_id = 0;
            do {
                t.n = 0;
                if (sim_exchange_all_orders(h->ex, (int)a,
                                            sim_exchange_symbol_rules(h->ex, (int)s)->symbol, &q,
                                            truth_order, &t, &err))
                    break;
                q.from_id = t.last_id + 1;
            } while (t.n == 1000);
        }
        sim_exchange_balances(h->ex, (int)a, truth_balance, bal);
        json_array_append_new(accts, json_pack("{s:s, s:i, s:i, s:o, s:o}", "name",
                                               sim_exchange_account_conf(h->ex, (int)a)->name,
                                               "live", h->live[a], "max_live", h->max_live[a],
                                               "balances", bal, "orders", orders));
    }
    for (int i = 0; i < LIE_COUNT; i++)
        if (h->on[i])
            json_object_set_new(told, lie_names[i], json_integer(h->told[i]));
    for (int v = 0; v < VIA_COUNT; v++) {
        json_t *t = json_object();
        for (int i = 0; i < LIE_COUNT; i++)
            if (h->on[i])
                json_object_set_new(t, lie_names[i], json_integer(h->told_via[v][i]));
        json_object_set_new(via, via_names[v], t);
    }
    return json_pack("{s:o, s:o, s:o}", "accounts", accts, "told", told, "told_via", via);
}

static int truth_write(struct hostile *h, const char *path)
{
    json_t *t = truth_json(h);
    int rc = json_dump_file(t, path, JSON_INDENT(1));
    json_decref(t);
    return rc;
}

/* ---- JSON rewriting helpers ---- */

static money_t get_money(json_t *o, const char *key)
{
    money_t v = 0;
    const char *s = json_string_value(json_object_get(o, key));
    if (s)
        money_parse(s, &v);
    return v;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (json_object_get(o, key))
        json_object_set_new(o, key, json_string(v));
}

static void set_money(json_t *o, const char *key, money_t v)
{
    if (json_object_get(o, key))
        json_object_set_new(o, key, jmoney(v));
}

static void scale_money(json_t *o, const char *key, int64_t k)
{
    set_money(o, key, get_money(o, key) * k);
}

static const char *get_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static money_t half_on_grid(struct hostile *h, const char *symbol, money_t qty)
{
    int s = sim_exchange_symbol_index(h->ex, symbol);
    money_t step = s >= 0 ? sim_exchange_symbol_rules(h->ex, s)->step_size : 1;
    return money_floor_to(qty / 2, step);
}

/* Replaces the answer's body with root, which it releases. */
static void body_set_json(struct sim_resp *r, json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        strbuf_reset(&r->body);
        strbuf_addstr(&r->body, s);
        free(s);
    }
    json_decref(root);
}

static void told(struct hostile *h, enum lie l)
{
    h->told[l]++;
    h->told_via[h->via][l]++;
}

/* ---- lies about orders (REST and WS API answers) ---- */

static void lie_order(struct hostile *h, json_t *o, enum order_ctx ctx)
{
    const char *st = get_str(o, "status");
    int filled = !strcmp(st, "FILLED");
    json_t *fills = json_object_get(o, "fills");
    size_t i;
    json_t *f;

    if (ctx == ORD_QUERY && h->on[LIE_QUERY_FILLED] &&
        (!strcmp(st, "NEW") || !strcmp(st, "PARTIALLY_FILLED"))) {
        money_t q = get_money(o, "origQty");
        set_str(o, "status", "FILLED");
        set_money(o, "executedQty", q);
        set_money(o, "cummulativeQuoteQty", money_mul(q, get_money(o, "price")));
        told(h, LIE_QUERY_FILLED);
        return;
    }
    if (h->on[LIE_FILLED_ZERO] && filled) {
        set_str(o, "executedQty", "0.00000000");
        set_str(o, "cummulativeQuoteQty", "0.00000000");
        if (fills)
            json_array_clear(fills);
        told(h, LIE_FILLED_ZERO);
    }
    if (h->on[LIE_PRICE_ZERO] && get_money(o, "executedQty") > 0) {
        set_str(o, "cummulativeQuoteQty", "0.00000000");
        json_array_foreach(fills, i, f) set_str(f, "price", "0.00000000");
        told(h, LIE_PRICE_ZERO);
    }
    if (h->on[LIE_NEG_ZERO]) {
        set_str(o, "executedQty", "-0.00000000");
        set_str(o, "cummulativeQuoteQty", "-0.00000000");
        json_array_foreach(fills, i, f) set_str(f, "qty", "-0.00000000");
        told(h, LIE_NEG_ZERO);
    }
    if (h->on[LIE_FINAL_DISAGREE] && ctx == ORD_PLACE && filled) {
        const char *sym = get_str(o, "symbol");
        set_money(o, "executedQty", half_on_grid(h, sym, get_money(o, "origQty")));
        json_array_foreach(fills, i, f) set_money(f, "qty", half_on_grid(h, sym, get_money(f, "qty")));
        told(h, LIE_FINAL_DISAGREE);
    }
    if (h->on[LIE_FILL_10X] && get_money(o, "executedQty") > 0) {
        scale_money(o, "executedQty", 10);
        scale_money(o, "cummulativeQuoteQty", 10);
        json_array_foreach(fills, i, f) scale_money(f, "qty", 10);
        told(h, LIE_FILL_10X);
    }
}

static void lie_history(struct hostile *h, json_t *rows)
{
    size_t i;
    json_t *o;
    json_array_foreach(rows, i, o)
    {
        if (strcmp(get_str(o, "side"), "BUY") || get_money(o, "executedQty") <= 0)
            continue;
        set_money(o, "price", -get_money(o, "price"));
        set_str(o, "cummulativeQuoteQty", "-1");
        told(h, LIE_HISTORY_NEG);
    }
}

/* endless-pages: a full page of closed, unfilled orders past whatever id the
 * caller asked for, however often it asks. */
static void endless_page(struct hostile *h, struct sim_req *q, struct sim_resp *r)
{
    const char *sym = params_get(&q->params, "symbol");
    const char *from = params_get(&q->params, "orderId");
    const char *lim = params_get(&q->params, "limit");
    const char *start = params_get(&q->params, "startTime");
    int64_t id = from ? strtoll(from, NULL, 10) : 1;
    int64_t t = start ? strtoll(start, NULL, 10) : q->now_ms;
    long n = lim ? strtol(lim, NULL, 10) : 500;
    if (n <= 0 || n > 1000)
        n = 1000;
    if (id < 1)
        id = 1;
    strbuf_reset(&r->body);
    strbuf_addstr(&r->body, "[");
    for (long i = 0; i < n; i++)
        strbuf_addf(&r->body,
                    "%s{\"symbol\":\"%s\",\"orderId\":%lld,\"orderListId\":-1,"
                    "\"clientOrderId\":\"web_%lld\",\"price\":\"1.00000000\","
                    "\"origQty\":\"10.00000000\",\"executedQty\":\"0.00000000\","
                    "\"cummulativeQuoteQty\":\"0.00000000\",\"status\":\"CANCELED\","
                    "\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\","
                    "\"stopPrice\":\"0.00000000\",\"icebergQty\":\"0.00000000\","
                    "\"time\":%lld,\"updateTime\":%lld,\"isWorking\":true,"
                    "\"workingTime\":%lld,\"origQuoteOrderQty\":\"0.00000000\","
                    "\"selfTradePreventionMode\":\"EXPIRE_MAKER\"}",
                    i ? "," : "", sym ? sym : "ALPHAUSDT", (long long)(id + i),
                    (long long)(id + i), (long long)t, (long long)t, (long long)t);
    strbuf_addstr(&r->body, "]");
    r->status = 200;
    told(h, LIE_ENDLESS_PAGES);
}

/* echo-secret: an error whose text quotes the request's session cookie and
 * header, several times, so that wherever between about 60 and 400
 * characters a copier cuts the text, a copy of a secret is split there. */
static int echo_secret(struct hostile *h, struct sim_req *q, struct sim_resp *r)
{
    char cookie[512], token[512];
    int nc = server_header(q->conn, "cookie", cookie, sizeof(cookie));
    int nt = server_header(q->conn, "x-session-token", token, sizeof(token));
    if ((nc <= 0 && nt <= 0) || h->echoes >= ECHO_MAX)
        return 0;
    int pad = 7 * h->echoes++; /* each echo moves the copies */
    strbuf_reset(&r->body);
    strbuf_addf(&r->body, "{\"code\":-1100,\"msg\":\"Illegal characters found in a parameter; "
                          "the request carried:%*s", pad, "");
    for (int i = 0; i < 6; i++) {
        if (nc > 0)
            strbuf_addf(&r->body, " Cookie: %s;", cookie);
        if (nt > 0)
            strbuf_addf(&r->body, " X-Session-Token: %s;", token);
    }
    strbuf_addstr(&r->body, " end\"}");
    r->status = 400;
    told(h, LIE_ECHO_SECRET);
    return 1;
}

/* cancel-lie: the cancel is not done; it is sent on as the query of the
 * same order (or open orders), whose answer this marks CANCELED, as a
 * cancel's answer would be. */
static int cancel_lie_path(const char *path)
{
    return !strcmp(path, "/api/v3/order") || !strcmp(path, "/api/v3/openOrders");
}

static void cancel_mark(json_t *o)
{
    json_object_set_new(o, "origClientOrderId", json_string(get_str(o, "clientOrderId")));
    set_str(o, "status", "CANCELED");
}

static void lie_canceled(struct hostile *h, json_t *root)
{
    json_t *o;
    size_t i;
    if (json_is_array(root))
        json_array_foreach(root, i, o) cancel_mark(o);
    else if (json_is_object(root))
        cancel_mark(root);
    told(h, LIE_CANCEL);
}

static void lie_cancel(struct hostile *h, struct sim_req *q, struct sim_resp *r)
{
    q->method = SIM_GET;
    h->real.http(h->real.arg, q, r);
    json_t *root = r->status == 200 ? json_loadb(r->body.buf, r->body.len, 0, NULL) : NULL;
    if (!root)
        return;
    lie_canceled(h, root);
    body_set_json(r, root);
}

static void lie_ticker(struct hostile *h, json_t *o, const char *bid, const char *ask)
{
    const char *v = h->on[LIE_TICKER_NAN] ? "NaN" : "0.00000000";
    if (!h->on[LIE_TICKER_NAN] && !h->on[LIE_TICKER_ZERO])
        return;
    set_str(o, bid, v);
    set_str(o, ask, v);
    told(h, h->on[LIE_TICKER_NAN] ? LIE_TICKER_NAN : LIE_TICKER_ZERO);
}

static int64_t venue_clock(struct hostile *h, int64_t real_ms)
{
    return h->clock0_ms + (real_ms - h->clock0_ms) / 2;
}

/* Rewrites root, a 200 answer of the real venue to a request for method
 * and path: a REST answer's body, or a WS API answer's result. */
static void lie_result(struct hostile *h, enum sim_method m, const char *p, json_t *root)
{
    size_t i;
    json_t *o;
    if (!strcmp(p, "/api/v3/order")) {
        lie_order(h, root, m == SIM_POST ? ORD_PLACE : m == SIM_GET ? ORD_QUERY : ORD_CANCEL);
    } else if (!strcmp(p, "/api/v3/allOrders") && h->on[LIE_HISTORY_NEG]) {
        lie_history(h, root);
    } else if (!strcmp(p, "/api/v3/ticker/bookTicker")) {
        if (json_is_array(root))
            json_array_foreach(root, i, o) lie_ticker(h, o, "bidPrice", "askPrice");
        else
            lie_ticker(h, root, "bidPrice", "askPrice");
    } else if (!strcmp(p, "/api/v3/time")) {
        if (h->on[LIE_TIME_MAX] || h->on[LIE_TIME_MIN]) {
            enum lie l = h->on[LIE_TIME_MAX] ? LIE_TIME_MAX : LIE_TIME_MIN;
            json_object_set_new(root, "serverTime",
                                json_integer(l == LIE_TIME_MAX ? INT64_MAX : -INT64_MAX));
            told(h, l);
        }
    } else if (!strcmp(p, "/api/v3/account") && h->on[LIE_NEG_BALANCE]) {
        json_array_foreach(json_object_get(root, "balances"), i, o)
            set_money(o, "free", -get_money(o, "free") - MONEY_SCALE);
        told(h, LIE_NEG_BALANCE);
    }
}

static void app_http(void *arg, struct sim_req *q, struct sim_resp *r)
{
    struct hostile *h = arg;
    if (!strcmp(q->path, "/hostile/truth")) {
        body_set_json(r, truth_json(h));
        return;
    }
    h->via = VIA_REST;
    if (h->on[LIE_CLOCK_HALF]) {
        q->now_ms = venue_clock(h, q->now_ms);
        told(h, LIE_CLOCK_HALF);
    }
    int signed_order = !strcmp(q->path, "/api/v3/order") ||
                       !strcmp(q->path, "/api/v3/account");
    if (h->on[LIE_ECHO_SECRET] && signed_order && echo_secret(h, q, r))
        return;
    if (q->method == SIM_DELETE && h->on[LIE_CANCEL] && cancel_lie_path(q->path)) {
        lie_cancel(h, q, r);
        track_live(h);
        return;
    }
    if (q->method == SIM_GET && h->on[LIE_ENDLESS_PAGES] && !strcmp(q->path, "/api/v3/allOrders")) {
        endless_page(h, q, r);
        return;
    }
    h->real.http(h->real.arg, q, r);
    track_live(h);
    json_t *root = r->status == 200 ? json_loadb(r->body.buf, r->body.len, 0, NULL) : NULL;
    if (root) {
        lie_result(h, q->method, q->path, root);
        body_set_json(r, root);
    }
}

/* ---- WS API requests and their answers ---- */

/* The REST endpoint a WS API method stands for; NULL: none.  time is
 * answered by the WS API itself, but is GET /api/v3/time's answer. */
static const struct wsapi_endpoint *endpoint_of(const char *method, enum sim_method http,
                                                const char *path)
{
    static const struct wsapi_endpoint time_ep = { "time", SIM_GET, "/api/v3/time", 0 };
    size_t n;
    const struct wsapi_endpoint *e = wsapi_endpoints(&n);
    if (method && !strcmp(method, time_ep.method))
        return &time_ep;
    for (size_t i = 0; i < n; i++)
        if (method ? !strcmp(e[i].method, method) : e[i].http == http && !strcmp(e[i].path, path))
            return &e[i];
    return NULL;
}

static struct hconn *hconn_of(struct hostile *h, struct sim_conn *conn)
{
    for (struct hconn *c = h->conns; c; c = c->next)
        if (c->conn == conn)
            return c;
    return NULL;
}

/* A slot for request id (JSON text): a free one, else the oldest. */
static struct ws_pending *pending_add(struct hconn *c, const char *id)
{
    struct ws_pending *p = &c->pending[0];
    for (int i = 0; i < WS_PENDING_MAX && p->id[0]; i++)
        if (!c->pending[i].id[0] || c->pending[i].seq < p->seq)
            p = &c->pending[i];
    snprintf(p->id, sizeof(p->id), "%s", id);
    p->seq = ++c->seq;
    return p;
}

/* The request id answers, taken out of the table; NULL: not noted. */
static struct ws_pending *pending_take(struct hconn *c, const char *id)
{
    for (int i = 0; i < WS_PENDING_MAX; i++)
        if (c->pending[i].id[0] && !strcmp(c->pending[i].id, id)) {
            c->pending[i].id[0] = '\0';
            return &c->pending[i];
        }
    return NULL;
}

/* The id member of a request or answer as JSON text in out; 0 when it has
 * none that fits. */
static int id_text(json_t *root, char out[WS_ID_MAX])
{
    json_t *id = json_object_get(root, "id");
    char *s = id ? json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    int ok = s && strlen(s) < WS_ID_MAX;
    if (ok)
        strcpy(out, s);
    free(s);
    return ok;
}

/* Notes what a WS API request stands for, to lie in its answer.  Under
 * cancel-lie a cancel is not done: *rewrite (the caller frees it) is the
 * request sent on instead, the query of the same order or open orders. */
static void ws_request(struct hostile *h, struct hconn *c, const char *msg, size_t len,
                       char **rewrite)
{
    json_t *root = json_loadb(msg, len, 0, NULL);
    const char *method = json_string_value(json_object_get(root, "method"));
    const struct wsapi_endpoint *e = method ? endpoint_of(method, SIM_OTHER, NULL) : NULL;
    char id[WS_ID_MAX];
    *rewrite = NULL;
    if (e && id_text(root, id)) {
        struct ws_pending *p = pending_add(c, id);
        const struct wsapi_endpoint *query = endpoint_of(NULL, SIM_GET, e->path);
        p->e = e;
        p->cancel_lie = e->http == SIM_DELETE && h->on[LIE_CANCEL] && cancel_lie_path(e->path) &&
                        query;
        if (p->cancel_lie) {
            json_object_set_new(root, "method", json_string(query->method));
            *rewrite = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
        }
    }
    json_decref(root);
}

/* A WS API answer ({"id":..,"status":..,"result":..}) to a noted request,
 * lied about as REST's answer; 0 when root is no such answer. */
static int lie_ws_answer(struct hostile *h, struct sim_conn *conn, json_t *root)
{
    struct hconn *c = hconn_of(h, conn);
    char id[WS_ID_MAX];
    struct ws_pending *p;
    if (!c || !json_is_integer(json_object_get(root, "status")) || !id_text(root, id) ||
        !(p = pending_take(c, id)))
        return 0;
    json_t *result = json_object_get(root, "result");
    h->via = VIA_WS_API;
    if (json_integer_value(json_object_get(root, "status")) != 200 || !result)
        return 1;
    if (p->cancel_lie)
        lie_canceled(h, result);
    else
        lie_result(h, p->e->http, p->e->path, result);
    return 1;
}

/* ---- lies about pushes (WebSocket) ---- */

static int pushed_before(struct hostile *h, const char *cid)
{
    for (size_t i = 0; i < h->n_pushed; i++)
        if (!strcmp(h->pushed[i].cid, cid))
            return 1;
    if (h->n_pushed == h->cap_pushed) {
        size_t cap = h->cap_pushed ? 2 * h->cap_pushed : 256;
        struct seen_id *p = realloc(h->pushed, cap * sizeof(*p));
        if (!p)
            return 0;
        h->pushed = p;
        h->cap_pushed = cap;
    }
    snprintf(h->pushed[h->n_pushed++].cid, sizeof(h->pushed[0].cid), "%s", cid);
    return 0;
}

static void lie_report(struct hostile *h, json_t *e)
{
    const char *st = get_str(e, "X");
    int filled = !strcmp(st, "FILLED");
    if (h->on[LIE_FILLED_ZERO] && filled) {
        set_str(e, "z", "0.00000000");
        set_str(e, "Z", "0.00000000");
        set_str(e, "l", "0.00000000");
        set_str(e, "Y", "0.00000000");
        told(h, LIE_FILLED_ZERO);
    }
    if (h->on[LIE_PRICE_ZERO] && get_money(e, "z") > 0) {
        set_str(e, "L", "0.00000000");
        set_str(e, "Y", "0.00000000");
        set_str(e, "Z", "0.00000000");
        told(h, LIE_PRICE_ZERO);
    }
    if (h->on[LIE_NEG_ZERO]) {
        set_str(e, "z", "-0.00000000");
        set_str(e, "l", "-0.00000000");
        set_str(e, "Z", "-0.00000000");
        set_str(e, "Y", "-0.00000000");
        told(h, LIE_NEG_ZERO);
    }
    if (h->on[LIE_FINAL_DISAGREE] && filled) {
        set_money(e, "z", half_on_grid(h, get_str(e, "s"), get_money(e, "q")));
        told(h, LIE_FINAL_DISAGREE);
    }
    if (h->on[LIE_FILL_10X] && get_money(e, "z") > 0) {
        scale_money(e, "z", 10);
        scale_money(e, "l", 10);
        scale_money(e, "Z", 10);
        scale_money(e, "Y", 10);
        told(h, LIE_FILL_10X);
    }
}

static void send_json(struct sim_conn *c, json_t *root)
{
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s) {
        server_ws_send(c, s, strlen(s));
        free(s);
    }
}

/* Every WebSocket message, pushes and WS API answers.  A request's pushes
 * (an order's executionReport) are sent while it is served, before its
 * answer is lied about: the filter leaves h->via as it found it. */
static int app_ws_filter(void *arg, struct sim_conn *c, const char *msg, size_t len)
{
    struct hostile *h = arg;
    enum via outer = h->via;
    json_t *root = json_loadb(msg, len, 0, NULL);
    if (!root)
        return 0;
    if (lie_ws_answer(h, c, root)) {
        send_json(c, root);
        json_decref(root);
        h->via = outer;
        return 1;
    }
    json_t *ev = json_object_get(root, "event");  /* WebSocket API subscription */
    json_t *data = json_object_get(root, "data"); /* combined market stream */
    json_t *e = json_is_object(ev) ? ev : json_is_object(data) ? data : root;
    const char *type = get_str(e, "e");
    int drop = 0;

    h->via = VIA_PUSH;
    if (!strcmp(type, "executionReport")) {
        if (h->on[LIE_PUSH_DROP] && pushed_before(h, get_str(e, "c"))) {
            told(h, LIE_PUSH_DROP);
            drop = 1;
        } else {
            lie_report(h, e);
        }
    } else if (!*type && json_object_get(e, "b") && json_object_get(e, "a") &&
               json_object_get(e, "u")) {
        lie_ticker(h, e, "b", "a"); /* bookTicker pushes carry no "e" */
    }
    if (!drop)
        send_json(c, root);
    if (!drop && h->on[LIE_PUSH_CANCEL] && !strcmp(type, "executionReport") &&
        !strcmp(get_str(e, "x"), "NEW")) {
        set_str(e, "C", get_str(e, "c"));
        set_str(e, "c", "hostile-cancel");
        set_str(e, "x", "CANCELED");
        set_str(e, "X", "CANCELED");
        send_json(c, root);
        told(h, LIE_PUSH_CANCEL);
    }
    json_decref(root);
    h->via = outer;
    return 1;
}

static int app_ws_open(void *arg, struct sim_req *req, void **app)
{
    struct hostile *h = arg;
    struct hconn *c = calloc(1, sizeof(*c));
    if (!c)
        return LT_ENOMEM;
    int rc = h->real.ws_open(h->real.arg, req, &c->app);
    if (rc) {
        free(c);
        return rc;
    }
    c->conn = req->conn;
    c->next = h->conns;
    if (c->next)
        c->next->prev = c;
    h->conns = c;
    *app = c;
    return 0;
}

/* clock-half on the WS API too: the real venue reads its clock through
 * server_now_ms, so the message is served with the offset that makes it
 * the venue's clock (one service thread: nothing else reads it meanwhile). */
static void app_ws_message(void *app, const char *msg, size_t len)
{
    struct hostile *h = &H;
    struct hconn *c = app;
    char *rewrite;
    h->via = VIA_WS_API;
    ws_request(h, c, msg, len, &rewrite);
    if (h->on[LIE_CLOCK_HALF]) {
        int64_t real = server_now_ms();
        server_set_clock_offset(venue_clock(h, real) - real);
        told(h, LIE_CLOCK_HALF);
    }
    h->real.ws_message(c->app, rewrite ? rewrite : msg, rewrite ? strlen(rewrite) : len);
    server_set_clock_offset(0);
    free(rewrite);
    track_live(h);
}

static void app_ws_close(void *app)
{
    struct hostile *h = &H;
    struct hconn *c = app;
    h->real.ws_close(c->app);
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    free(c);
}

static void app_tick(void *arg, int64_t now_ms)
{
    struct hostile *h = arg;
    h->real.tick(h->real.arg, now_ms);
    track_live(h);
}

/* ---- blackhole ---- */

static volatile sig_atomic_t g_hole_stop;

static void on_hole_signal(int sig)
{
    (void)sig;
    g_hole_stop = 1;
}

/* Listens and never accepts: the kernel completes the handshakes into the
 * backlog, so a client connects and then waits for an answer forever. */
static int blackhole(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 512) ||
        getsockname(fd, (struct sockaddr *)&sa, &sl)) {
        perror("hostile: blackhole");
        return 1;
    }
    struct sigaction act;
    memset(&act, 0, sizeof(act));
    act.sa_handler = on_hole_signal;
    sigaction(SIGINT, &act, NULL);
    sigaction(SIGTERM, &act, NULL);
    printf("listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    while (!g_hole_stop)
        pause();
    close(fd);
    return 0;
}

/* ---- main ---- */

static void usage(FILE *f)
{
    fprintf(f, "usage: hostile --port N --config FILE [--seed S] [--lie MODE]... "
               "[--truth FILE] [--fault KIND=VALUE]...\nmodes:");
    for (int i = 0; i < LIE_COUNT; i++)
        fprintf(f, " %s", lie_names[i]);
    fprintf(f, "\n");
}

static int lie_parse(const char *s)
{
    for (int i = 0; i < LIE_COUNT; i++)
        if (!strcmp(s, lie_names[i]))
            return i;
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, 'p' }, { "config", required_argument, NULL, 'c' },
        { "seed", required_argument, NULL, 's' }, { "lie", required_argument, NULL, 'L' },
        { "truth", required_argument, NULL, 't' }, { "fault", required_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
    };
    struct hostile *h = &H;
    const char *config = NULL, *truth = NULL, *fault_specs[32];
    int port = -1, ch, n_faults = 0, rc = 1, l;
    unsigned long long seed = 1;
    struct lt_err err = { 0 };

    while ((ch = getopt_long(argc, argv, "p:c:s:L:t:f:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            port = atoi(optarg);
            break;
        case 'c':
            config = optarg;
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        case 'L':
            if ((l = lie_parse(optarg)) < 0) {
                fprintf(stderr, "hostile: unknown --lie %s\n", optarg);
                usage(stderr);
                return 2;
            }
            h->on[l] = 1;
            break;
        case 't':
            truth = optarg;
            break;
        case 'f':
            if (n_faults == (int)(sizeof(fault_specs) / sizeof(fault_specs[0])))
                return 2;
            fault_specs[n_faults++] = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || port < 0 || (!config && !h->on[LIE_BLACKHOLE])) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (h->on[LIE_BLACKHOLE])
        return blackhole(port);

    if (sim_app_configure(&h->app, config, seed, fault_specs, n_faults, &err)) {
        fprintf(stderr, "hostile: %s\n", err.msg);
        sim_app_free(&h->app);
        return 2;
    }
    h->clock0_ms = server_now_ms();
    if (sim_app_start(&h->app, seed, &err))
        goto out;
    h->ex = h->app.ex;
    size_t na = sim_exchange_account_count(h->ex);
    h->live = calloc(na ? na : 1, sizeof(int));
    h->max_live = calloc(na ? na : 1, sizeof(int));
    if (!h->live || !h->max_live) {
        lt_err_set(&err, LT_ENOMEM, "out of memory");
        goto out;
    }
    sim_app_handlers(&h->app, &h->real);
    struct server_opts sopts = { .port = port, .faults = &h->app.faults, .h = h->real };
    sopts.h.arg = h;
    sopts.h.http = app_http;
    sopts.h.ws_open = app_ws_open;
    sopts.h.ws_message = app_ws_message;
    sopts.h.ws_close = app_ws_close;
    sopts.h.tick = app_tick;
    sopts.h.ws_filter = app_ws_filter;
    if (server_create(&h->srv, &sopts, &err))
        goto out;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("listening on 127.0.0.1:%d\n", server_port(h->srv));
    fflush(stdout);
    rc = server_run(h->srv) ? 1 : 0;
    if (truth && truth_write(h, truth)) {
        fprintf(stderr, "hostile: cannot write %s\n", truth);
        rc = 1;
    }
out:
    if (rc && err.msg[0])
        fprintf(stderr, "hostile: %s\n", err.msg);
    server_destroy(h->srv);
    h->srv = NULL;
    sim_app_free(&h->app);
    free(h->live);
    free(h->max_live);
    free(h->pushed);
    return rc;
}
