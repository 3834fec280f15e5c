/* wsclient's request channel (order_transport "ws-api") against a small
 * scripted WebSocket server on loopback: an answer reaches the waiter of
 * its id only, a stray id is dropped, a request never written is "unsent",
 * and a written one whose connection goes, whose answer never comes or
 * whose client stops is "unknown". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"
#include "looptrader/mailbox.h"
#include "looptrader/venue_binance.h"
#include "looptrader/wsclient.h"

/* What the server does with an order request. */
enum mode { ANSWER, STRAY_FIRST, CLOSE, SILENT };

#define CONNS 8

struct server {
    int lfd, port;
    atomic_int mode;
    atomic_int stop;
    atomic_int orders; /* order requests read */
    pthread_t thread;
    int fd[CONNS];
    int upgraded[CONNS];
    char in[CONNS][16384];
    size_t n[CONNS];
};

static void send_text(int fd, const char *text)
{
    size_t len = strlen(text);
    unsigned char hdr[4] = { 0x81, 0, 0, 0 };
    size_t h = 2;
    if (len < 126) {
        hdr[1] = (unsigned char)len;
    } else {
        hdr[1] = 126;
        hdr[2] = (unsigned char)(len >> 8);
        hdr[3] = (unsigned char)len;
        h = 4;
    }
    assert_true(write(fd, hdr, h) == (ssize_t)h);
    assert_true(write(fd, text, len) == (ssize_t)len);
}

static void upgrade(struct server *s, int i)
{
    char *end = strstr(s->in[i], "\r\n\r\n");
    if (!end)
        return;
    const char *k = strstr(s->in[i], "Sec-WebSocket-Key: ");
    assert_non_null(k);
    k += 19;
    char key[128];
    size_t kl = strcspn(k, "\r");
    assert_true(kl + 36 < sizeof key);
    memcpy(key, k, kl);
    memcpy(key + kl, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 37);
    unsigned char sha[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)key, strlen(key), sha);
    unsigned char acc[64];
    EVP_EncodeBlock(acc, sha, SHA_DIGEST_LENGTH);
    char resp[256];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     (const char *)acc);
    assert_true(write(s->fd[i], resp, (size_t)n) == n);
    size_t used = (size_t)(end + 4 - s->in[i]);
    memmove(s->in[i], s->in[i] + used, s->n[i] - used);
    s->n[i] -= used;
    s->upgraded[i] = 1;
}

static long long id_of(const char *msg)
{
    const char *p = strstr(msg, "\"id\":");
    return p ? atoll(p + 5) : -1;
}

static void on_text(struct server *s, int i, const char *msg)
{
    char out[512];
    long long id = id_of(msg);
    if (strstr(msg, "userDataStream.subscribe")) {
        snprintf(out, sizeof out, "{\"id\":%lld,\"status\":200,\"result\":{\"subscriptionId\":0}}",
                 id);
        send_text(s->fd[i], out);
        return;
    }
    if (!strstr(msg, "\"order.place\""))
        return;
    atomic_fetch_add(&s->orders, 1);
    switch (atomic_load(&s->mode)) {
    case STRAY_FIRST:
        snprintf(out, sizeof out, "{\"id\":%lld,\"status\":200,\"result\":{\"orderId\":666}}",
                 id + 1000);
        send_text(s->fd[i], out);
        /* fall through */
    case ANSWER:
        snprintf(out, sizeof out, "{\"id\":%lld,\"status\":200,\"result\":{\"orderId\":%lld}}",
                 id, id);
        send_text(s->fd[i], out);
        break;
    case CLOSE:
        close(s->fd[i]);
        s->fd[i] = -1;
        break;
    case SILENT:
        break;
    }
}

/* Whole masked text frames of connection i. */
static void frames(struct server *s, int i)
{
    for (;;) {
        unsigned char *b = (unsigned char *)s->in[i];
        if (s->n[i] < 2)
            return;
        size_t len = b[1] & 0x7f, h = 2;
        if (len == 126) {
            if (s->n[i] < 4)
                return;
            len = (size_t)b[2] << 8 | b[3];
            h = 4;
        }
        assert_true(len != 127);
        if (s->n[i] < h + 4 + len)
            return;
        unsigned char *mask = b + h, *p = b + h + 4;
        char msg[16384];
        for (size_t k = 0; k < len; k++)
            msg[k] = (char)(p[k] ^ mask[k % 4]);
        msg[len] = '\0';
        int op = b[0] & 0x0f;
        size_t used = h + 4 + len;
        memmove(s->in[i], s->in[i] + used, s->n[i] - used);
        s->n[i] -= used;
        if (op == 1)
            on_text(s, i, msg);
        if (s->fd[i] < 0)
            return;
    }
}

static void *serve(void *arg)
{
    struct server *s = arg;
    while (!atomic_load(&s->stop)) {
        struct pollfd p[CONNS + 1];
        p[0] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
        for (int i = 0; i < CONNS; i++)
            p[i + 1] = (struct pollfd){ .fd = s->fd[i], .events = POLLIN };
        if (poll(p, CONNS + 1, 50) <= 0)
            continue;
        if (p[0].revents & POLLIN) {
            int fd = accept(s->lfd, NULL, NULL);
            int i = 0;
            while (i < CONNS && s->fd[i] >= 0)
                i++;
            if (i == CONNS) {
                close(fd);
            } else {
                s->fd[i] = fd;
                s->upgraded[i] = 0;
                s->n[i] = 0;
            }
        }
        for (int i = 0; i < CONNS; i++) {
            if (s->fd[i] < 0 || !(p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t r = read(s->fd[i], s->in[i] + s->n[i], sizeof s->in[i] - 1 - s->n[i]);
            if (r <= 0) {
                close(s->fd[i]);
                s->fd[i] = -1;
                continue;
            }
            s->n[i] += (size_t)r;
            s->in[i][s->n[i]] = '\0';
            if (!s->upgraded[i])
                upgrade(s, i);
            if (s->upgraded[i])
                frames(s, i);
        }
    }
    for (int i = 0; i < CONNS; i++)
        if (s->fd[i] >= 0)
            close(s->fd[i]);
    close(s->lfd);
    return NULL;
}

struct fixture {
    struct server srv;
    struct venue *venue;
    struct mailbox *mb;
    struct wsclient *ws;
    struct venue_auth auth;
};

static struct fixture *setup(void)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->srv.lfd = loopback_listen(&f->srv.port);
    for (int i = 0; i < CONNS; i++)
        f->srv.fd[i] = -1;
    assert_int_equal(pthread_create(&f->srv.thread, NULL, serve, &f->srv), 0);
    char ws_url[64];
    snprintf(ws_url, sizeof ws_url, "ws://127.0.0.1:%d", f->srv.port);
    struct venue_config vc = { .dialect = "binance", .rest_url = "http://127.0.0.1:1", .ws_url = ws_url, .recv_window_ms = 0, .timeout_ms = 0, .order_ws_api = 1 };
    struct lt_err err;
    assert_int_equal(venue_new(&vc, &f->venue, &err), 0);
    assert_int_equal(mailbox_new(0, &f->mb), 0);
    f->auth = (struct venue_auth){ .api_key = "k-alice", .api_secret = "s-alice-secret" };
    struct wsclient_config wc = { .venue = f->venue, .symbol = "ALPHAUSDT" };
    assert_int_equal(wsclient_new(&wc, &f->ws, &err), 0);
    assert_int_equal(wsclient_add_user(f->ws, "alice", &f->auth, f->mb, &err), 0);
    return f;
}

static void teardown(struct fixture *f)
{
    wsclient_free(f->ws);
    atomic_store(&f->srv.stop, 1);
    pthread_join(f->srv.thread, NULL);
    mailbox_free(f->mb);
    venue_free(f->venue);
    free(f);
}

/* The channel's next id once alice's WS API connection is up (bounded). */
static int64_t when_up(struct fixture *f)
{
    const struct venue_order_channel *ch = venue_order_channel(f->venue);
    assert_non_null(ch);
    for (int i = 0; i < 1000; i++) {
        int64_t id = ch->begin(ch->ctx, &f->auth);
        if (id >= 0)
            return id;
        usleep(10000);
    }
    fail_msg("alice's WS API connection never came up");
    return -1;
}

/* One order request of alice with this id: the call's result. */
static int order(struct fixture *f, int64_t id, long timeout_ms, struct strbuf *answer,
                 struct lt_err *err)
{
    char text[128];
    snprintf(text, sizeof text, "{\"id\":%lld,\"method\":\"order.place\",\"params\":{}}",
             (long long)id);
    struct wsclient_ticket *t;
    int rc = wsclient_request(f->ws, &f->auth, id, text, strlen(text), &t);
    return rc ? rc : wsclient_wait(f->ws, t, timeout_ms, answer, err);
}

static void count_call(void *arg)
{
    ++*(int *)arg;
}

static void answers_by_id(void **state)
{
    (void)state;
    struct fixture *f = setup();
    struct lt_err err;
    struct strbuf ans = STRBUF_INIT;
    struct wsclient_ticket *t;
    /* not started: nothing can be written, so nothing is queued */
    assert_int_equal(wsclient_request(f->ws, &f->auth, 1, "{}", 2, &t), WSCLIENT_UNSENT);
    assert_null(venue_order_channel(f->venue));
    assert_int_equal(wsclient_start(f->ws, &err), 0);
    /* an account the client does not carry */
    struct venue_auth other = { .api_key = "k-bob", .api_secret = "s-bob-secret" };
    assert_int_equal(wsclient_request(f->ws, &other, 2, "{}", 2, &t), WSCLIENT_UNSENT);

    int64_t id = when_up(f);
    assert_int_equal(order(f, id, 5000, &ans, &err), 0);
    char want[128];
    snprintf(want, sizeof want, "\"orderId\":%lld}", (long long)id);
    assert_non_null(strstr(ans.buf, want));

    /* an answer with an id nobody waits for is dropped; the real one counts */
    atomic_store(&f->srv.mode, STRAY_FIRST);
    strbuf_reset(&ans);
    id = wsclient_request_id(f->ws);
    assert_int_equal(order(f, id, 5000, &ans, &err), 0);
    snprintf(want, sizeof want, "\"orderId\":%lld}", (long long)id);
    assert_non_null(strstr(ans.buf, want));
    assert_null(strstr(ans.buf, "666"));

    /* through the venue's channel: the caller's in-flight work runs once,
     * after the request is queued; never for a request that cannot be */
    const struct venue_order_channel *ch = venue_order_channel(f->venue);
    int ran = 0;
    struct venue_in_flight fl = { count_call, &ran };
    id = ch->begin(ch->ctx, &f->auth);
    snprintf(want, sizeof want, "{\"id\":%lld,\"method\":\"order.place\",\"params\":{}}",
             (long long)id);
    strbuf_reset(&ans);
    assert_int_equal(ch->call(ch->ctx, &f->auth, id, want, strlen(want), &fl, 5000, &ans, &err),
                     0);
    assert_int_equal(ran, 1);
    snprintf(want, sizeof want, "\"orderId\":%lld}", (long long)id);
    assert_non_null(strstr(ans.buf, want));
    assert_int_equal(ch->call(ch->ctx, &other, 99, "{}", 2, &fl, 5000, &ans, &err),
                     VENUE_CHANNEL_UNSENT);
    assert_int_equal(ran, 1);
    strbuf_free(&ans);

    wsclient_stop(f->ws);
    assert_null(venue_order_channel(f->venue));
    teardown(f);
}

static void unknown_outcomes(void **state)
{
    (void)state;
    struct fixture *f = setup();
    struct lt_err err;
    struct strbuf ans = STRBUF_INIT;
    assert_int_equal(wsclient_start(f->ws, &err), 0);

    /* written, never answered: unknown when the wait runs out */
    atomic_store(&f->srv.mode, SILENT);
    int64_t id = when_up(f);
    assert_int_equal(order(f, id, 200, &ans, &err), LT_EUNKNOWN);
    assert_non_null(strstr(err.msg, "no answer"));
    assert_int_equal(atomic_load(&f->srv.orders), 1);

    /* written, then the connection goes: unknown, not re-sent */
    atomic_store(&f->srv.mode, CLOSE);
    id = wsclient_request_id(f->ws);
    assert_int_equal(order(f, id, 10000, &ans, &err), LT_EUNKNOWN);
    assert_non_null(strstr(err.msg, "connection lost"));
    assert_int_equal(atomic_load(&f->srv.orders), 2);

    /* the client reconnects; answers flow again */
    atomic_store(&f->srv.mode, ANSWER);
    id = when_up(f);
    assert_int_equal(order(f, id, 5000, &ans, &err), 0);
    assert_int_equal(atomic_load(&f->srv.orders), 3);
    strbuf_free(&ans);
    wsclient_stop(f->ws);
    teardown(f);
}

struct waiter {
    struct fixture *f;
    int64_t id;
    int rc;
    struct lt_err err;
};

static void *wait_order(void *arg)
{
    struct waiter *w = arg;
    struct strbuf ans = STRBUF_INIT;
    w->rc = order(w->f, w->id, 60000, &ans, &w->err);
    strbuf_free(&ans);
    return NULL;
}

static void stop_ends_waits(void **state)
{
    (void)state;
    struct fixture *f = setup();
    struct lt_err err;
    assert_int_equal(wsclient_start(f->ws, &err), 0);
    atomic_store(&f->srv.mode, SILENT);
    struct waiter w = { .f = f, .id = when_up(f) };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_order, &w), 0);
    for (int i = 0; i < 1000 && atomic_load(&f->srv.orders) == 0; i++)
        usleep(10000);
    assert_int_equal(atomic_load(&f->srv.orders), 1);
    wsclient_stop(f->ws);
    pthread_join(th, NULL);
    /* ended by the stop, not by its minute-long wait */
    assert_int_equal(w.rc, LT_EUNKNOWN);
    assert_non_null(strstr(w.err.msg, "connection lost"));
    struct wsclient_ticket *t;
    assert_int_equal(wsclient_request(f->ws, &f->auth, 99, "{}", 2, &t), WSCLIENT_UNSENT);
    teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(answers_by_id),
        cmocka_unit_test(unknown_outcomes),
        cmocka_unit_test(stop_ends_waits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
