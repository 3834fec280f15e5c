/*
 * exchange.c - the simulated venue's engine facade (see exchange.h).
 *
 * Ties the markets (price path, book) to the accounts (balances, orders,
 * trades) and reports every change to the server's event sink.  Balances
 * follow Binance spot: a buy locks price x qty plus fee headroom of the
 * quote asset, a sell locks the base quantity; fees are charged in the
 * quote asset (a buyer pays price x qty + fee, a seller receives
 * price x qty - fee); whatever an order still has locked when it closes
 * returns to free.
 */
#include "looptrader/sim/exchange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "looptrader/sim/accounts.h"
#include "looptrader/sim/market.h"
#include "looptrader/sign.h"

#define MAX_STEPS_PER_TICK 50
#define DAY_MS 86400000LL
#define HTTP_BAD_REQUEST 400

struct sim_exchange {
    const struct simconf *conf;
    struct sim_options opt;
    size_t n_sym;
    struct market *mk;               /* [n_sym] */
    int64_t *next_oid;               /* [n_sym] */
    struct sim_book_ticker *last_bt; /* [n_sym] last book ticker reported */
    int64_t *last_depth;             /* [n_sym] last update id reported */
    int *sym_base, *sym_quote;       /* [n_sym] asset indexes */
    size_t n_assets;
    char (*assets)[16];              /* sorted by name */
    size_t n_acct;
    struct account *acct;
    int *touched;                    /* [n_acct] accounts touched by the current
                                      * operation, in order; each once */
    size_t n_touched;
    int *key_tab;                    /* api key -> account + 1, open addressing */
    size_t key_cap;
    struct sign_hmac **hmac;         /* [n_acct] HMAC secrets keyed on first use */
    struct sim_event_sink sink;
    int64_t last_tick_ms;
    int64_t next_exec_id;
    int64_t cancel_seq;
    struct book_fills fills;         /* scratch for matching */
    struct sim_fill *out_fills;      /* scratch for place results */
    size_t out_cap;
};

/* ---- names ---- */

static const char *const type_names[] = {"LIMIT", "MARKET", "LIMIT_MAKER"};
static const char *const tif_names[] = {"GTC", "IOC", "FOK"};
static const char *const status_names[] = {"NEW", "PARTIALLY_FILLED", "FILLED",
                                           "CANCELED", "EXPIRED", "REJECTED"};
static const char *const exec_names[] = {"NEW", "TRADE", "CANCELED", "EXPIRED", "REJECTED"};
static const char *const resp_names[] = {"ACK", "RESULT", "FULL"};

const char *sim_order_type_name(enum sim_order_type t) { return type_names[t]; }
const char *sim_tif_name(enum sim_tif t) { return tif_names[t]; }
const char *sim_status_name(enum sim_order_status s) { return status_names[s]; }
const char *sim_exec_type_name(enum sim_exec_type x) { return exec_names[x]; }
const char *sim_side_name(enum order_side s) { return s == SIDE_BUY ? "BUY" : "SELL"; }

static int name_index(const char *s, const char *const *names, int n)
{
    if (s)
        for (int i = 0; i < n; i++)
            if (!strcmp(s, names[i]))
                return i;
    return LT_EINVAL;
}

int sim_order_type_parse(const char *s, enum sim_order_type *out)
{
    int i = name_index(s, type_names, 3);
    if (i >= 0)
        *out = (enum sim_order_type)i;
    return i < 0 ? i : 0;
}

int sim_tif_parse(const char *s, enum sim_tif *out)
{
    int i = name_index(s, tif_names, 3);
    if (i >= 0)
        *out = (enum sim_tif)i;
    return i < 0 ? i : 0;
}

int sim_side_parse(const char *s, enum order_side *out)
{
    static const char *const sides[] = {"BUY", "SELL"};
    int i = name_index(s, sides, 2);
    if (i >= 0)
        *out = (enum order_side)i;
    return i < 0 ? i : 0;
}

int sim_resp_type_parse(const char *s, enum sim_resp_type *out)
{
    int i = name_index(s, resp_names, 3);
    if (i >= 0)
        *out = (enum sim_resp_type)i;
    return i < 0 ? i : 0;
}

void sim_query_init(struct sim_query *q)
{
    q->from_id = q->order_id = q->start_ms = q->end_ms = -1;
    q->limit = 0;
}

int sim_query_limit(const struct sim_query *q)
{
    return q->limit <= 0 ? 500 : q->limit > 1000 ? 1000 : q->limit;
}

static int binance_err(struct lt_err *err, int code, const char *msg)
{
    lt_err_set(err, LT_EEXCHANGE, "%s", msg);
    if (err) {
        err->venue_code = code;
        err->http_status = HTTP_BAD_REQUEST;
    }
    return LT_EEXCHANGE;
}

/* ---- creation ---- */

static int asset_index(const struct sim_exchange *ex, const char *name)
{
    size_t lo = 0, hi = ex->n_assets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(ex->assets[mid], name);
        if (!c)
            return (int)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int add_asset(char (*v)[16], size_t *n, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(v[i], name))
            return 0;
    snprintf(v[(*n)++], 16, "%s", name);
    return 0;
}

static int cmp_asset(const void *a, const void *b)
{
    return strcmp(a, b);
}

static size_t key_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 31));
}

static int build_assets(struct sim_exchange *ex)
{
    const struct simconf *c = ex->conf;
    size_t max = 2 * c->n_symbols;

    for (size_t i = 0; i < c->n_accounts; i++)
        max += c->accounts[i].n_balances;
    if (!(ex->assets = calloc(max ? max : 1, sizeof(*ex->assets))))
        return LT_ENOMEM;
    for (size_t i = 0; i < c->n_symbols; i++) {
        add_asset(ex->assets, &ex->n_assets, c->symbols[i].rules.base);
        add_asset(ex->assets, &ex->n_assets, c->symbols[i].rules.quote);
    }
    for (size_t i = 0; i < c->n_accounts; i++)
        for (size_t j = 0; j < c->accounts[i].n_balances; j++)
            add_asset(ex->assets, &ex->n_assets, c->accounts[i].balances[j].asset);
    qsort(ex->assets, ex->n_assets, sizeof(*ex->assets), cmp_asset);
    for (size_t i = 0; i < c->n_symbols; i++) {
        ex->sym_base[i] = asset_index(ex, c->symbols[i].rules.base);
        ex->sym_quote[i] = asset_index(ex, c->symbols[i].rules.quote);
    }
    return 0;
}

static int build_keys(struct sim_exchange *ex)
{
    ex->key_cap = 16;
    while (ex->key_cap < ex->n_acct * 2)
        ex->key_cap *= 2;
    if (!(ex->key_tab = calloc(ex->key_cap, sizeof(int))) ||
        !(ex->hmac = calloc(ex->n_acct ? ex->n_acct : 1, sizeof(*ex->hmac))))
        return LT_ENOMEM;
    for (size_t i = 0; i < ex->n_acct; i++) {
        const char *k = ex->conf->accounts[i].api_key;
        size_t at;
        if (!*k)
            continue;
        at = key_hash(k) & (ex->key_cap - 1);
        while (ex->key_tab[at])
            at = (at + 1) & (ex->key_cap - 1);
        ex->key_tab[at] = (int)i + 1;
    }
    return 0;
}

static money_t fee_headroom_rate(const struct sim_exchange *ex)
{
    return ex->conf->maker_fee > ex->conf->taker_fee ? ex->conf->maker_fee : ex->conf->taker_fee;
}

/* Quote locked by a buy of qty at limit price: notional plus fee headroom. */
static money_t buy_lock(const struct sim_exchange *ex, money_t price, money_t qty)
{
    money_t notional = money_mul_up(price, qty);
    return notional + money_mul_up(notional, fee_headroom_rate(ex));
}

struct hist_item {
    int account;
    const struct simconf_history *h;
    int64_t time_ms;
    size_t seq;
};

static int cmp_hist(const void *a, const void *b)
{
    const struct hist_item *x = a, *y = b;
    if (x->time_ms != y->time_ms)
        return x->time_ms < y->time_ms ? -1 : 1;
    if (x->account != y->account)
        return x->account - y->account;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Replays one pre-existing filled order into the account, as a taker. */
static int apply_history(struct sim_exchange *ex, const struct hist_item *it, struct lt_err *err)
{
    const struct simconf_history *h = it->h;
    const struct symbol_rules *r = &ex->conf->symbols[h->symbol].rules;
    struct account *a = &ex->acct[it->account];
    struct market *m = &ex->mk[h->symbol];
    int bi = ex->sym_base[h->symbol], qi = ex->sym_quote[h->symbol];
    money_t price = h->price > 0 ? h->price : ex->conf->symbols[h->symbol].start_price;
    money_t qty = symbol_round_qty(r, money_div(h->quote, price));
    money_t quote = money_mul(price, qty), fee = money_mul(quote, ex->conf->taker_fee);
    struct sim_order_rec *o;
    struct sim_account_trade t;

    if (qty <= 0)
        return lt_err_set(err, LT_ECONFIG, "%s:%d: history: quote too small for one step",
                          ex->conf->path, h->line);
    if (h->side == SIDE_BUY ? a->free[qi] < quote + fee : a->free[bi] < qty)
        return lt_err_set(err, LT_ECONFIG, "%s:%d: history: account %s has too little %s",
                          ex->conf->path, h->line, a->conf->name,
                          h->side == SIDE_BUY ? r->quote : r->base);
    if (!(o = account_order_new(a, h->symbol, ex->next_oid[h->symbol]++)))
        return lt_err_set(err, LT_ENOMEM, "history: out of memory");
    o->v.rules = r;
    o->v.account = it->account;
    snprintf(o->v.client_order_id, sizeof(o->v.client_order_id), "sim-hist-%lld",
             (long long)o->v.order_id);
    o->v.side = h->side;
    o->v.type = SIM_LIMIT;
    o->v.tif = SIM_GTC;
    o->v.status = SIM_FILLED;
    o->v.price = price;
    o->v.orig_qty = o->v.executed_qty = qty;
    o->v.cumm_quote_qty = quote;
    o->v.time_ms = o->v.update_ms = o->v.working_ms = it->time_ms;
    if (account_cid_put(a, o) < 0)
        return lt_err_set(err, LT_ENOMEM, "history: out of memory");
    if (h->side == SIDE_BUY) {
        a->free[qi] -= quote + fee;
        a->free[bi] += qty;
    } else {
        a->free[bi] -= qty;
        a->free[qi] += quote - fee;
    }
    a->held[bi] = a->held[qi] = 1;
    memset(&t, 0, sizeof(t));
    t.symbol = h->symbol;
    t.id = market_take_trade_id(m);
    t.order_id = o->v.order_id;
    t.price = price;
    t.qty = qty;
    t.quote_qty = quote;
    t.commission = fee;
    t.commission_asset = r->quote;
    t.time_ms = it->time_ms;
    t.is_buyer = h->side == SIDE_BUY;
    if (account_trade_push(a, &t) < 0)
        return lt_err_set(err, LT_ENOMEM, "history: out of memory");
    return 0;
}

static int build_history(struct sim_exchange *ex, int64_t now_ms, struct lt_err *err)
{
    const struct simconf *c = ex->conf;
    int64_t day_start = now_ms - now_ms % DAY_MS;
    size_t n = 0, k = 0;
    struct hist_item *v;
    int rc = 0;

    for (size_t i = 0; i < c->n_accounts; i++)
        n += c->accounts[i].n_history;
    if (!n)
        return 0;
    if (!(v = calloc(n, sizeof(*v))))
        return lt_err_set(err, LT_ENOMEM, "history: out of memory");
    for (size_t i = 0; i < c->n_accounts; i++) {
        for (size_t j = 0; j < c->accounts[i].n_history; j++, k++) {
            const struct simconf_history *h = &c->accounts[i].history[j];
            int64_t t = now_ms - h->ago_ms;
            if (h->today && t < day_start + 1000 * (int64_t)(j + 1))
                t = day_start + 1000 * (int64_t)(j + 1);
            if (t >= now_ms)
                t = now_ms - 1;
            v[k].account = (int)i;
            v[k].h = h;
            v[k].time_ms = t;
            v[k].seq = j;
        }
    }
    qsort(v, n, sizeof(*v), cmp_hist);
    for (k = 0; k < n && rc == 0; k++)
        rc = apply_history(ex, &v[k], err);
    free(v);
    return rc;
}

int sim_exchange_create(const struct simconf *conf, const struct sim_options *opt,
                        int64_t now_ms, struct sim_exchange **out, struct lt_err *err)
{
    struct sim_exchange *ex = calloc(1, sizeof(*ex));
    size_t ns = conf->n_symbols ? conf->n_symbols : 1;
    int rc;

    *out = NULL;
    if (!ex)
        return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    ex->conf = conf;
    if (opt)
        ex->opt = *opt;
    ex->n_sym = conf->n_symbols;
    ex->n_acct = conf->n_accounts;
    ex->last_tick_ms = now_ms;
    ex->next_exec_id = 1;
    ex->mk = calloc(ns, sizeof(*ex->mk));
    ex->next_oid = calloc(ns, sizeof(*ex->next_oid));
    ex->last_bt = calloc(ns, sizeof(*ex->last_bt));
    ex->last_depth = calloc(ns, sizeof(*ex->last_depth));
    ex->sym_base = calloc(ns, sizeof(int));
    ex->sym_quote = calloc(ns, sizeof(int));
    ex->acct = calloc(ex->n_acct ? ex->n_acct : 1, sizeof(*ex->acct));
    ex->touched = calloc(ex->n_acct ? ex->n_acct : 1, sizeof(*ex->touched));
    if (!ex->mk || !ex->next_oid || !ex->last_bt || !ex->last_depth || !ex->sym_base ||
        !ex->sym_quote || !ex->acct || !ex->touched || build_assets(ex) < 0 ||
        build_keys(ex) < 0) {
        sim_exchange_free(ex);
        return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    }
    for (size_t i = 0; i < ex->n_sym; i++) {
        if ((rc = market_init(&ex->mk[i], &conf->symbols[i], ex->opt.seed, now_ms, err)) < 0) {
            sim_exchange_free(ex);
            return rc;
        }
        ex->next_oid[i] = 1;
        ex->last_depth[i] = ex->mk[i].book.update_id;
    }
    for (size_t i = 0; i < ex->n_acct; i++) {
        const struct simconf_account *ac = &conf->accounts[i];
        if (account_init(&ex->acct[i], ac, ex->n_assets, ex->n_sym) < 0) {
            sim_exchange_free(ex);
            return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
        }
        for (size_t j = 0; j < ac->n_balances; j++) {
            int a = asset_index(ex, ac->balances[j].asset);
            ex->acct[i].free[a] += ac->balances[j].amount;
            ex->acct[i].held[a] = 1;
        }
    }
    if ((rc = build_history(ex, now_ms, err)) < 0) {
        sim_exchange_free(ex);
        return rc;
    }
    for (size_t i = 0; i < ex->n_sym; i++)
        sim_exchange_book_ticker(ex, (int)i, &ex->last_bt[i]);
    *out = ex;
    return 0;
}

void sim_exchange_free(struct sim_exchange *ex)
{
    if (!ex)
        return;
    if (ex->mk)
        for (size_t i = 0; i < ex->n_sym; i++)
            market_free(&ex->mk[i]);
    if (ex->acct)
        for (size_t i = 0; i < ex->n_acct; i++)
            account_free(&ex->acct[i]);
    free(ex->mk);
    free(ex->next_oid);
    free(ex->last_bt);
    free(ex->last_depth);
    free(ex->sym_base);
    free(ex->sym_quote);
    free(ex->assets);
    free(ex->acct);
    free(ex->touched);
    free(ex->key_tab);
    if (ex->hmac)
        for (size_t i = 0; i < ex->n_acct; i++)
            sign_hmac_free(ex->hmac[i]);
    free(ex->hmac);
    book_fills_free(&ex->fills);
    free(ex->out_fills);
    free(ex);
}

void sim_exchange_set_sink(struct sim_exchange *ex, const struct sim_event_sink *sink)
{
    if (sink)
        ex->sink = *sink;
    else
        memset(&ex->sink, 0, sizeof(ex->sink));
}

void sim_exchange_set_partial(struct sim_exchange *ex, money_t partial)
{
    ex->opt.partial = partial;
}

const struct simconf *sim_exchange_conf(const struct sim_exchange *ex)
{
    return ex->conf;
}

/* ---- symbols and accounts ---- */

size_t sim_exchange_symbol_count(const struct sim_exchange *ex)
{
    return ex->n_sym;
}

const struct symbol_rules *sim_exchange_symbol_rules(const struct sim_exchange *ex, int symbol)
{
    return symbol >= 0 && (size_t)symbol < ex->n_sym ? &ex->conf->symbols[symbol].rules : NULL;
}

int sim_exchange_symbol_index(const struct sim_exchange *ex, const char *symbol)
{
    return symbol ? simconf_symbol_index(ex->conf, symbol) : -1;
}

size_t sim_exchange_account_count(const struct sim_exchange *ex)
{
    return ex->n_acct;
}

const struct simconf_account *sim_exchange_account_conf(const struct sim_exchange *ex,
                                                        int account)
{
    return account >= 0 && (size_t)account < ex->n_acct ? &ex->conf->accounts[account] : NULL;
}

struct sign_hmac *sim_exchange_account_hmac(const struct sim_exchange *ex, int account)
{
    if (account < 0 || (size_t)account >= ex->n_acct || !ex->hmac)
        return NULL;
    if (!ex->hmac[account]) {
        const char *secret = ex->conf->accounts[account].api_secret;
        if (sign_hmac_new(secret, strlen(secret), &ex->hmac[account]))
            return NULL;
    }
    return ex->hmac[account];
}

int sim_exchange_account_by_key(const struct sim_exchange *ex, const char *key)
{
    size_t at;

    if (!key || !*key)
        return -1;
    at = key_hash(key) & (ex->key_cap - 1);
    while (ex->key_tab[at]) {
        int i = ex->key_tab[at] - 1;
        if (!strcmp(ex->conf->accounts[i].api_key, key))
            return i;
        at = (at + 1) & (ex->key_cap - 1);
    }
    return -1;
}

int sim_session_matches(const struct simconf_account *a, const char *cookie_header,
                        const char *header_value)
{
    size_t clen = strlen(a->session_cookie);
    const char *p = cookie_header;

    if (!clen || !*a->session_header || !p || !header_value ||
        strcmp(header_value, a->session_token))
        return 0;
    while (*p) {
        size_t n;
        while (*p == ' ' || *p == ';')
            p++;
        n = strcspn(p, ";");
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n == clen && !memcmp(p, a->session_cookie, clen))
            return 1;
        p += strcspn(p, ";");
    }
    return 0;
}

int sim_exchange_account_by_session(const struct sim_exchange *ex, const char *cookie_header,
                                    const char *(*get_header)(void *ctx, const char *name),
                                    void *ctx)
{
    for (size_t i = 0; i < ex->n_acct; i++) {
        const struct simconf_account *a = &ex->conf->accounts[i];
        if (*a->session_header &&
            sim_session_matches(a, cookie_header, get_header(ctx, a->session_header)))
            return (int)i;
    }
    return -1;
}

void sim_exchange_fees(const struct sim_exchange *ex, money_t *maker, money_t *taker)
{
    *maker = ex->conf->maker_fee;
    *taker = ex->conf->taker_fee;
}

void sim_exchange_balances(const struct sim_exchange *ex, int account,
                           void (*fn)(void *ctx, const struct sim_balance *b), void *ctx)
{
    const struct account *a = &ex->acct[account];
    for (size_t i = 0; i < ex->n_assets; i++) {
        struct sim_balance b = {ex->assets[i], a->free[i], a->locked[i]};
        if (a->held[i])
            fn(ctx, &b);
    }
}

/* ---- events ---- */

static void emit_exec(struct sim_exchange *ex, struct sim_order_rec *o, enum sim_exec_type x,
                      const char *client_id, const char *orig_client_id, int64_t now_ms,
                      const struct sim_account_trade *t)
{
    struct sim_exec_report r;

    ex->next_exec_id++;
    if (!ex->sink.execution_report)
        return;
    memset(&r, 0, sizeof(r));
    r.event_ms = now_ms;
    r.order = &o->v;
    r.client_id = client_id ? client_id : o->v.client_order_id;
    r.orig_client_id = orig_client_id ? orig_client_id : "";
    r.exec_type = x;
    r.reject_reason = "NONE";
    r.transact_ms = now_ms;
    r.trade_id = -1;
    r.exec_id = ex->next_exec_id - 1;
    if (t) {
        r.last_qty = t->qty;
        r.last_price = t->price;
        r.last_quote_qty = t->quote_qty;
        r.commission = t->commission;
        r.commission_asset = t->commission_asset;
        r.trade_id = t->id;
        r.is_maker = t->is_maker;
    }
    ex->sink.execution_report(ex->sink.ctx, o->v.account, &r);
}

/* Reports what the last operation on symbol changed: balances of the
 * accounts it touched (from the touched list: never a scan of every
 * account), then the book. */
static void emit_after(struct sim_exchange *ex, int symbol, int64_t now_ms)
{
    struct sim_book_ticker bt;

    for (size_t k = 0; k < ex->n_touched; k++) {
        int i = ex->touched[k];
        struct account *a = &ex->acct[i];
        int bi = ex->sym_base[symbol], qi = ex->sym_quote[symbol];
        struct sim_balance b[2] = {
            {ex->assets[bi], a->free[bi], a->locked[bi]},
            {ex->assets[qi], a->free[qi], a->locked[qi]},
        };
        a->touched = 0;
        if (ex->sink.account_position)
            ex->sink.account_position(ex->sink.ctx, i, now_ms, b, 2);
    }
    ex->n_touched = 0;
    sim_exchange_book_ticker(ex, symbol, &bt);
    if (bt.bid != ex->last_bt[symbol].bid || bt.bid_qty != ex->last_bt[symbol].bid_qty ||
        bt.ask != ex->last_bt[symbol].ask || bt.ask_qty != ex->last_bt[symbol].ask_qty) {
        ex->last_bt[symbol] = bt;
        if (ex->sink.book_ticker)
            ex->sink.book_ticker(ex->sink.ctx, symbol, &bt);
    }
    if (ex->mk[symbol].book.update_id != ex->last_depth[symbol]) {
        ex->last_depth[symbol] = ex->mk[symbol].book.update_id;
        if (ex->sink.depth_changed)
            ex->sink.depth_changed(ex->sink.ctx, symbol, ex->last_depth[symbol]);
    }
}

static void touch(struct sim_exchange *ex, int account)
{
    if (ex->acct[account].touched)
        return;
    ex->acct[account].touched = 1;
    ex->touched[ex->n_touched++] = account;
}

/* ---- order life ---- */

static int is_open(const struct account *a, const struct sim_order_rec *o)
{
    return o->open_prev || o->open_next || a->open_head == o;
}

/* The order leaves the open set: what it still has locked returns to free. */
static void close_order(struct sim_exchange *ex, struct sim_order_rec *o,
                        enum sim_order_status status, int64_t now_ms)
{
    struct account *a = &ex->acct[o->v.account];
    int asset = o->v.side == SIDE_BUY ? ex->sym_quote[o->v.symbol] : ex->sym_base[o->v.symbol];

    a->locked[asset] -= o->locked;
    a->free[asset] += o->locked;
    o->locked = 0;
    o->v.status = status;
    o->v.update_ms = now_ms;
    o->v.is_working = 0;
    account_open_remove(a, o);
    touch(ex, o->v.account);
}

/* Where the fee of a fill on symbol goes: with fees.asset configured (BNB)
 * and an ASSET+QUOTE symbol to value it at its mid, the fee's quote value
 * in that asset (rounded up to 1e-8), taken from the account's free
 * balance when it holds enough; else nowhere (the caller charges the quote).
 * Returns the fee asset's index and sets *amount, or -1. */
static int fee_in_asset(struct sim_exchange *ex, struct account *a, int symbol, money_t fee,
                        money_t *amount)
{
    const char *fa = ex->conf->fee_asset;
    if (!fa[0] || fee <= 0)
        return -1;
    int fi = asset_index(ex, fa);
    if (fi < 0 || fi == ex->sym_quote[symbol] || fi == ex->sym_base[symbol])
        return -1;
    char sym[40];
    snprintf(sym, sizeof sym, "%s%s", fa, ex->conf->symbols[symbol].rules.quote);
    int s = simconf_symbol_index(ex->conf, sym);
    money_t mid = s >= 0 ? ex->mk[s].mid : 0;
    if (mid <= 0)
        return -1;
    money_t in_fa = money_div(fee, mid);
    if (money_mul(in_fa, mid) < fee)
        in_fa++;
    if (a->free[fi] < in_fa)
        return -1;
    a->free[fi] -= in_fa;
    a->held[fi] = 1;
    *amount = in_fa;
    return fi;
}

/* Books one fill of order o at price for qty: balances, trade record,
 * executionReport.  Closes o when it is complete. */
static int apply_fill(struct sim_exchange *ex, struct sim_order_rec *o, money_t price,
                      money_t qty, int is_maker, int64_t trade_id, int64_t now_ms,
                      struct sim_account_trade *out)
{
    struct account *a = &ex->acct[o->v.account];
    int bi = ex->sym_base[o->v.symbol], qi = ex->sym_quote[o->v.symbol];
    money_t quote = money_mul(price, qty);
    money_t fee = money_mul(quote, is_maker ? ex->conf->maker_fee : ex->conf->taker_fee);
    money_t fee_other = 0;
    int fi = fee_in_asset(ex, a, o->v.symbol, fee, &fee_other);
    if (fi >= 0)
        fee = 0; /* paid in the fee asset instead */
    struct sim_account_trade t;

    if (o->v.side == SIDE_BUY) {
        money_t share = o->v.type == SIM_MARKET
                            ? quote + money_mul_up(quote, ex->conf->taker_fee)
                            : buy_lock(ex, o->v.price, qty);
        if (share > o->locked)
            share = o->locked;
        a->locked[qi] -= share;
        o->locked -= share;
        a->free[qi] += share - quote - fee;
        a->free[bi] += qty;
    } else {
        a->locked[bi] -= qty;
        o->locked -= qty;
        a->free[qi] += quote - fee;
    }
    a->held[bi] = a->held[qi] = 1;
    touch(ex, o->v.account);
    o->v.executed_qty += qty;
    o->v.cumm_quote_qty += quote;
    o->v.status = o->v.executed_qty >= o->v.orig_qty ? SIM_FILLED : SIM_PARTIALLY_FILLED;
    o->v.update_ms = now_ms;

    memset(&t, 0, sizeof(t));
    t.symbol = o->v.symbol;
    t.id = trade_id;
    t.order_id = o->v.order_id;
    t.price = price;
    t.qty = qty;
    t.quote_qty = quote;
    t.commission = fi >= 0 ? fee_other : fee;
    t.commission_asset = fi >= 0 ? ex->conf->fee_asset : o->v.rules->quote;
    t.time_ms = now_ms;
    t.is_buyer = o->v.side == SIDE_BUY;
    t.is_maker = is_maker;
    if (account_trade_push(a, &t) < 0)
        return LT_ENOMEM;
    if (o->v.status == SIM_FILLED)
        close_order(ex, o, SIM_FILLED, now_ms);
    emit_exec(ex, o, SIM_X_TRADE, NULL, NULL, now_ms, &t);
    if (out)
        *out = t;
    return 0;
}

/* A trade between a taker (NULL when synthetic) and a maker (NULL when
 * synthetic) on symbol: tape, public event, both sides' books. */
static int trade(struct sim_exchange *ex, int symbol, struct sim_order_rec *taker,
                 struct sim_order_rec *maker, enum order_side taker_side, money_t price,
                 money_t qty, int64_t now_ms, struct sim_account_trade *taker_trade)
{
    struct sim_trade pt;
    int rc = 0;

    market_record(&ex->mk[symbol], price, qty, taker_side == SIDE_SELL, now_ms, &pt);
    if (maker)
        rc = apply_fill(ex, maker, price, qty, 1, pt.id, now_ms, NULL);
    if (rc == 0 && taker)
        rc = apply_fill(ex, taker, price, qty, 0, pt.id, now_ms, taker_trade);
    if (ex->sink.public_trade)
        ex->sink.public_trade(ex->sink.ctx, symbol, &pt);
    return rc;
}

static money_t partial_cap(const struct sim_exchange *ex, const struct symbol_rules *r,
                           money_t orig)
{
    money_t cap;

    if (ex->opt.partial <= 0 || ex->opt.partial >= MONEY_SCALE)
        return INT64_MAX;
    cap = money_floor_to(money_mul(orig, ex->opt.partial), r->step_size);
    return cap < r->step_size ? r->step_size : cap;
}

static int valid_client_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > SIM_CLIENT_ID_MAX)
        return 0;
    return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:/_-") == n;
}

static int filter_err(struct lt_err *err, const struct lt_err *why)
{
    char msg[64];
    size_t n = strcspn(why->msg, ": ");
    snprintf(msg, sizeof(msg), "Filter failure: %.*s", (int)n, why->msg);
    return binance_err(err, -1013, msg);
}

static int push_out_fill(struct sim_exchange *ex, size_t n, const struct sim_account_trade *t)
{
    if (n == ex->out_cap) {
        size_t cap = ex->out_cap ? ex->out_cap * 2 : 32;
        struct sim_fill *v = realloc(ex->out_fills, cap * sizeof(*v));
        if (!v)
            return LT_ENOMEM;
        ex->out_fills = v;
        ex->out_cap = cap;
    }
    ex->out_fills[n].price = t->price;
    ex->out_fills[n].qty = t->qty;
    ex->out_fills[n].commission = t->commission;
    ex->out_fills[n].commission_asset = t->commission_asset;
    ex->out_fills[n].trade_id = t->id;
    return 0;
}

/* Checks the request's parameters and filters; Binance codes on failure. */
static int check_place(const struct sim_exchange *ex, int sym, const struct sim_place_req *req,
                       struct lt_err *err)
{
    const struct symbol_rules *r = &ex->conf->symbols[sym].rules;
    struct lt_err why;

    if (req->client_order_id && *req->client_order_id && !valid_client_id(req->client_order_id))
        return binance_err(err, -1100,
                           "Illegal characters found in parameter 'newClientOrderId'; "
                           "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
    lt_err_clear(&why);
    if (req->type != SIM_MARKET) {
        if (req->price <= 0)
            return binance_err(err, -1102, "Mandatory parameter 'price' was not sent, was "
                                           "empty/null, or malformed.");
        if (req->quantity <= 0)
            return binance_err(err, -1102, "Mandatory parameter 'quantity' was not sent, was "
                                           "empty/null, or malformed.");
        if (req->quote_order_qty > 0)
            return binance_err(err, -1106, "Parameter 'quoteOrderQty' sent when not required.");
        if (symbol_check_order(r, req->price, req->quantity, &why) < 0)
            return filter_err(err, &why);
        return 0;
    }
    if (req->price > 0)
        return binance_err(err, -1106, "Parameter 'price' sent when not required.");
    if (req->quantity <= 0 && req->quote_order_qty <= 0)
        return binance_err(err, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but "
                                       "both were empty/null!");
    if (req->quantity > 0 && req->quote_order_qty > 0)
        return binance_err(err, -1106, "Parameter 'quoteOrderQty' sent when not required.");
    if (req->quantity > 0) {
        money_t ref, q;
        if (!book_best(&ex->mk[sym].book, req->side == SIDE_BUY ? SIDE_SELL : SIDE_BUY, &ref, &q))
            ref = ex->mk[sym].mid;
        if (symbol_check_market(r, ref, req->quantity, &why) < 0)
            return filter_err(err, &why);
    } else if (r->min_notional > 0 && req->quote_order_qty < r->min_notional) {
        return binance_err(err, -1013, "Filter failure: NOTIONAL");
    }
    return 0;
}

int sim_exchange_place(struct sim_exchange *ex, int account, const struct sim_place_req *req,
                       int64_t now_ms, struct sim_place_result *out, struct lt_err *err)
{
    int sym = sim_exchange_symbol_index(ex, req->symbol), rc;
    const struct symbol_rules *r;
    struct account *a = &ex->acct[account];
    struct market *m;
    struct sim_order_rec *o, *dup;
    char cid[SIM_CLIENT_ID_MAX + 1];
    money_t orig, cap, planned, need, limit;
    int lock_asset, rests;
    size_t nf = 0;

    lt_err_clear(err);
    memset(out, 0, sizeof(*out));
    if (sym < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    r = &ex->conf->symbols[sym].rules;
    m = &ex->mk[sym];
    if ((rc = check_place(ex, sym, req, err)) < 0)
        return rc;
    if (req->client_order_id && *req->client_order_id)
        snprintf(cid, sizeof(cid), "%s", req->client_order_id);
    else
        snprintf(cid, sizeof(cid), "sim-%d-%lld", sym, (long long)ex->next_oid[sym]);
    dup = account_cid_get(a, sym, cid);
    if (dup && is_open(a, dup)) /* a closed order's id may be reused */
        return binance_err(err, -2010, "Duplicate order sent.");

    /* Plan the marketable part; a quoteOrderQty order learns its size here. */
    ex->fills.n = 0;
    limit = req->type == SIM_MARKET ? 0 : req->price;
    orig = req->quantity;
    if (req->quote_order_qty > 0) {
        orig = book_plan(&m->book, req->side, 0, INT64_MAX / 4, req->quote_order_qty, &ex->fills);
        ex->fills.n = 0;
    }
    cap = partial_cap(ex, r, orig);
    planned = book_plan(&m->book, req->side, limit, orig < cap ? orig : cap,
                        req->quote_order_qty, &ex->fills);
    if (planned < 0)
        return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    if (req->type == SIM_LIMIT_MAKER && planned > 0)
        return binance_err(err, -2010, "Order would immediately match and take.");
    if (req->type == SIM_LIMIT && req->tif == SIM_FOK && planned < orig) {
        ex->fills.n = 0;
        planned = 0;
    }

    if (req->side == SIDE_BUY) {
        lock_asset = ex->sym_quote[sym];
        if (req->type == SIM_MARKET) {
            money_t cost = 0;
            for (size_t i = 0; i < ex->fills.n; i++)
                cost += money_mul(ex->fills.v[i].price, ex->fills.v[i].qty);
            need = cost + money_mul_up(cost, ex->conf->taker_fee);
        } else {
            need = buy_lock(ex, req->price, orig);
        }
    } else {
        lock_asset = ex->sym_base[sym];
        need = req->type == SIM_MARKET && req->quote_order_qty > 0 ? planned : orig;
    }
    if (a->free[lock_asset] < need)
        return binance_err(err, -2010, "Account has insufficient balance for requested action.");

    if (!(o = account_order_new(a, sym, ex->next_oid[sym])))
        return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    ex->next_oid[sym]++;
    o->v.rules = r;
    o->v.account = account;
    snprintf(o->v.client_order_id, sizeof(o->v.client_order_id), "%s", cid);
    o->v.side = req->side;
    o->v.type = req->type;
    o->v.tif = req->type == SIM_LIMIT ? req->tif : SIM_GTC;
    o->v.status = SIM_NEW;
    o->v.price = req->type == SIM_MARKET ? 0 : req->price;
    o->v.orig_qty = orig;
    o->v.orig_quote_qty = req->quote_order_qty;
    o->v.time_ms = o->v.update_ms = o->v.working_ms = now_ms;
    o->v.is_working = 1;
    o->locked = need;
    a->free[lock_asset] -= need;
    a->locked[lock_asset] += need;
    touch(ex, account);
    if (account_cid_put(a, o) < 0)
        return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    account_open_add(a, o);
    emit_exec(ex, o, SIM_X_NEW, NULL, NULL, now_ms, NULL);

    book_consume(&m->book, req->side, ex->fills.v, ex->fills.n);
    for (size_t i = 0; i < ex->fills.n; i++) {
        const struct book_fill *f = &ex->fills.v[i];
        struct sim_account_trade t;
        if ((rc = trade(ex, sym, o, f->maker ? f->maker->owner : NULL, req->side, f->price,
                        f->qty, now_ms, &t)) < 0 ||
            (rc = push_out_fill(ex, nf++, &t)) < 0)
            return lt_err_set(err, rc, "exchange: out of memory");
    }

    rests = o->v.status != SIM_FILLED && req->type != SIM_MARKET && o->v.tif == SIM_GTC;
    if (rests) {
        o->bo.side = req->side;
        o->bo.price = req->price;
        o->bo.remaining = orig - o->v.executed_qty;
        o->bo.match_cap = cap;
        if (book_add(&m->book, &o->bo) < 0)
            return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    } else if (o->v.status != SIM_FILLED) {
        close_order(ex, o, SIM_EXPIRED, now_ms);
        emit_exec(ex, o, SIM_X_EXPIRED, NULL, NULL, now_ms, NULL);
    }
    emit_after(ex, sym, now_ms);
    out->order = o->v;
    out->fills = ex->out_fills;
    out->n_fills = nf;
    return 0;
}

static struct sim_order_rec *find_order(const struct sim_exchange *ex, int account, int sym,
                                        int64_t order_id, const char *orig_client_id)
{
    const struct account *a = &ex->acct[account];
    if (order_id > 0)
        return account_order_by_id(a, sym, order_id);
    if (orig_client_id && *orig_client_id)
        return account_cid_get(a, sym, orig_client_id);
    return NULL;
}

static void cancel_rec(struct sim_exchange *ex, struct sim_order_rec *o,
                       const char *cancel_client_id, int64_t now_ms)
{
    char gen[SIM_CLIENT_ID_MAX + 1];

    if (!cancel_client_id || !*cancel_client_id) {
        snprintf(gen, sizeof(gen), "sim-cxl-%lld", (long long)++ex->cancel_seq);
        cancel_client_id = gen;
    }
    book_remove(&ex->mk[o->v.symbol].book, &o->bo);
    close_order(ex, o, SIM_CANCELED, now_ms);
    emit_exec(ex, o, SIM_X_CANCELED, cancel_client_id, o->v.client_order_id, now_ms, NULL);
}

int sim_exchange_cancel(struct sim_exchange *ex, int account, const char *symbol,
                        int64_t order_id, const char *orig_client_id,
                        const char *cancel_client_id, int64_t now_ms,
                        struct sim_order *out, struct lt_err *err)
{
    int sym = sim_exchange_symbol_index(ex, symbol);
    struct sim_order_rec *o;

    lt_err_clear(err);
    if (sym < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    o = find_order(ex, account, sym, order_id, orig_client_id);
    if (!o || !is_open(&ex->acct[account], o))
        return binance_err(err, -2011, "Unknown order sent.");
    cancel_rec(ex, o, cancel_client_id, now_ms);
    emit_after(ex, sym, now_ms);
    if (out)
        *out = o->v;
    return 0;
}

int sim_exchange_cancel_all(struct sim_exchange *ex, int account, const char *symbol,
                            int64_t now_ms,
                            void (*fn)(void *ctx, const struct sim_order *o), void *ctx,
                            struct lt_err *err)
{
    int sym = sim_exchange_symbol_index(ex, symbol), n = 0;
    struct sim_order_rec *o, *next;

    lt_err_clear(err);
    if (sym < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    for (o = ex->acct[account].open_head; o; o = next) {
        next = o->open_next;
        if (o->v.symbol != sym)
            continue;
        cancel_rec(ex, o, NULL, now_ms);
        n++;
        if (fn)
            fn(ctx, &o->v);
    }
    if (!n)
        return binance_err(err, -2011, "Unknown order sent.");
    emit_after(ex, sym, now_ms);
    return 0;
}

int sim_exchange_query(const struct sim_exchange *ex, int account, const char *symbol,
                       int64_t order_id, const char *orig_client_id,
                       struct sim_order *out, struct lt_err *err)
{
    int sym = sim_exchange_symbol_index(ex, symbol);
    const struct sim_order_rec *o;

    lt_err_clear(err);
    if (sym < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    if (!(o = find_order(ex, account, sym, order_id, orig_client_id)))
        return binance_err(err, -2013, "Order does not exist.");
    *out = o->v;
    return 0;
}

static int cmp_order_ptr(const void *a, const void *b)
{
    const struct sim_order *x = *(const struct sim_order *const *)a;
    const struct sim_order *y = *(const struct sim_order *const *)b;
    if (x->symbol != y->symbol)
        return x->symbol - y->symbol;
    return x->order_id < y->order_id ? -1 : x->order_id > y->order_id;
}

int sim_exchange_open_orders(const struct sim_exchange *ex, int account, const char *symbol,
                             void (*fn)(void *ctx, const struct sim_order *o), void *ctx,
                             struct lt_err *err)
{
    const struct account *a = &ex->acct[account];
    const struct sim_order **v;
    int sym = -1;
    size_t n = 0;

    lt_err_clear(err);
    if (symbol && (sym = sim_exchange_symbol_index(ex, symbol)) < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    if (!a->n_open)
        return 0;
    if (!(v = malloc(a->n_open * sizeof(*v))))
        return lt_err_set(err, LT_ENOMEM, "exchange: out of memory");
    for (const struct sim_order_rec *o = a->open_head; o; o = o->open_next)
        if (sym < 0 || o->v.symbol == sym)
            v[n++] = &o->v;
    qsort(v, n, sizeof(*v), cmp_order_ptr);
    for (size_t i = 0; i < n; i++)
        fn(ctx, v[i]);
    free(v);
    return 0;
}

int sim_exchange_all_orders(const struct sim_exchange *ex, int account, const char *symbol,
                            const struct sim_query *q,
                            void (*fn)(void *ctx, const struct sim_order *o), void *ctx,
                            struct lt_err *err)
{
    int sym = sim_exchange_symbol_index(ex, symbol);
    const struct account_symbol *s;
    size_t i, end, limit = (size_t)sim_query_limit(q);

    lt_err_clear(err);
    if (sym < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    s = &ex->acct[account].sym[sym];
    end = q->end_ms >= 0 ? account_order_upper_time(s, q->end_ms) : s->n_orders;
    if (q->from_id >= 0)
        i = account_order_lower_id(s, q->from_id);
    else if (q->start_ms >= 0)
        i = account_order_lower_time(s, q->start_ms);
    else
        i = end > limit ? end - limit : 0;
    for (size_t k = 0; i < end && k < limit; i++, k++)
        fn(ctx, &s->orders[i]->v);
    return 0;
}

int sim_exchange_my_trades(const struct sim_exchange *ex, int account, const char *symbol,
                           const struct sim_query *q,
                           void (*fn)(void *ctx, const struct sim_account_trade *t),
                           void *ctx, struct lt_err *err)
{
    int sym = sim_exchange_symbol_index(ex, symbol);
    const struct account_symbol *s;
    size_t i, end, limit = (size_t)sim_query_limit(q), k = 0;

    lt_err_clear(err);
    if (sym < 0)
        return binance_err(err, -1121, "Invalid symbol.");
    s = &ex->acct[account].sym[sym];
    end = q->end_ms >= 0 ? account_trade_upper_time(s, q->end_ms) : s->n_trades;
    if (q->order_id >= 0) {
        const struct sim_order_rec *o = account_order_by_id(&ex->acct[account], sym, q->order_id);
        i = o ? o->first_trade : end;
        if (q->from_id >= 0 && account_trade_lower_id(s, q->from_id) > i)
            i = account_trade_lower_id(s, q->from_id);
        if (q->start_ms >= 0 && account_trade_lower_time(s, q->start_ms) > i)
            i = account_trade_lower_time(s, q->start_ms);
    } else if (q->from_id >= 0) {
        i = account_trade_lower_id(s, q->from_id);
    } else if (q->start_ms >= 0) {
        i = account_trade_lower_time(s, q->start_ms);
    } else {
        i = end > limit ? end - limit : 0;
    }
    for (; i < end && k < limit; i++) {
        if (q->order_id >= 0 && s->trades[i].order_id != q->order_id)
            continue;
        fn(ctx, &s->trades[i]);
        k++;
    }
    return 0;
}

/* ---- market data ---- */

int sim_exchange_book_ticker(const struct sim_exchange *ex, int symbol,
                             struct sim_book_ticker *out)
{
    const struct book *b;

    if (symbol < 0 || (size_t)symbol >= ex->n_sym)
        return LT_ENOTFOUND;
    b = &ex->mk[symbol].book;
    out->update_id = b->update_id;
    book_best(b, SIDE_BUY, &out->bid, &out->bid_qty);
    book_best(b, SIDE_SELL, &out->ask, &out->ask_qty);
    return 0;
}

int sim_exchange_depth(const struct sim_exchange *ex, int symbol, size_t limit,
                       struct sim_level *bids, size_t *n_bids,
                       struct sim_level *asks, size_t *n_asks, int64_t *last_update_id)
{
    const struct book *b;

    if (symbol < 0 || (size_t)symbol >= ex->n_sym)
        return LT_ENOTFOUND;
    b = &ex->mk[symbol].book;
    *n_bids = book_depth(b, SIDE_BUY, limit, bids);
    *n_asks = book_depth(b, SIDE_SELL, limit, asks);
    *last_update_id = b->update_id;
    return 0;
}

int sim_exchange_depth_diff(const struct sim_exchange *ex, int symbol, int64_t since_id,
                            int64_t *first_id, int64_t *last_id,
                            void (*fn)(void *ctx, enum order_side side, money_t price,
                                       money_t qty),
                            void *ctx, struct lt_err *err)
{
    const struct book *b;
    int rc;

    lt_err_clear(err);
    if (symbol < 0 || (size_t)symbol >= ex->n_sym)
        return lt_err_set(err, LT_ENOTFOUND, "no such symbol");
    b = &ex->mk[symbol].book;
    *first_id = since_id + 1;
    *last_id = b->update_id;
    if ((rc = book_diff(b, since_id, fn, ctx)) < 0)
        return lt_err_set(err, rc, rc == LT_ERANGE ? "depth journal no longer reaches %lld"
                                                   : "out of memory",
                          (long long)since_id);
    return 0;
}

int sim_exchange_trades(const struct sim_exchange *ex, int symbol, const struct sim_query *q,
                        void (*fn)(void *ctx, const struct sim_trade *t), void *ctx)
{
    if (symbol < 0 || (size_t)symbol >= ex->n_sym)
        return LT_ENOTFOUND;
    market_trades(&ex->mk[symbol], q, fn, ctx);
    return 0;
}

int64_t sim_kline_interval_ms(const char *interval)
{
    static const struct { const char *name; int64_t ms; } iv[] = {
        {"1s", 1000}, {"1m", 60000}, {"3m", 180000}, {"5m", 300000}, {"15m", 900000},
        {"30m", 1800000}, {"1h", 3600000}, {"2h", 7200000}, {"4h", 14400000},
        {"6h", 21600000}, {"8h", 28800000}, {"12h", 43200000}, {"1d", DAY_MS},
    };
    if (interval)
        for (size_t i = 0; i < sizeof(iv) / sizeof(iv[0]); i++)
            if (!strcmp(interval, iv[i].name))
                return iv[i].ms;
    return -1;
}

int sim_exchange_klines(const struct sim_exchange *ex, int symbol, int64_t interval_ms,
                        const struct sim_query *q, int64_t now_ms,
                        void (*fn)(void *ctx, const struct sim_kline *k), void *ctx,
                        struct lt_err *err)
{
    lt_err_clear(err);
    if (symbol < 0 || (size_t)symbol >= ex->n_sym)
        return binance_err(err, -1121, "Invalid symbol.");
    if (market_klines(&ex->mk[symbol], interval_ms, q, now_ms, fn, ctx) < 0)
        return binance_err(err, -1120, "Invalid interval.");
    return 0;
}

int sim_exchange_ticker24(const struct sim_exchange *ex, int symbol, int64_t now_ms,
                          struct sim_ticker24 *out)
{
    if (symbol < 0 || (size_t)symbol >= ex->n_sym)
        return LT_ENOTFOUND;
    market_ticker24(&ex->mk[symbol], now_ms, out);
    return 0;
}

/* ---- time ---- */

/* One market step of symbol at time t: the walk, resting orders the
 * market crossed, others' trades. */
static void step_symbol(struct sim_exchange *ex, int sym, int64_t t)
{
    struct market *m = &ex->mk[sym];
    struct sim_trade pt;

    market_walk(m);
    ex->fills.n = 0;
    if (book_cross(&m->book, &ex->fills) == 0) {
        for (size_t i = 0; i < ex->fills.n; i++) {
            const struct book_fill *f = &ex->fills.v[i];
            struct sim_order_rec *o = f->maker->owner;
            trade(ex, sym, NULL, o, o->v.side == SIDE_BUY ? SIDE_SELL : SIDE_BUY, f->price,
                  f->qty, t, NULL);
        }
    }
    if (market_random_trade(m, t, &pt) && ex->sink.public_trade)
        ex->sink.public_trade(ex->sink.ctx, sym, &pt);
    emit_after(ex, sym, t);
}

int64_t sim_exchange_tick(struct sim_exchange *ex, int64_t now_ms)
{
    int64_t tick = ex->conf->tick_ms > 0 ? ex->conf->tick_ms : 100;
    int64_t steps = (now_ms - ex->last_tick_ms) / tick;

    if (steps > MAX_STEPS_PER_TICK) {
        ex->last_tick_ms = now_ms - MAX_STEPS_PER_TICK * tick;
        steps = MAX_STEPS_PER_TICK;
    }
    for (int64_t k = 0; k < steps; k++) {
        ex->last_tick_ms += tick;
        for (size_t s = 0; s < ex->n_sym; s++)
            step_symbol(ex, (int)s, ex->last_tick_ms);
    }
    return ex->last_tick_ms + tick - now_ms;
}
