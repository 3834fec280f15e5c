/* Unit tests: a venue whose listing never ends (every allOrders page full,
 * each past the last), one whose clock is absurd, and one whose clock
 * keeps refusing timestamps.  The paged listing ends with a clear error
 * within its page and time bounds instead of paging for minutes; a
 * serverTime of +-INT64_MAX is refused where it is read and never becomes
 * the clock offset; a -1021 after another thread re-measured the clock
 * sends again without measuring. */
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

#include "looptrader/http.h"
#include "looptrader/venue_binance.h"
#include "loopback.h"

#define PAGE 1000
#define T0 1700000050000LL

/* Answers every request: with script, the script's replies in turn;
 * else /api/v3/time with time_body, anything else with a full page of
 * orders numbered from the request's orderId (1 without). */
struct endless {
    int fd, port;
    const char *time_body;
    const char *const *script; /* if set: whole replies to other requests, in turn */
    int n_script;
    atomic_int served;
    pthread_t th;
};

static void answer(int c, const char *body, size_t len)
{
    char head[160];
    int hl = snprintf(head, sizeof head,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
    if (write(c, head, (size_t)hl) == hl)
        for (size_t off = 0; off < len;) {
            ssize_t w = write(c, body + off, len - off);
            if (w <= 0)
                break;
            off += (size_t)w;
        }
}

static void *serve(void *arg)
{
    struct endless *s = arg;
    size_t cap = PAGE * 160 + 16;
    char *body = malloc(cap);
    for (int c; body && (c = accept(s->fd, NULL, NULL)) >= 0; close(c)) {
        char req[4096] = "";
        size_t got = 0;
        while (got + 1 < sizeof req && !strstr(req, "\r\n\r\n")) {
            ssize_t n = read(c, req + got, sizeof req - 1 - got);
            if (n <= 0)
                break;
            got += (size_t)n;
            req[got] = '\0';
        }
        atomic_fetch_add(&s->served, 1);
        if (s->script) {
            int i = atomic_load(&s->served) - 1;
            const char *r = s->script[i < s->n_script ? i : s->n_script - 1];
            if (write(c, r, strlen(r)) < 0)
                break;
            continue;
        }
        if (strstr(req, "GET /api/v3/time")) {
            answer(c, s->time_body, strlen(s->time_body));
            continue;
        }
        const char *p = strstr(req, "orderId=");
        long long from = p ? atoll(p + 8) : 1;
        size_t len = 0;
        body[len++] = '[';
        for (int i = 0; i < PAGE; i++)
            len += (size_t)snprintf(body + len, cap - len,
                                    "%s{\"orderId\":%lld,\"clientOrderId\":\"x\","
                                    "\"status\":\"FILLED\",\"side\":\"BUY\","
                                    "\"executedQty\":\"1\",\"time\":%lld}",
                                    i ? "," : "", from + i, T0);
        body[len++] = ']';
        answer(c, body, len);
    }
    free(body);
    return NULL;
}

static void endless_start(struct endless *s, const char *time_body, const char *const *script,
                          int n_script)
{
    memset(s, 0, sizeof *s);
    s->time_body = time_body;
    s->script = script;
    s->n_script = n_script;
    s->fd = loopback_listen(&s->port);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void endless_stop(struct endless *s)
{
    shutdown(s->fd, SHUT_RDWR);
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* A clock that moves ms_per_read on every reading (and by every sleep);
 * when v is set, its reading number bump_at sets v's clock offset, as
 * another thread's measurement would in the middle of a call. */
struct fast_clock {
    int64_t now, ms_per_read;
    struct venue *v;
    int reads, bump_at;
};

static int64_t fast_now(void *arg)
{
    struct fast_clock *c = arg;
    c->now += c->ms_per_read;
    if (c->v && ++c->reads == c->bump_at)
        venue_set_clock_offset(c->v, 700);
    return c->now;
}

static void fast_sleep(void *arg, int64_t ms) { ((struct fast_clock *)arg)->now += ms; }

static const struct venue_auth ALICE = { .api_key = "alice-key", .api_secret = "alice-secret-0001" };

/* The server, and a venue on a fast clock at T0 (offset measured: 0). */
struct fixture {
    struct endless s;
    struct fast_clock clk;
    struct venue *v;
    struct http *h;
    struct lt_err err;
};

static void fx_up(struct fixture *f, const char *time_body, int64_t ms_per_read,
                  const char *const *script, int n_script)
{
    memset(f, 0, sizeof *f);
    endless_start(&f->s, time_body, script, n_script);
    f->clk.now = T0;
    f->clk.ms_per_read = ms_per_read;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", f->s.port);
    struct venue_config cfg = { .dialect = "binance", .rest_url = url, .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 5000, .order_ws_api = 0 };
    assert_int_equal(venue_new(&cfg, &f->v, &f->err), 0);
    struct venue_clock vc = { fast_now, fast_sleep, &f->clk };
    venue_set_clock(f->v, &vc);
    venue_set_clock_offset(f->v, 0);
    assert_int_equal(http_new(&f->h, &f->err), 0);
}

static void fx_down(struct fixture *f)
{
    http_free(f->h);
    venue_free(f->v);
    endless_stop(&f->s);
}

/* Pages that never end: the listing stops at its page bound with an error
 * naming it, having asked for no more than that many pages. */
static void endless_listing_ends_at_page_bound(void **state)
{
    (void)state;
    struct fixture f;
    fx_up(&f, "{}", 0, NULL, 0);
    struct order_state *orders = (struct order_state *)1;
    size_t n = 7;
    assert_int_equal(venue_ops(f.v)->order_history(f.v, f.h, &ALICE, "ALPHAUSDT", 0, &orders,
                                                   &n, &f.err),
                     LT_ERANGE);
    assert_non_null(strstr(f.err.msg, "allOrders listing did not end after 200 pages"));
    assert_null(orders);
    assert_int_equal(n, 0);
    assert_int_equal(atomic_load(&f.s.served), 200);
    fx_down(&f);
}

/* The same on a slow venue (here: a clock that moves 2 s per reading):
 * the listing's time bound ends it long before its page bound. */
static void endless_listing_ends_at_time_bound(void **state)
{
    (void)state;
    struct fixture f;
    fx_up(&f, "{}", 2000, NULL, 0);
    size_t n = 0;
    struct order_state *orders = NULL;
    assert_int_equal(venue_ops(f.v)->order_history(f.v, f.h, &ALICE, "ALPHAUSDT", 0, &orders,
                                                   &n, &f.err),
                     LT_ERANGE);
    assert_non_null(strstr(f.err.msg, "allOrders listing did not end after"));
    assert_non_null(strstr(f.err.msg, " s"));
    assert_true(atomic_load(&f.s.served) < 60);
    assert_null(orders);
    fx_down(&f);
}

/* serverTime +-INT64_MAX (and a day and more away) is refused where it is
 * read: the call fails with LT_ERANGE, and a lazy measurement before a
 * signed call leaves the offset at 0 (the local clock is used). */
static void absurd_server_time_refused(void **state)
{
    (void)state;
    char body[64];
    const long long bad[] = { INT64_MAX, INT64_MIN, -1, T0 + 86400000LL + 1000 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(body, sizeof body, "{\"serverTime\":%lld}", bad[i]);
        struct fixture f;
        fx_up(&f, body, 0, NULL, 0);
        int64_t ms = 12345;
        assert_int_equal(venue_ops(f.v)->server_time(f.v, f.h, &ms, &f.err), LT_ERANGE);
        assert_non_null(strstr(f.err.msg, "more than a day"));
        assert_true(ms == 12345);
        assert_true(venue_now_ms(f.v) == f.clk.now);
        fx_down(&f);
    }
    /* An offset set from elsewhere is clamped to a day. */
    struct fixture f;
    fx_up(&f, "{}", 0, NULL, 0);
    unsigned gen = venue_clock_generation(f.v);
    venue_set_clock_offset(f.v, INT64_MAX);
    assert_true(venue_now_ms(f.v) == T0 + VENUE_CLOCK_SKEW_MAX_MS);
    venue_set_clock_offset(f.v, INT64_MIN);
    assert_true(venue_now_ms(f.v) == T0 - VENUE_CLOCK_SKEW_MAX_MS);
    assert_int_equal(venue_clock_generation(f.v), gen + 2);
    fx_down(&f);
}

#define REPLY(status, body)                                                               \
    "HTTP/1.1 " status "\r\nContent-Type: application/json\r\nContent-Length: "        \
    "%zu\r\nConnection: close\r\n\r\n" body

/* A -1021 for a send made before another thread's new measurement: sent
 * again at once with the new offset, with no /time call of its own; one
 * made after the latest measurement re-measures first. */
static void refused_timestamp_adopts_a_newer_measurement(void **state)
{
    (void)state;
    static const char late_body[] =
        "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of the recvWindow.\"}";
    static const char order_body[] =
        "{\"symbol\":\"ALPHAUSDT\",\"orderId\":7,\"clientOrderId\":\"lt.x\",\"price\":\"1\","
        "\"origQty\":\"5\",\"executedQty\":\"0\",\"cummulativeQuoteQty\":\"0\","
        "\"status\":\"NEW\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\","
        "\"transactTime\":1700000000000}";
    char late[512], ok[1024], t[256];
    snprintf(late, sizeof late, REPLY("400 Bad Request", "%s"), strlen(late_body), late_body);
    snprintf(ok, sizeof ok, REPLY("200 OK", "%s"), strlen(order_body), order_body);
    char tb[64];
    snprintf(tb, sizeof tb, "{\"serverTime\":%lld}", T0 + 300);
    snprintf(t, sizeof t, REPLY("200 OK", "%s"), strlen(tb), tb);
    const char *script[] = { late, ok, late, t, ok };
    struct fixture f;
    fx_up(&f, "{}", 0, script, 5);
    f.clk.v = f.v;
    f.clk.bump_at = 2; /* during the first send */
    struct order_request req = { "ALPHAUSDT", SIDE_BUY, TIF_GTC, 100000000, 500000000, "lt.x", NULL, NULL };
    struct order_state st;
    int64_t syncs = venue_stat(f.v, VENUE_STAT_CLOCK_SYNCS);
    assert_int_equal(venue_ops(f.v)->place_order(f.v, f.h, &ALICE, &req, &st, &f.err), 0);
    assert_int_equal(atomic_load(&f.s.served), 2);
    assert_true(venue_stat(f.v, VENUE_STAT_CLOCK_SYNCS) == syncs);
    assert_true(venue_now_ms(f.v) == f.clk.now + 700);
    /* No measurement during this one: it measures (serverTime) itself. */
    assert_int_equal(venue_ops(f.v)->place_order(f.v, f.h, &ALICE, &req, &st, &f.err), 0);
    assert_int_equal(atomic_load(&f.s.served), 5);
    assert_true(venue_stat(f.v, VENUE_STAT_CLOCK_SYNCS) == syncs + 1);
    fx_down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(endless_listing_ends_at_page_bound),
        cmocka_unit_test(endless_listing_ends_at_time_bound),
        cmocka_unit_test(absurd_server_time_refused),
        cmocka_unit_test(refused_timestamp_adopts_a_newer_measurement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
