/* Unit tests: wstransport against a scripted WebSocket server on loopback
 * (plain TCP; TLS is test_trader_tls's): the upgrade's answer in two
 * writes, the first frames behind it in the same segment, a whole message delivered where it lies, a
 * fragmented one with a ping inside it, a 64-bit-length one in pieces,
 * pings answered with their payload, a close answered and ended; a refused
 * upgrade names its status; a silent connection is pinged, then dropped;
 * a protocol error ends the connection; a
 * refused connect says so.  Over TLS (a self-signed certificate made here),
 * a backlog past a wake-up's read budget all arrives: bytes OpenSSL holds
 * are not stranded; the certificate is verified (trusted as the CA file:
 * accepted for its name; untrusted, or for another host: refused, saying
 * why), unless insecure. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loopback.h"
#include "looptrader/clock.h"
#include "looptrader/strbuf.h"
#include "looptrader/wsframe.h"
#include "looptrader/wshandshake.h"
#include "looptrader/wstransport.h"

#define BIG 70000

enum script { FRAMES, REFUSE, MASKED, SILENT };

/* A self-signed certificate for "localhost" (no address), in a PEM file too. */
struct pki {
    X509 *cert;
    EVP_PKEY *key;
    char pem[256];
};

struct server {
    int lfd, port;
    const struct pki *pki;     /* TLS servers */
    enum script script;
    pthread_t thread;
    struct strbuf got; /* the client's frames after the upgrade, unmasked: "<op>:<payload>|" */
    char request[4096];
};

static void frame(struct strbuf *out, unsigned op, int more, const void *p, size_t len)
{
    unsigned char h[WSFRAME_HDR_MAX];
    size_t n = wsframe_header(h, op, len, NULL);
    if (more)
        h[0] &= 0x7f;
    strbuf_add(out, h, n);
    if (len)
        strbuf_add(out, p, len);
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        assert_true(w > 0);
        p += w;
        n -= (size_t)w;
    }
}

/* The client's masked frames until it closes (bounded: the test's socket
 * has a receive timeout). */
static void read_frames(struct server *s, int fd)
{
    unsigned char in[8192];
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, in + n, sizeof in - n);
        if (r <= 0)
            return;
        n += (size_t)r;
        while (n >= 6) {
            size_t len = in[1] & 0x7f;
            assert_true(in[1] & 0x80); /* a client's frames are masked */
            assert_true(len < 126);
            if (n < 6 + len)
                break;
            strbuf_addf(&s->got, "%u:", in[0] & 0x0fu);
            for (size_t i = 0; i < len; i++)
                strbuf_addch(&s->got, (char)(in[6 + i] ^ in[2 + i % 4]));
            strbuf_addch(&s->got, '|');
            memmove(in, in + 6 + len, n - 6 - len);
            n -= 6 + len;
        }
    }
}

static ssize_t fd_read(void *io, void *buf, size_t n) { return read(*(int *)io, buf, n); }

static ssize_t tls_read(void *io, void *buf, size_t n) { return SSL_read(io, buf, (int)n); }

/* Reads the client's upgrade request into s->request, through rd. */
static void read_request(struct server *s, ssize_t (*rd)(void *, void *, size_t), void *io)
{
    size_t n = 0;
    while (!strstr(s->request, "\r\n\r\n")) {
        ssize_t r = rd(io, s->request + n, sizeof s->request - 1 - n);
        assert_true(r > 0);
        n += (size_t)r;
        s->request[n] = '\0';
    }
}

/* Appends the 101 answer to s->request to out. */
static void add_101(const struct server *s, struct strbuf *out)
{
    const char *k = strstr(s->request, "Sec-WebSocket-Key: ");
    assert_non_null(k);
    char key[WSHANDSHAKE_KEY_LEN + 1], acc[WSHANDSHAKE_ACCEPT_LEN + 1];
    memcpy(key, k + 19, WSHANDSHAKE_KEY_LEN);
    key[WSHANDSHAKE_KEY_LEN] = '\0';
    wshandshake_accept(key, acc);
    strbuf_addf(out, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", acc);
}

static void *serve(void *arg)
{
    struct server *s = arg;
    int fd = accept(s->lfd, NULL, NULL);
    assert_true(fd >= 0);
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    read_request(s, fd_read, &fd);
    struct strbuf out;
    strbuf_init(&out, 0);
    if (s->script == REFUSE) {
        strbuf_addstr(&out, "HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nsecret");
    } else {
        add_101(s, &out);
        if (s->script == SILENT) {
            /* the upgrade, then nothing at all: a stalled venue */
        } else if (s->script == MASKED) {
            static const unsigned char masked[] = { 0x81, 0x81, 1, 2, 3, 4, 'x' ^ 1 };
            strbuf_add(&out, masked, sizeof masked);
        } else {
            static char big[BIG];
            for (size_t i = 0; i < BIG; i++)
                big[i] = (char)('a' + i % 26);
            frame(&out, WSFRAME_TEXT, 0, "hello", 5);
            frame(&out, WSFRAME_PING, 0, "abc", 3);
            frame(&out, WSFRAME_TEXT, 1, "par", 3);
            frame(&out, WSFRAME_PING, 0, "x", 1);
            frame(&out, WSFRAME_CONT, 0, "t", 1);
            frame(&out, WSFRAME_BINARY, 0, big, BIG);
            frame(&out, WSFRAME_CLOSE, 0, "\x03\xe8", 2);
        }
    }
    /* the answer's first bytes alone first: the client keeps them for the rest */
    write_all(fd, out.buf, 20);
    usleep(30000);
    write_all(fd, out.buf + 20, out.len - 20);
    strbuf_free(&out);
    read_frames(s, fd);
    close(fd);
    return NULL;
}

/* The client: what the transport told it. */
struct client {
    struct wstransport *t;
    int opened, closed, whole_hello;
    struct strbuf msg, msgs; /* reassembly; "<len>:<first 8 bytes>|" per message */
    char why[WSTRANSPORT_WHY_MAX];
};

static void on_open(void *arg) { ((struct client *)arg)->opened = 1; }

static void on_data(void *arg, const char *data, size_t len, int whole, int end)
{
    struct client *c = arg;
    if (whole) {
        assert_int_equal(data[len], '\0');
        if (len == 5 && memcmp(data, "hello", 5) == 0)
            c->whole_hello = 1;
    }
    strbuf_add(&c->msg, data, len);
    if (end) {
        strbuf_addf(&c->msgs, "%zu:%.8s|", c->msg.len, c->msg.buf);
        strbuf_reset(&c->msg);
    }
}

static int on_writable(void *arg)
{
    (void)arg;
    return 0;
}

static const struct wstransport_ops ops = { on_open, on_data, on_writable };

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    (void)user;
    (void)in;
    (void)len;
    struct client *c = wsi ? lws_get_opaque_user_data(wsi) : NULL;
    if (!c || !c->t)
        return 0;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        return wstransport_readable(c->t);
    case LWS_CALLBACK_RAW_WRITEABLE_FILE:
        return wstransport_writable(c->t);
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        wstransport_closed(c->t, c->why);
        c->t = NULL;
        c->closed = 1;
        /* A close from a timer (the idle hang-up) comes before the poll of
         * the same service call, which would then wait for lws's next timer
         * of its own (~30 s): wake it, as wsclient's reconnect timer does. */
        lws_cancel_service(lws_get_context(wsi));
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols protocols[] = {
    { "test-ws", callback, 0, 0, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 }
};

/* How the client connects. */
struct copts {
    int tls, insecure;
    const char *ca_file; /* NULL: the system's store */
    const char *host;
    int64_t ping_ms, hangup_ms; /* 0: the default idle policy */
};

static const struct copts plain = { .host = "127.0.0.1" };

/* A client of o->host:port serviced until its connection ends; an open
 * that fails at once ends it with its error. */
static void client_run(const struct copts *o, int port, const char *path, struct client *c)
{
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    struct lws_context *ctx = lws_create_context(&info);
    assert_non_null(ctx);
    struct wstransport_shared *sh;
    struct lt_err err = { 0 };
    assert_int_equal(wstransport_shared_new(ctx, o->tls, o->ca_file, o->insecure, &sh, &err), 0);
    if (o->ping_ms)
        wstransport_shared_set_idle(sh, o->ping_ms, o->hangup_ms);
    struct wstransport_target to = { .host = o->host, .port = port, .path = path };
    if (wstransport_open(sh, &to, &ops, c, &c->t, &err) != 0) {
        snprintf(c->why, sizeof c->why, "%.*s", (int)sizeof c->why - 1, err.msg);
        c->closed = 1;
    }
    /* bounded in time, not in calls: lws's poll rounds a timer's wait down
     * to the ms, then calls back at once until it is due */
    for (int64_t end = clock_mono_ms() + 20000; !c->closed && clock_mono_ms() < end;)
        lws_service(ctx, 50);
    assert_true(c->closed);
    lws_context_destroy(ctx);
    wstransport_shared_free(sh);
}

/* Runs serve_fn's script against a client until its connection ends. */
static void run_with(void *(*serve_fn)(void *), const struct pki *pki, const struct copts *o,
                     enum script script, struct server *s, struct client *c)
{
    memset(s, 0, sizeof *s);
    memset(c, 0, sizeof *c);
    strbuf_init(&s->got, 0);
    strbuf_init(&c->msg, 0);
    strbuf_init(&c->msgs, 0);
    s->script = script;
    s->pki = pki;
    s->lfd = loopback_listen(&s->port);
    assert_int_equal(pthread_create(&s->thread, NULL, serve_fn, s), 0);
    client_run(o, s->port, "/ws/test", c);
    pthread_join(s->thread, NULL);
    close(s->lfd);
}

static void run(enum script script, struct server *s, struct client *c)
{
    run_with(serve, NULL, &plain, script, s, c);
}

static void done(struct server *s, struct client *c)
{
    strbuf_free(&s->got);
    strbuf_free(&c->msg);
    strbuf_free(&c->msgs);
}

static void frames_and_controls(void **state)
{
    (void)state;
    struct server s;
    struct client c;
    run(FRAMES, &s, &c);
    assert_non_null(strstr(s.request, "GET /ws/test HTTP/1.1\r\n"));
    assert_non_null(strstr(s.request, "\r\nHost: 127.0.0.1:"));
    assert_true(c.opened);
    assert_true(c.whole_hello);
    assert_string_equal(c.msgs.buf, "5:hello|4:part|70000:abcdefgh|");
    assert_string_equal(c.why, "closed by the venue (close 1000)");
    /* the pongs echo their pings, then our close echoes the code */
    assert_string_equal(s.got.buf, "10:abc|10:x|8:\x03\xe8|");
    done(&s, &c);
}

/* A connection on which nothing comes is pinged once, then dropped, as
 * lws's idle policy did (shortened here: 200 ms and 2 s). */
static void silent_venue_pinged_then_dropped(void **state)
{
    (void)state;
    struct server s;
    struct client c;
    static const struct copts idle = { .host = "127.0.0.1", .ping_ms = 200, .hangup_ms = 2000 };
    run_with(serve, NULL, &idle, SILENT, &s, &c);
    assert_true(c.opened);
    assert_string_equal(c.msgs.buf ? c.msgs.buf : "", "");
    assert_string_equal(s.got.buf, "9:|");
    assert_string_equal(c.why, "nothing received in 2000 ms");
    done(&s, &c);
}

static void refused(void **state)
{
    (void)state;
    struct server s;
    struct client c;
    run(REFUSE, &s, &c);
    assert_false(c.opened);
    assert_string_equal(c.why, "HTTP 403");
    done(&s, &c);
}

static void protocol_error(void **state)
{
    (void)state;
    struct server s;
    struct client c;
    run(MASKED, &s, &c);
    assert_true(c.opened);
    assert_int_equal(c.msgs.len, 0);
    assert_string_equal(c.why, "protocol error: a masked server frame");
    done(&s, &c);
}

/* Nothing listens: the connect's failure is the reason, whether connect()
 * says it at once or the socket's error does later. */
static void connect_refused(void **state)
{
    (void)state;
    int port;
    close(loopback_listen(&port));
    struct client c;
    memset(&c, 0, sizeof c);
    client_run(&plain, port, "/", &c);
    assert_false(c.opened);
    assert_string_equal(c.why, "connect: Connection refused");
}

#define BACKLOG 600 /* messages of about 1 KiB: past WSTRANSPORT_RX_BUDGET */

/* A TLS server: the upgrade, BACKLOG messages in one go, a close. */
static void *serve_tls(void *arg)
{
    struct server *s = arg;
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    assert_non_null(ctx);
    assert_int_equal(SSL_CTX_use_certificate(ctx, s->pki->cert), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey(ctx, s->pki->key), 1);
    int fd = accept(s->lfd, NULL, NULL);
    assert_true(fd >= 0);
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) { /* the client refused our certificate */
        SSL_free(ssl);
        close(fd);
        SSL_CTX_free(ctx);
        return NULL;
    }
    read_request(s, tls_read, ssl);
    struct strbuf out;
    strbuf_init(&out, 0);
    add_101(s, &out);
    char msg[1024];
    for (int i = 0; i < BACKLOG; i++) {
        int m = snprintf(msg, sizeof msg, "%08d", i);
        memset(msg + m, 'x', sizeof msg - (size_t)m);
        frame(&out, WSFRAME_TEXT, 0, msg, sizeof msg);
    }
    frame(&out, WSFRAME_CLOSE, 0, "\x03\xe8", 2);
    for (size_t off = 0; off < out.len;) {
        int w = SSL_write(ssl, out.buf + off, (int)(out.len - off));
        assert_true(w > 0);
        off += (size_t)w;
    }
    strbuf_free(&out);
    char tail[256];
    while (SSL_read(ssl, tail, sizeof tail) > 0) /* the client's close, then its end */
        ;
    SSL_free(ssl);
    close(fd);
    SSL_CTX_free(ctx);
    return NULL;
}

static void pki_make(struct pki *p)
{
    p->key = EVP_EC_gen("P-256");
    p->cert = X509_new();
    assert_true(p->key && p->cert);
    ASN1_INTEGER_set(X509_get_serialNumber(p->cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(p->cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(p->cert), 3600);
    X509_set_pubkey(p->cert, p->key);
    X509_NAME *name = X509_get_subject_name(p->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                               -1, 0);
    X509_set_issuer_name(p->cert, name);
    assert_true(X509_sign(p->cert, p->key, EVP_sha256()) > 0);
    const char *dir = getenv("TMPDIR");
    snprintf(p->pem, sizeof p->pem, "%s/test_wstransport.XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(p->pem);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, p->cert), 1);
    assert_int_equal(fclose(f), 0);
}

static void pki_free(struct pki *p)
{
    unlink(p->pem);
    X509_free(p->cert);
    EVP_PKEY_free(p->key);
}

/* Every message of serve_tls's backlog, in order, then its close. */
static void check_backlog(const struct client *c)
{
    assert_true(c->opened);
    assert_string_equal(c->why, "closed by the venue (close 1000)");
    size_t at = 0; /* "1024:00000000|1024:00000001|..." */
    for (int i = 0; i < BACKLOG; i++) {
        char want[32];
        int m = snprintf(want, sizeof want, "1024:%08d|", i);
        assert_true(at + (size_t)m <= c->msgs.len);
        assert_memory_equal(c->msgs.buf + at, want, (size_t)m);
        at += (size_t)m;
    }
    assert_int_equal(at, c->msgs.len);
}

/* Accepted: unverified (insecure_tls), or verified, trusted as the CA file
 * and named as the certificate names; the backlog arrives whole. */
static void tls_accepted(void **state)
{
    (void)state;
    struct pki pki;
    pki_make(&pki);
    const struct copts opts[] = { { .tls = 1, .insecure = 1, .host = "localhost" },
                                  { .tls = 1, .ca_file = pki.pem, .host = "localhost" } };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        struct server s;
        struct client c;
        run_with(serve_tls, &pki, &opts[i], FRAMES, &s, &c);
        check_backlog(&c);
        done(&s, &c);
    }
    pki_free(&pki);
}

/* Refused: not trusted (the system's store), or trusted for another name. */
static void tls_refused(void **state)
{
    (void)state;
    struct pki pki;
    pki_make(&pki);
    struct server s;
    struct client c;
    struct copts o = { .tls = 1, .host = "localhost" };
    run_with(serve_tls, &pki, &o, FRAMES, &s, &c);
    assert_false(c.opened);
    assert_true(strncmp(c.why, "TLS handshake: certificate verify failed (", 42) == 0);
    done(&s, &c);
    o = (struct copts){ .tls = 1, .ca_file = pki.pem, .host = "127.0.0.1" };
    run_with(serve_tls, &pki, &o, FRAMES, &s, &c);
    assert_false(c.opened);
    assert_string_equal(c.why, "TLS handshake: certificate verify failed (IP address mismatch)");
    done(&s, &c);
    pki_free(&pki);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_and_controls),
        cmocka_unit_test(silent_venue_pinged_then_dropped),
        cmocka_unit_test(refused),
        cmocka_unit_test(protocol_error),
        cmocka_unit_test(connect_refused),
        cmocka_unit_test(tls_accepted),
        cmocka_unit_test(tls_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
