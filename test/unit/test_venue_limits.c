/*
 * Unit tests: the venue's rate limiters, clock correction and retries,
 * end to end through venue_ops() against a scripted loopback HTTP server,
 * with a fake clock (sleeps advance it, so a minute's pacing takes no time).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "looptrader/log.h"
#include "looptrader/venue.h"
#include "looptrader/venue_binance.h"
#include "loopback.h"

/* 1700000040000 is a whole minute (and a whole 10 s); T0 is 10 s into it. */
#define MINUTE0 1700000040000LL
#define T0 (MINUTE0 + 10000)
#define MAX_SCRIPT 16

/* ------------------------------------------------------------ fake clock */

struct fake_clock {
    int64_t now;         /* only the test thread reads or moves it */
    int64_t slept;       /* total ms slept */
    int sleeps;
    atomic_int *stop;    /* set once stop_at ms have been slept (if not NULL) */
    int64_t stop_at;
};

static int64_t fake_now(void *arg) { return ((struct fake_clock *)arg)->now; }

static void fake_sleep(void *arg, int64_t ms)
{
    struct fake_clock *c = arg;
    c->now += ms;
    c->slept += ms;
    c->sleeps++;
    if (c->stop && c->slept >= c->stop_at)
        atomic_store(c->stop, 1);
}

/* ------------------------------------------------------- scripted server */

/* Answers the i-th connection with script[i] ("DROP": close unanswered)
 * and records its request line and body. */
struct server {
    int fd, port, n_script, served;
    const char *script[MAX_SCRIPT];
    char line[MAX_SCRIPT][512];  /* "GET /api/v3/order?..." */
    char body[MAX_SCRIPT][512];
    pthread_t th;
};

static void read_request(int c, struct server *s, int i)
{
    char buf[8192] = "";
    size_t got = 0;
    char *end = NULL;
    while (got + 1 < sizeof buf && !(end = strstr(buf, "\r\n\r\n"))) {
        ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            return;
        got += (size_t)n;
        buf[got] = '\0';
    }
    if (!end)
        return;
    size_t ll = strcspn(buf, "\r");
    snprintf(s->line[i], sizeof s->line[i], "%.*s", (int)(ll < 500 ? ll : 500), buf);
    const char *cl = strcasestr(buf, "Content-Length:");
    size_t want = cl && cl < end ? (size_t)atol(cl + 15) : 0;
    size_t have = got - (size_t)(end + 4 - buf);
    while (have < want && got + 1 < sizeof buf) {
        ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        have += (size_t)n;
        buf[got] = '\0';
    }
    snprintf(s->body[i], sizeof s->body[i], "%s", end + 4);
}

static void *serve(void *arg)
{
    struct server *s = arg;
    for (int i = 0; i < s->n_script; i++) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        read_request(c, s, i);
        s->served = i + 1;
        if (strcmp(s->script[i], "DROP") != 0 &&
            write(c, s->script[i], strlen(s->script[i])) < 0) {
            close(c);
            return NULL;
        }
        close(c);
    }
    return NULL;
}

static void server_start(struct server *s)
{
    s->fd = loopback_listen(&s->port);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

/* Joins the server; returns how many requests it served. */
static int server_stop(struct server *s)
{
    shutdown(s->fd, SHUT_RDWR); /* unblocks accept when the script was not used up */
    pthread_join(s->th, NULL);
    close(s->fd);
    return s->served;
}

/* An HTTP/1.1 reply with a JSON body and extra header lines. */
static const char *reply(const char *status, const char *headers, const char *body)
{
    static char store[MAX_SCRIPT * 2][2048];
    static int next;
    char *p = store[next++ % (MAX_SCRIPT * 2)];
    snprintf(p, sizeof store[0],
             "HTTP/1.1 %s\r\nContent-Type: application/json\r\n%sContent-Length: %zu\r\n"
             "Connection: close\r\n\r\n%s",
             status, headers, strlen(body), body);
    return p;
}

#define OK(body) reply("200 OK", "", body)
#define ORDER_BODY                                                                        \
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":7,\"clientOrderId\":\"lt.x\",\"price\":\"1\"," \
    "\"origQty\":\"5\",\"executedQty\":\"0\",\"cummulativeQuoteQty\":\"0\","              \
    "\"status\":\"NEW\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\","     \
    "\"transactTime\":1700000000000}"
#define INFO_BODY(limits)                                                                  \
    "{\"timezone\":\"UTC\",\"rateLimits\":" limits ",\"symbols\":[{\"symbol\":\"ALPHAUSDT\"," \
    "\"status\":\"TRADING\",\"baseAsset\":\"ALPHA\",\"quoteAsset\":\"USDT\",\"filters\":["  \
    "{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.0001\"},"                            \
    "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"0.1\"}]}]}"

/* ------------------------------------------------------------- fixture */

struct fixture {
    struct server srv;
    struct fake_clock clk;
    struct venue *v;
    struct http *h;
    const struct venue_ops *ops;
    struct lt_err err;
};

static const struct venue_auth ALICE = { .api_key = "alice-key", .api_secret = "alice-secret-0001" };
static const struct venue_auth BOB = { .api_key = "bob-key", .api_secret = "bob-secret-0002" };

/* Starts the server with the script and a venue on a fake clock at T0.
 * measured: the clock offset counts as measured (no lazy /time call). */
static void fx_start(struct fixture *f, int measured, int n, const char *const *script)
{
    memset(f, 0, sizeof *f);
    assert_true(n <= MAX_SCRIPT);
    for (int i = 0; i < n; i++)
        f->srv.script[i] = script[i];
    f->srv.n_script = n;
    server_start(&f->srv);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", f->srv.port);
    struct venue_config cfg = { .dialect = "binance", .rest_url = url, .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 2000, .order_ws_api = 0 };
    assert_int_equal(venue_new(&cfg, &f->v, &f->err), 0);
    f->clk.now = T0;
    struct venue_clock vc = { fake_now, fake_sleep, &f->clk };
    venue_set_clock(f->v, &vc);
    if (measured)
        venue_set_clock_offset(f->v, 0);
    assert_int_equal(http_new(&f->h, &f->err), 0);
    f->ops = venue_ops(f->v);
}

static int fx_stop(struct fixture *f)
{
    int served = server_stop(&f->srv);
    http_free(f->h);
    venue_free(f->v);
    return served;
}

static int place(struct fixture *f, const struct venue_auth *a)
{
    struct order_request req = { "ALPHAUSDT", SIDE_BUY, TIF_GTC, 100000000, 500000000, "lt.x", NULL, NULL };
    struct order_state st;
    lt_err_clear(&f->err);
    return f->ops->place_order(f->v, f->h, a, &req, &st, &f->err);
}

static int query(struct fixture *f, const struct venue_auth *a)
{
    struct order_state st;
    lt_err_clear(&f->err);
    return f->ops->query_order(f->v, f->h, a, "ALPHAUSDT", "lt.x", &st, &f->err);
}

static int64_t param_of(const char *s, const char *name)
{
    char key[40];
    snprintf(key, sizeof key, "%s=", name);
    const char *p = strstr(s, key);
    return p ? atoll(p + strlen(key)) : -1;
}

/* ------------------------------------------------------------- tests */

/* Each call counts its Binance weight against the shared window. */
static void every_call_counts_its_weight(void **state)
{
    (void)state;
    const char *script[] = {
        OK("{\"serverTime\":1700000050000}"),
        OK(INFO_BODY("[]")),
        OK("{\"symbol\":\"ALPHAUSDT\",\"bidPrice\":\"1\",\"askPrice\":\"2\"}"),
        OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY),
        OK("[]"), OK("[]"), OK("[]"),
        OK("{\"balances\":[]}"),
        OK("{\"listenKey\":\"abc123\"}"),
    };
    static const int64_t weights[] = { 1, 20, 2, 1, 1, 4, 6, 20, 20, 20, 2 };
    struct fixture f;
    fx_start(&f, 1, 11, script);
    int64_t ms, used = 0;
    money_t x, y;
    struct symbol_rules r;
    struct order_state st, *orders;
    struct trade_fill *trades;
    size_t n;
    char key[64];
    for (int i = 0; i < 11; i++) {
        int rc = 0;
        switch (i) {
        case 0: rc = f.ops->server_time(f.v, f.h, &ms, &f.err); break;
        case 1: rc = f.ops->exchange_info(f.v, f.h, "ALPHAUSDT", &r, &f.err); break;
        case 2: rc = f.ops->book_ticker(f.v, f.h, "ALPHAUSDT", &x, &y, &f.err); break;
        case 3: rc = place(&f, &ALICE); break;
        case 4:
            rc = f.ops->cancel_order(f.v, f.h, &ALICE, "ALPHAUSDT", "lt.x", &st, &f.err);
            break;
        case 5: rc = query(&f, &ALICE); break;
        case 6:
            rc = f.ops->open_orders(f.v, f.h, &ALICE, "ALPHAUSDT", &orders, &n, &f.err);
            free(orders);
            break;
        case 7:
            rc = f.ops->order_history(f.v, f.h, &ALICE, "ALPHAUSDT", 0, &orders, &n, &f.err);
            free(orders);
            break;
        case 8:
            rc = f.ops->my_trades(f.v, f.h, &ALICE, "ALPHAUSDT", -1, 0, &trades, &n, &f.err);
            free(trades);
            break;
        case 9: rc = f.ops->balance(f.v, f.h, &ALICE, "ALPHA", &x, &y, &f.err); break;
        case 10: rc = venue_binance_listen_key(f.v, f.h, &ALICE, key, sizeof key, &f.err); break;
        }
        assert_int_equal(rc, 0);
        used += weights[i];
        assert_true(venue_weight_used(f.v) == used);
    }
    assert_int_equal(f.clk.sleeps, 0);
    assert_int_equal(fx_stop(&f), 11);
}

/* exchangeInfo's limit paces later calls: they sleep to the next minute
 * (plus the edge margin, the minute before having been full). */
static void weight_window_paces_calls(void **state)
{
    (void)state;
    const char *script[] = {
        OK(INFO_BODY("[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
                     "\"intervalNum\":1,\"limit\":30}]")),
        OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY),
    };
    struct fixture f;
    fx_start(&f, 1, 4, script);
    struct symbol_rules r;
    assert_int_equal(f.ops->exchange_info(f.v, f.h, "ALPHAUSDT", &r, &f.err), 0);
    assert_int_equal(query(&f, &ALICE), 0); /* 24 */
    assert_int_equal(query(&f, &ALICE), 0); /* 28 */
    assert_int_equal(f.clk.sleeps, 0);
    assert_int_equal(query(&f, &ALICE), 0); /* 32 > 30: next minute */
    assert_int_equal(f.clk.sleeps, 2);
    assert_true(f.clk.slept == (MINUTE0 + 60000 - T0) + 300);
    assert_true(venue_stat(f.v, VENUE_STAT_WEIGHT_WAITS) == 2);
    assert_int_equal(fx_stop(&f), 4);
}

/* The venue's X-MBX-USED-WEIGHT-1M (other processes, our WebSocket calls)
 * is adopted when it is higher than our own count. */
static void server_weight_count_is_adopted(void **state)
{
    (void)state;
    const char *script[] = {
        reply("200 OK", "X-MBX-USED-WEIGHT-1M: 5998\r\n", ORDER_BODY),
        OK(ORDER_BODY),
    };
    struct fixture f;
    fx_start(&f, 1, 2, script);
    assert_int_equal(query(&f, &ALICE), 0);
    assert_true(venue_weight_used(f.v) == 5998);
    assert_int_equal(f.clk.sleeps, 0);
    assert_int_equal(query(&f, &ALICE), 0);
    assert_true(f.clk.slept >= MINUTE0 + 60000 - T0);
    assert_int_equal(fx_stop(&f), 2);
}

/* 429 with Retry-After: LT_ERATELIMIT to the caller and every later call,
 * of any account, waits it out; a wait longer than VENUE_WAIT_MAX_MS (a
 * 418 ban) fails at once with nothing sent. */
static void retry_after_blocks_everyone(void **state)
{
    (void)state;
    const char *script[] = {
        reply("429 Too Many Requests", "Retry-After: 7\r\n",
              "{\"code\":-1003,\"msg\":\"Too much request weight used\"}"),
        OK(ORDER_BODY),
        reply("418 I'm a teapot", "Retry-After: 120\r\n",
              "{\"code\":-1003,\"msg\":\"Way too much request weight used; IP banned\"}"),
    };
    struct fixture f;
    fx_start(&f, 1, 3, script);
    assert_int_equal(query(&f, &ALICE), LT_ERATELIMIT);
    assert_non_null(strstr(f.err.msg, "retry after 7 s"));
    assert_int_equal(f.clk.sleeps, 0);
    assert_int_equal(query(&f, &BOB), 0);
    assert_true(f.clk.slept == 7000);
    assert_int_equal(query(&f, &ALICE), LT_ERATELIMIT); /* 418, 120 s */
    assert_int_equal(f.srv.served, 3);
    int64_t slept = f.clk.slept;
    assert_int_equal(query(&f, &BOB), LT_ERATELIMIT);
    assert_non_null(strstr(f.err.msg, "retry after 120 s"));
    assert_non_null(strstr(f.err.msg, "nothing sent"));
    assert_true(f.clk.slept == slept);
    assert_true(venue_stat(f.v, VENUE_STAT_RATE_LIMITED) == 2);
    assert_int_equal(fx_stop(&f), 3);
}

/* Orders per 10 s are per account: alice waits for the next window, bob
 * does not; an order-count 429 (-1015) stops only that account's orders. */
static void order_limits_are_per_account(void **state)
{
    (void)state;
    const char *script[] = {
        OK(INFO_BODY("[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\","
                     "\"intervalNum\":10,\"limit\":2},{\"rateLimitType\":\"ORDERS\","
                     "\"interval\":\"DAY\",\"intervalNum\":1,\"limit\":1000}]")),
        OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY),
        reply("429 Too Many Requests", "Retry-After: 3\r\n",
              "{\"code\":-1015,\"msg\":\"Too many new orders\"}"),
        OK(ORDER_BODY), OK(ORDER_BODY),
    };
    struct fixture f;
    fx_start(&f, 1, 9, script);
    struct symbol_rules r;
    assert_int_equal(f.ops->exchange_info(f.v, f.h, "ALPHAUSDT", &r, &f.err), 0);
    assert_int_equal(place(&f, &ALICE), 0);
    assert_int_equal(place(&f, &ALICE), 0);
    assert_int_equal(place(&f, &BOB), 0);
    assert_int_equal(place(&f, &BOB), 0);
    assert_int_equal(f.clk.sleeps, 0);
    assert_int_equal(place(&f, &ALICE), 0); /* third in 10 s: next window + margin */
    assert_true(f.clk.slept == 10000 + 300);
    assert_true(venue_stat(f.v, VENUE_STAT_ORDER_WAITS) == 2);
    int64_t slept = f.clk.slept;
    assert_int_equal(place(&f, &BOB), LT_ERATELIMIT); /* the venue's -1015 */
    assert_int_equal(query(&f, &BOB), 0);             /* other calls go on */
    assert_true(f.clk.slept == slept);
    assert_int_equal(place(&f, &BOB), 0);             /* after Retry-After */
    assert_true(f.clk.slept == slept + 3000);
    assert_int_equal(fx_stop(&f), 9);
}

/* An order's gate (with a coordinator: the lease) is asked after the
 * rate limits' wait, just before signing: a gate that says no by then
 * sends nothing (LT_EFENCED). */
struct gate_probe {
    struct fake_clock *clk;
    int64_t asked_at;
    int answer;
};

static int probe_gate(void *ctx)
{
    struct gate_probe *g = ctx;
    g->asked_at = g->clk->now;
    return g->answer;
}

static void the_gate_is_asked_after_the_wait(void **state)
{
    (void)state;
    const char *script[] = {
        OK(INFO_BODY("[{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\","
                     "\"intervalNum\":10,\"limit\":1}]")),
        OK(ORDER_BODY), OK(ORDER_BODY),
    };
    struct fixture f;
    fx_start(&f, 1, 3, script);
    struct symbol_rules r;
    assert_int_equal(f.ops->exchange_info(f.v, f.h, "ALPHAUSDT", &r, &f.err), 0);
    struct gate_probe probe = { .clk = &f.clk, .answer = 1 };
    struct order_gate gate = { probe_gate, &probe };
    struct order_request req = { .symbol = "ALPHAUSDT", .side = SIDE_BUY, .tif = TIF_GTC,
                                 .price = 100000000, .qty = 500000000, .client_id = "lt.x",
                                 .gate = &gate };
    struct order_state st;
    assert_int_equal(f.ops->place_order(f.v, f.h, &ALICE, &req, &st, &f.err), 0);
    assert_true(probe.asked_at == T0);
    probe.answer = 0; /* the lease lapses during the next order's wait */
    assert_int_equal(f.ops->place_order(f.v, f.h, &ALICE, &req, &st, &f.err), LT_EFENCED);
    assert_true(f.clk.slept >= 10000);
    assert_true(probe.asked_at == T0 + f.clk.slept); /* after the wait, not before */
    req.gate = NULL;
    assert_int_equal(f.ops->place_order(f.v, f.h, &ALICE, &req, &st, &f.err), 0);
    assert_int_equal(fx_stop(&f), 3); /* the refused order never reached the venue */
}

/* Thousands of accounts each get their own order window, found again by
 * API key (a copy of the auth with the same key shares it) or, without a
 * key, by the auth itself; this goes through the table's growth. */
static void many_accounts_keep_their_windows(void **state)
{
    (void)state;
    enum { N = 3000 };
    static struct venue_auth auths[N], again;
    static char keys[N][24];
    struct venue *v;
    struct lt_err err;
    struct venue_config cfg = { .dialect = "binance", .rest_url = "http://127.0.0.1:1", .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 2000, .order_ws_api = 0 };
    assert_int_equal(venue_new(&cfg, &v, &err), 0);
    struct fake_clock clk = { .now = T0 };
    struct venue_clock vc = { fake_now, fake_sleep, &clk };
    venue_set_clock(v, &vc);
    venue_set_clock_offset(v, 0);
    struct venue_limits lim = { 0, 1, 1000 };
    venue_set_limits(v, &lim);
    for (int i = 0; i < N; i++) {
        memset(&auths[i], 0, sizeof auths[i]);
        if (i % 2 == 0) {
            snprintf(keys[i], sizeof keys[i], "key-%05d", i);
            auths[i].api_key = keys[i];
        } else {
            auths[i].cookies = "session=x"; /* keyless: identified by the auth */
        }
    }
    for (int i = 0; i < N; i++)
        assert_int_equal(venue_limits_wait(v, &auths[i], 1, 1, &err), 0);
    assert_int_equal(clk.sleeps, 0); /* one order each: nobody waited */
    again = auths[N - 1]; /* keyless: another auth is another account */
    assert_int_equal(venue_limits_wait(v, &again, 1, 1, &err), 0);
    assert_int_equal(clk.sleeps, 0);
    again = auths[2]; /* the same key: the same, full window */
    assert_int_equal(venue_limits_wait(v, &again, 1, 1, &err), 0);
    assert_true(clk.sleeps >= 1);
    assert_true(clk.slept >= 10000); /* until T0's 10 s window is over */
    venue_free(v);
}

/* Idempotent calls are retried on unknown outcomes with growing, jittered
 * sleeps; a new order is sent once and its unknown outcome returned. */
static void unknown_outcomes_retry_all_but_orders(void **state)
{
    (void)state;
    const char *unavailable =
        reply("503 Service Unavailable", "", "{\"code\":-1001,\"msg\":\"down\"}");
    const char *script[] = {
        unavailable, unavailable, OK(ORDER_BODY), /* query: third try answers */
        unavailable,                              /* place: never re-sent */
        "DROP", OK(ORDER_BODY),                   /* cancel: dropped, then answered */
        unavailable, unavailable, unavailable,    /* query: gives up after three */
    };
    struct fixture f;
    fx_start(&f, 1, 9, script);
    assert_int_equal(query(&f, &ALICE), 0);
    assert_int_equal(f.clk.sleeps, 2);
    assert_true(f.clk.slept >= 50 + 100 && f.clk.slept <= 100 + 200);
    assert_int_equal(place(&f, &ALICE), LT_EUNKNOWN);
    assert_int_equal(f.srv.served, 4);
    assert_int_equal(f.clk.sleeps, 2);
    struct order_state st;
    assert_int_equal(f.ops->cancel_order(f.v, f.h, &ALICE, "ALPHAUSDT", "lt.x", &st, &f.err), 0);
    assert_int_equal(f.srv.served, 6);
    assert_non_null(strstr(f.srv.line[4], "DELETE /api/v3/order?"));
    assert_non_null(strstr(f.srv.line[5], "DELETE /api/v3/order?"));
    assert_int_equal(query(&f, &ALICE), LT_EUNKNOWN);
    assert_int_equal(f.err.http_status, 503);
    assert_true(venue_stat(f.v, VENUE_STAT_RETRIES) == 2 + 1 + 2);
    assert_int_equal(fx_stop(&f), 9);
}

/* The first signed call measures the clock once; a -1021 re-measures it
 * and sends the order again with the corrected timestamp; a venue that
 * keeps refusing (a clock at another speed) gets 3 re-measures a call. */
static void clock_measured_lazily_and_on_1021(void **state)
{
    (void)state;
    char t1[64], t2[64];
    snprintf(t1, sizeof t1, "{\"serverTime\":%lld}", (long long)(T0 + 250));
    snprintf(t2, sizeof t2, "{\"serverTime\":%lld}", (long long)(T0 + 5000));
    const char *too_late = reply("400 Bad Request", "",
                                 "{\"code\":-1021,\"msg\":\"Timestamp for this request is "
                                 "outside of the recvWindow.\"}");
    const char *script[] = {
        OK(t1), OK(ORDER_BODY),                  /* lazy measure, then the query */
        too_late, OK(t2), OK(ORDER_BODY),        /* order: -1021, measure, again */
        too_late, OK(t2), too_late, OK(t2),      /* at most 3 re-measures */
        too_late, OK(t2), too_late,
    };
    struct fixture f;
    fx_start(&f, 0, 12, script);
    assert_int_equal(query(&f, &ALICE), 0);
    assert_non_null(strstr(f.srv.line[0], "GET /api/v3/time "));
    assert_true(param_of(f.srv.line[1], "timestamp") == T0 + 250);
    assert_int_equal(place(&f, &ALICE), 0);
    assert_non_null(strstr(f.srv.line[2], "POST /api/v3/order "));
    assert_non_null(strstr(f.srv.line[3], "GET /api/v3/time "));
    assert_non_null(strstr(f.srv.line[4], "POST /api/v3/order "));
    assert_true(param_of(f.srv.body[2], "timestamp") == T0 + 250);
    assert_true(param_of(f.srv.body[4], "timestamp") == T0 + 5000);
    assert_non_null(strstr(f.srv.body[4], "newClientOrderId=lt.x"));
    assert_true(venue_now_ms(f.v) == T0 + 5000);
    assert_int_equal(query(&f, &ALICE), LT_EEXCHANGE);
    assert_int_equal(f.err.venue_code, -1021);
    assert_true(venue_stat(f.v, VENUE_STAT_CLOCK_SYNCS) == 5);
    assert_int_equal(fx_stop(&f), 12);
}

/* The run's stop ends a rate-limit wait within a slice (LT_ESTOPPED,
 * nothing sent), and once it is set a call that would have to wait fails
 * at once; a call that fits still goes (a stop's cancels and sells). */
static void a_stop_ends_limit_waits(void **state)
{
    (void)state;
    const char *script[] = {
        OK(INFO_BODY("[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
                     "\"intervalNum\":1,\"limit\":30},{\"rateLimitType\":\"ORDERS\","
                     "\"interval\":\"SECOND\",\"intervalNum\":10,\"limit\":1}]")),
        OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY), OK(ORDER_BODY),
    };
    struct fixture f;
    fx_start(&f, 1, 5, script);
    atomic_int stop;
    atomic_init(&stop, 0);
    venue_set_stop(f.v, &stop);
    f.clk.stop = &stop;
    f.clk.stop_at = 1000;
    struct symbol_rules r;
    assert_int_equal(f.ops->exchange_info(f.v, f.h, "ALPHAUSDT", &r, &f.err), 0);
    assert_int_equal(query(&f, &ALICE), 0); /* 24 */
    assert_int_equal(query(&f, &ALICE), 0); /* 28 */
    assert_int_equal(f.clk.sleeps, 0);
    assert_int_equal(query(&f, &ALICE), LT_ESTOPPED); /* 32 > 30: ~50 s to wait */
    assert_true(f.clk.slept >= 1000 && f.clk.slept <= 1100);
    assert_non_null(strstr(f.err.msg, "request weight"));
    assert_non_null(strstr(f.err.msg, "nothing sent"));
    assert_int_equal(f.srv.served, 3);
    int64_t slept = f.clk.slept;
    assert_int_equal(query(&f, &BOB), LT_ESTOPPED); /* stopped already: no sleep */
    assert_true(f.clk.slept == slept);
    f.clk.now = MINUTE0 + 60000 + 1000; /* the next minute: it fits */
    assert_int_equal(query(&f, &ALICE), 0);
    assert_int_equal(place(&f, &ALICE), 0);
    assert_int_equal(place(&f, &ALICE), LT_ESTOPPED); /* second order in 10 s */
    assert_non_null(strstr(f.err.msg, "order limit"));
    assert_true(f.clk.slept == slept);
    assert_int_equal(fx_stop(&f), 5);
}

/* A full page (1000 items) whose last id is INT64_MAX ends the pagination
 * of allOrders and myTrades: there is no next id to ask from (last + 1
 * would overflow and ask for a page at a negative id). */
static void pages_end_at_the_largest_id(void **state)
{
    (void)state;
    enum { PAGE = 1000 };
    char *pages[2];
    for (int k = 0; k < 2; k++) {
        size_t cap = PAGE * 320 + 256, len = 0;
        char *body = malloc(cap);
        assert_non_null(body);
        len += (size_t)snprintf(body + len, cap - len, "[");
        for (int i = 1; i <= PAGE; i++) {
            long long id = i < PAGE ? i : INT64_MAX;
            if (k == 0)
                len += (size_t)snprintf(body + len, cap - len,
                                        "%s{\"orderId\":%lld,\"clientOrderId\":\"x\","
                                        "\"status\":\"FILLED\",\"side\":\"BUY\","
                                        "\"executedQty\":\"1\",\"time\":%lld}",
                                        i > 1 ? "," : "", id, (long long)T0);
            else
                len += (size_t)snprintf(body + len, cap - len,
                                        "%s{\"id\":%lld,\"orderId\":1,\"isBuyer\":true,"
                                        "\"price\":\"1\",\"qty\":\"1\",\"time\":%lld}",
                                        i > 1 ? "," : "", id, (long long)T0);
        }
        len += (size_t)snprintf(body + len, cap - len, "]");
        size_t rcap = len + 256;
        pages[k] = malloc(rcap);
        assert_non_null(pages[k]);
        snprintf(pages[k], rcap,
                 "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                 "Connection: close\r\n\r\n%s",
                 len, body);
        free(body);
    }
    const char *script[] = { pages[0], pages[1] };
    struct fixture f;
    fx_start(&f, 1, 2, script);
    struct order_state *orders = NULL;
    struct trade_fill *trades = NULL;
    size_t n = 0;
    assert_int_equal(f.ops->order_history(f.v, f.h, &ALICE, "ALPHAUSDT", 0, &orders, &n, &f.err),
                     0);
    assert_int_equal(n, PAGE);
    assert_true(orders[PAGE - 1].order_id == INT64_MAX);
    assert_int_equal(f.srv.served, 1);
    free(orders);
    assert_int_equal(f.ops->my_trades(f.v, f.h, &ALICE, "ALPHAUSDT", -1, 0, &trades, &n, &f.err),
                     0);
    assert_int_equal(n, PAGE);
    assert_true(trades[PAGE - 1].trade_id == INT64_MAX);
    assert_int_equal(f.srv.served, 2);
    free(trades);
    assert_int_equal(fx_stop(&f), 2);
    free(pages[0]);
    free(pages[1]);
}

int main(void)
{
    log_set_level(LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_call_counts_its_weight),
        cmocka_unit_test(weight_window_paces_calls),
        cmocka_unit_test(server_weight_count_is_adopted),
        cmocka_unit_test(retry_after_blocks_everyone),
        cmocka_unit_test(order_limits_are_per_account),
        cmocka_unit_test(many_accounts_keep_their_windows),
        cmocka_unit_test(unknown_outcomes_retry_all_but_orders),
        cmocka_unit_test(clock_measured_lazily_and_on_1021),
        cmocka_unit_test(a_stop_ends_limit_waits),
        cmocka_unit_test(the_gate_is_asked_after_the_wait),
        cmocka_unit_test(pages_end_at_the_largest_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
