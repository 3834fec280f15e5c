/*
 * alpha.c - the Binance Alpha web dialect of the simulator (see alpha.h).
 *
 * Handlers answer through one envelope: they write `data` into c->out and
 * return 0, or fill c->fail and return -1; alpha_handle wraps either.  The
 * engine speaks Binance Spot's errors; alpha_map_error turns them into the
 * codes the Alpha web endpoints use.
 */
#include "looptrader/sim/alpha.h"

#include "looptrader/log.h"
#include "looptrader/sim/auth.h"
#include "looptrader/sim/render.h"

#include <jansson.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL
#define HISTORY_ROWS_MAX 500

/* ---- pure pieces ---- */

void alpha_render_ok(struct strbuf *sb, const char *data)
{
    strbuf_addstr(sb, "{\"code\":\"" ALPHA_OK "\",\"message\":null,\"messageDetail\":null,"
                      "\"data\":");
    strbuf_addstr(sb, data ? data : "null");
    strbuf_addstr(sb, ",\"success\":true}");
}

void alpha_render_error(struct strbuf *sb, const char *code, const char *msg)
{
    strbuf_addstr(sb, "{\"code\":");
    render_str(sb, code);
    strbuf_addstr(sb, ",\"message\":");
    render_str(sb, msg);
    strbuf_addstr(sb, ",\"messageDetail\":null,\"data\":null,\"success\":false}");
}

void alpha_map_error(int binance_code, const char *binance_msg, const char **code,
                     const char **msg)
{
    if (binance_code == -2010 && binance_msg && strstr(binance_msg, "insufficient balance")) {
        *code = ALPHA_E_BALANCE;
        *msg = "Insufficient balance.";
    } else if (binance_code == -1013 && binance_msg && strstr(binance_msg, "NOTIONAL")) {
        *code = ALPHA_E_MIN_NOTIONAL;
        *msg = "The order amount is below the minimum.";
    } else if (binance_code == -2011 || binance_code == -2013) {
        *code = ALPHA_E_NO_ORDER;
        *msg = "Order does not exist.";
    } else if (binance_code == -1013 || binance_code == -1100 || binance_code == -1102 ||
               binance_code == -1111 || binance_code == -1121) {
        *code = ALPHA_E_PARAM;
        *msg = "illegal parameter";
    } else {
        *code = ALPHA_E_REJECTED;
        *msg = "The order was rejected.";
    }
}

money_t alpha_counted(money_t quote, int mul_point)
{
    money_t sum = 0;
    for (int i = 0; i < mul_point; i++)
        sum = money_add_sat(sum, quote);
    return sum;
}

int alpha_trade_counts(int64_t trade_ms, int64_t now_ms, int64_t lag_ms)
{
    int64_t day_start = now_ms - now_ms % DAY_MS;
    return trade_ms >= day_start && trade_ms <= now_ms - lag_ms;
}

const char *alpha_session_state(const struct alpha_session *s, int64_t now_ms,
                                const char **msg)
{
    if (s && s->expire_ms && now_ms >= s->expire_ms) {
        *msg = "Login state expired, please log in again.";
        return ALPHA_E_LOGIN_EXPIRED;
    }
    if (s && s->step_up_ms && now_ms >= s->step_up_ms) {
        *msg = "Supplementary authentication failed: you must complete this verification.";
        return ALPHA_E_STEP_UP;
    }
    return NULL;
}

/* ---- configuration ---- */

static int conf_fail(struct lt_err *err, const char *name, const config_setting_t *s,
                     const char *field, const char *what)
{
    return lt_err_set(err, LT_ECONFIG, "%s:%d: alpha.%s: %s", name,
                      s ? config_setting_source_line(s) : 0, field, what);
}

static int conf_seconds(const config_setting_t *g, const char *key, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, key);
    *out = 0;
    if (!s)
        return 0;
    if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
        *out = config_setting_get_float(s);
    else if (config_setting_type(s) == CONFIG_TYPE_INT || config_setting_type(s) == CONFIG_TYPE_INT64)
        *out = (double)config_setting_get_int64(s);
    else
        return -1;
    return *out < 0 || *out > 30.0 * 86400 ? -1 : 0;
}

static int account_by_name(const struct sim_exchange *ex, const char *name)
{
    for (size_t i = 0; i < sim_exchange_account_count(ex); i++)
        if (!strcmp(sim_exchange_account_conf(ex, (int)i)->name, name))
            return (int)i;
    return -1;
}

static int parse_tokens(struct alpha *a, const config_setting_t *list, const char *name,
                        struct lt_err *err)
{
    int n = config_setting_length(list);
    a->tokens = calloc(n ? (size_t)n : 1, sizeof(*a->tokens));
    if (!a->tokens)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *t = config_setting_get_elem(list, (unsigned)i);
        const char *id = NULL, *tn = NULL;
        int mul = 1;
        struct alpha_token *tok = &a->tokens[i];
        if (!config_setting_lookup_string(t, "alpha_id", &id) || strlen(id) >= sizeof(tok->alpha_id))
            return conf_fail(err, name, t, "tokens.alpha_id", "missing or too long");
        if (!config_setting_lookup_string(t, "name", &tn) || strlen(tn) >= sizeof(tok->name))
            return conf_fail(err, name, t, "tokens.name", "missing or too long");
        if (config_setting_get_member(t, "mul_point") &&
            (!config_setting_lookup_int(t, "mul_point", &mul) || mul < 1 || mul > 16))
            return conf_fail(err, name, t, "tokens.mul_point", "must be an integer 1..16");
        char sym[48];
        snprintf(sym, sizeof(sym), "%sUSDT", id);
        snprintf(tok->alpha_id, sizeof(tok->alpha_id), "%s", id);
        snprintf(tok->name, sizeof(tok->name), "%s", tn);
        tok->mul_point = mul;
        tok->symbol = sim_exchange_symbol_index(a->ex, sym);
        if (tok->symbol < 0)
            return conf_fail(err, name, t, "tokens.alpha_id",
                             "its symbol (alpha_id + USDT) is not in symbols");
        a->n_tokens++;
    }
    return 0;
}

static int parse_sessions(struct alpha *a, const config_setting_t *list, const char *name,
                          int64_t now_ms, struct lt_err *err)
{
    int n = config_setting_length(list);
    a->sessions = calloc(n ? (size_t)n : 1, sizeof(*a->sessions));
    if (!a->sessions)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    for (int i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        const char *acc = NULL;
        double exp_s, step_s;
        if (!config_setting_lookup_string(s, "account", &acc))
            return conf_fail(err, name, s, "sessions.account", "missing");
        struct alpha_session *as = &a->sessions[i];
        if ((as->account = account_by_name(a->ex, acc)) < 0)
            return conf_fail(err, name, s, "sessions.account", "no such account");
        if (conf_seconds(s, "expire_after_s", &exp_s) ||
            conf_seconds(s, "step_up_after_s", &step_s))
            return conf_fail(err, name, s, "sessions", "times must be seconds in 0..30 days");
        as->expire_ms = exp_s > 0 ? now_ms + (int64_t)(exp_s * 1000) : 0;
        as->step_up_ms = step_s > 0 ? now_ms + (int64_t)(step_s * 1000) : 0;
        a->n_sessions++;
    }
    return 0;
}

static int init_from(struct alpha *a, config_t *cfg, const char *name, struct sim_exchange *ex,
                     struct rest *rest, struct listenkeys *keys, int64_t now_ms,
                     struct lt_err *err)
{
    memset(a, 0, sizeof(*a));
    a->ex = ex;
    a->rest = rest;
    a->keys = keys;
    a->volume_lag_ms = 60000;
    const config_setting_t *g = config_lookup(cfg, "alpha");
    if (!g)
        return 0;
    const config_setting_t *s;
    int lag;
    if ((s = config_setting_get_member(g, "volume_lag_ms"))) {
        if (!config_setting_lookup_int(g, "volume_lag_ms", &lag) || lag < 0 || lag > 3600000)
            return conf_fail(err, name, s, "volume_lag_ms", "must be an integer 0..3600000");
        a->volume_lag_ms = lag;
    }
    int rc;
    if ((s = config_setting_get_member(g, "tokens")) && (rc = parse_tokens(a, s, name, err)))
        return rc;
    if ((s = config_setting_get_member(g, "sessions")) &&
        (rc = parse_sessions(a, s, name, now_ms, err)))
        return rc;
    return 0;
}

int alpha_init(struct alpha *a, const char *path, struct sim_exchange *ex, struct rest *rest,
               struct listenkeys *keys, int64_t now_ms, struct lt_err *err)
{
    config_t cfg;
    config_init(&cfg);
    int rc;
    if (!config_read_file(&cfg, path))
        rc = lt_err_set(err, LT_ECONFIG, "%s:%d: %s", path, config_error_line(&cfg),
                        config_error_text(&cfg));
    else
        rc = init_from(a, &cfg, path, ex, rest, keys, now_ms, err);
    config_destroy(&cfg);
    if (rc)
        alpha_free(a);
    return rc;
}

int alpha_init_string(struct alpha *a, const char *text, const char *name,
                      struct sim_exchange *ex, struct rest *rest, struct listenkeys *keys,
                      int64_t now_ms, struct lt_err *err)
{
    config_t cfg;
    config_init(&cfg);
    int rc;
    if (!config_read_string(&cfg, text))
        rc = lt_err_set(err, LT_ECONFIG, "%s:%d: %s", name, config_error_line(&cfg),
                        config_error_text(&cfg));
    else
        rc = init_from(a, &cfg, name, ex, rest, keys, now_ms, err);
    config_destroy(&cfg);
    if (rc)
        alpha_free(a);
    return rc;
}

void alpha_free(struct alpha *a)
{
    free(a->tokens);
    free(a->sessions);
    free(a->otos);
    a->tokens = NULL;
    a->sessions = NULL;
    a->otos = NULL;
    a->n_tokens = a->n_sessions = a->n_otos = a->cap_otos = 0;
}

int alpha_path(const char *path)
{
    return !strncmp(path, ALPHA_PATH_PREFIX, sizeof(ALPHA_PATH_PREFIX) - 1);
}

/* ---- requests ---- */

struct acall {
    struct alpha *a;
    struct sim_req *q;
    struct strbuf *out;  /* data only */
    int account;
    json_t *body;        /* the parsed JSON body of a POST, or NULL */
    const char *code;    /* on failure */
    char msg[200];
};

static int afail(struct acall *c, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int afail(struct acall *c, const char *code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
    va_end(ap);
    c->code = code;
    return -1;
}

static int engine_fail(struct acall *c, const struct lt_err *err)
{
    const char *code, *msg;
    alpha_map_error(err->venue_code, err->msg, &code, &msg);
    return afail(c, code, "%s", msg);
}

static const struct alpha_token *token_by_symbol(const struct alpha *a, int symbol)
{
    for (size_t i = 0; i < a->n_tokens; i++)
        if (a->tokens[i].symbol == symbol)
            return &a->tokens[i];
    return NULL;
}

static const struct alpha_token *token_by_id(const struct alpha *a, const char *id)
{
    for (size_t i = 0; id && i < a->n_tokens; i++)
        if (!strcmp(a->tokens[i].alpha_id, id))
            return &a->tokens[i];
    return NULL;
}

/* symbol= as "ALPHA_971USDT": only Alpha tokens' symbols. */
static int need_token_symbol(struct acall *c, const char *s, const struct alpha_token **out)
{
    int sym = s ? sim_exchange_symbol_index(c->a->ex, s) : -1;
    *out = sym >= 0 ? token_by_symbol(c->a, sym) : NULL;
    return *out ? 0 : afail(c, ALPHA_E_PARAM, "illegal parameter: symbol");
}

static const struct alpha_session *session_of(const struct alpha *a, int account)
{
    for (size_t i = 0; i < a->n_sessions; i++)
        if (a->sessions[i].account == account)
            return &a->sessions[i];
    return NULL;
}

static const char *const browser_headers[] = { "bnc-uuid", "device-info", "fvideo-id",
                                               "fvideo-token" };

/* The browser's identity: the account's session cookie and csrftoken
 * header (sim_session_matches), the other headers a web page sends, then
 * the session's own clock (expired, step-up). */
static int authenticate(struct acall *c)
{
    char v[512];
    int n = server_header(c->q->conn, "clienttype", v, sizeof(v));
    if (n <= 0 || strcmp(v, "web"))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: header clienttype must be web");
    for (size_t i = 0; i < sizeof(browser_headers) / sizeof(browser_headers[0]); i++)
        if (server_header(c->q->conn, browser_headers[i], v, sizeof(v)) <= 0)
            return afail(c, ALPHA_E_PARAM, "illegal parameter: header %s missing",
                         browser_headers[i]);
    c->account = auth_session(c->a->ex, c->q->conn);
    const struct simconf_account *acc =
        c->account >= 0 ? sim_exchange_account_conf(c->a->ex, c->account) : NULL;
    if (!acc || strcasecmp(acc->session_header, "csrftoken"))
        return afail(c, ALPHA_E_LOGIN_EXPIRED, "Login state expired, please log in again.");
    const char *msg;
    const char *code = alpha_session_state(session_of(c->a, c->account), c->q->now_ms, &msg);
    return code ? afail(c, code, "%s", msg) : 0;
}

/* A decimal from a JSON string or number. */
static int json_money(const json_t *o, const char *key, money_t *out)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_string(v))
        return money_parse(json_string_value(v), out) < 0 ? -1 : 0;
    if (json_is_integer(v) && json_integer_value(v) >= 0 &&
        json_integer_value(v) < 90000000000LL) {
        *out = (money_t)json_integer_value(v) * MONEY_SCALE;
        return 0;
    }
    if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) < 9e10) {
        *out = money_from_double(json_real_value(v));
        return 0;
    }
    return -1;
}

static const char *json_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static void render_alpha_order(struct strbuf *sb, const struct alpha *a, const struct sim_order *o)
{
    const struct alpha_token *t = token_by_symbol(a, o->symbol);
    const struct alpha_oto *oto = NULL;
    for (size_t i = 0; i < a->n_otos && !oto; i++)
        if (a->otos[i].account == o->account && a->otos[i].symbol == o->symbol &&
            (a->otos[i].working_id == o->order_id || a->otos[i].pending_id == o->order_id))
            oto = &a->otos[i];
    money_t avg = o->executed_qty ? money_div(o->cumm_quote_qty, o->executed_qty) : 0;
    strbuf_addf(sb, "{\"orderId\":\"%lld\",\"clientOrderId\":", (long long)o->order_id);
    render_str(sb, o->client_order_id);
    render_str_field(sb, "symbol", o->rules->symbol);
    render_str_field(sb, "baseAsset", t ? t->alpha_id : o->rules->base);
    render_str_field(sb, "quoteAsset", o->rules->quote);
    render_str_field(sb, "side", sim_side_name(o->side));
    render_str_field(sb, "type", sim_order_type_name(o->type));
    render_str_field(sb, "status", sim_status_name(o->status));
    render_money_field(sb, "price", o->price);
    render_money_field(sb, "origQty", o->orig_qty);
    render_money_field(sb, "executedQty", o->executed_qty);
    render_money_field(sb, "cumQuote", o->cumm_quote_qty);
    render_money_field(sb, "avgPrice", avg);
    strbuf_addf(sb, ",\"time\":%lld,\"updateTime\":%lld", (long long)o->time_ms,
                (long long)o->update_ms);
    if (oto)
        strbuf_addf(sb, ",\"contingencyType\":\"OTO\",\"orderListId\":%lld}",
                    (long long)oto->list_id);
    else
        strbuf_addstr(sb, ",\"contingencyType\":null,\"orderListId\":-1}");
}

/* ---- public ---- */

static int h_token_list(struct acall *c)
{
    strbuf_addch(c->out, '[');
    for (size_t i = 0; i < c->a->n_tokens; i++) {
        const struct alpha_token *t = &c->a->tokens[i];
        strbuf_addstr(c->out, i ? ",{\"alphaId\":" : "{\"alphaId\":");
        render_str(c->out, t->alpha_id);
        render_str_field(c->out, "symbol", t->name);
        render_str_field(c->out, "name", t->name);
        strbuf_addstr(c->out, ",\"chainId\":\"56\",\"contractAddress\":");
        strbuf_addf(c->out, "\"0x%040zx\"", i + 1);
        strbuf_addf(c->out, ",\"decimals\":%d,\"mulPoint\":%d}",
                    sim_exchange_symbol_rules(c->a->ex, t->symbol)->base_precision,
                    t->mul_point);
    }
    strbuf_addch(c->out, ']');
    return 0;
}

static int h_exchange_info(struct acall *c)
{
    strbuf_addf(c->out, "{\"timezone\":\"UTC\",\"serverTime\":%lld,\"symbols\":[",
                (long long)c->q->now_ms);
    for (size_t i = 0; i < c->a->n_tokens; i++) {
        const struct symbol_rules *r = sim_exchange_symbol_rules(c->a->ex, c->a->tokens[i].symbol);
        if (i)
            strbuf_addch(c->out, ',');
        strbuf_addstr(c->out, "{\"symbol\":");
        render_str(c->out, r->symbol);
        render_str_field(c->out, "status", r->trading ? "TRADING" : "BREAK");
        render_str_field(c->out, "baseAsset", r->base);
        render_str_field(c->out, "quoteAsset", r->quote);
        strbuf_addf(c->out, ",\"baseAssetPrecision\":%d,\"quotePrecision\":%d",
                    r->base_precision, r->quote_precision);
        strbuf_addstr(c->out, ",\"orderTypes\":[\"LIMIT\"],\"otoAllowed\":true,\"filters\":["
                              "{\"filterType\":\"PRICE_FILTER\"");
        render_money_field(c->out, "minPrice", r->min_price ? r->min_price : r->tick_size);
        render_money_field(c->out, "maxPrice", r->max_price);
        render_money_field(c->out, "tickSize", r->tick_size);
        strbuf_addstr(c->out, "},{\"filterType\":\"LOT_SIZE\"");
        render_money_field(c->out, "minQty", r->min_qty ? r->min_qty : r->step_size);
        render_money_field(c->out, "maxQty", r->max_qty);
        render_money_field(c->out, "stepSize", r->step_size);
        strbuf_addstr(c->out, "},{\"filterType\":\"MIN_NOTIONAL\"");
        render_money_field(c->out, "minNotional", r->min_notional);
        strbuf_addstr(c->out, "}]}");
    }
    strbuf_addstr(c->out, "]}");
    return 0;
}

static int h_fee_rate(struct acall *c)
{
    const struct alpha_token *t;
    if (need_token_symbol(c, params_get(&c->q->params, "symbol"), &t))
        return -1;
    money_t maker, taker;
    sim_exchange_fees(c->a->ex, &maker, &taker);
    strbuf_addstr(c->out, "{\"symbol\":");
    render_str(c->out, sim_exchange_symbol_rules(c->a->ex, t->symbol)->symbol);
    render_money_field(c->out, "makerCommission", maker);
    render_money_field(c->out, "takerCommission", taker);
    strbuf_addch(c->out, '}');
    return 0;
}

static int h_depth(struct acall *c)
{
    const struct alpha_token *t;
    int64_t limit = 20, last_id;
    if (need_token_symbol(c, params_get(&c->q->params, "symbol"), &t))
        return -1;
    const char *ls = params_get(&c->q->params, "limit");
    if (ls && ((limit = strtoll(ls, NULL, 10)) < 1 || limit > 500))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: limit");
    struct sim_level bids[500], asks[500];
    size_t nb, na;
    sim_exchange_depth(c->a->ex, t->symbol, (size_t)limit, bids, &nb, asks, &na, &last_id);
    strbuf_addf(c->out, "{\"lastUpdateId\":%lld,\"bids\":", (long long)last_id);
    render_levels(c->out, bids, nb);
    strbuf_addstr(c->out, ",\"asks\":");
    render_levels(c->out, asks, na);
    strbuf_addch(c->out, '}');
    return 0;
}

/* ---- private: orders ---- */

/* The place body's common part: the token, price, quantity, the payment
 * (a BUY pays CARD with the quote amount, a SELL ALPHA with the base). */
static int order_body(struct acall *c, const char *side_key, const char *price_key,
                      const char *qty_key, const struct alpha_token **t,
                      struct sim_place_req *pr)
{
    json_t *b = c->body;
    const char *side = json_str(b, side_key), *quote = json_str(b, "quoteAsset");
    const char *otype = json_str(b, side_key[0] == 'w' ? "workingType" : "orderType");
    memset(pr, 0, sizeof(*pr));
    if (!(*t = token_by_id(c->a, json_str(b, "baseAsset"))) || !quote || strcmp(quote, "USDT"))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: baseAsset/quoteAsset");
    if (!side || sim_side_parse(side, &pr->side))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: %s", side_key);
    if (otype && strcmp(otype, "LIMIT"))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: only LIMIT orders");
    if (json_money(b, price_key, &pr->price) || json_money(b, qty_key, &pr->quantity) ||
        !pr->price || !pr->quantity)
        return afail(c, ALPHA_E_PARAM, "illegal parameter: %s/%s", price_key, qty_key);
    const json_t *pay = json_array_get(json_object_get(b, "paymentDetails"), 0);
    const char *wallet = json_str(pay, "paymentWalletType");
    money_t amount;
    if (!wallet || strcmp(wallet, pr->side == SIDE_BUY ? "CARD" : "ALPHA") ||
        json_money(pay, "amount", &amount) || !amount)
        return afail(c, ALPHA_E_PARAM, "illegal parameter: paymentDetails");
    pr->symbol = sim_exchange_symbol_rules(c->a->ex, (*t)->symbol)->symbol;
    pr->type = SIM_LIMIT;
    pr->tif = SIM_GTC;
    pr->client_order_id = json_str(b, "clientOrderId");
    if (pr->client_order_id && strlen(pr->client_order_id) > SIM_CLIENT_ID_MAX)
        return afail(c, ALPHA_E_PARAM, "illegal parameter: clientOrderId");
    return 0;
}

static int h_place(struct acall *c)
{
    const struct alpha_token *t;
    struct sim_place_req pr;
    struct sim_place_result res;
    struct lt_err err = { 0 };
    if (order_body(c, "side", "price", "quantity", &t, &pr))
        return -1;
    if (sim_exchange_place(c->a->ex, c->account, &pr, c->q->now_ms, &res, &err))
        return engine_fail(c, &err);
    strbuf_addf(c->out, "\"%lld\"", (long long)res.order.order_id);
    return 0;
}

static int h_oto_place(struct acall *c)
{
    const struct alpha_token *t;
    struct sim_place_req pr;
    struct sim_place_result res;
    struct lt_err err = { 0 };
    money_t pending;
    if (order_body(c, "workingSide", "workingPrice", "workingQuantity", &t, &pr))
        return -1;
    const char *ptype = json_str(c->body, "pendingType");
    if (pr.side != SIDE_BUY || json_money(c->body, "pendingPrice", &pending) || !pending ||
        (ptype && strcmp(ptype, "LIMIT")))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: OTO needs a BUY and a pendingPrice");
    const struct symbol_rules *r = sim_exchange_symbol_rules(c->a->ex, t->symbol);
    if (pending % r->tick_size)
        return afail(c, ALPHA_E_PARAM, "illegal parameter: pendingPrice");
    /* pendingClientOrderId names the sell, as clientOrderId names the buy
     * (both the simulator's extension: docs/venues.md). */
    const char *pcid = json_str(c->body, "pendingClientOrderId");
    if (pcid && strlen(pcid) > SIM_CLIENT_ID_MAX)
        return afail(c, ALPHA_E_PARAM, "illegal parameter: pendingClientOrderId");
    if (c->a->n_otos == c->a->cap_otos) {
        size_t cap = c->a->cap_otos ? c->a->cap_otos * 2 : 16;
        struct alpha_oto *n = realloc(c->a->otos, cap * sizeof(*n));
        if (!n)
            return afail(c, ALPHA_E_REJECTED, "out of memory");
        c->a->otos = n;
        c->a->cap_otos = cap;
    }
    if (sim_exchange_place(c->a->ex, c->account, &pr, c->q->now_ms, &res, &err))
        return engine_fail(c, &err);
    struct alpha_oto *o = &c->a->otos[c->a->n_otos++];
    *o = (struct alpha_oto){ .account = c->account, .symbol = t->symbol,
                             .list_id = (int64_t)c->a->n_otos,
                             .working_id = res.order.order_id, .pending_price = pending };
    snprintf(o->pending_client_id, sizeof o->pending_client_id, "%s", pcid ? pcid : "");
    alpha_tick(c->a, c->q->now_ms);
    strbuf_addf(c->out, "{\"orderListId\":%lld,\"workingOrderId\":\"%lld\",\"pendingOrderId\":",
                (long long)o->list_id, (long long)o->working_id);
    if (o->pending_id)
        strbuf_addf(c->out, "\"%lld\"}", (long long)o->pending_id);
    else
        strbuf_addstr(c->out, "null}");
    return 0;
}

static int order_ref(struct acall *c, const struct alpha_token **t, int64_t *id)
{
    const char *sym = c->body ? json_str(c->body, "symbol") : params_get(&c->q->params, "symbol");
    if (need_token_symbol(c, sym, t))
        return -1;
    const json_t *v = c->body ? json_object_get(c->body, "orderId") : NULL;
    const char *s = c->body ? json_str(c->body, "orderId") : params_get(&c->q->params, "orderId");
    char *end = NULL;
    if (json_is_integer(v))
        *id = json_integer_value(v);
    else if (s && *s)
        *id = strtoll(s, &end, 10);
    else
        *id = 0;
    if (*id <= 0 || (end && *end))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: orderId");
    return 0;
}

static int h_cancel(struct acall *c)
{
    const struct alpha_token *t;
    int64_t id;
    struct sim_order o;
    struct lt_err err = { 0 };
    if (order_ref(c, &t, &id))
        return -1;
    const char *sym = sim_exchange_symbol_rules(c->a->ex, t->symbol)->symbol;
    if (sim_exchange_cancel(c->a->ex, c->account, sym, id, NULL, NULL, c->q->now_ms, &o, &err))
        return engine_fail(c, &err);
    alpha_tick(c->a, c->q->now_ms);
    render_alpha_order(c->out, c->a, &o);
    return 0;
}

struct rows {
    struct alpha *a;
    struct sim_order *v;
    size_t n, cap;
    int64_t last_id;
    int failed;
};

static void collect_order(void *ctx, const struct sim_order *o)
{
    struct rows *r = ctx;
    r->last_id = o->order_id;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        struct sim_order *n = realloc(r->v, cap * sizeof(*n));
        if (!n) {
            r->failed = 1;
            return;
        }
        r->v = n;
        r->cap = cap;
    }
    r->v[r->n++] = *o;
}

static void render_rows(struct acall *c, const struct sim_order *v, size_t n)
{
    strbuf_addch(c->out, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            strbuf_addch(c->out, ',');
        render_alpha_order(c->out, c->a, &v[i]);
    }
    strbuf_addch(c->out, ']');
}

static int h_open_orders(struct acall *c)
{
    struct rows r = { .a = c->a };
    struct lt_err err = { 0 };
    const char *sym = params_get(&c->q->params, "symbol");
    const struct alpha_token *only = NULL;
    if (sym && need_token_symbol(c, sym, &only))
        return -1;
    for (size_t i = 0; i < c->a->n_tokens; i++) {
        const struct alpha_token *t = &c->a->tokens[i];
        if (only && only != t)
            continue;
        sim_exchange_open_orders(c->a->ex, c->account,
                                 sim_exchange_symbol_rules(c->a->ex, t->symbol)->symbol,
                                 collect_order, &r, &err);
    }
    if (!r.failed)
        render_rows(c, r.v, r.n);
    free(r.v);
    return r.failed ? afail(c, ALPHA_E_REJECTED, "out of memory") : 0;
}

static int by_time_desc(const void *x, const void *y)
{
    const struct sim_order *a = x, *b = y;
    if (a->time_ms != b->time_ms)
        return a->time_ms < b->time_ms ? 1 : -1;
    return a->order_id < b->order_id ? 1 : a->order_id > b->order_id ? -1 : 0;
}

static int int_param(struct acall *c, const char *key, int64_t def, int64_t lo, int64_t hi,
                     int64_t *out)
{
    const char *s = params_get(&c->q->params, key);
    char *end;
    *out = def;
    if (!s || !*s)
        return 0;
    *out = strtoll(s, &end, 10);
    if (*end || *out < lo || *out > hi)
        return afail(c, ALPHA_E_PARAM, "illegal parameter: %s", key);
    return 0;
}

/* Every order of the account on the selected tokens, newest first, one page
 * (page from 1, rows at most 500) after the filters. */
static int h_history(struct acall *c)
{
    int64_t page, rows, start, end;
    enum order_side side = SIDE_BUY;
    const char *side_s = params_get(&c->q->params, "side");
    const char *status = params_get(&c->q->params, "orderStatus");
    const char *base = params_get(&c->q->params, "baseAsset");
    if (int_param(c, "page", 1, 1, 1000000, &page) ||
        int_param(c, "rows", HISTORY_ROWS_MAX, 1, HISTORY_ROWS_MAX, &rows) ||
        int_param(c, "startTime", 0, 0, INT64_MAX, &start) ||
        int_param(c, "endTime", INT64_MAX, 0, INT64_MAX, &end))
        return -1;
    if (side_s && *side_s && sim_side_parse(side_s, &side))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: side");
    if (base && *base && !token_by_id(c->a, base))
        return afail(c, ALPHA_E_PARAM, "illegal parameter: baseAsset");

    struct rows r = { .a = c->a };
    struct lt_err err = { 0 };
    for (size_t i = 0; i < c->a->n_tokens && !r.failed; i++) {
        const struct alpha_token *t = &c->a->tokens[i];
        if (base && *base && strcmp(base, t->alpha_id))
            continue;
        const char *sym = sim_exchange_symbol_rules(c->a->ex, t->symbol)->symbol;
        struct sim_query sq;
        sim_query_init(&sq);
        sq.from_id = 1;
        sq.limit = 1000;
        for (;;) {
            size_t before = r.n;
            r.last_id = 0;
            sim_exchange_all_orders(c->a->ex, c->account, sym, &sq, collect_order, &r, &err);
            if (r.failed || r.n - before < 1000)
                break;
            sq.from_id = r.last_id + 1;
        }
    }
    if (r.failed) {
        free(r.v);
        return afail(c, ALPHA_E_REJECTED, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < r.n; i++) {
        const struct sim_order *o = &r.v[i];
        if (o->time_ms < start || o->time_ms > end || (side_s && *side_s && o->side != side) ||
            (status && *status && strcmp(status, sim_status_name(o->status))))
            continue;
        if (k != i)
            r.v[k] = *o;
        k++;
    }
    if (k)
        qsort(r.v, k, sizeof(*r.v), by_time_desc);
    size_t first = (size_t)((page - 1) * rows);
    size_t n = first < k ? k - first : 0;
    if (n > (size_t)rows)
        n = (size_t)rows;
    strbuf_addf(c->out, "{\"total\":%zu,\"list\":", k);
    render_rows(c, n ? r.v + first : NULL, n);
    strbuf_addch(c->out, '}');
    free(r.v);
    return 0;
}

struct trade_out {
    struct acall *c;
    int n;
};

static void trade_row(void *ctx, const struct sim_account_trade *t)
{
    struct trade_out *to = ctx;
    struct strbuf *sb = to->c->out;
    const struct symbol_rules *r = sim_exchange_symbol_rules(to->c->a->ex, t->symbol);
    strbuf_addstr(sb, to->n++ ? ",{\"symbol\":" : "{\"symbol\":");
    render_str(sb, r->symbol);
    strbuf_addf(sb, ",\"id\":%lld,\"orderId\":\"%lld\"", (long long)t->id,
                (long long)t->order_id);
    render_money_field(sb, "price", t->price);
    render_money_field(sb, "qty", t->qty);
    render_money_field(sb, "quoteQty", t->quote_qty);
    render_money_field(sb, "commission", t->commission);
    render_str_field(sb, "commissionAsset", t->commission_asset);
    strbuf_addf(sb, ",\"time\":%lld,\"isBuyer\":%s,\"isMaker\":%s}", (long long)t->time_ms,
                t->is_buyer ? "true" : "false", t->is_maker ? "true" : "false");
}

static int h_user_trades(struct acall *c)
{
    const struct alpha_token *t;
    int64_t id;
    struct lt_err err = { 0 };
    if (order_ref(c, &t, &id))
        return -1;
    struct sim_query sq;
    sim_query_init(&sq);
    sq.order_id = id;
    sq.limit = 1000;
    struct trade_out to = { .c = c };
    strbuf_addch(c->out, '[');
    sim_exchange_my_trades(c->a->ex, c->account,
                           sim_exchange_symbol_rules(c->a->ex, t->symbol)->symbol, &sq,
                           trade_row, &to, &err);
    strbuf_addch(c->out, ']');
    return 0;
}

static void balance_row(void *ctx, const struct sim_balance *b)
{
    struct trade_out *to = ctx;
    const struct alpha_token *t = token_by_id(to->c->a, b->asset);
    struct strbuf *sb = to->c->out;
    strbuf_addstr(sb, to->n++ ? ",{\"tokenId\":" : "{\"tokenId\":");
    render_str(sb, b->asset);
    render_str_field(sb, "symbol", t ? t->name : b->asset);
    render_money_field(sb, "free", b->free);
    render_money_field(sb, "freeze", b->locked);
    render_money_field(sb, "amount", money_add_sat(b->free, b->locked));
    strbuf_addch(sb, '}');
}

static int h_balances(struct acall *c)
{
    struct trade_out to = { .c = c };
    strbuf_addstr(c->out, "{\"list\":[");
    sim_exchange_balances(c->a->ex, c->account, balance_row, &to);
    strbuf_addstr(c->out, "]}");
    return 0;
}

struct volume_sum {
    int64_t now_ms, lag_ms;
    int mul_point;
    money_t counted;
    int64_t last_id;
    int n;
};

static void volume_trade(void *ctx, const struct sim_account_trade *t)
{
    struct volume_sum *v = ctx;
    v->last_id = t->id;
    v->n++;
    if (t->is_buyer && alpha_trade_counts(t->time_ms, v->now_ms, v->lag_ms))
        v->counted = money_add_sat(v->counted, alpha_counted(t->quote_qty, v->mul_point));
}

/* Today's counted volume: every buy fill of the UTC day older than the lag,
 * times its token's mulPoint. */
static int h_user_volume(struct acall *c)
{
    money_t total = 0;
    struct strbuf list = STRBUF_INIT;
    struct lt_err err = { 0 };
    for (size_t i = 0; i < c->a->n_tokens; i++) {
        const struct alpha_token *t = &c->a->tokens[i];
        const char *sym = sim_exchange_symbol_rules(c->a->ex, t->symbol)->symbol;
        struct volume_sum v = { .now_ms = c->q->now_ms, .lag_ms = c->a->volume_lag_ms,
                                .mul_point = t->mul_point };
        struct sim_query sq;
        sim_query_init(&sq);
        sq.start_ms = c->q->now_ms - c->q->now_ms % DAY_MS;
        sq.limit = 1000;
        for (;;) {
            v.n = 0;
            sim_exchange_my_trades(c->a->ex, c->account, sym, &sq, volume_trade, &v, &err);
            if (v.n < 1000)
                break;
            sim_query_init(&sq);
            sq.from_id = v.last_id + 1;
            sq.limit = 1000;
        }
        if (!v.counted)
            continue;
        total = money_add_sat(total, v.counted);
        strbuf_addstr(&list, list.len ? ",{\"tokenName\":" : "{\"tokenName\":");
        render_str(&list, t->name);
        render_str_field(&list, "alphaId", t->alpha_id);
        render_money_field(&list, "volume", v.counted);
        strbuf_addch(&list, '}');
    }
    strbuf_addstr(c->out, "{\"totalVolume\":");
    render_money(c->out, total);
    strbuf_addstr(c->out, ",\"tradeVolumeInfoList\":[");
    strbuf_add(c->out, list.buf ? list.buf : "", list.len);
    strbuf_addstr(c->out, "]}");
    strbuf_free(&list);
    return 0;
}

static int h_listen_key(struct acall *c)
{
    const char *k = listenkeys_create(c->a->keys, c->account, c->q->now_ms);
    if (!k)
        return afail(c, ALPHA_E_REJECTED, "Too many listen keys.");
    render_str(c->out, k);
    return 0;
}

/* ---- routing ---- */

#define PUB "/bapi/defi/v1/public/"
#define PRIV_ASSET "/bapi/asset/v1/private/alpha-trade/"
#define PRIV_DEFI "/bapi/defi/v1/private/"

struct aroute {
    enum sim_method method;
    const char *path;
    int private_;
    int weight;
    int (*fn)(struct acall *c);
};

static const struct aroute aroutes[] = {
    { SIM_GET, PUB "wallet-direct/buw/wallet/cex/alpha/all/token/list", 0, 1, h_token_list },
    { SIM_GET, PUB "alpha-trade/get-exchange-info", 0, 1, h_exchange_info },
    { SIM_GET, PUB "alpha-trade/get-fee-rate", 0, 1, h_fee_rate },
    { SIM_GET, PUB "alpha-trade/fullDepth", 0, 1, h_depth },
    { SIM_POST, PRIV_ASSET "order/place", 1, 1, h_place },
    { SIM_POST, PRIV_ASSET "oto-order/place", 1, 1, h_oto_place },
    { SIM_POST, PRIV_DEFI "alpha-trade/order/cancel", 1, 1, h_cancel },
    { SIM_GET, PRIV_DEFI "alpha-trade/order/get-open-order", 1, 1, h_open_orders },
    { SIM_GET, PRIV_DEFI "alpha-trade/order/get-order-history-merge", 1, 5, h_history },
    { SIM_GET, PRIV_DEFI "alpha-trade/order/get-user-trades", 1, 1, h_user_trades },
    { SIM_GET, PRIV_DEFI "wallet-direct/cloud-wallet/alpha", 1, 1, h_balances },
    { SIM_GET, PRIV_DEFI "wallet-direct/buw/wallet/today/user-volume", 1, 1, h_user_volume },
    { SIM_POST, PRIV_DEFI "alpha-trade/get-listen-key", 1, 1, h_listen_key },
};

void alpha_handle(void *arg, struct sim_req *q, struct sim_resp *resp)
{
    struct alpha *a = arg;
    struct acall c = { .a = a, .q = q, .account = -1 };
    struct strbuf data = STRBUF_INIT;
    const struct aroute *rt = NULL;
    int known = 0, rc = -1;
    c.out = &data;
    strbuf_reset(&resp->body);
    for (size_t i = 0; i < sizeof(aroutes) / sizeof(aroutes[0]) && !rt; i++)
        if (!strcmp(aroutes[i].path, q->path)) {
            known = 1;
            if (aroutes[i].method == q->method)
                rt = &aroutes[i];
        }
    if (!rt) {
        log_info("sim alpha: %s: %s", q->path, known ? "method not allowed" : "no such endpoint");
        resp->status = known ? 405 : 404;
        alpha_render_error(&resp->body, ALPHA_E_PARAM,
                           known ? "Method not allowed." : "Unknown endpoint.");
        return;
    }
    struct lt_err err = { 0 };
    alpha_tick(a, q->now_ms);
    int used = rest_weight_add(a->rest, q->ip, rt->weight, q->now_ms, &resp->retry_after, &err);
    if (used < 0) {
        resp->status = 429;
        alpha_render_error(&resp->body, ALPHA_E_TOO_MANY, "Too many requests.");
        return;
    }
    resp->used_weight = used;
    if (q->method == SIM_POST) {
        json_error_t je;
        c.body = q->body.len ? json_loadb(q->body.buf, q->body.len, 0, &je) : json_object();
        if (!json_is_object(c.body)) {
            json_decref(c.body);
            c.body = NULL;
            afail(&c, ALPHA_E_PARAM, "illegal parameter: the body must be a JSON object");
            goto out;
        }
    }
    if (rt->private_ && authenticate(&c))
        goto out;
    rc = rt->fn(&c);
out:
    json_decref(c.body);
    resp->status = 200;
    if (rc)
        alpha_render_error(&resp->body, c.code, c.msg);
    else
        alpha_render_ok(&resp->body, data.buf ? data.buf : "null");
    strbuf_free(&data);
}

void alpha_tick(struct alpha *a, int64_t now_ms)
{
    for (size_t i = 0; i < a->n_otos; i++) {
        struct alpha_oto *o = &a->otos[i];
        struct sim_order w;
        struct lt_err err = { 0 };
        if (o->state != OTO_WAITING)
            continue;
        const struct symbol_rules *r = sim_exchange_symbol_rules(a->ex, o->symbol);
        if (sim_exchange_query(a->ex, o->account, r->symbol, o->working_id, NULL, &w, &err))
            continue;
        if (w.status == SIM_FILLED) {
            struct sim_place_req pr = { .symbol = r->symbol, .side = SIDE_SELL, .type = SIM_LIMIT,
                                        .tif = SIM_GTC, .price = o->pending_price,
                                        .quantity = w.executed_qty,
                                        .client_order_id = o->pending_client_id };
            struct sim_place_result res;
            if (sim_exchange_place(a->ex, o->account, &pr, now_ms, &res, &err)) {
                log_info("sim alpha: OTO %lld: the pending sell was refused: %s",
                         (long long)o->list_id, err.msg);
                o->state = OTO_CANCELED;
            } else {
                o->pending_id = res.order.order_id;
                o->state = OTO_PLACED;
            }
        } else if (w.status != SIM_NEW && w.status != SIM_PARTIALLY_FILLED) {
            o->state = OTO_CANCELED;
        }
    }
}
