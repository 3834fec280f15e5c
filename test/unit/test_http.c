/* Unit tests: the libcurl wrapper against loopback servers: one-shot
 * answers, a dropped keep-alive request, and servers that never answer or
 * trickle (the total deadline and the abort flag end those calls). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "looptrader/clock.h"
#include "looptrader/http.h"
#include "loopback.h"

/* Accepts one connection, records the request head, sends `reply`
 * (then `extra_body` bytes of 'x' if any) and closes. */
struct server {
    int fd;
    int port;
    const char *reply;
    size_t extra_body;
    char request[8192];
    pthread_t th;
};

static void *serve_one(void *arg)
{
    struct server *s = arg;
    int c = accept(s->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    size_t got = 0;
    while (got + 1 < sizeof s->request) {
        ssize_t n = read(c, s->request + got, sizeof s->request - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        s->request[got] = '\0';
        if (strstr(s->request, "\r\n\r\n"))
            break;
    }
    if (write(c, s->reply, strlen(s->reply)) < 0)
        goto out;
    if (s->extra_body) {
        static char chunk[65536];
        memset(chunk, 'x', sizeof chunk);
        for (size_t left = s->extra_body; left > 0;) {
            size_t n = left < sizeof chunk ? left : sizeof chunk;
            if (write(c, chunk, n) <= 0)
                break;
            left -= n;
        }
    }
out:
    close(c);
    return NULL;
}

static void server_start(struct server *s, const char *reply, size_t extra_body)
{
    memset(s, 0, sizeof *s);
    s->reply = reply;
    s->extra_body = extra_body;
    s->fd = loopback_listen(&s->port);
    assert_int_equal(pthread_create(&s->th, NULL, serve_one, s), 0);
}

static void server_stop(struct server *s)
{
    pthread_join(s->th, NULL);
    close(s->fd);
}

static void captures_status_headers_and_sends_auth(void **state)
{
    (void)state;
    struct server s;
    server_start(&s,
                 "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                 "Retry-After: 7\r\nX-MBX-USED-WEIGHT-1M: 42\r\nx-mbx-order-count-10s: 3\r\n"
                 "X-MBX-ORDER-COUNT-1D: 11\r\n"
                 "Date: Tue, 14 Nov 2023 22:13:20 GMT\r\nContent-Length: 19\r\n"
                 "Connection: close\r\n\r\n{\"code\":-1,\"msg\":1}",
                 0);
    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/order?symbol=X&signature=abc", s.port);
    const char *hdrs[] = { "X-MBX-APIKEY: key-1", "X-Session-Token: tok-2" };
    struct http_request req = { .method = "DELETE", .url = url, .headers = hdrs, .n_headers = 2,
                                .cookies = "session=cookie-3", .timeout_ms = 2000 };
    struct http_response resp;
    http_response_init(&resp);
    assert_int_equal(http_do(h, &req, &resp, &err), 0);
    server_stop(&s);
    assert_int_equal(resp.status, 400);
    assert_string_equal(resp.body.buf, "{\"code\":-1,\"msg\":1}");
    assert_int_equal(resp.retry_after_s, 7);
    assert_int_equal(resp.used_weight_1m, 42);
    assert_int_equal(resp.order_count_10s, 3);
    assert_int_equal(resp.server_date_ms, 1700000000000LL);
    assert_int_equal(resp.order_count_1d, 11);
    assert_non_null(strstr(s.request, "DELETE /api/v3/order?symbol=X&signature=abc HTTP/1.1"));
    assert_non_null(strstr(s.request, "X-MBX-APIKEY: key-1\r\n"));
    assert_non_null(strstr(s.request, "X-Session-Token: tok-2\r\n"));
    assert_non_null(strstr(s.request, "Cookie: session=cookie-3\r\n"));
    http_response_release(&resp);
    http_free(h);
}

static void post_without_body_and_missing_headers(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 0);
    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/userDataStream", s.port);
    struct http_request req = { .method = "POST", .url = url };
    struct http_response resp;
    http_response_init(&resp);
    assert_int_equal(http_do(h, &req, &resp, &err), 0);
    server_stop(&s);
    assert_int_equal(resp.status, 200);
    assert_int_equal(resp.retry_after_s, -1);
    assert_int_equal(resp.used_weight_1m, -1);
    assert_int_equal(resp.server_date_ms, 0);
    assert_non_null(strstr(s.request, "POST /api/v3/userDataStream HTTP/1.1"));
    assert_null(strstr(s.request, "Cookie:"));
    http_response_release(&resp);
    http_free(h);
}

/* One request on h to a fresh one-shot server; returns its request head
 * in head (sizeof s.request). */
static void request_head(struct http *h, const char *const *hdrs, size_t n, const char *cookies,
                         char *head)
{
    struct server s;
    server_start(&s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}", 0);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/order", s.port);
    struct http_request req = { .method = "POST", .url = url, .body = "a=1", .headers = hdrs,
                                .n_headers = n, .cookies = cookies, .timeout_ms = 2000 };
    struct http_response resp;
    struct lt_err err;
    http_response_init(&resp);
    assert_int_equal(http_do(h, &req, &resp, &err), 0);
    server_stop(&s);
    assert_int_equal(resp.status, 200);
    http_response_release(&resp);
    memcpy(head, s.request, sizeof s.request);
}

/* The handle keeps the last header list and cookie for the next request:
 * each request must still carry exactly its own. */
static void kept_headers_follow_each_request(void **state)
{
    (void)state;
    struct http *h;
    struct lt_err err;
    static char head[8192];
    assert_int_equal(http_new(&h, &err), 0);
    const char *two[] = { "X-MBX-APIKEY: key-1", "X-Session-Token: tok-2" };
    const char *other[] = { "X-MBX-APIKEY: key-9" };

    request_head(h, two, 2, "s=c1", head);
    assert_non_null(strstr(head, "X-MBX-APIKEY: key-1\r\n"));
    assert_non_null(strstr(head, "X-Session-Token: tok-2\r\n"));
    assert_non_null(strstr(head, "Cookie: s=c1\r\n"));

    request_head(h, two, 1, NULL, head);
    assert_non_null(strstr(head, "X-MBX-APIKEY: key-1\r\n"));
    assert_null(strstr(head, "X-Session-Token"));
    assert_null(strstr(head, "Cookie:"));

    request_head(h, other, 1, NULL, head);
    assert_non_null(strstr(head, "X-MBX-APIKEY: key-9\r\n"));
    assert_null(strstr(head, "key-1"));

    request_head(h, other, 1, "s=c2", head);
    assert_non_null(strstr(head, "X-MBX-APIKEY: key-9\r\n"));
    assert_non_null(strstr(head, "Cookie: s=c2\r\n"));

    request_head(h, NULL, 0, NULL, head);
    assert_null(strstr(head, "X-MBX-APIKEY"));
    assert_null(strstr(head, "Cookie:"));
    http_free(h);
}

/* Serves KEEP_CALLS requests on the first connection it accepts, then
 * closes it; a request on any other connection is never answered. */
#define KEEP_CALLS 5
struct keeper {
    int fd, port;
    atomic_int served;
    pthread_t th;
};

static void *serve_kept(void *arg)
{
    struct keeper *k = arg;
    int c = accept(k->fd, NULL, NULL);
    if (c < 0)
        return NULL;
    static char buf[16384];
    size_t got = 0;
    while (atomic_load(&k->served) < KEEP_CALLS) {
        char *end = NULL;
        while (!(end = strstr(buf, "\r\n\r\n")) && got + 1 < sizeof buf) {
            ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                goto out;
            got += (size_t)n;
            buf[got] = '\0';
        }
        if (!end)
            break;
        size_t need = (size_t)(end + 4 - buf);
        const char *cl = strstr(buf, "Content-Length: ");
        if (cl && cl < end)
            need += (size_t)atoi(cl + 16);
        while (got < need && got + 1 < sizeof buf) {
            ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
            if (n <= 0)
                goto out;
            got += (size_t)n;
            buf[got] = '\0';
        }
        memmove(buf, buf + need, got - need + 1);
        got -= need;
        static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        if (write(c, reply, sizeof reply - 1) < 0)
            break;
        atomic_fetch_add(&k->served, 1);
    }
out:
    close(c);
    return NULL;
}

/* A handle's calls, GETs and POSTs alike, go over the one kept connection
 * (the multi handle that drives them holds it between calls). */
static void calls_reuse_one_connection(void **state)
{
    (void)state;
    struct keeper k;
    memset(&k, 0, sizeof k);
    atomic_init(&k.served, 0);
    k.fd = loopback_listen(&k.port);
    assert_int_equal(pthread_create(&k.th, NULL, serve_kept, &k), 0);
    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/order", k.port);
    struct http_response resp;
    http_response_init(&resp);
    for (int i = 0; i < KEEP_CALLS; i++) {
        struct http_request req = { .method = i % 2 ? "POST" : "GET", .url = url,
                                    .body = i % 2 ? "symbol=X&side=BUY" : NULL,
                                    .timeout_ms = 3000, .no_resend = i % 2 };
        assert_int_equal(http_do(h, &req, &resp, &err), 0);
        assert_int_equal(resp.status, 200);
        assert_string_equal(resp.body.buf, "{}");
    }
    http_response_release(&resp);
    http_free(h);
    pthread_join(k.th, NULL);
    close(k.fd);
    assert_int_equal(atomic_load(&k.served), KEEP_CALLS);
}

static void oversized_body_is_refused(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", HTTP_BODY_MAX + 4096);
    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/big", s.port);
    struct http_request req = { .method = "GET", .url = url, .timeout_ms = 5000 };
    struct http_response resp;
    http_response_init(&resp);
    assert_int_equal(http_do(h, &req, &resp, &err), LT_ERANGE);
    server_stop(&s);
    assert_true(resp.body.len <= HTTP_BODY_MAX);
    http_response_release(&resp);
    http_free(h);
}

static void transport_error_is_unknown_and_secret_free(void **state)
{
    (void)state;
    /* A port nobody listens on: bind, learn the port, close. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    char url[160];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/order?signature=sig-secret-4",
             ntohs(a.sin_port));
    const char *hdrs[] = { "X-MBX-APIKEY: key-secret-5" };
    struct http_request req = { .method = "POST", .url = url, .body = "a=b", .headers = hdrs,
                                .n_headers = 1, .cookies = "s=cookie-secret-6", .timeout_ms = 1000 };
    struct http_response resp;
    http_response_init(&resp);
    lt_err_clear(&err);
    assert_int_equal(http_do(h, &req, &resp, &err), LT_EUNKNOWN);
    assert_int_equal(resp.status, 0);
    assert_non_null(strstr(err.msg, "/api/v3/order"));
    assert_null(strstr(err.msg, "secret"));
    http_response_release(&resp);
    http_free(h);
}

/* Answers the first request on a keep-alive connection, then reads the
 * second and closes without a byte of answer; counts every request that
 * reaches it on any connection until the listening socket is shut. */
struct dropper {
    int fd, port, requests;
    pthread_t th;
};

static int read_request(int c)
{
    char buf[4096];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(c, buf + got, sizeof buf - 1 - got);
        if (n <= 0)
            return 0;
        got += (size_t)n;
        buf[got] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        char *cl = strstr(buf, "Content-Length: ");
        if (end && (!cl || got >= (size_t)(end + 4 - buf) + strtoul(cl + 16, NULL, 10)))
            return 1;
        if (got + 1 >= sizeof buf)
            return 0;
    }
}

static void *drop_second(void *arg)
{
    struct dropper *d = arg;
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
    int c;
    while ((c = accept(d->fd, NULL, NULL)) >= 0) {
        while (read_request(c)) {
            if (++d->requests == 1) {
                if (write(c, ok, sizeof ok - 1) < 0)
                    break;
                continue;
            }
            if (d->requests == 2)
                break; /* the venue got it; the answer is lost */
            if (write(c, ok, sizeof ok - 1) < 0)
                break;
        }
        close(c);
    }
    return NULL;
}

static int requests_seen(int no_resend, const char *body, int *rc_out)
{
    struct dropper d = { 0 };
    d.fd = loopback_listen(&d.port);
    assert_int_equal(pthread_create(&d.th, NULL, drop_second, &d), 0);

    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/order", d.port);
    struct http_request req = { .method = "POST", .url = url, .body = body,
                                .timeout_ms = 2000, .no_resend = no_resend };
    struct http_response resp;
    http_response_init(&resp);
    assert_int_equal(http_do(h, &req, &resp, &err), 0); /* warms the keep-alive connection */
    *rc_out = http_do(h, &req, &resp, &err);
    http_response_release(&resp);
    http_free(h);
    shutdown(d.fd, SHUT_RDWR);
    pthread_join(d.th, NULL);
    close(d.fd);
    return d.requests;
}

static void order_post_never_sent_twice(void **state)
{
    (void)state;
    int rc;
    /* The control: plain libcurl re-sends the lost request by itself. */
    assert_int_equal(requests_seen(0, "symbol=X&side=BUY", &rc), 3);
    assert_int_equal(requests_seen(1, "symbol=X&side=BUY", &rc), 2);
    assert_int_equal(rc, LT_EUNKNOWN);
    /* Nothing in the body to refuse a rewind with: still sent once. */
    assert_int_equal(requests_seen(1, NULL, &rc), 2);
    assert_int_equal(rc, LT_EUNKNOWN);
}

/* Accepts connections one at a time and, per mode, never answers (0) or
 * trickles a promised 100,000-byte body one byte each 50 ms (1), until
 * stopped. */
struct staller {
    int fd, port, mode;
    atomic_int accepted, done;
    pthread_t th;
};

static void *stall(void *arg)
{
    struct staller *s = arg;
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
    int c = -1;
    while (!atomic_load(&s->done)) {
        struct pollfd p = { c < 0 ? s->fd : c, POLLIN, 0 };
        poll(&p, 1, 50);
        char b;
        if (c >= 0 && (p.revents & (POLLIN | POLLHUP)) && read(c, &b, 1) <= 0) {
            close(c); /* the client gave up: ready for the next one */
            c = -1;
        } else if (c < 0) {
            if (!(p.revents & POLLIN) || (c = accept(s->fd, NULL, NULL)) < 0)
                continue;
            atomic_fetch_add(&s->accepted, 1);
            read_request(c);
            if (s->mode == 1 && write(c, head, sizeof head - 1) < 0)
                break;
        } else if (s->mode == 1 && write(c, "x", 1) < 0) {
            break;
        }
    }
    if (c >= 0)
        close(c);
    return NULL;
}

static void staller_start(struct staller *s, int mode)
{
    memset(s, 0, sizeof *s);
    s->mode = mode;
    s->fd = loopback_listen(&s->port);
    assert_int_equal(pthread_create(&s->th, NULL, stall, s), 0);
}

static void staller_stop(struct staller *s)
{
    atomic_store(&s->done, 1);
    pthread_join(s->th, NULL);
    close(s->fd);
}

/* One call against s; its result and how long it took. */
static int call_staller(struct staller *s, struct http *h, const char *method, long timeout_ms,
                        int64_t *took_ms, struct lt_err *err)
{
    char url[96];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/openOrders", s->port);
    struct http_request req = { .method = method, .url = url, .timeout_ms = timeout_ms,
                                .body = strcmp(method, "GET") ? "a=b" : NULL };
    struct http_response resp;
    http_response_init(&resp);
    int64_t t0 = clock_mono_ms();
    int rc = http_do(h, &req, &resp, err);
    *took_ms = clock_mono_ms() - t0;
    http_response_release(&resp);
    return rc;
}

/* A server that accepts and never answers, and one that trickles its
 * body, each end the call at its total deadline (500 ms here; the bound
 * checked is a loose 10x, for a loaded machine): without one the trickle
 * would take 5,000 s. */
static void total_deadline_bounds_stalled_servers(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct staller s;
        staller_start(&s, mode);
        struct http *h;
        struct lt_err err;
        assert_int_equal(http_new(&h, &err), 0);
        int64_t took;
        assert_int_equal(call_staller(&s, h, "GET", 500, &took, &err), LT_EUNKNOWN);
        assert_true(took >= 400 && took < 5000);
        assert_non_null(strstr(err.msg, "/api/v3/openOrders"));
        assert_int_equal(atomic_load(&s.accepted), 1);
        http_free(h);
        staller_stop(&s);
    }
}

struct setter {
    atomic_int *flag;
    int after_ms;
};

static void *set_later(void *arg)
{
    struct setter *st = arg;
    struct timespec ts = { 0, (long)st->after_ms * 1000000L };
    nanosleep(&ts, NULL);
    atomic_store(st->flag, 1);
    return NULL;
}

/* The abort flag ends a GET under way long before its deadline, and once
 * set keeps GETs from being sent; a POST is neither cut nor refused (its
 * deadline ends it). */
static void abort_flag_ends_gets_only(void **state)
{
    (void)state;
    struct staller s;
    staller_start(&s, 0);
    struct http *h;
    struct lt_err err;
    assert_int_equal(http_new(&h, &err), 0);
    atomic_int stop;
    atomic_init(&stop, 0);
    http_set_abort(h, &stop);
    struct setter st = { &stop, 200 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, set_later, &st), 0);
    int64_t took;
    assert_int_equal(call_staller(&s, h, "GET", 30000, &took, &err), LT_ESTOPPED);
    pthread_join(th, NULL);
    assert_true(took < 10000);
    assert_non_null(strstr(err.msg, "stopped"));
    assert_int_equal(atomic_load(&s.accepted), 1);

    assert_int_equal(call_staller(&s, h, "GET", 30000, &took, &err), LT_ESTOPPED);
    assert_non_null(strstr(err.msg, "before it was sent"));
    assert_int_equal(call_staller(&s, h, "POST", 300, &took, &err), LT_EUNKNOWN);
    assert_true(took >= 250);
    http_set_abort(h, NULL);
    http_free(h);
    staller_stop(&s);
    assert_int_equal(atomic_load(&s.accepted), 2); /* the first GET and the POST */
}

/* A hostile Retry-After is read as at most 3 days, never wrapped. */
static void retry_after_is_bounded(void **state)
{
    (void)state;
    const char *vals[] = { "999999999", "99999999999999999999999" };
    for (int i = 0; i < 2; i++) {
        char reply[256];
        snprintf(reply, sizeof reply,
                 "HTTP/1.1 429 Too Many Requests\r\nRetry-After: %s\r\n"
                 "X-MBX-USED-WEIGHT-1M: 99999999999999\r\nContent-Length: 2\r\n"
                 "Connection: close\r\n\r\n{}",
                 vals[i]);
        struct server s;
        server_start(&s, reply, 0);
        struct http *h;
        struct lt_err err;
        assert_int_equal(http_new(&h, &err), 0);
        char url[96];
        snprintf(url, sizeof url, "http://127.0.0.1:%d/api/v3/order", s.port);
        struct http_request req = { .method = "GET", .url = url, .timeout_ms = 2000 };
        struct http_response resp;
        http_response_init(&resp);
        assert_int_equal(http_do(h, &req, &resp, &err), 0);
        server_stop(&s);
        assert_int_equal(resp.status, 429);
        assert_int_equal(resp.retry_after_s, HTTP_RETRY_AFTER_MAX_S);
        assert_int_equal(resp.used_weight_1m, 1000000000);
        http_response_release(&resp);
        http_free(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_post_never_sent_twice),
        cmocka_unit_test(captures_status_headers_and_sends_auth),
        cmocka_unit_test(post_without_body_and_missing_headers),
        cmocka_unit_test(kept_headers_follow_each_request),
        cmocka_unit_test(calls_reuse_one_connection),
        cmocka_unit_test(oversized_body_is_refused),
        cmocka_unit_test(transport_error_is_unknown_and_secret_free),
        cmocka_unit_test(total_deadline_bounds_stalled_servers),
        cmocka_unit_test(abort_flag_ends_gets_only),
        cmocka_unit_test(retry_after_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
