/*
 * wstransport.c - one WebSocket client connection: our socket, OpenSSL,
 * wshandshake and wsframe, polled by lws as a raw file (see wstransport.h).
 */
#include "looptrader/wstransport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "looptrader/clock.h"
#include "looptrader/strbuf.h"
#include "looptrader/wsframe.h"
#include "looptrader/wshandshake.h"

#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#define CARRY_MAX (WSFRAME_HDR_MAX + WSFRAME_CONTROL_MAX) /* a frame's bytes kept between
                                                         * reads: a header, a control frame */
#define RBUF_SIZE (WSHANDSHAKE_HEADER_MAX + WSTRANSPORT_READ_CHUNK + 1) /* + the NUL put after
                                                                      * a message */

enum tstate {
    T_TCP,     /* connect under way: writable says it ended */
    T_TLS,     /* SSL_connect under way */
    T_UPGRADE, /* request sent (or going), answer awaited */
    T_OPEN     /* frames */
};

struct wstransport_shared {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    SSL_CTX *ssl_ctx;          /* NULL: ws:// */
    int insecure;
    int64_t ping_us, hangup_us; /* the idle policy */
    unsigned char *rbuf;       /* RBUF_SIZE: every connection's reads, one at a time */
};

struct wstransport {
    struct wstransport_shared *sh;
    struct lws *wsi;
    SSL *ssl;                  /* NULL: plain */
    int fd;
    enum tstate state;
    const struct wstransport_ops *ops;
    void *arg;
    char key[WSHANDSHAKE_KEY_LEN + 1];
    struct wsframe_rx rx;
    struct strbuf answer;      /* upgrading: the answer so far (under its bound) */
    unsigned char carry[CARRY_MAX]; /* open: unparsed bytes of the last read */
    size_t carry_len;
    unsigned char *out;        /* bytes the socket has not taken yet; freed once
                                * drained (rare: a socket that is full) */
    size_t out_len, out_cap;
    int read_wants_write;      /* SSL_read said WANT_WRITE: read on writable */
    int write_wants_read;      /* SSL_write said WANT_READ: flush on readable */
    int rx_more;               /* the budget ran out with bytes in OpenSSL: read on writable */
    int dead;                  /* a kill is under way: nothing more is done */
    int pinged;                /* idle: a ping went since the last byte read */
    int64_t last_rx_us;
    lws_sorted_usec_list_t timer; /* connect deadline, then the idle policy */
    lws_sorted_usec_list_t again; /* a writable callback asked for inside one */
    int in_writable;           /* inside the writable callback */
    int want_again;            /* another was asked for there */
    char why[WSTRANSPORT_WHY_MAX];
};

/* ---------------------------------------------------------------- shared */

int wstransport_shared_new(struct lws_context *ctx, int tls, const char *ca_file, int insecure,
                           struct wstransport_shared **out, struct lt_err *err)
{
    *out = NULL;
    struct wstransport_shared *sh = calloc(1, sizeof *sh);
    if (!sh || !(sh->rbuf = malloc(RBUF_SIZE))) {
        free(sh);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    sh->ctx = ctx;
    sh->ping_us = (int64_t)WSTRANSPORT_PING_S * LWS_US_PER_SEC;
    sh->hangup_us = (int64_t)WSTRANSPORT_HANGUP_S * LWS_US_PER_SEC;
    sh->vh = lws_get_vhost_by_name(ctx, "default");
    sh->insecure = insecure;
    if (!sh->vh) {
        wstransport_shared_free(sh);
        return lt_err_set(err, LT_EIO, "the WebSocket context has no vhost");
    }
    if (!tls) {
        *out = sh;
        return 0;
    }
    sh->ssl_ctx = SSL_CTX_new(TLS_client_method());
    if (!sh->ssl_ctx) {
        wstransport_shared_free(sh);
        return lt_err_set(err, LT_ENOMEM, "cannot create a TLS context");
    }
    SSL_CTX_set_min_proto_version(sh->ssl_ctx, TLS1_2_VERSION);
    /* A write that WANT_WRITEs is retried from the output buffer, not the
     * caller's: the same bytes, elsewhere. */
    SSL_CTX_set_mode(sh->ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
                                      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                      SSL_MODE_RELEASE_BUFFERS); /* idle ones, as lws */
    if (insecure) {
        SSL_CTX_set_verify(sh->ssl_ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(sh->ssl_ctx, SSL_VERIFY_PEER, NULL);
        /* as lws was given: the venue's CA file, else the system's bundle */
        const char *file = ca_file ? ca_file : access(SYSTEM_CA_FILE, R_OK) == 0 ? SYSTEM_CA_FILE
                                                                                 : NULL;
        int ok = file ? SSL_CTX_load_verify_locations(sh->ssl_ctx, file, NULL)
                      : SSL_CTX_set_default_verify_paths(sh->ssl_ctx);
        if (ok != 1) {
            wstransport_shared_free(sh);
            return lt_err_set(err, LT_EIO, "cannot load the CA certificates%s%s",
                              file ? " of " : "", file ? file : "");
        }
    }
    *out = sh;
    return 0;
}

void wstransport_shared_set_idle(struct wstransport_shared *sh, int64_t ping_ms,
                                 int64_t hangup_ms)
{
    sh->ping_us = ping_ms * 1000;
    sh->hangup_us = hangup_ms * 1000;
}

void wstransport_shared_free(struct wstransport_shared *sh)
{
    if (!sh)
        return;
    SSL_CTX_free(sh->ssl_ctx);
    free(sh->rbuf);
    free(sh);
}

/* ---------------------------------------------------------------- helpers */

/* Records why the connection fails (the first reason wins); -1. */
static int fail(struct wstransport *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct wstransport *t, const char *fmt, ...)
{
    if (!t->why[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->why, sizeof t->why, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* OpenSSL's reason for the last failure: its error queue's first entry,
 * or the certificate check's verdict.  Secret-free: names and codes. */
static int fail_tls(struct wstransport *t, const char *what)
{
    unsigned long e = ERR_get_error();
    long v = t->ssl ? SSL_get_verify_result(t->ssl) : X509_V_OK;
    ERR_clear_error();
    if (v != X509_V_OK)
        return fail(t, "%s: certificate verify failed (%s)", what,
                    X509_verify_cert_error_string(v));
    if (e)
        return fail(t, "%s: %s", what, ERR_reason_error_string(e) ? ERR_reason_error_string(e)
                                                                  : "TLS error");
    return fail(t, "%s: %s", what, errno ? strerror(errno) : "closed by the venue");
}

/* Stops the connection from outside lws's callbacks (a timer): lws closes
 * it at its next service pass, and calls RAW_CLOSE_FILE. */
static void kill_async(struct wstransport *t)
{
    if (t->dead)
        return;
    t->dead = 1;
    lws_set_timeout(t->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

/* Up to len bytes from the socket: their count, 0 when none is there now,
 * -1 when the connection failed or ended. */
static ssize_t sock_read(struct wstransport *t, unsigned char *buf, size_t len)
{
    if (!t->ssl) {
        ssize_t n = recv(t->fd, buf, len, 0);
        if (n > 0)
            return n;
        if (n == 0)
            return fail(t, "closed by the venue");
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        return fail(t, "read: %s", strerror(errno));
    }
    /* A record at a time from OpenSSL (16 KiB at most): gathered into the
     * chunk so that messages across records still come whole.  A failure
     * after some bytes is met again at the next call, those bytes read. */
    size_t got = 0;
    while (got < len) {
        errno = 0;
        int n = SSL_read(t->ssl, buf + got, (int)(len - got));
        if (n > 0) {
            got += (size_t)n;
            continue;
        }
        int e = SSL_get_error(t->ssl, n);
        if (e == SSL_ERROR_WANT_WRITE) { /* OpenSSL must write first: read on writable */
            t->read_wants_write = 1;
            wstransport_want_writable(t);
        }
        if (got)
            break;
        switch (e) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            return 0;
        case SSL_ERROR_ZERO_RETURN:
            return fail(t, "closed by the venue (TLS close)");
        default:
            return fail_tls(t, "TLS read");
        }
    }
    return (ssize_t)got;
}

/* Writes what the socket takes of buf: the count (maybe 0), or -1. */
static ssize_t sock_write(struct wstransport *t, const unsigned char *buf, size_t len)
{
    if (!t->ssl) {
        ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return n;
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return 0;
        return fail(t, "write: %s", strerror(errno));
    }
    errno = 0;
    int n = SSL_write(t->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (n > 0)
        return n;
    switch (SSL_get_error(t->ssl, n)) {
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_WANT_READ:
        t->write_wants_read = 1;
        return 0;
    default:
        return fail_tls(t, "TLS write");
    }
}

/* Keeps buf after what waits already.  0 or -1 (out of memory). */
static int out_keep(struct wstransport *t, const unsigned char *buf, size_t len)
{
    if (t->out_len + len > t->out_cap) {
        size_t cap = t->out_cap ? t->out_cap : 4096;
        while (cap < t->out_len + len)
            cap *= 2;
        unsigned char *grown = realloc(t->out, cap);
        if (!grown)
            return fail(t, "out of memory");
        t->out = grown;
        t->out_cap = cap;
    }
    memcpy(t->out + t->out_len, buf, len);
    t->out_len += len;
    return 0;
}

/* Writes what waits in the output buffer.  0 or -1. */
static int out_flush(struct wstransport *t)
{
    t->write_wants_read = 0;
    if (!t->out_len)
        return 0;
    ssize_t n = sock_write(t, t->out, t->out_len);
    if (n < 0)
        return -1;
    t->out_len -= (size_t)n;
    memmove(t->out, t->out + n, t->out_len);
    if (t->out_len && !t->write_wants_read)
        wstransport_want_writable(t);
    if (!t->out_len) {
        free(t->out);
        t->out = NULL;
        t->out_cap = 0;
    }
    return 0;
}

static int send_bytes(struct wstransport *t, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    if (!t->out_len) {
        ssize_t n = sock_write(t, p, len);
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    if (!len)
        return 0;
    if (out_keep(t, p, len))
        return -1;
    if (!t->write_wants_read)
        wstransport_want_writable(t);
    return 0;
}

/* One masked control frame of ours (a pong, a ping, a close). */
static int send_control(struct wstransport *t, unsigned op, const unsigned char *payload,
                        size_t len)
{
    unsigned char f[WSFRAME_HDR_MAX + WSFRAME_CONTROL_MAX], mask[4];
    if (len > WSFRAME_CONTROL_MAX || lws_get_random(t->sh->ctx, mask, 4) != 4)
        return fail(t, "no random bytes for a frame mask");
    return send_bytes(t, f, wsframe_client(f, op, payload, len, mask));
}

/* ---------------------------------------------------------------- timers */

static void timer_cb(lws_sorted_usec_list_t *sul)
{
    struct wstransport *t = lws_container_of(sul, struct wstransport, timer);
    if (t->dead)
        return;
    if (t->state != T_OPEN) {
        fail(t, "connect timed out after %d s", WSTRANSPORT_CONNECT_S);
        kill_async(t);
        return;
    }
    int64_t idle = clock_mono_us() - t->last_rx_us;
    int64_t ping = t->sh->ping_us;
    int64_t hangup = t->sh->hangup_us;
    if (idle >= hangup) {
        fail(t, "nothing received in %lld ms", (long long)(hangup / 1000));
        kill_async(t);
        return;
    }
    if (idle >= ping && !t->pinged) {
        t->pinged = 1;
        if (send_control(t, WSFRAME_PING, NULL, 0)) {
            kill_async(t);
            return;
        }
    }
    lws_sul_schedule(t->sh->ctx, 0, &t->timer, timer_cb,
                     (lws_usec_t)((idle >= ping ? hangup : ping) - idle));
}

/* ---------------------------------------------------------------- open */

static int is_ip_literal(const char *host)
{
    unsigned char a[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* The socket of the target's address, its connect started. */
static int sock_connect(const struct wstransport_target *to, int *fd, struct lt_err *err)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_ADDRCONFIG };
    struct addrinfo *res = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", to->port);
    int rc = getaddrinfo(to->host, port, &hints, &res);
    if (rc)
        return lt_err_set(err, LT_EIO, "cannot resolve %s: %s", to->host, gai_strerror(rc));
    size_t n = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next)
        n++;
    struct addrinfo *a = res;
    for (size_t i = to->addr_index % n; i > 0; i--)
        a = a->ai_next;
    *fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (*fd < 0) {
        freeaddrinfo(res);
        return lt_err_set(err, LT_EIO, "socket: %s", strerror(errno));
    }
    int one = 1;
    setsockopt(*fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rc = connect(*fd, a->ai_addr, a->ai_addrlen);
    freeaddrinfo(res);
    if (rc != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(*fd);
        *fd = -1;
        return lt_err_set(err, LT_EIO, "connect: %s", strerror(e));
    }
    return 0;
}

int wstransport_open(struct wstransport_shared *sh, const struct wstransport_target *to,
                     const struct wstransport_ops *ops, void *arg, struct wstransport **out,
                     struct lt_err *err)
{
    *out = NULL;
    struct wstransport *t = calloc(1, sizeof *t);
    if (!t)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    t->sh = sh;
    t->ops = ops;
    t->arg = arg;
    t->fd = -1;
    strbuf_init(&t->answer, WSHANDSHAKE_HEADER_MAX);
    unsigned char raw[16];
    struct strbuf req = STRBUF_INIT;
    int rc = 0;
    if (lws_get_random(sh->ctx, raw, sizeof raw) != sizeof raw)
        rc = lt_err_set(err, LT_EIO, "no random bytes for the WebSocket key");
    if (!rc) {
        wshandshake_key(raw, t->key);
        struct wshandshake_req r = { .host = to->host, .port = to->port,
                                     .tls = sh->ssl_ctx != NULL, .path = to->path,
                                     .key = t->key, .auth = to->auth };
        /* the request waits in the output buffer for the connect (and TLS) */
        if (wshandshake_request(&r, &req) || out_keep(t, (unsigned char *)req.buf, req.len))
            rc = lt_err_set(err, LT_ENOMEM, "out of memory");
        strbuf_free(&req);
    }
    if (!rc && sh->ssl_ctx) {
        t->ssl = SSL_new(sh->ssl_ctx);
        if (!t->ssl)
            rc = lt_err_set(err, LT_ENOMEM, "cannot create a TLS session");
        else if (!is_ip_literal(to->host) && !SSL_set_tlsext_host_name(t->ssl, to->host))
            rc = lt_err_set(err, LT_EIO, "TLS: cannot set the server name");
        else if (!sh->insecure &&
                 !(is_ip_literal(to->host)
                       ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), to->host)
                       : SSL_set1_host(t->ssl, to->host)))
            rc = lt_err_set(err, LT_EIO, "TLS: cannot set the host to verify");
    }
    if (!rc)
        rc = sock_connect(to, &t->fd, err);
    if (!rc && t->ssl && !SSL_set_fd(t->ssl, t->fd))
        rc = lt_err_set(err, LT_EIO, "TLS: cannot attach the socket");
    if (!rc) {
        lws_adopt_desc_t info = { .vh = sh->vh, .type = LWS_ADOPT_RAW_FILE_DESC,
                                  .fd.filefd = t->fd, .vh_prot_name = NULL, .opaque = arg };
        t->wsi = lws_adopt_descriptor_vhost_via_info(&info);
        if (!t->wsi)
            rc = lt_err_set(err, LT_EIO, "cannot add the socket to the event loop");
    }
    if (rc) {
        if (t->fd >= 0)
            close(t->fd); /* not adopted: still ours */
        SSL_free(t->ssl);
        free(t->out);
        strbuf_free(&t->answer);
        free(t);
        return rc;
    }
    lws_callback_on_writable(t->wsi); /* the connect's end */
    lws_sul_schedule(sh->ctx, 0, &t->timer, timer_cb,
                     (lws_usec_t)WSTRANSPORT_CONNECT_S * LWS_US_PER_SEC);
    *out = t;
    return 0;
}

/* Asked for inside the writable callback, a writable callback would be
 * lost: lws's raw-file role clears POLLOUT after the callback returns.
 * Asked for later, from a timer, it holds. */
static void again_cb(lws_sorted_usec_list_t *sul)
{
    struct wstransport *t = lws_container_of(sul, struct wstransport, again);
    if (!t->dead)
        lws_callback_on_writable(t->wsi);
}

void wstransport_want_writable(struct wstransport *t)
{
    if (t->in_writable)
        t->want_again = 1;
    else
        lws_callback_on_writable(t->wsi);
}

/* ---------------------------------------------------------------- the connection's steps */

/* TLS set up: the upgrade request goes. */
static int tls_step(struct wstransport *t)
{
    errno = 0;
    int n = SSL_connect(t->ssl);
    if (n == 1) {
        t->state = T_UPGRADE;
        return out_flush(t);
    }
    switch (SSL_get_error(t->ssl, n)) {
    case SSL_ERROR_WANT_READ:
        return 0;
    case SSL_ERROR_WANT_WRITE:
        wstransport_want_writable(t);
        return 0;
    default:
        return fail_tls(t, "TLS handshake");
    }
}

/* The connect ended: how. */
static int tcp_step(struct wstransport *t)
{
    int e = 0;
    socklen_t el = sizeof e;
    if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
        e = errno;
    if (e)
        return fail(t, "connect: %s", strerror(e));
    if (t->ssl) {
        t->state = T_TLS;
        return tls_step(t);
    }
    t->state = T_UPGRADE;
    return out_flush(t);
}

/* A message's data: whole ones NUL-terminated where they lie (the byte
 * after them is the next frame's, put back after). */
static void deliver(struct wstransport *t, const struct wsframe_piece *p)
{
    if (!p->whole) {
        t->ops->on_data(t->arg, (const char *)p->data, p->len, 0, p->end);
        return;
    }
    unsigned char *after = (unsigned char *)p->data + p->len, keep = *after;
    *after = '\0';
    t->ops->on_data(t->arg, (const char *)p->data, p->len, 1, 1);
    *after = keep;
}

/* The frames in buf[0..len): what is left unparsed in *used's complement
 * is kept for the next read.  0 or -1. */
static int frames(struct wstransport *t, unsigned char *buf, size_t len, size_t *used)
{
    size_t off = 0;
    while (off < len && !t->dead) {
        struct wsframe_piece p;
        size_t n, need;
        const char *why;
        enum wsframe_result r = wsframe_parse(&t->rx, buf + off, len - off, &p, &n, &need, &why);
        if (r == WSFRAME_ERROR)
            return fail(t, "protocol error: %s", why);
        if (r == WSFRAME_NEED)
            break;
        off += n;
        switch (p.op) {
        case WSFRAME_PING:
            if (send_control(t, WSFRAME_PONG, p.data, p.len))
                return -1;
            break;
        case WSFRAME_PONG:
            break;
        case WSFRAME_CLOSE: {
            unsigned code = p.len >= 2 ? (unsigned)p.data[0] << 8 | p.data[1] : 1005;
            send_control(t, WSFRAME_CLOSE, p.data, p.len >= 2 ? 2 : 0);
            return fail(t, "closed by the venue (close %u)", code);
        }
        default:
            deliver(t, &p);
            break;
        }
    }
    *used = off;
    return t->dead ? -1 : 0;
}

/* The bytes of one read (after those kept from the last): the upgrade's
 * answer, then frames.  0 or -1. */
static int consume(struct wstransport *t, unsigned char *buf, size_t len)
{
    size_t off = 0;
    if (t->state == T_UPGRADE) {
        struct lt_err err;
        lt_err_clear(&err);
        int rc = wshandshake_response((const char *)buf, len, t->key, &off, &err);
        if (rc == WSHANDSHAKE_MORE) { /* under its bound: no blank line within it */
            strbuf_reset(&t->answer);
            return strbuf_add(&t->answer, buf, len) ? fail(t, "out of memory") : 0;
        }
        if (rc)
            return fail(t, "%s", err.msg);
        strbuf_free(&t->answer);
        t->state = T_OPEN;
        t->last_rx_us = clock_mono_us();
        lws_sul_schedule(t->sh->ctx, 0, &t->timer, timer_cb, (lws_usec_t)t->sh->ping_us);
        t->ops->on_open(t->arg);
    }
    size_t used = 0;
    if (frames(t, buf + off, len - off, &used))
        return -1;
    /* a header or a control frame (wsframe_parse's NEED): within CARRY_MAX;
     * checked all the same, the bytes being the venue's */
    if (len - off - used > CARRY_MAX)
        return fail(t, "protocol error: %zu bytes of a frame held back", len - off - used);
    t->carry_len = len - off - used;
    memcpy(t->carry, buf + off + used, t->carry_len);
    return 0;
}

/* Reads until the socket has no more or the budget is spent.  0 or -1. */
static int read_pass(struct wstransport *t)
{
    unsigned char *buf = t->sh->rbuf;
    size_t budget = WSTRANSPORT_RX_BUDGET;
    t->rx_more = 0;
    t->read_wants_write = 0;
    while (budget && !t->dead) {
        size_t kept = t->state == T_UPGRADE ? t->answer.len : t->carry_len;
        memcpy(buf, t->state == T_UPGRADE ? (unsigned char *)t->answer.buf : t->carry, kept);
        ssize_t n = sock_read(t, buf + kept, WSTRANSPORT_READ_CHUNK);
        if (n <= 0)
            return (int)n;
        budget = (size_t)n < budget ? budget - (size_t)n : 0;
        t->last_rx_us = clock_mono_us();
        t->pinged = 0;
        if (consume(t, buf, kept + (size_t)n))
            return -1;
        /* Short of a chunk: the socket (and OpenSSL) had no more; not a
         * read more that would only say so.  Later bytes raise POLLIN. */
        if ((size_t)n < WSTRANSPORT_READ_CHUNK)
            return t->dead ? -1 : 0;
    }
    if (t->ssl && !t->dead && SSL_has_pending(t->ssl)) {
        t->rx_more = 1; /* no POLLIN will say so: come back at once */
        wstransport_want_writable(t);
    }
    return t->dead ? -1 : 0;
}

int wstransport_readable(struct wstransport *t)
{
    if (t->dead)
        return -1;
    switch (t->state) {
    case T_TCP:
        return 0; /* writable says when the connect ends */
    case T_TLS:
        return tls_step(t);
    case T_UPGRADE:
    case T_OPEN:
        if (t->write_wants_read && out_flush(t))
            return -1;
        return read_pass(t);
    }
    return 0;
}

static int writable_step(struct wstransport *t)
{
    switch (t->state) {
    case T_TCP:
        return tcp_step(t);
    case T_TLS:
        return tls_step(t);
    case T_UPGRADE:
        return out_flush(t);
    case T_OPEN:
        if (out_flush(t))
            return -1;
        if ((t->rx_more || t->read_wants_write) && read_pass(t))
            return -1;
        return t->dead ? -1 : t->ops->on_writable(t->arg);
    }
    return 0;
}

int wstransport_writable(struct wstransport *t)
{
    if (t->dead)
        return -1;
    t->in_writable = 1;
    t->want_again = 0;
    int rc = writable_step(t);
    t->in_writable = 0;
    if (!rc && t->want_again && !t->dead)
        lws_sul_schedule(t->sh->ctx, 0, &t->again, again_cb, 1);
    return rc;
}

int wstransport_write(struct wstransport *t, const void *buf, size_t len)
{
    if (t->dead || t->state != T_OPEN)
        return -1;
    return send_bytes(t, buf, len);
}

void wstransport_closed(struct wstransport *t, char *why)
{
    if (!t->why[0] && t->state == T_TCP) {
        int e = 0;
        socklen_t el = sizeof e;
        if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &e, &el) == 0 && e)
            fail(t, "connect: %s", strerror(e));
    }
    snprintf(why, WSTRANSPORT_WHY_MAX, "%s", t->why[0] ? t->why : "closed");
    lws_sul_cancel(&t->timer);
    lws_sul_cancel(&t->again);
    SSL_free(t->ssl); /* no close_notify: the fd goes with lws's close */
    free(t->out);
    strbuf_free(&t->answer);
    free(t);
}
