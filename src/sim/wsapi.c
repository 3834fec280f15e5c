/*
 * wsapi.c - WebSocket API, user data streams and market streams (wsapi.h).
 *
 * Every connection is a struct wsconn on one list; events are fanned out by
 * scanning it, which is cheap for the tens of connections a simulator sees
 * and keeps no second index to keep consistent.  An event is rendered once
 * into a scratch buffer and wrapped per subscriber.
 */
#include "looptrader/sim/wsapi.h"
#include "looptrader/sim/auth.h"
#include "looptrader/sim/render.h"
#include "looptrader/sim/timeunit.h"
#include "looptrader/log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UD_MAX 1024  /* user-data subscriptions per connection */
#define MKT_MAX 256  /* market streams per connection */
#define STREAM_NAME_MAX 64
#define TICKER_EVERY_MS 1000
#define KEY_CHECK_EVERY_MS 1000

enum kind { K_API, K_STREAM, K_COMBINED };
enum stype { ST_BOOK, ST_TICKER, ST_MINI, ST_TRADE, ST_AGG, ST_DEPTH, ST_PARTIAL, ST_KLINE };

struct mkt_sub {
    int symbol;
    enum stype type;
    int interval_ms;  /* depth, partial depth: push cadence */
    int levels;       /* partial depth: 5, 10 or 20 */
    int64_t kline_ms; /* kline: interval */
    int64_t last_id;  /* depth: lastUpdateId already pushed */
    int64_t next_ms;  /* depth: next push due */
    char name[STREAM_NAME_MAX];
};

/* One receiver of an account's user-data events: a WS API subscription
 * (id >= 0, events wrapped with its subscriptionId) or a whole user stream
 * connection (id -1).  Owned by the connection, linked into subs_of. */
struct sub_ref {
    struct wsconn *c;
    int id;
    int account;
    struct sub_ref *prev, *next;
};

struct ud_sub {
    int id;
    int account;
    struct sub_ref *ref;  /* owned */
};

struct wsconn {
    struct wsapi *w;
    struct sim_conn *conn;
    struct wsconn *next, *prev;
    enum kind kind;
    int user_account; /* /ws/<listenKey> or /ws/user; -1 none */
    struct sub_ref *user_ref; /* owned; linked while user_account >= 0 */
    char listen_key[LISTENKEY_LEN + 1];
    struct ud_sub ud[UD_MAX];
    int n_ud, next_sub_id;
    struct mkt_sub mkt[MKT_MAX];
    int n_mkt;
    int logon_account;        /* session.logon: the account, -1 none */
    int64_t logon_ms;         /* when it logged on */
    int64_t connected_ms;     /* when the connection opened */
    char ip[48];              /* the client's address (weight is counted per IP) */
    enum time_unit unit;      /* timeUnit= of the connection's URL */
};

/* ---- sending ---- */

/* Every message to c goes through here: a timeUnit=MICROSECOND
 * connection gets it converted (on a copy: an event is shared).  answer:
 * a WS API answer, which the latency fault delays (server_ws_answer). */
static void send_msg(struct wsconn *c, const struct strbuf *sb, int answer)
{
    struct strbuf *us = &c->w->us;
    const struct strbuf *m = sb;
    if (c->unit == TIME_UNIT_US) {
        strbuf_reset(us);
        if (strbuf_add(us, sb->buf, sb->len) == 0 && time_unit_micro_ws(us) == 0)
            m = us;
    }
    if (answer)
        server_ws_answer(c->conn, m->buf, m->len);
    else
        server_ws_send(c->conn, m->buf, m->len);
}

static void send_sb(struct wsconn *c, const struct strbuf *sb)
{
    send_msg(c, sb, 0);
}

/* Market event in w->ev to one subscription, wrapped for /stream. */
static void send_market(struct wsconn *c, const struct mkt_sub *s)
{
    struct wsapi *w = c->w;
    if (c->kind != K_COMBINED) {
        send_sb(c, &w->ev);
        return;
    }
    strbuf_reset(&w->msg);
    strbuf_addf(&w->msg, "{\"stream\":\"%s\",\"data\":", s->name);
    strbuf_add(&w->msg, w->ev.buf, w->ev.len);
    strbuf_addch(&w->msg, '}');
    send_sb(c, &w->msg);
}

/* Links a receiver of account's events; NULL when out of memory. */
static struct sub_ref *ref_link(struct wsapi *w, struct wsconn *c, int id, int account)
{
    if (account < 0 || (size_t)account >= w->n_accounts)
        return NULL;
    struct sub_ref *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->c = c;
    r->id = id;
    r->account = account;
    r->next = w->subs_of[account];
    if (r->next)
        r->next->prev = r;
    w->subs_of[account] = r;
    return r;
}

static void ref_unlink(struct wsapi *w, struct sub_ref *r)
{
    if (!r)
        return;
    if (r->prev)
        r->prev->next = r->next;
    else
        w->subs_of[r->account] = r->next;
    if (r->next)
        r->next->prev = r->prev;
    free(r);
}

static void unsubscribe_all(struct wsconn *c)
{
    for (int i = 0; i < c->n_ud; i++)
        ref_unlink(c->w, c->ud[i].ref);
    c->n_ud = 0;
}

/* User-data event in w->ev to every subscriber of account. */
static void send_user(struct wsapi *w, int account)
{
    if (account < 0 || (size_t)account >= w->n_accounts)
        return;
    for (struct sub_ref *r = w->subs_of[account]; r; r = r->next) {
        if (r->id < 0 && r->c->kind == K_COMBINED) {
            /* a listenKey subscribed on /stream comes wrapped like a market stream */
            strbuf_reset(&w->msg);
            strbuf_addf(&w->msg, "{\"stream\":\"%s\",\"data\":", r->c->listen_key);
            strbuf_add(&w->msg, w->ev.buf, w->ev.len);
            strbuf_addch(&w->msg, '}');
            send_sb(r->c, &w->msg);
            continue;
        }
        if (r->id < 0) {
            send_sb(r->c, &w->ev);
            continue;
        }
        strbuf_reset(&w->msg);
        strbuf_addstr(&w->msg, "{\"subscriptionId\":");
        render_int(&w->msg, r->id);
        strbuf_addstr(&w->msg, ",\"event\":");
        strbuf_add(&w->msg, w->ev.buf, w->ev.len);
        strbuf_addch(&w->msg, '}');
        send_sb(r->c, &w->msg);
    }
}

/* ---- exchange events ---- */

static void on_exec_report(void *ctx, int account, const struct sim_exec_report *r)
{
    struct wsapi *w = ctx;
    if (w->faults && faults_draw(w->faults, w->faults->push_loss)) {
        log_debug("sim: fault push_loss: executionReport of order %lld not sent",
                  (long long)r->order->order_id);
        return;
    }
    strbuf_reset(&w->ev);
    render_exec_report(&w->ev, r);
    send_user(w, account);
}

static void on_account_position(void *ctx, int account, int64_t event_ms,
                                const struct sim_balance *b, size_t n)
{
    struct wsapi *w = ctx;
    strbuf_reset(&w->ev);
    render_account_position(&w->ev, event_ms, b, n);
    send_user(w, account);
}

static const char *sym_name(struct wsapi *w, int symbol)
{
    return sim_exchange_symbol_rules(w->ex, symbol)->symbol;
}

static void on_public_trade(void *ctx, int symbol, const struct sim_trade *t)
{
    struct wsapi *w = ctx;
    for (int agg = 0; agg < 2; agg++) {
        int rendered = 0;
        for (struct wsconn *c = w->conns; c; c = c->next) {
            for (int i = 0; i < c->n_mkt; i++) {
                struct mkt_sub *s = &c->mkt[i];
                if (s->symbol != symbol || s->type != (agg ? ST_AGG : ST_TRADE))
                    continue;
                if (!rendered) {
                    struct strbuf *sb = &w->ev;
                    strbuf_reset(sb);
                    strbuf_addf(sb, "{\"e\":\"%s\",\"E\":%lld,\"s\":\"%s\",\"%s\":%lld,\"p\":",
                                agg ? "aggTrade" : "trade", (long long)t->time_ms,
                                sym_name(w, symbol), agg ? "a" : "t", (long long)t->id);
                    render_money(sb, t->price);
                    render_money_field(sb, "q", t->qty);
                    if (agg)
                        strbuf_addf(sb, ",\"f\":%lld,\"l\":%lld", (long long)t->id,
                                    (long long)t->id);
                    strbuf_addf(sb, ",\"T\":%lld,\"m\":%s,\"M\":true}", (long long)t->time_ms,
                                t->buyer_is_maker ? "true" : "false");
                    rendered = 1;
                }
                send_market(c, s);
            }
        }
    }
}

static void render_book_ticker(struct wsapi *w, int symbol, const struct sim_book_ticker *bt)
{
    struct strbuf *sb = &w->ev;
    strbuf_reset(sb);
    strbuf_addstr(sb, "{\"u\":");
    render_int(sb, bt->update_id);
    render_str_field(sb, "s", sym_name(w, symbol));
    render_money_field(sb, "b", bt->bid);
    render_money_field(sb, "B", bt->bid_qty);
    render_money_field(sb, "a", bt->ask);
    render_money_field(sb, "A", bt->ask_qty);
    strbuf_addch(sb, '}');
}

static void on_book_ticker(void *ctx, int symbol, const struct sim_book_ticker *bt)
{
    struct wsapi *w = ctx;
    int rendered = 0;
    for (struct wsconn *c = w->conns; c; c = c->next)
        for (int i = 0; i < c->n_mkt; i++) {
            struct mkt_sub *s = &c->mkt[i];
            if (s->symbol != symbol || s->type != ST_BOOK)
                continue;
            if (!rendered)
                render_book_ticker(w, symbol, bt);
            rendered = 1;
            send_market(c, s);
        }
}

/* ---- periodic pushes ---- */

struct diff_ctx {
    struct strbuf bids, asks;
};

static void diff_cb(void *ctx, enum order_side side, money_t price, money_t qty)
{
    struct diff_ctx *d = ctx;
    struct strbuf *sb = side == SIDE_BUY ? &d->bids : &d->asks;
    if (sb->len)
        strbuf_addch(sb, ',');
    render_level(sb, price, qty);
}

static void push_depth(struct wsapi *w, struct wsconn *c, struct mkt_sub *s, int64_t now_ms)
{
    struct diff_ctx d = { STRBUF_INIT, STRBUF_INIT };
    int64_t first, last;
    struct sim_book_ticker bt;
    s->next_ms = now_ms + s->interval_ms;
    int rc = sim_exchange_depth_diff(w->ex, s->symbol, s->last_id, &first, &last, diff_cb, &d,
                                     NULL);
    if (rc == LT_ERANGE) {
        /* Too far behind the journal: skip ahead; the client sees the gap. */
        sim_exchange_book_ticker(w->ex, s->symbol, &bt);
        s->last_id = bt.update_id;
    } else if (!rc && first <= last) {
        strbuf_reset(&w->ev);
        strbuf_addf(&w->ev,
                    "{\"e\":\"depthUpdate\",\"E\":%lld,\"s\":\"%s\",\"U\":%lld,\"u\":%lld,\"b\":[",
                    (long long)now_ms, sym_name(w, s->symbol), (long long)first, (long long)last);
        strbuf_add(&w->ev, d.bids.buf, d.bids.len);
        strbuf_addstr(&w->ev, "],\"a\":[");
        strbuf_add(&w->ev, d.asks.buf, d.asks.len);
        strbuf_addstr(&w->ev, "]}");
        s->last_id = last;
        send_market(c, s);
    }
    strbuf_free(&d.bids);
    strbuf_free(&d.asks);
}

static void render_ticker(struct wsapi *w, int symbol, int mini, int64_t now_ms)
{
    struct sim_ticker24 t;
    struct strbuf *sb = &w->ev;
    sim_exchange_ticker24(w->ex, symbol, now_ms, &t);
    strbuf_reset(sb);
    strbuf_addf(sb, "{\"e\":\"%s\",\"E\":%lld,\"s\":\"%s\"", mini ? "24hrMiniTicker" : "24hrTicker",
                (long long)now_ms, sym_name(w, symbol));
    if (!mini) {
        money_t change = t.last - t.open;
        char p[MONEY_STR_MAX];
        render_money_field(sb, "p", change);
        strbuf_addf(sb, ",\"P\":\"%s\",\"w\":",
                    money_format(t.open ? money_div(change * 100, t.open) : 0, 3, p));
        render_money(sb, t.weighted_avg);
        render_money_field(sb, "x", t.prev_close);
    }
    render_money_field(sb, "c", t.last);
    if (!mini) {
        render_money_field(sb, "Q", t.last_qty);
        render_money_field(sb, "b", t.bid);
        render_money_field(sb, "B", t.bid_qty);
        render_money_field(sb, "a", t.ask);
        render_money_field(sb, "A", t.ask_qty);
    }
    render_money_field(sb, "o", t.open);
    render_money_field(sb, "h", t.high);
    render_money_field(sb, "l", t.low);
    render_money_field(sb, "v", t.volume);
    render_money_field(sb, "q", t.quote_volume);
    if (!mini)
        strbuf_addf(sb, ",\"O\":%lld,\"C\":%lld,\"F\":%lld,\"L\":%lld,\"n\":%lld",
                    (long long)t.open_ms, (long long)t.close_ms, (long long)t.first_id,
                    (long long)t.last_id, (long long)t.count);
    strbuf_addch(sb, '}');
}

static void check_listen_keys(struct wsapi *w, int64_t now_ms)
{
    for (struct wsconn *c = w->conns; c; c = c->next) {
        if (!c->listen_key[0] || listenkeys_account(w->keys, c->listen_key, now_ms) >= 0)
            continue;
        strbuf_reset(&w->ev);
        strbuf_addf(&w->ev, "{\"e\":\"listenKeyExpired\",\"E\":%lld,\"listenKey\":\"%s\"}",
                    (long long)now_ms, c->listen_key);
        send_sb(c, &w->ev);
        c->listen_key[0] = '\0';
        c->user_account = -1;
        ref_unlink(w, c->user_ref);
        c->user_ref = NULL;
        server_ws_close(c->conn);
    }
}

/* <symbol>@depth<N>: the top N levels, Binance's partial book message. */
static void render_partial(struct wsapi *w, const struct mkt_sub *s)
{
    struct sim_level lv[2 * 20];
    size_t nb = 0, na = 0;
    int64_t last = 0;
    struct strbuf *sb = &w->ev;
    sim_exchange_depth(w->ex, s->symbol, (size_t)s->levels, lv, &nb, lv + 20, &na, &last);
    strbuf_reset(sb);
    strbuf_addf(sb, "{\"lastUpdateId\":%lld", (long long)last);
    strbuf_addstr(sb, ",\"bids\":");
    render_levels(sb, lv, nb);
    strbuf_addstr(sb, ",\"asks\":");
    render_levels(sb, lv + 20, na);
    strbuf_addch(sb, '}');
}

struct kline_ctx {
    struct sim_kline k;
    int found;
};

static void kline_cb(void *ctx, const struct sim_kline *k)
{
    struct kline_ctx *kc = ctx;
    kc->k = *k;
    kc->found = 1;
}

/* <symbol>@kline_<interval>: the current candle, every second. */
static void render_kline(struct wsapi *w, const struct mkt_sub *s, int64_t now_ms)
{
    struct sim_query q;
    struct kline_ctx kc = { .found = 0 };
    struct strbuf *sb = &w->ev;
    const char *iv = strchr(s->name, '_') + 1;
    sim_query_init(&q);
    q.limit = 1;
    sim_exchange_klines(w->ex, s->symbol, s->kline_ms, &q, now_ms, kline_cb, &kc, NULL);
    if (!kc.found) {
        kc.k.open_ms = now_ms - now_ms % s->kline_ms;
        kc.k.close_ms = kc.k.open_ms + s->kline_ms - 1;
        kc.k.first_id = kc.k.last_id = -1;
    }
    const struct sim_kline *k = &kc.k;
    strbuf_reset(sb);
    strbuf_addf(sb,
                "{\"e\":\"kline\",\"E\":%lld,\"s\":\"%s\",\"k\":{\"t\":%lld,\"T\":%lld,"
                "\"s\":\"%s\",\"i\":\"%s\",\"f\":%lld,\"L\":%lld,\"o\":",
                (long long)now_ms, sym_name(w, s->symbol), (long long)k->open_ms,
                (long long)k->close_ms, sym_name(w, s->symbol), iv, (long long)k->first_id,
                (long long)k->last_id);
    render_money(sb, k->open);
    render_money_field(sb, "c", k->close);
    render_money_field(sb, "h", k->high);
    render_money_field(sb, "l", k->low);
    render_money_field(sb, "v", k->volume);
    strbuf_addf(sb, ",\"n\":%lld,\"x\":%s,\"q\":", (long long)k->count,
                now_ms > k->close_ms ? "true" : "false");
    render_money(sb, k->quote_volume);
    render_money_field(sb, "V", k->taker_buy_volume);
    render_money_field(sb, "Q", k->taker_buy_quote_volume);
    strbuf_addstr(sb, ",\"B\":\"0\"}}");
}

void wsapi_tick(struct wsapi *w, int64_t now_ms)
{
    int tickers = now_ms >= w->next_ticker_ms;
    if (tickers)
        w->next_ticker_ms = now_ms + TICKER_EVERY_MS;
    for (struct wsconn *c = w->conns; c; c = c->next)
        for (int i = 0; i < c->n_mkt; i++) {
            struct mkt_sub *s = &c->mkt[i];
            if (s->type == ST_DEPTH && now_ms >= s->next_ms) {
                push_depth(w, c, s, now_ms);
            } else if (s->type == ST_PARTIAL && now_ms >= s->next_ms) {
                s->next_ms = now_ms + s->interval_ms;
                render_partial(w, s);
                send_market(c, s);
            } else if (tickers && s->type == ST_KLINE) {
                render_kline(w, s, now_ms);
                send_market(c, s);
            } else if (tickers && (s->type == ST_TICKER || s->type == ST_MINI)) {
                render_ticker(w, s->symbol, s->type == ST_MINI, now_ms);
                send_market(c, s);
            }
        }
    if (now_ms >= w->next_key_check_ms) {
        w->next_key_check_ms = now_ms + KEY_CHECK_EVERY_MS;
        check_listen_keys(w, now_ms);
    }
}

/* ---- market stream subscriptions ---- */

/* "<symbol>@<type>" -> sub; -1 when not a stream this venue serves. */
static int parse_stream(struct wsapi *w, const char *name, size_t len, struct mkt_sub *s)
{
    static const struct {
        const char *suffix;
        enum stype type;
        int interval_ms;
    } types[] = {
        { "bookTicker", ST_BOOK, 0 },   { "ticker", ST_TICKER, 0 },
        { "miniTicker", ST_MINI, 0 },   { "trade", ST_TRADE, 0 },
        { "aggTrade", ST_AGG, 0 },      { "depth", ST_DEPTH, 1000 },
        { "depth@1000ms", ST_DEPTH, 1000 }, { "depth@100ms", ST_DEPTH, 100 },
    };
    const char *at = memchr(name, '@', len);
    char sym[32];
    if (!at || at == name || (size_t)(at - name) >= sizeof(sym) || len >= STREAM_NAME_MAX)
        return -1;
    memcpy(sym, name, (size_t)(at - name));
    sym[at - name] = '\0';
    size_t slen = len - (size_t)(at - name) - 1;
    memset(s, 0, sizeof(*s));
    s->symbol = sim_exchange_symbol_index(w->ex, sym);
    if (s->symbol < 0)
        return -1;
    memcpy(s->name, name, len);
    s->name[len] = '\0';
    const char *suffix = s->name + (at - name) + 1;
    if (!strncmp(suffix, "kline_", 6)) {
        s->type = ST_KLINE;
        s->kline_ms = sim_kline_interval_ms(suffix + 6);
        return s->kline_ms > 0 ? 0 : -1;
    }
    if (!strncmp(suffix, "depth5", 6) || !strncmp(suffix, "depth10", 7) ||
        !strncmp(suffix, "depth20", 7)) {
        char *end;
        s->type = ST_PARTIAL;
        s->levels = (int)strtol(suffix + 5, &end, 10);
        s->interval_ms = !strcmp(end, "@100ms") ? 100 : 1000;
        return !*end || !strcmp(end, "@100ms") || !strcmp(end, "@1000ms") ? 0 : -1;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strlen(types[i].suffix) != slen || memcmp(types[i].suffix, at + 1, slen))
            continue;
        s->type = types[i].type;
        s->interval_ms = types[i].interval_ms;
        if (s->type == ST_DEPTH) {
            struct sim_book_ticker bt;
            sim_exchange_book_ticker(w->ex, s->symbol, &bt);
            s->last_id = bt.update_id;
        }
        return 0;
    }
    return -1;
}

static int find_stream(const struct wsconn *c, const char *name)
{
    for (int i = 0; i < c->n_mkt; i++)
        if (!strcmp(c->mkt[i].name, name))
            return i;
    return -1;
}

/* A live listenKey as a stream name (SUBSCRIBE, streams=): the account's
 * events on this connection.  One key per connection; 1 when name is not a
 * listenKey at all, -1 when it is one that cannot be taken. */
static int subscribe_listen_key(struct wsconn *c, const char *name, size_t len)
{
    char key[LISTENKEY_LEN + 1];
    if (len != LISTENKEY_LEN || memchr(name, '@', len))
        return 1;
    memcpy(key, name, len);
    key[len] = '\0';
    int account = listenkeys_account(c->w->keys, key, server_now_ms());
    if (account < 0)
        return 1;
    if (c->user_ref)
        return strcmp(c->listen_key, key) ? -1 : 0;
    if (!(c->user_ref = ref_link(c->w, c, -1, account)))
        return -1;
    c->user_account = account;
    memcpy(c->listen_key, key, sizeof(key));
    return 0;
}

static void unsubscribe_listen_key(struct wsconn *c)
{
    ref_unlink(c->w, c->user_ref);
    c->user_ref = NULL;
    c->user_account = -1;
    c->listen_key[0] = '\0';
}

static int subscribe(struct wsconn *c, const char *name, size_t len)
{
    struct mkt_sub s;
    int lk = subscribe_listen_key(c, name, len);
    if (lk <= 0)
        return lk;
    if (parse_stream(c->w, name, len, &s))
        return -1;
    if (find_stream(c, s.name) >= 0)
        return 0;
    if (c->n_mkt >= MKT_MAX)
        return -1;
    c->mkt[c->n_mkt++] = s;
    return 0;
}

/* Streams separated by '/' (path of /ws/... or streams= of /stream); -1 if
 * any is not a stream served here (the others are still subscribed). */
static int subscribe_list(struct wsconn *c, const char *list)
{
    int rc = 0;
    while (*list) {
        const char *slash = strchr(list, '/');
        size_t n = slash ? (size_t)(slash - list) : strlen(list);
        if (n && subscribe(c, list, n))
            rc = -1;
        list += n + (slash ? 1 : 0);
    }
    return rc;
}

/* ---- market stream methods: SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS ---- */

static void stream_reply(struct wsconn *c, json_t *id, const char *result, int code,
                         const char *msg)
{
    struct strbuf *sb = &c->w->msg;
    char *ids = id ? json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    strbuf_reset(sb);
    if (msg) {
        strbuf_addstr(sb, "{\"error\":");
        render_error(sb, code, msg);
        strbuf_addf(sb, ",\"id\":%s}", ids ? ids : "null");
    } else {
        strbuf_addf(sb, "{\"result\":%s,\"id\":%s}", result, ids ? ids : "null");
    }
    free(ids);
    send_sb(c, sb);
}

static void stream_message(struct wsconn *c, const char *text, size_t len)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    json_t *id = json_object_get(root, "id");
    const char *method = json_string_value(json_object_get(root, "method"));
    json_t *params = json_object_get(root, "params");

    if (!json_is_object(root)) {
        stream_reply(c, NULL, NULL, 3, "Invalid JSON: expected value at line 1 column 1");
    } else if (id && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) {
        stream_reply(c, NULL, NULL, 2, "Invalid request: request ID must be an unsigned integer");
    } else if (!method) {
        stream_reply(c, id, NULL, 2, "Invalid request: missing field `method`");
    } else if (!strcmp(method, "LIST_SUBSCRIPTIONS")) {
        struct strbuf list = STRBUF_INIT;
        strbuf_addch(&list, '[');
        for (int i = 0; i < c->n_mkt; i++) {
            if (i)
                strbuf_addch(&list, ',');
            render_str(&list, c->mkt[i].name);
        }
        if (c->listen_key[0]) {
            if (c->n_mkt)
                strbuf_addch(&list, ',');
            render_str(&list, c->listen_key);
        }
        strbuf_addch(&list, ']');
        stream_reply(c, id, list.buf, 0, NULL);
        strbuf_free(&list);
    } else if (!strcmp(method, "SUBSCRIBE") || !strcmp(method, "UNSUBSCRIBE")) {
        int sub = method[0] == 'S', bad = !json_is_array(params);
        size_t i;
        json_t *v;
        if (!bad)
            json_array_foreach(params, i, v) {
                if (!json_is_string(v)) {
                    bad = 1;
                    break;
                }
            }
        if (!bad)
            json_array_foreach(params, i, v) {
                const char *name = json_string_value(v);
                if (sub) {
                    bad |= subscribe(c, name, strlen(name)) != 0;
                } else if (c->listen_key[0] && !strcmp(name, c->listen_key)) {
                    unsubscribe_listen_key(c);
                } else {
                    int k = find_stream(c, name);
                    if (k >= 0)
                        c->mkt[k] = c->mkt[--c->n_mkt];
                }
            }
        if (bad)
            stream_reply(c, id, NULL, 2, "Invalid request: unknown stream or invalid params");
        else
            stream_reply(c, id, "null", 0, NULL);
    } else if (!strcmp(method, "SET_PROPERTY")) {
        stream_reply(c, id, "null", 0, NULL);
    } else if (!strcmp(method, "GET_PROPERTY")) {
        stream_reply(c, id, c->kind == K_COMBINED ? "true" : "false", 0, NULL);
    } else {
        stream_reply(c, id, NULL, 2, "Invalid request: unknown variant method");
    }
    json_decref(root);
}

/* ---- WebSocket API (/ws-api/v3) ---- */

/* One answer: result (status 200) or the error code and msg; a refusal
 * with retry_after_s >= 0 (a 429) carries error.data's serverTime and
 * retryAfter (when to retry, ms), as Binance's rate-limited answers do. */
static void api_answer(struct wsconn *c, json_t *id, int status, const char *result, int code,
                       const char *msg, int weight, int retry_after_s)
{
    struct wsapi *w = c->w;
    struct strbuf *sb = &w->msg;
    char *ids = id ? json_dumps(id, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    struct lt_err err = { 0 };
    int retry = 0;
    int64_t now = server_now_ms();
    int used = rest_weight_add(w->rest, c->ip, weight, now, &retry, &err);
    w->stats[c->kind].weight += (unsigned long long)weight;
    strbuf_reset(sb);
    strbuf_addf(sb, "{\"id\":%s,\"status\":%d,", ids ? ids : "null", status);
    if (msg && retry_after_s >= 0) {
        strbuf_addf(sb, "\"error\":{\"code\":%d,\"msg\":", code);
        render_str(sb, msg);
        strbuf_addf(sb, ",\"data\":{\"serverTime\":%lld,\"retryAfter\":%lld}}", (long long)now,
                    (long long)(now + retry_after_s * 1000LL));
    } else if (msg) {
        strbuf_addstr(sb, "\"error\":");
        render_error(sb, code, msg);
    } else {
        strbuf_addf(sb, "\"result\":%s", result);
    }
    strbuf_addf(sb,
                ",\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
                "\"intervalNum\":1,\"limit\":%d,\"count\":%d}]}",
                sim_exchange_conf(w->ex)->limits.weight_per_minute > 0
                    ? sim_exchange_conf(w->ex)->limits.weight_per_minute
                    : 6000,
                used < 0 ? rest_weight_used(w->rest, c->ip, now) : used);
    free(ids);
    send_msg(c, sb, 1);
}

static void api_reply(struct wsconn *c, json_t *id, int status, const char *result, int code,
                      const char *msg, int weight)
{
    api_answer(c, id, status, result, code, msg, weight, -1);
}

/* err as the answer; retry_after_s as api_answer's (-1: none). */
static void api_fail(struct wsconn *c, json_t *id, const struct lt_err *err, int weight,
                     int retry_after_s)
{
    api_answer(c, id, err->http_status ? err->http_status : 400, NULL,
               err->venue_code ? err->venue_code : -1000, err->msg, weight, retry_after_s);
}

/* JSON params -> struct params (values as their text). */
static int api_params(json_t *obj, struct params *p, struct lt_err *err)
{
    const char *k;
    json_t *v;
    char num[32];
    if (!obj)
        return 0;
    if (!json_is_object(obj))
        return params_fail(err, 400, -1135, "Invalid 'params' in JSON request; expected an object.");
    json_object_foreach(obj, k, v) {
        const char *s = NULL;
        size_t n = 0;
        if (json_is_string(v)) {
            s = json_string_value(v);
            n = json_string_length(v);
        } else if (json_is_integer(v)) {
            n = (size_t)snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            s = num;
        } else if (json_is_boolean(v)) {
            s = json_is_true(v) ? "true" : "false";
            n = strlen(s);
        } else if (json_is_array(v)) {
            /* symbols=["A","B"]: the REST spelling of a list */
            char *text = json_dumps(v, JSON_COMPACT);
            int rc = text ? params_add_pair(p, k, strlen(k), text, strlen(text), PARAMS_JSON)
                          : LT_ENOMEM;
            free(text);
            if (rc)
                return params_fail(err, 400, -1101, "Too many parameters sent for this endpoint.");
            continue;
        } else {
            return params_fail(err, 400, -1100,
                               "Illegal characters found in parameter '%s'; expected a string, "
                               "a number, a boolean or a list.",
                               k);
        }
        if (params_add_pair(p, k, strlen(k), s, n, PARAMS_JSON))
            return params_fail(err, 400, -1101, "Too many parameters sent for this endpoint.");
    }
    return params_validate(p, err);
}

/* WebSocket API methods that are REST endpoints in another envelope. */
static const struct wsapi_endpoint rest_methods[] = {
    { "order.place", SIM_POST, "/api/v3/order", 1 },
    { "order.test", SIM_POST, "/api/v3/order/test", 1 },
    { "order.status", SIM_GET, "/api/v3/order", 1 },
    { "order.cancel", SIM_DELETE, "/api/v3/order", 1 },
    { "openOrders.status", SIM_GET, "/api/v3/openOrders", 1 },
    { "openOrders.cancelAll", SIM_DELETE, "/api/v3/openOrders", 1 },
    { "allOrders", SIM_GET, "/api/v3/allOrders", 1 },
    { "myTrades", SIM_GET, "/api/v3/myTrades", 1 },
    { "account.status", SIM_GET, "/api/v3/account", 1 },
    { "account.commission", SIM_GET, "/api/v3/account/commission", 1 },
    { "account.rateLimits.orders", SIM_GET, "/api/v3/rateLimit/order", 1 },
    { "exchangeInfo", SIM_GET, "/api/v3/exchangeInfo", 0 },
    { "depth", SIM_GET, "/api/v3/depth", 0 },
    { "trades.recent", SIM_GET, "/api/v3/trades", 0 },
    { "trades.historical", SIM_GET, "/api/v3/historicalTrades", 0 },
    { "trades.aggregate", SIM_GET, "/api/v3/aggTrades", 0 },
    { "klines", SIM_GET, "/api/v3/klines", 0 },
    { "uiKlines", SIM_GET, "/api/v3/uiKlines", 0 },
    { "avgPrice", SIM_GET, "/api/v3/avgPrice", 0 },
    { "ticker.24hr", SIM_GET, "/api/v3/ticker/24hr", 0 },
    { "ticker.price", SIM_GET, "/api/v3/ticker/price", 0 },
    { "ticker.book", SIM_GET, "/api/v3/ticker/bookTicker", 0 },
    /* the listenKey of the legacy stream, with apiKey alone (no signature) */
    { "userDataStream.start", SIM_POST, "/api/v3/userDataStream", 2 },
    { "userDataStream.ping", SIM_PUT, "/api/v3/userDataStream", 2 },
    { "userDataStream.stop", SIM_DELETE, "/api/v3/userDataStream", 2 },
};

const struct wsapi_endpoint *wsapi_endpoints(size_t *n)
{
    *n = sizeof(rest_methods) / sizeof(rest_methods[0]);
    return rest_methods;
}

/* A REST endpoint's request in the WebSocket API envelope.  It meets the
 * http429 and http5xx faults as REST's requests do (faults_draw_http), and
 * an order.place the ws_order_drop fault. */
static void api_rest_method(struct wsconn *c, json_t *id, size_t k, struct sim_req *q)
{
    struct wsapi *w = c->w;
    struct lt_err err = { 0 };
    struct strbuf out = STRBUF_INIT;
    struct fault_answer fa = { 0 };
    int account = -1, weight = 1, retry = -1;
    q->method = rest_methods[k].http;
    snprintf(q->path, sizeof(q->path), "%s", rest_methods[k].path);
    int sec = rest_methods[k].is_signed;
    int by_session = sec == 1 && c->logon_account >= 0 && !params_get(&q->params, "signature");
    if (by_session)
        account = c->logon_account;
    enum fault_http fault = faults_draw_http(w->faults, &fa);
    if (fault == FAULT_HTTP_429 || fault == FAULT_HTTP_5XX_BEFORE) {
        log_info("sim: fault %s: WS API %s answered %d, not executed",
                 fault == FAULT_HTTP_429 ? "http429" : "http5xx", rest_methods[k].method, fa.status);
        api_answer(c, id, fa.status, NULL, fa.code, fa.msg, 0, fa.retry_after_s);
    } else if ((by_session && auth_check_time(&q->params, q->now_ms, 1, &err)) ||
               (sec == 1 && !by_session && auth_ws(w->ex, &q->params, q->now_ms, &account, &err)) ||
               (sec == 2 && auth_ws_key(w->ex, &q->params, &account, &err)) ||
               rest_call(w->rest, q, account, &out, &weight, &retry, &err)) {
        api_fail(c, id, &err, 0, retry);
    } else if (fault == FAULT_HTTP_5XX_AFTER) {
        /* executed: an order may exist though the client saw an error */
        log_info("sim: fault http5xx: WS API %s executed, answered %d", rest_methods[k].method,
                 fa.status);
        api_answer(c, id, fa.status, NULL, fa.code, fa.msg, 0, -1);
    } else if (q->method == SIM_POST && !strcmp(rest_methods[k].path, "/api/v3/order") &&
               w->faults && faults_draw(w->faults, w->faults->ws_order_drop)) {
        /* placed, and the answer lost with its connection */
        log_info("sim: fault ws_order_drop: order placed, connection closed before the answer");
        server_ws_close(c->conn);
    } else {
        api_reply(c, id, 200, out.buf, 0, NULL, 0);
    }
    strbuf_free(&out);
}

/* session.logon / status / logout result: who is logged on since when. */
static void session_result(const struct wsconn *c, int64_t now, struct strbuf *out)
{
    int subscribed = 0;
    for (int i = 0; i < c->n_ud; i++)
        subscribed |= c->ud[i].account == c->logon_account && c->logon_account >= 0;
    strbuf_addstr(out, "{\"apiKey\":");
    if (c->logon_account >= 0)
        strbuf_addf(out, "\"%s\",\"authorizedSince\":%lld",
                    sim_exchange_account_conf(c->w->ex, c->logon_account)->api_key,
                    (long long)c->logon_ms);
    else
        strbuf_addstr(out, "null,\"authorizedSince\":null");
    strbuf_addf(out,
                ",\"connectedSince\":%lld,\"returnRateLimits\":true,\"serverTime\":%lld,"
                "\"userDataStream\":%s}",
                (long long)c->connected_ms, (long long)now, subscribed ? "true" : "false");
}

/* session.logon: a signed request like any other, but only an Ed25519 key
 * may hold a session (Binance's rule); afterwards the connection's signed
 * requests may leave out apiKey and signature. */
static void api_logon(struct wsconn *c, json_t *id, const struct params *p, int64_t now)
{
    struct lt_err err = { 0 };
    int account;
    if (auth_ws(c->w->ex, p, now, &account, &err)) {
        api_fail(c, id, &err, 2, -1);
        return;
    }
    const struct sign_key *k = sim_exchange_account_conf(c->w->ex, account)->public_key;
    if (!k || sign_key_type_of(k) != SIGN_KEY_ED25519) {
        api_reply(c, id, 400, NULL, -4056,
                  k ? "RSA API key is not supported." : "HMAC_SHA256 API key is not supported.", 2);
        return;
    }
    c->logon_account = account;
    c->logon_ms = now;
    struct strbuf res = STRBUF_INIT;
    session_result(c, now, &res);
    api_reply(c, id, 200, res.buf, 0, NULL, 2);
    strbuf_free(&res);
}

/* A user-data subscription of account on c: {"subscriptionId":N} in res. */
static void ud_subscribe(struct wsconn *c, json_t *id, int account, char *res, size_t size)
{
    struct wsapi *w = c->w;
    if (c->n_ud >= UD_MAX) {
        api_reply(c, id, 400, NULL, -1100, "Too many subscriptions on this connection.", 2);
    } else if (!(c->ud[c->n_ud].ref = ref_link(w, c, c->next_sub_id, account))) {
        api_reply(c, id, 500, NULL, -1001,
                  "Internal error; unable to process your request. Please try again.", 2);
    } else {
        c->ud[c->n_ud].id = c->next_sub_id++;
        c->ud[c->n_ud].account = account;
        snprintf(res, size, "{\"subscriptionId\":%d}", c->ud[c->n_ud].id);
        c->n_ud++;
        api_reply(c, id, 200, res, 0, NULL, 2);
    }
}

static void api_message(struct wsconn *c, const char *text, size_t len)
{
    struct wsapi *w = c->w;
    json_error_t je;
    struct lt_err err = { 0 };
    struct sim_req q = { .body = STRBUF_INIT };
    struct params *p = &q.params;
    json_t *root = json_loadb(text, len, 0, &je);
    json_t *id = json_object_get(root, "id");
    const char *method = json_string_value(json_object_get(root, "method"));
    int64_t now = server_now_ms();
    char res[64];

    params_init(p);
    q.now_ms = now;
    snprintf(q.ip, sizeof(q.ip), "%s", c->ip);
    int retry = 0;
    if (rest_weight_add(w->rest, c->ip, 0, now, &retry, &err) < 0) {
        /* As Binance: past the IP's weight every request is refused, 429 */
        api_fail(c, id, &err, 0, retry);
    } else if (!json_is_object(root)) {
        api_reply(c, NULL, 400, NULL, -1135, "Invalid JSON request.", 1);
    } else if (!method) {
        api_reply(c, id, 400, NULL, -1102,
                  "Mandatory parameter 'method' was not sent, was empty/null, or malformed.", 1);
    } else if (api_params(json_object_get(root, "params"), p, &err)) {
        api_fail(c, id, &err, 1, -1);
    } else if (!strcmp(method, "ping")) {
        api_reply(c, id, 200, "{}", 0, NULL, 1);
    } else if (!strcmp(method, "time")) {
        snprintf(res, sizeof(res), "{\"serverTime\":%lld}", (long long)now);
        api_reply(c, id, 200, res, 0, NULL, 1);
    } else if (!strcmp(method, "userDataStream.subscribe.signature")) {
        int account;
        if (auth_ws(w->ex, p, now, &account, &err))
            api_fail(c, id, &err, 2, -1);
        else
            ud_subscribe(c, id, account, res, sizeof(res));
    } else if (!strcmp(method, "userDataStream.subscribe")) {
        if (c->logon_account < 0)
            api_reply(c, id, 401, NULL, -1002,
                      "You are not authorized to execute this request: session.logon first.", 2);
        else
            ud_subscribe(c, id, c->logon_account, res, sizeof(res));
    } else if (!strcmp(method, "session.logon")) {
        api_logon(c, id, p, now);
    } else if (!strcmp(method, "session.status") || !strcmp(method, "session.logout")) {
        struct strbuf r = STRBUF_INIT;
        if (method[8] == 'l')
            c->logon_account = -1;
        session_result(c, now, &r);
        api_reply(c, id, 200, r.buf, 0, NULL, 2);
        strbuf_free(&r);
    } else if (!strcmp(method, "userDataStream.unsubscribe")) {
        int64_t sid = -1;
        int present = 0;
        if (params_int(p, "subscriptionId", &sid, &present, &err)) {
            api_fail(c, id, &err, 2, -1);
        } else if (!present) {
            unsubscribe_all(c);
            api_reply(c, id, 200, "{}", 0, NULL, 2);
        } else {
            int k = 0;
            while (k < c->n_ud && c->ud[k].id != sid)
                k++;
            if (k == c->n_ud) {
                api_reply(c, id, 400, NULL, -2, "Invalid subscriptionId.", 2);
            } else {
                ref_unlink(w, c->ud[k].ref);
                memmove(&c->ud[k], &c->ud[k + 1], sizeof(c->ud[0]) * (size_t)(c->n_ud - k - 1));
                c->n_ud--;
                api_reply(c, id, 200, "{}", 0, NULL, 2);
            }
        }
    } else if (!strcmp(method, "session.subscriptions")) {
        struct strbuf list = STRBUF_INIT;
        strbuf_addch(&list, '[');
        for (int i = 0; i < c->n_ud; i++)
            strbuf_addf(&list, "%s{\"subscriptionId\":%d}", i ? "," : "", c->ud[i].id);
        strbuf_addch(&list, ']');
        api_reply(c, id, 200, list.buf, 0, NULL, 2);
        strbuf_free(&list);
    } else {
        size_t k = 0, n = sizeof(rest_methods) / sizeof(rest_methods[0]);
        while (k < n && strcmp(rest_methods[k].method, method))
            k++;
        if (k < n)
            api_rest_method(c, id, k, &q);
        else
            api_reply(c, id, 400, NULL, -1100, "Unknown method.", 1);
    }
    params_release(p);
    json_decref(root);
}

/* ---- connection lifecycle ---- */

int wsapi_open(void *arg, struct sim_req *req, void **app)
{
    struct wsapi *w = arg;
    struct wsconn *c = calloc(1, sizeof(*c));
    const char *path = req->path;
    if (!c)
        return LT_ENOMEM;
    c->w = w;
    c->conn = req->conn;
    c->user_account = -1;
    c->logon_account = -1;
    c->connected_ms = req->now_ms;
    snprintf(c->ip, sizeof(c->ip), "%s", req->ip);
    int rc = 0;

    if (!strcmp(path, "/ws-api/v3")) {
        c->kind = K_API;
    } else if (!strcmp(path, "/stream")) {
        const char *streams = params_get(&req->params, "streams");
        c->kind = K_COMBINED;
        rc = streams ? subscribe_list(c, streams) : 0;
    } else if (!strcmp(path, "/ws") || !strcmp(path, "/ws/")) {
        c->kind = K_STREAM;
    } else if (!strcmp(path, "/ws/user")) {
        c->kind = K_STREAM;
        c->user_account = auth_session(w->ex, req->conn);
        rc = c->user_account < 0 ? -1 : 0;
    } else if (!strncmp(path, "/ws/", 4)) {
        const char *rest = path + 4;
        c->kind = K_STREAM;
        if (strlen(rest) == LISTENKEY_LEN && !strchr(rest, '@') && !strchr(rest, '/')) {
            c->user_account = listenkeys_account(w->keys, rest, req->now_ms);
            if (c->user_account >= 0)
                strcpy(c->listen_key, rest);
            else
                rc = -1;
        } else {
            /* As Binance: names that are not streams (ccxt opens /ws/<n>) only
             * leave the connection without subscriptions. */
            subscribe_list(c, rest);
        }
    } else {
        rc = -1;
    }
    /* any path: the WS API and the streams both take timeUnit= */
    if (!rc && time_unit_parse(params_get(&req->params, "timeUnit"), &c->unit))
        rc = -1;
    if (!rc && c->user_account >= 0 && !c->user_ref &&
        !(c->user_ref = ref_link(w, c, -1, c->user_account)))
        rc = -1;
    if (rc) {
        ref_unlink(w, c->user_ref);
        /* A listenKey is a bearer token: never logged. */
        log_info("sim: refused WebSocket upgrade on %s",
                 strncmp(path, "/ws/", 4) || !strcmp(path, "/ws/user") ? path : "/ws/<listenKey>");
        free(c);
        return LT_EINVAL;
    }
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    struct wsapi_stat *st = &w->stats[c->kind];
    st->opened++;
    if (++st->open > st->peak)
        st->peak = st->open;
    *app = c;
    return 0;
}

void wsapi_message(void *app, const char *msg, size_t len)
{
    struct wsconn *c = app;
    c->w->stats[c->kind].calls++;
    if (c->kind == K_API)
        api_message(c, msg, len);
    else
        stream_message(c, msg, len);
}

void wsapi_close(void *app)
{
    struct wsconn *c = app;
    struct wsapi *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->stats[c->kind].open--;
    unsubscribe_all(c);
    ref_unlink(w, c->user_ref);
    free(c);
}

int wsapi_init(struct wsapi *w, struct sim_exchange *ex, struct rest *rest,
               struct listenkeys *keys, struct faults *faults, struct lt_err *err)
{
    memset(w, 0, sizeof(*w));
    w->ex = ex;
    w->rest = rest;
    w->keys = keys;
    w->faults = faults;
    strbuf_init(&w->ev, 0);
    strbuf_init(&w->msg, 0);
    strbuf_init(&w->us, 0);
    w->n_accounts = sim_exchange_account_count(ex);
    w->subs_of = calloc(w->n_accounts ? w->n_accounts : 1, sizeof(*w->subs_of));
    if (!w->subs_of)
        return lt_err_set(err, LT_ENOMEM, "wsapi: out of memory");
    struct sim_event_sink sink = {
        .ctx = w,
        .execution_report = on_exec_report,
        .account_position = on_account_position,
        .public_trade = on_public_trade,
        .book_ticker = on_book_ticker,
    };
    sim_exchange_set_sink(ex, &sink);
    return 0;
}

void wsapi_stats_write(const struct wsapi *w, FILE *f, int comma)
{
    static const char *const names[] = { "WS /ws-api/v3", "WS /ws", "WS /stream" };
    for (int k = K_API; k <= K_COMBINED; k++) {
        const struct wsapi_stat *s = &w->stats[k];
        if (!s->opened)
            continue;
        fprintf(f, "%s\"%s\":{\"calls\":%llu,\"weight\":%llu,\"connections\":%llu,"
                   "\"open\":%llu,\"peak\":%llu}",
                comma ? "," : "", names[k], s->calls, s->weight, s->opened, s->open, s->peak);
        comma = 1;
    }
}

void wsapi_free(struct wsapi *w)
{
    struct sim_event_sink none = { 0 };
    sim_exchange_set_sink(w->ex, &none);
    strbuf_free(&w->ev);
    strbuf_free(&w->msg);
    strbuf_free(&w->us);
    free(w->subs_of);
    w->subs_of = NULL;
}
