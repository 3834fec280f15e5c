/* Unit tests: the Alpha dialect's calls against a scripted loopback venue:
 * history pages that repeat a row are merged by orderId; an order is found
 * by client id in the open orders, else in today's history; cancelling a
 * final order is Spot's -2011; a refused place maps its code, and a place
 * whose outcome is unknown is sent once and reported LT_EUNKNOWN; the same
 * for an OTO, whose body names both legs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "looptrader/http.h"
#include "looptrader/venue_alpha.h"
#include "looptrader/venue_binance.h"
#include "loopback.h"

/* Answers the n-th request with script[n] (the last one again after). */
struct scripted {
    int fd, port;
    const char *const *script;
    int n_script;
    atomic_int served;
    char last_req[8][512]; /* request lines, in turn */
    char last_body[8][1024]; /* and their bodies */
    pthread_t th;
};

static void *serve(void *arg)
{
    struct scripted *s = arg;
    for (int c; (c = accept(s->fd, NULL, NULL)) >= 0; close(c)) {
        char req[8192] = "";
        size_t got = 0;
        while (got + 1 < sizeof req && !strstr(req, "\r\n\r\n")) {
            ssize_t n = read(c, req + got, sizeof req - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
        }
        char *end = strstr(req, "\r\n\r\n");
        const char *cl = strcasestr(req, "\r\nContent-Length:");
        size_t want = end && cl && cl < end ? (size_t)atol(cl + 17) : 0;
        size_t body_at = end ? (size_t)(end + 4 - req) : got;
        while (got + 1 < sizeof req && got - body_at < want) {
            ssize_t n = read(c, req + got, sizeof req - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
        }
        int i = atomic_fetch_add(&s->served, 1);
        if (i < 8) {
            snprintf(s->last_req[i], sizeof s->last_req[i], "%.*s",
                     (int)strcspn(req, "\r\n"), req);
            snprintf(s->last_body[i], sizeof s->last_body[i], "%s", req + body_at);
        }
        const char *body = s->script[i < s->n_script ? i : s->n_script - 1];
        int status = 200;
        if (body[0] == '5') { /* "503": a bare status */
            status = atoi(body);
            body = "";
        }
        char head[200];
        int hl = snprintf(head, sizeof head,
                          "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
                          "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, strlen(body));
        if (write(c, head, (size_t)hl) != hl || write(c, body, strlen(body)) < 0)
            break;
    }
    return NULL;
}

struct fixture {
    struct scripted s;
    struct venue *v;
    struct http *h;
    struct lt_err err;
};

static const char *const SESSION_HEADERS[] = { "csrftoken: c", "clienttype: web" };
static const struct venue_auth FRANK = { .headers = SESSION_HEADERS, .n_headers = 2,
                                         .cookies = "p20t=x" };

static void up(struct fixture *f, const char *const *script, int n)
{
    memset(f, 0, sizeof *f);
    f->s.script = script;
    f->s.n_script = n;
    f->s.fd = loopback_listen(&f->s.port);
    assert_int_equal(pthread_create(&f->s.th, NULL, serve, &f->s), 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", f->s.port);
    struct venue_config cfg = { .dialect = "binance-alpha", .rest_url = url, .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 5000, .order_ws_api = 0 };
    assert_int_equal(venue_new(&cfg, &f->v, &f->err), 0);
    assert_int_equal(http_new(&f->h, &f->err), 0);
}

static void down(struct fixture *f)
{
    http_free(f->h);
    venue_free(f->v);
    shutdown(f->s.fd, SHUT_RDWR);
    pthread_join(f->s.th, NULL);
    close(f->s.fd);
}

#define ENV(data) "{\"code\":\"000000\",\"message\":null,\"data\":" data ",\"success\":true}"
#define ROW(id, cid, st) "{\"orderId\":\"" #id "\",\"clientOrderId\":\"" cid "\",\"side\":\"BUY\"," \
    "\"status\":\"" st "\",\"price\":\"1\",\"origQty\":\"1\",\"executedQty\":\"1\"," \
    "\"cumQuote\":\"1\",\"time\":" #id "}"

static void test_history_merged(void **state)
{
    (void)state;
    /* 500 rows a page: page 1 holds 500 (ids 1000..501), page 2 repeats 501. */
    static char page1[500 * 220 + 128];
    size_t len = (size_t)snprintf(page1, sizeof page1, "{\"code\":\"000000\",\"data\":{\"total\":501,\"list\":[");
    for (int i = 0; i < 500; i++)
        len += (size_t)snprintf(page1 + len, sizeof page1 - len,
                                "%s{\"orderId\":\"%d\",\"clientOrderId\":\"c%d\",\"side\":\"BUY\","
                                "\"status\":\"FILLED\",\"executedQty\":\"1\",\"cumQuote\":\"1\","
                                "\"time\":%d}", i ? "," : "", 1000 - i, 1000 - i, 1000 - i);
    snprintf(page1 + len, sizeof page1 - len, "]},\"success\":true}");
    const char *script[] = { page1, ENV("{\"total\":501,\"list\":[" ROW(501, "c501", "FILLED") "," ROW(500, "c500", "FILLED") "]}") };
    struct fixture f;
    up(&f, script, 2);
    struct order_state *o = NULL;
    size_t n = 0;
    assert_int_equal(venue_ops(f.v)->order_history(f.v, f.h, &FRANK, "ALPHA_1USDT", 0, &o, &n,
                                                   &f.err), 0);
    assert_int_equal(n, 501);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(o[i].order_id, 500 + (int64_t)i); /* ascending, each once */
    assert_non_null(strstr(f.s.last_req[0], "page=1&rows=500&baseAsset=ALPHA_1"));
    assert_non_null(strstr(f.s.last_req[1], "page=2"));
    free(o);
    down(&f);
}

#define T0 1700000050000LL /* today began at 1699920000000 */
#define TODAY(id, cid, st) "{\"orderId\":\"" #id "\",\"clientOrderId\":\"" cid "\"," \
    "\"side\":\"BUY\",\"status\":\"" st "\",\"executedQty\":\"1\",\"cumQuote\":\"1\"," \
    "\"time\":170000000000" #id "}"

static int64_t fixed_now(void *arg) { (void)arg; return T0; }
static void no_sleep(void *arg, int64_t ms) { (void)arg; (void)ms; }

static void test_query_and_cancel(void **state)
{
    (void)state;
    const char *script[] = {
        ENV("[" TODAY(7, "other", "NEW") "]"),                        /* open orders */
        ENV("{\"total\":2,\"list\":[" TODAY(9, "mine", "FILLED") "," TODAY(8, "x", "CANCELED") "]}"),
        ENV("[]"),                                                      /* cancel: open */
        ENV("{\"total\":1,\"list\":[" TODAY(9, "mine", "FILLED") "]}"), /* cancel: history */
    };
    struct fixture f;
    up(&f, script, 4);
    struct venue_clock vc = { fixed_now, no_sleep, NULL };
    venue_set_clock(f.v, &vc);
    struct order_state st;
    assert_int_equal(venue_ops(f.v)->query_order(f.v, f.h, &FRANK, "ALPHA_1USDT", "mine", &st,
                                                 &f.err), 0);
    assert_int_equal(st.order_id, 9);
    assert_int_equal(st.status, ORDER_FILLED);
    assert_int_equal(venue_ops(f.v)->cancel_order(f.v, f.h, &FRANK, "ALPHA_1USDT", "mine", &st,
                                                  &f.err), LT_EEXCHANGE);
    assert_int_equal(f.err.venue_code, -2011); /* a final order: Spot's "Unknown order sent." */
    assert_int_equal(atomic_load(&f.s.served), 4); /* no cancel was sent */
    down(&f);
}

static void test_place(void **state)
{
    (void)state;
    const char *script[] = {
        "{\"code\":\"481020\",\"message\":\"Insufficient balance.\",\"data\":null,\"success\":false}",
        "503",
        ENV("\"77\""),
    };
    struct fixture f;
    up(&f, script, 3);
    struct order_request req = { .symbol = "ALPHA_1USDT", .side = SIDE_BUY, .tif = TIF_GTC,
                                 .price = MONEY_SCALE / 2, .qty = 10 * MONEY_SCALE,
                                 .client_id = "lt.r.0.1.b1" };
    struct order_state st;
    assert_int_equal(venue_ops(f.v)->place_order(f.v, f.h, &FRANK, &req, &st, &f.err), LT_EEXCHANGE);
    assert_int_equal(f.err.venue_code, -2010);
    assert_int_equal(venue_ops(f.v)->place_order(f.v, f.h, &FRANK, &req, &st, &f.err), LT_EUNKNOWN);
    assert_int_equal(atomic_load(&f.s.served), 2); /* an unknown outcome is not sent again */
    assert_int_equal(venue_ops(f.v)->place_order(f.v, f.h, &FRANK, &req, &st, &f.err), 0);
    assert_int_equal(st.order_id, 77);
    assert_string_equal(st.client_id, "lt.r.0.1.b1");
    assert_int_equal(st.status, ORDER_NEW);
    assert_non_null(strstr(f.s.last_req[2], "POST /bapi/asset/v1/private/alpha-trade/order/place"));
    req.tif = TIF_IOC;
    assert_int_equal(venue_ops(f.v)->place_order(f.v, f.h, &FRANK, &req, &st, &f.err), LT_EINVAL);
    down(&f);
}

/* The OTO request: both legs' figures and client ids in the body, ids
 * answered as strings, a sell not yet placed as null; refusals map their
 * code; an unknown outcome is sent once; Spot offers no OTO. */
static void test_place_oto(void **state)
{
    (void)state;
    const char *script[] = {
        ENV("{\"orderListId\":3,\"workingOrderId\":\"41\",\"pendingOrderId\":null}"),
        ENV("{\"orderListId\":4,\"workingOrderId\":\"43\",\"pendingOrderId\":\"44\"}"),
        "{\"code\":\"481013\",\"message\":\"below the minimum\",\"data\":null,\"success\":false}",
        "503",
        ENV("{\"workingOrderId\":\"x\"}"),
    };
    struct fixture f;
    up(&f, script, 5);
    struct oto_request req = { .symbol = "ALPHA_1USDT", .price = MONEY_SCALE / 2,
                               .qty = 10 * MONEY_SCALE, .sell_price = MONEY_SCALE * 49 / 100,
                               .client_id = "lt.r.0.1.b1", .sell_client_id = "lt.r.0.1.s2" };
    struct oto_placed p;
    const struct venue_ops *ops = venue_ops(f.v);
    assert_non_null(ops->place_oto);
    assert_int_equal(ops->place_oto(f.v, f.h, &FRANK, &req, &p, &f.err), 0);
    assert_int_equal(p.list_id, 3);
    assert_int_equal(p.buy_id, 41);
    assert_int_equal(p.sell_id, 0);
    assert_non_null(strstr(f.s.last_req[0], "POST /bapi/asset/v1/private/alpha-trade/oto-order/place"));
    const char *b = f.s.last_body[0];
    assert_non_null(strstr(b, "\"baseAsset\":\"ALPHA_1\""));
    assert_non_null(strstr(b, "\"workingSide\":\"BUY\""));
    assert_non_null(strstr(b, "\"workingPrice\":\"0.5\""));
    assert_non_null(strstr(b, "\"workingQuantity\":\"10\""));
    assert_non_null(strstr(b, "\"amount\":\"5\""));
    assert_non_null(strstr(b, "\"paymentWalletType\":\"CARD\""));
    assert_non_null(strstr(b, "\"pendingPrice\":\"0.49\""));
    assert_non_null(strstr(b, "\"pendingType\":\"LIMIT\""));
    assert_non_null(strstr(b, "\"clientOrderId\":\"lt.r.0.1.b1\""));
    assert_non_null(strstr(b, "\"pendingClientOrderId\":\"lt.r.0.1.s2\""));
    assert_int_equal(ops->place_oto(f.v, f.h, &FRANK, &req, &p, &f.err), 0);
    assert_int_equal(p.sell_id, 44);
    assert_int_equal(ops->place_oto(f.v, f.h, &FRANK, &req, &p, &f.err), LT_EEXCHANGE);
    assert_int_equal(f.err.venue_code, -1013);
    assert_int_equal(ops->place_oto(f.v, f.h, &FRANK, &req, &p, &f.err), LT_EUNKNOWN);
    assert_int_equal(atomic_load(&f.s.served), 4); /* an unknown outcome is not sent again */
    /* an answer we cannot read: placed or not, only a query can tell */
    assert_int_equal(ops->place_oto(f.v, f.h, &FRANK, &req, &p, &f.err), LT_EUNKNOWN);
    req.sell_client_id = NULL;
    assert_int_equal(ops->place_oto(f.v, f.h, &FRANK, &req, &p, &f.err), LT_EINVAL);
    assert_int_equal(atomic_load(&f.s.served), 5);
    assert_null(venue_binance_ops.place_oto);
    down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_history_merged),
        cmocka_unit_test(test_query_and_cancel),
        cmocka_unit_test(test_place),
        cmocka_unit_test(test_place_oto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
