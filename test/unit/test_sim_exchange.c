/* Unit tests: the simulator's exchange engine (matching, fees, balances,
 * Binance errors, events, partial-fill fault, depth ids, history). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/simconf.h"

#define T0 1700000000000LL /* 2023-11-14 22:13:20 UTC */
#define DAY 86400000LL

/* Mid 10.00, spread 2 ticks: asks 10.01..10.05 and bids 9.99..9.95, 10
 * each; a still market (volatility 0) unless a test says otherwise. */
static const char *conf_text(double vol)
{
    static char buf[4096];
    snprintf(buf, sizeof(buf),
             "tick_ms = 100;\n"
             "fees = { maker = \"0.001\"; taker = \"0.002\"; };\n"
             "symbols = ( { symbol = \"TSTUSDT\"; base = \"TST\"; quote = \"USDT\";\n"
             "  tick_size = \"0.01\"; step_size = \"0.1\"; min_notional = \"5\";\n"
             "  start_price = \"10.00\"; volatility = %g; trade_rate = 0.0;\n"
             "  spread_ticks = 2; level_gap_ticks = 1; levels = 5; level_qty = \"10\"; } );\n"
             "accounts = (\n"
             " { name = \"a\"; api_key = \"ka\"; api_secret = \"sa\";\n"
             "   balances = { USDT = \"1000\"; }; },\n"
             " { name = \"b\"; api_key = \"kb\"; api_secret = \"sb\";\n"
             "   balances = { USDT = \"1000\"; TST = \"100\"; }; },\n"
             " { name = \"dave\"; api_key = \"kd\"; api_secret = \"sd\";\n"
             "   balances = { USDT = \"5000\"; };\n"
             "   history = (\n"
             "    { symbol = \"TSTUSDT\"; side = \"BUY\"; quote = \"400\"; ago_hours = 72.0; },\n"
             "    { symbol = \"TSTUSDT\"; side = \"BUY\"; quote = \"400\"; ago_minutes = 50.0; today = true; },\n"
             "    { symbol = \"TSTUSDT\"; side = \"SELL\"; quote = \"400\"; ago_minutes = 49.0; today = true; },\n"
             "    { symbol = \"TSTUSDT\"; side = \"BUY\"; quote = \"400\"; ago_minutes = 40.0; today = true; }\n"
             "   ); },\n"
             " { name = \"erin\"; session = { cookie = \"session=erin-c\"; header = \"X-Session-Token: erin-t\"; };\n"
             "   balances = { USDT = \"1000\"; }; }\n"
             ");\n",
             vol);
    return buf;
}

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

struct events {
    int n_exec, n_new, n_trade, n_cancel, n_expired, n_pos, n_trades, n_depth;
    int64_t last_depth_id;
    int pos_of[8];                   /* positions reported per account */
    char last_c[40], last_C[40];
    int last_maker;
};

static void on_exec(void *ctx, int account, const struct sim_exec_report *r)
{
    struct events *e = ctx;
    (void)account;
    e->n_exec++;
    e->n_new += r->exec_type == SIM_X_NEW;
    e->n_trade += r->exec_type == SIM_X_TRADE;
    e->n_cancel += r->exec_type == SIM_X_CANCELED;
    e->n_expired += r->exec_type == SIM_X_EXPIRED;
    snprintf(e->last_c, sizeof(e->last_c), "%s", r->client_id);
    snprintf(e->last_C, sizeof(e->last_C), "%s", r->orig_client_id);
    if (r->exec_type == SIM_X_TRADE)
        e->last_maker = r->is_maker;
}

static void on_pos(void *ctx, int account, int64_t ms, const struct sim_balance *b, size_t n)
{
    (void)ms, (void)b, (void)n;
    struct events *e = ctx;
    e->n_pos++;
    if (account >= 0 && account < 8)
        e->pos_of[account]++;
}

static void on_trade(void *ctx, int symbol, const struct sim_trade *t)
{
    (void)symbol, (void)t;
    ((struct events *)ctx)->n_trades++;
}

static void on_depth(void *ctx, int symbol, int64_t id)
{
    struct events *e = ctx;
    (void)symbol;
    e->n_depth++;
    e->last_depth_id = id;
}

struct fixture {
    struct simconf conf;
    struct sim_exchange *ex;
    struct events ev;
};

static struct fixture *setup_vol(double vol)
{
    static struct fixture f;
    struct lt_err err;
    struct sim_options opt = {.seed = 7, .partial = 0};
    struct sim_event_sink sink;

    memset(&f, 0, sizeof(f));
    assert_int_equal(simconf_parse_string(conf_text(vol), "test.conf", &f.conf, &err), 0);
    assert_int_equal(sim_exchange_create(&f.conf, &opt, T0, &f.ex, &err), 0);
    memset(&sink, 0, sizeof(sink));
    sink.ctx = &f.ev;
    sink.execution_report = on_exec;
    sink.account_position = on_pos;
    sink.public_trade = on_trade;
    sink.depth_changed = on_depth;
    sim_exchange_set_sink(f.ex, &sink);
    return &f;
}

static int setup(void **state)
{
    *state = setup_vol(0.0);
    return 0;
}

static int setup_moving(void **state)
{
    *state = setup_vol(0.01);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sim_exchange_free(f->ex);
    simconf_free(&f->conf);
    return 0;
}

static int place(struct fixture *f, int acct, enum order_side side, enum sim_order_type type,
                 enum sim_tif tif, const char *price, const char *qty, const char *cid,
                 struct sim_place_result *res, struct lt_err *err)
{
    struct sim_place_req req = {
        .symbol = "TSTUSDT", .side = side, .type = type, .tif = tif,
        .price = price ? M(price) : 0, .quantity = qty ? M(qty) : 0, .client_order_id = cid,
    };
    return sim_exchange_place(f->ex, acct, &req, T0 + 10, res, err);
}

struct bal {
    money_t usdt_free, usdt_locked, tst_free, tst_locked;
};

static void bal_cb(void *ctx, const struct sim_balance *b)
{
    struct bal *x = ctx;
    if (!strcmp(b->asset, "USDT")) {
        x->usdt_free = b->free;
        x->usdt_locked = b->locked;
    } else if (!strcmp(b->asset, "TST")) {
        x->tst_free = b->free;
        x->tst_locked = b->locked;
    }
}

static struct bal balances(struct fixture *f, int acct)
{
    struct bal b;
    memset(&b, 0, sizeof(b));
    sim_exchange_balances(f->ex, acct, bal_cb, &b);
    return b;
}

static void partial_fills_across_levels(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.03", "25", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_FILLED);
    assert_int_equal(r.n_fills, 3);
    assert_true(r.fills[0].price == M("10.01") && r.fills[0].qty == M("10"));
    assert_true(r.fills[1].price == M("10.02") && r.fills[1].qty == M("10"));
    assert_true(r.fills[2].price == M("10.03") && r.fills[2].qty == M("5"));
    assert_true(r.order.cumm_quote_qty == M("250.45"));
    /* taker fee 0.2 % of each fill's quote, in USDT */
    assert_true(r.fills[0].commission == M("0.2002"));
    assert_string_equal(r.fills[0].commission_asset, "USDT");
    struct bal b = balances(f, 0);
    assert_true(b.usdt_free == M("1000") - M("250.45") - M("0.5009"));
    assert_true(b.usdt_locked == 0);
    assert_true(b.tst_free == M("25"));
    assert_int_equal(f->ev.n_new, 1);
    assert_int_equal(f->ev.n_trade, 3);
    assert_int_equal(f->ev.n_trades, 3);
    assert_true(f->ev.n_pos >= 1);
}

static void price_time_priority(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r, ra, rb;
    struct sim_order q;
    struct lt_err err;

    /* b rests two sells at 10.00 (inside the spread), a buys across them. */
    assert_int_equal(place(f, 1, SIDE_SELL, SIM_LIMIT, SIM_GTC, "10.00", "3", "first", &ra, &err), 0);
    assert_int_equal(place(f, 1, SIDE_SELL, SIM_LIMIT, SIM_GTC, "10.00", "3", "second", &rb, &err), 0);
    assert_int_equal(ra.order.status, SIM_NEW);
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.01", "4", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_FILLED);
    assert_int_equal(r.n_fills, 2);
    /* the better price first, the earlier order first at that price */
    assert_true(r.fills[0].price == M("10.00") && r.fills[0].qty == M("3"));
    assert_true(r.fills[1].price == M("10.00") && r.fills[1].qty == M("1"));
    assert_int_equal(sim_exchange_query(f->ex, 1, "TSTUSDT", ra.order.order_id, NULL, &q, &err), 0);
    assert_int_equal(q.status, SIM_FILLED);
    assert_int_equal(sim_exchange_query(f->ex, 1, "TSTUSDT", 0, "second", &q, &err), 0);
    assert_int_equal(q.status, SIM_PARTIALLY_FILLED);
    assert_true(q.executed_qty == M("1"));
    /* the maker paid the maker fee on 10.00 x 3 + 10.00 x 1 */
    struct bal b = balances(f, 1);
    assert_true(b.usdt_free == M("1000") + M("40") - M("0.04"));
    assert_true(b.tst_free == M("94") && b.tst_locked == M("2"));
}

static void ioc_leftover_expires(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_IOC, "10.02", "30", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_EXPIRED);
    assert_true(r.order.executed_qty == M("20"));
    assert_int_equal(f->ev.n_expired, 1);
    struct bal b = balances(f, 0);
    assert_true(b.usdt_locked == 0);
    assert_true(b.usdt_free == M("1000") - M("200.3") - M("0.4006"));
}

static void fok_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_FOK, "10.05", "60", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_EXPIRED);
    assert_true(r.order.executed_qty == 0);
    assert_int_equal(r.n_fills, 0);
    assert_true(balances(f, 0).usdt_free == M("1000"));
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_FOK, "10.05", "30", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_FILLED);
    assert_true(r.order.executed_qty == M("30"));
}

static void limit_maker_never_takes(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT_MAKER, SIM_IOC, "10.01", "1", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2010);
    assert_string_equal(err.msg, "Order would immediately match and take.");
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT_MAKER, SIM_IOC, "10.00", "1", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_NEW);
    assert_int_equal(r.order.tif, SIM_GTC);
    assert_true(r.order.is_working);
}

static void market_by_quote(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;
    struct sim_place_req req = {.symbol = "tstusdt", .side = SIDE_BUY, .type = SIM_MARKET,
                                .quote_order_qty = M("150")};

    assert_int_equal(sim_exchange_place(f->ex, 0, &req, T0, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_FILLED);
    /* 10 @ 10.01 = 100.1, then floor((150 - 100.1) / 10.02) to 0.1 = 4.9 */
    assert_true(r.order.executed_qty == M("14.9"));
    assert_true(r.order.orig_qty == M("14.9"));
    assert_true(r.order.cumm_quote_qty == M("149.198"));
}

static void fee_and_balance_round_trip(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.01", "10", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_FILLED);
    struct bal b = balances(f, 0);
    assert_true(b.usdt_free == M("899.6998")); /* 1000 - 100.1 - 0.2002 */
    assert_true(b.tst_free == M("10"));
    assert_int_equal(place(f, 0, SIDE_SELL, SIM_LIMIT, SIM_GTC, "9.99", "10", NULL, &r, &err), 0);
    assert_int_equal(r.order.status, SIM_FILLED);
    b = balances(f, 0);
    assert_true(b.usdt_free == M("999.4")); /* + 99.9 - 0.1998 */
    assert_true(b.tst_free == 0 && b.tst_locked == 0 && b.usdt_locked == 0);
}

static void resting_order_locks_and_releases(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_order o;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "10", "rest1", &r, &err), 0);
    struct bal b = balances(f, 0);
    /* 90 + fee headroom at the higher rate (0.2 %) */
    assert_true(b.usdt_locked == M("90.18"));
    assert_true(b.usdt_free == M("909.82"));
    assert_int_equal(sim_exchange_cancel(f->ex, 0, "TSTUSDT", 0, "rest1", "mycancel", T0 + 20,
                                         &o, &err),
                     0);
    assert_int_equal(o.status, SIM_CANCELED);
    assert_string_equal(f->ev.last_c, "mycancel");
    assert_string_equal(f->ev.last_C, "rest1");
    b = balances(f, 0);
    assert_true(b.usdt_locked == 0 && b.usdt_free == M("1000"));
}

static void insufficient_balance(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "200", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2010);
    assert_string_equal(err.msg, "Account has insufficient balance for requested action.");
    assert_int_equal(err.http_status, 400);
    assert_int_equal(place(f, 0, SIDE_SELL, SIM_LIMIT, SIM_GTC, "11.00", "1", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2010);
    assert_int_equal(f->ev.n_exec, 0);
}

static void filter_rejections(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.001", "1", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1013);
    assert_string_equal(err.msg, "Filter failure: PRICE_FILTER");
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1.05", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_string_equal(err.msg, "Filter failure: LOT_SIZE");
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "0.5", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_string_equal(err.msg, "Filter failure: NOTIONAL");
    struct sim_place_req req = {.symbol = "NOPE", .side = SIDE_BUY, .type = SIM_LIMIT,
                                .price = M("1"), .quantity = M("1")};
    assert_int_equal(sim_exchange_place(f->ex, 0, &req, T0, &r, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1121);
    assert_string_equal(err.msg, "Invalid symbol.");
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1", "bad id!", &r, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1100);
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, NULL, "1", NULL, &r, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1102);
}

static void duplicate_client_id(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r1, r2;
    struct sim_order o;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1", "dup", &r1, &err), 0);
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1", "dup", &r2, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2010);
    assert_string_equal(err.msg, "Duplicate order sent.");
    /* another account may use the same id */
    assert_int_equal(place(f, 1, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1", "dup", &r2, &err), 0);
    assert_int_equal(sim_exchange_cancel(f->ex, 0, "TSTUSDT", r1.order.order_id, NULL, NULL,
                                         T0 + 20, &o, &err),
                     0);
    /* once closed, the id may be used again; queries find the newest */
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1", "dup", &r2, &err), 0);
    assert_true(r2.order.order_id > r1.order.order_id);
    assert_int_equal(sim_exchange_query(f->ex, 0, "TSTUSDT", 0, "dup", &o, &err), 0);
    assert_true(o.order_id == r2.order.order_id);
    assert_int_equal(sim_exchange_query(f->ex, 0, "TSTUSDT", r1.order.order_id, NULL, &o, &err), 0);
    assert_int_equal(o.status, SIM_CANCELED);
}

static void cancel_and_query_unknown(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_order o;
    struct lt_err err;

    assert_int_equal(sim_exchange_cancel(f->ex, 0, "TSTUSDT", 999, NULL, NULL, T0, &o, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2011);
    assert_string_equal(err.msg, "Unknown order sent.");
    assert_int_equal(sim_exchange_query(f->ex, 0, "TSTUSDT", 999, NULL, &o, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2013);
    assert_string_equal(err.msg, "Order does not exist.");
    /* a filled order cannot be canceled; another account cannot see it */
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.01", "1", "f1", &r, &err), 0);
    assert_int_equal(sim_exchange_cancel(f->ex, 0, "TSTUSDT", r.order.order_id, NULL, NULL, T0,
                                         &o, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2011);
    assert_int_equal(sim_exchange_query(f->ex, 1, "TSTUSDT", r.order.order_id, NULL, &o, &err),
                     LT_EEXCHANGE);
    assert_int_equal(sim_exchange_cancel_all(f->ex, 0, "TSTUSDT", T0, NULL, NULL, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2011);
}

static void count_order(void *ctx, const struct sim_order *o)
{
    (void)o;
    (*(int *)ctx)++;
}

static void open_orders_and_cancel_all(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;
    int n = 0;

    for (int i = 0; i < 3; i++)
        assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "1", NULL, &r, &err), 0);
    assert_int_equal(sim_exchange_open_orders(f->ex, 0, NULL, count_order, &n, &err), 0);
    assert_int_equal(n, 3);
    n = 0;
    assert_int_equal(sim_exchange_cancel_all(f->ex, 0, "TSTUSDT", T0 + 5, count_order, &n, &err), 0);
    assert_int_equal(n, 3);
    n = 0;
    assert_int_equal(sim_exchange_open_orders(f->ex, 0, "TSTUSDT", count_order, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_true(balances(f, 0).usdt_locked == 0);
}

static void resting_order_fills_when_crossed(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_order o;
    struct lt_err err;
    int64_t t = T0;

    memset(&o, 0, sizeof(o));
    /* a bid two ticks under the best bid waits for the walk to come down */
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.97", "5", "wait", &r, &err), 0);
    assert_int_equal(r.order.status, SIM_NEW);
    for (int i = 0; i < 2000 && o.status != SIM_FILLED; i++) {
        t += 100;
        sim_exchange_tick(f->ex, t);
        assert_int_equal(sim_exchange_query(f->ex, 0, "TSTUSDT", 0, "wait", &o, &err), 0);
    }
    assert_int_equal(o.status, SIM_FILLED);
    assert_true(o.cumm_quote_qty == M("49.85")); /* at its own price */
    assert_int_equal(f->ev.last_maker, 1);
    struct bal b = balances(f, 0);
    /* maker fee 0.1 %; the 0.2 % headroom came back */
    assert_true(b.usdt_free == M("1000") - M("49.85") - M("0.04985"));
    assert_true(b.usdt_locked == 0 && b.tst_free == M("5"));
}

/* Balances are reported for the accounts an operation touched, once each,
 * and for nobody else (the exchange keeps a touched list rather than
 * scanning every account). */
static void positions_only_for_touched_accounts(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.97", "5", "rest", &r, &err), 0);
    assert_int_equal(f->ev.pos_of[0], 1);
    assert_int_equal(f->ev.n_pos, 1);
    /* b sells through the book down to a's resting bid: both change. */
    memset(f->ev.pos_of, 0, sizeof(f->ev.pos_of));
    f->ev.n_pos = 0;
    assert_int_equal(place(f, 1, SIDE_SELL, SIM_LIMIT, SIM_IOC, "9.97", "45", "hit", &r, &err),
                     0);
    assert_true(r.order.executed_qty > 0);
    assert_int_equal(f->ev.pos_of[1], 1);
    assert_int_equal(f->ev.pos_of[0], 1);
    assert_int_equal(f->ev.n_pos, 2);
    /* A tick with nothing crossing touches nobody. */
    f->ev.n_pos = 0;
    sim_exchange_tick(f->ex, T0 + 1000);
    assert_int_equal(f->ev.n_pos, 0);
}

static void partial_cap_spreads_fills(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_order o;
    struct lt_err err;
    int64_t t = T0;

    sim_exchange_set_partial(f->ex, M("0.3"));
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.05", "20", "cap", &r, &err), 0);
    assert_int_equal(r.order.status, SIM_PARTIALLY_FILLED);
    assert_true(r.order.executed_qty == M("6"));
    t += 100;
    sim_exchange_tick(f->ex, t);
    assert_int_equal(sim_exchange_query(f->ex, 0, "TSTUSDT", 0, "cap", &o, &err), 0);
    assert_true(o.executed_qty == M("12"));
    assert_int_equal(o.status, SIM_PARTIALLY_FILLED);
    for (int i = 0; i < 2; i++) {
        t += 100;
        sim_exchange_tick(f->ex, t);
    }
    assert_int_equal(sim_exchange_query(f->ex, 0, "TSTUSDT", 0, "cap", &o, &err), 0);
    assert_int_equal(o.status, SIM_FILLED);
    assert_true(o.executed_qty == M("20"));
    assert_true(balances(f, 0).usdt_locked == 0);
}

struct diff {
    int n;
    money_t price, qty;
    enum order_side side;
};

static void diff_cb(void *ctx, enum order_side side, money_t price, money_t qty)
{
    struct diff *d = ctx;
    d->n++;
    d->side = side;
    d->price = price;
    d->qty = qty;
}

static void depth_ids_continue(void **state)
{
    struct fixture *f = *state;
    struct sim_level bids[10], asks[10];
    size_t nb, na;
    int64_t snap, first, last;
    struct sim_place_result r;
    struct lt_err err;
    struct diff d = {0};

    assert_int_equal(sim_exchange_depth(f->ex, 0, 10, bids, &nb, asks, &na, &snap), 0);
    assert_int_equal(nb, 5);
    assert_int_equal(na, 5);
    assert_true(bids[0].price == M("9.99") && asks[0].price == M("10.01"));
    assert_true(asks[4].price == M("10.05") && asks[4].qty == M("10"));
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "9.00", "2", NULL, &r, &err), 0);
    assert_int_equal(f->ev.last_depth_id, snap + 1);
    assert_int_equal(sim_exchange_depth_diff(f->ex, 0, snap, &first, &last, diff_cb, &d, &err), 0);
    assert_int_equal(first, snap + 1);
    assert_int_equal(last, snap + 1);
    assert_int_equal(d.n, 1);
    assert_true(d.side == SIDE_BUY && d.price == M("9.00") && d.qty == M("2"));
    /* a cancel is one more update; the level is now empty */
    assert_int_equal(sim_exchange_cancel_all(f->ex, 0, "TSTUSDT", T0, NULL, NULL, &err), 0);
    memset(&d, 0, sizeof(d));
    assert_int_equal(sim_exchange_depth_diff(f->ex, 0, snap + 1, &first, &last, diff_cb, &d, &err), 0);
    assert_int_equal(first, snap + 2);
    assert_int_equal(last, snap + 2);
    assert_true(d.n == 1 && d.qty == 0);
    /* nothing since the latest id */
    memset(&d, 0, sizeof(d));
    assert_int_equal(sim_exchange_depth_diff(f->ex, 0, last, &first, &last, diff_cb, &d, &err), 0);
    assert_true(first > last && d.n == 0);
}

struct sum {
    int n;
    money_t buy_quote;
};

static void sum_cb(void *ctx, const struct sim_order *o)
{
    struct sum *s = ctx;
    s->n++;
    if (o->side == SIDE_BUY && o->status == SIM_FILLED)
        s->buy_quote += o->cumm_quote_qty;
}

static void history_window(void **state)
{
    struct fixture *f = *state;
    struct sim_query q;
    struct sum all = {0}, today = {0};
    struct lt_err err;

    sim_query_init(&q);
    assert_int_equal(sim_exchange_all_orders(f->ex, 2, "TSTUSDT", &q, sum_cb, &all, &err), 0);
    assert_int_equal(all.n, 4);
    assert_true(all.buy_quote == M("1200"));
    q.start_ms = T0 - T0 % DAY;
    assert_int_equal(sim_exchange_all_orders(f->ex, 2, "TSTUSDT", &q, sum_cb, &today, &err), 0);
    assert_int_equal(today.n, 3);
    assert_true(today.buy_quote == M("800"));
    /* balances follow the history: 3 buys, 1 sell at 10.00, taker fees */
    struct bal b = balances(f, 2);
    assert_true(b.tst_free == M("80"));
    assert_true(b.usdt_free == M("5000") - M("1200") - M("2.4") + M("400") - M("0.8"));
    /* paging by orderId */
    struct sum page = {0};
    sim_query_init(&q);
    q.from_id = 3;
    q.limit = 1;
    assert_int_equal(sim_exchange_all_orders(f->ex, 2, "TSTUSDT", &q, sum_cb, &page, &err), 0);
    assert_int_equal(page.n, 1);
}

static void count_trade(void *ctx, const struct sim_account_trade *t)
{
    (void)t;
    (*(int *)ctx)++;
}

static void my_trades_by_order(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_query q;
    struct lt_err err;
    int n = 0;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.03", "25", NULL, &r, &err), 0);
    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.05", "1", NULL, &r, &err), 0);
    sim_query_init(&q);
    assert_int_equal(sim_exchange_my_trades(f->ex, 0, "TSTUSDT", &q, count_trade, &n, &err), 0);
    assert_int_equal(n, 4);
    n = 0;
    q.order_id = r.order.order_id;
    assert_int_equal(sim_exchange_my_trades(f->ex, 0, "TSTUSDT", &q, count_trade, &n, &err), 0);
    assert_int_equal(n, 1);
}

static const char *hdr(void *ctx, const char *name)
{
    return !strcmp(name, "X-Session-Token") ? ctx : NULL;
}

static void auth_lookups(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(sim_exchange_account_by_key(f->ex, "kb"), 1);
    assert_int_equal(sim_exchange_account_by_key(f->ex, "nope"), -1);
    assert_int_equal(sim_exchange_account_by_session(f->ex, "a=b; session=erin-c", hdr, "erin-t"), 3);
    assert_int_equal(sim_exchange_account_by_session(f->ex, "session=erin-c", hdr, "wrong"), -1);
    assert_int_equal(sim_exchange_account_by_session(f->ex, "session=erin-cx", hdr, "erin-t"), -1);
}

static void klines_and_ticker(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_ticker24 t;
    struct lt_err err;

    assert_int_equal(place(f, 0, SIDE_BUY, SIM_LIMIT, SIM_GTC, "10.02", "15", NULL, &r, &err), 0);
    assert_int_equal(sim_exchange_ticker24(f->ex, 0, T0 + 1000, &t), 0);
    assert_true(t.volume == M("15"));
    assert_true(t.high == M("10.02") && t.low == M("10.01") && t.last == M("10.02"));
    assert_int_equal(t.count, 2);
    assert_true(sim_kline_interval_ms("15m") == 900000);
    assert_true(sim_kline_interval_ms("7m") == -1);
}

struct klines {
    int n;
    struct sim_kline k[8];
};

static void kline_cb(void *ctx, const struct sim_kline *k)
{
    struct klines *x = ctx;
    if (x->n < 8)
        x->k[x->n] = *k;
    x->n++;
}

static void klines_intervals(void **state)
{
    struct fixture *f = *state;
    struct sim_place_result r;
    struct sim_query q;
    struct lt_err err;
    struct klines k = {0};
    int64_t m0 = T0 - T0 % 60000;
    struct sim_place_req req = {.symbol = "TSTUSDT", .side = SIDE_BUY, .type = SIM_LIMIT,
                                .price = M("10.01"), .quantity = M("1")};

    /* one trade now, another two minutes later at a higher price */
    assert_int_equal(sim_exchange_place(f->ex, 0, &req, m0 + 60000 + 5, &r, &err), 0);
    req.price = M("10.02");
    req.quantity = M("10");
    assert_int_equal(sim_exchange_place(f->ex, 0, &req, m0 + 180000 + 5, &r, &err), 0);
    sim_query_init(&q);
    q.start_ms = m0 + 60000;
    assert_int_equal(sim_exchange_klines(f->ex, 0, 60000, &q, m0 + 200000, kline_cb, &k, &err), 0);
    assert_int_equal(k.n, 3);
    assert_true(k.k[0].open == M("10.01") && k.k[0].volume == M("1") && k.k[0].count == 1);
    assert_true(k.k[0].first_id >= 0 && k.k[0].last_id == k.k[0].first_id);
    /* the quiet minute is flat at the previous close, without trade ids */
    assert_true(k.k[1].open == M("10.01") && k.k[1].close == M("10.01") && k.k[1].volume == 0);
    assert_true(k.k[1].first_id == -1 && k.k[1].last_id == -1);
    assert_true(k.k[2].high == M("10.02") && k.k[2].low == M("10.01"));
    assert_true(k.k[2].first_id > k.k[0].last_id);
    assert_true(k.k[2].last_id - k.k[2].first_id + 1 == k.k[2].count);
    assert_true(k.k[2].taker_buy_volume == M("10"));
    assert_int_equal(k.k[2].close_ms, m0 + 240000 - 1);
    /* a coarser interval sums the minutes, from the first trade to the last */
    int64_t first_id = k.k[0].first_id, last_id = k.k[2].last_id;
    memset(&k, 0, sizeof(k));
    sim_query_init(&q);
    assert_int_equal(sim_exchange_klines(f->ex, 0, 3600000, &q, m0 + 200000, kline_cb, &k, &err), 0);
    assert_true(k.n >= 1);
    assert_true(k.k[k.n - 1].volume == M("11"));
    assert_true(k.k[k.n - 1].first_id == first_id && k.k[k.n - 1].last_id == last_id);
    assert_int_equal(sim_exchange_klines(f->ex, 0, 7000, &q, m0, kline_cb, &k, &err), LT_EEXCHANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(partial_fills_across_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(price_time_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(ioc_leftover_expires, setup, teardown),
        cmocka_unit_test_setup_teardown(fok_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(market_by_quote, setup, teardown),
        cmocka_unit_test_setup_teardown(limit_maker_never_takes, setup, teardown),
        cmocka_unit_test_setup_teardown(fee_and_balance_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(resting_order_locks_and_releases, setup, teardown),
        cmocka_unit_test_setup_teardown(insufficient_balance, setup, teardown),
        cmocka_unit_test_setup_teardown(filter_rejections, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_client_id, setup, teardown),
        cmocka_unit_test_setup_teardown(cancel_and_query_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(open_orders_and_cancel_all, setup, teardown),
        cmocka_unit_test_setup_teardown(resting_order_fills_when_crossed, setup_moving, teardown),
        cmocka_unit_test_setup_teardown(positions_only_for_touched_accounts, setup, teardown),
        cmocka_unit_test_setup_teardown(partial_cap_spreads_fills, setup, teardown),
        cmocka_unit_test_setup_teardown(depth_ids_continue, setup, teardown),
        cmocka_unit_test_setup_teardown(history_window, setup, teardown),
        cmocka_unit_test_setup_teardown(my_trades_by_order, setup, teardown),
        cmocka_unit_test_setup_teardown(auth_lookups, setup, teardown),
        cmocka_unit_test_setup_teardown(klines_and_ticker, setup, teardown),
        cmocka_unit_test_setup_teardown(klines_intervals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
