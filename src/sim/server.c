/*
 * server.c - libwebsockets plumbing of the simulator (see server.h).
 *
 * One protocol serves both roles, because clients open WebSocket paths
 * without naming a subprotocol and lws then binds the first one.  A
 * connection's state (struct sim_conn) is lws's per-session data: for HTTP
 * it carries the request being gathered and the response being written
 * (reused across keep-alive transactions); for WebSocket it carries the
 * outgoing queue.  Responses are written in the callback that completes the
 * request when no latency fault is set (saves a poll round per request);
 * otherwise a per-connection lws timer fires later and the write happens on
 * the next writable callback, so the service thread never sleeps.
 *
 * The latency fault delays WebSocket API answers too (server_ws_answer): an
 * answer waits in the connection's FIFO of held answers, bounded as its
 * outgoing queue, until its time; pushes are queued at once, so, as over
 * REST, an order's pushes come before its answer.
 *
 * WebSocket messages are framed here, into one per-connection buffer, and
 * everything queued is written with one send per writable callback: an
 * order's executionReport and outboundAccountPosition, and the pushes of
 * the other users sharing the connection, went out as a send (and a poll
 * round) each, and loopback sends were the largest share of the
 * simulator's CPU.  lws passes an LWS_WRITE_RAW write on a WebSocket
 * connection straight to the socket (buffering what it does not take), so
 * the frames, built as lws builds a server's (unmasked, no extension), are
 * what the client reads.  A write ends at a frame boundary, so lws's own
 * control frames (pongs, close) never land inside one of ours.
 */
#include "looptrader/sim/server.h"
#include "looptrader/clock.h"
#include "looptrader/log.h"
#include "looptrader/wsframe.h"

#include <libwebsockets.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define WS_QUEUE_MAX (8u * 1024 * 1024) /* bytes queued before a client is dropped */
#define WS_WRITE_MAX (64u * 1024)       /* bytes of whole frames per writable callback */
#define WS_RX_MAX (64 * 1024)
#define WS_PING_MS 20000
#define HDR_ROOM 1024
#define HDR_NAME_MAX 96
#define HDR_NAMES_MAX 16
#define SPARE_MAX 32               /* sessions' buffers kept for the next ones */
#define SPARE_KEEP_MAX (64 * 1024) /* a buffer grown past this is freed instead */
/* Request line + headers lws keeps per request (its default is 4 KiB): room
 * for long signed queries such as a symbols=[...] list of the whole venue. */
#define HTTP_HEADER_MAX 16384

/* A WebSocket API answer held by the latency fault until due_us. */
struct ws_held {
    struct ws_held *next;
    int64_t due_us; /* clock_mono_us */
    size_t len;
    char msg[];
};

struct sim_conn {
    struct sim_server *srv;
    struct lws *wsi;
    int init; /* req/resp/out/rx initialised */
    struct sim_req req;
    struct sim_resp resp;
    struct strbuf out; /* serialised HTTP response, LWS_PRE headroom first */
    int too_big;       /* request body passed SIM_BODY_MAX */
    int dispatched;    /* this request was handled: lws may still report its
                          (empty) body complete while a delayed answer waits */
    int pending;       /* out holds a response not yet written */
    char peer[48];     /* the client's address, read once per session */
    lws_sorted_usec_list_t delay;

    /* WebSocket only */
    int is_ws;
    void *app;
    struct strbuf rx;
    struct strbuf tx; /* framed messages; tx.buf[txoff..] not yet written */
    size_t txoff;
    int closing;
    int answering;                  /* inside server_ws_answer: the sends are its answer */
    struct ws_held *held, *held_tail; /* answers the latency fault holds, oldest first */
    size_t held_bytes;
    lws_sorted_usec_list_t held_sul; /* the oldest held answer's time */
    struct sim_conn *next, *prev; /* server's WebSocket list */
};

/* The buffers of a session.  lws frees an HTTP session's data at the end of
 * every transaction (a keep-alive connection's next request is bound
 * afresh), so each request allocated and regrew them: an ended session
 * leaves them here, emptied, for the next one to start with. */
struct spare_bufs {
    struct strbuf store, body, resp, out;
};

struct sim_server {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    struct server_handlers h;
    struct faults *faults;
    int port;
    volatile sig_atomic_t stop;
    int filtering; /* inside h.ws_filter: its own sends pass unfiltered */
    struct sim_conn *ws_list;
    lws_sorted_usec_list_t tick_sul, drop_sul, ping_sul;
    /* Header names server_header was asked for, with their lws token (-1:
     * a custom header): finding a name among lws's ~90 token strings was a
     * scan of strcmps per lookup, and every request looks up the same few. */
    struct {
        char name[HDR_NAME_MAX]; /* lowercased, with the ':' lws keeps */
        int token;
    } hdr_names[HDR_NAMES_MAX];
    int n_hdr_names;
    struct spare_bufs spare[SPARE_MAX];
    int n_spare;
};

static int64_t g_clock_offset_ms; /* set before any thread starts */

void server_set_clock_offset(int64_t ms) { g_clock_offset_ms = ms; }

int64_t server_now_ms(void)
{
    return clock_wall_ms() + g_clock_offset_ms;
}

static void conn_init(struct sim_conn *c, struct lws *wsi)
{
    if (c->init)
        return;
    c->init = 1;
    c->wsi = wsi;
    c->srv = lws_context_user(lws_get_context(wsi));
    c->peer[0] = '\0';
    lws_get_peer_simple(wsi, c->peer, sizeof(c->peer));
    params_init(&c->req.params);
    if (c->srv->n_spare) {
        struct spare_bufs *b = &c->srv->spare[--c->srv->n_spare];
        c->req.params.store = b->store;
        c->req.body = b->body;
        c->resp.body = b->resp;
        c->out = b->out;
    } else {
        strbuf_init(&c->req.body, SIM_BODY_MAX);
        strbuf_init(&c->resp.body, 0);
        strbuf_init(&c->out, 0);
    }
    strbuf_init(&c->rx, WS_RX_MAX);
    strbuf_init(&c->tx, WS_QUEUE_MAX);
    c->txoff = 0;
}

static void conn_free(struct sim_conn *c)
{
    if (!c->init)
        return;
    struct sim_server *s = c->srv;
    lws_sul_cancel(&c->delay);
    lws_sul_cancel(&c->held_sul);
    while (c->held) {
        struct ws_held *n = c->held->next;
        free(c->held);
        c->held = n;
    }
    c->held_tail = NULL;
    c->held_bytes = 0;
    if (c->is_ws) {
        if (c->app && s->h.ws_close)
            s->h.ws_close(c->app);
        c->app = NULL;
        if (c->prev)
            c->prev->next = c->next;
        else if (s->ws_list == c)
            s->ws_list = c->next;
        if (c->next)
            c->next->prev = c->prev;
    }
    if (s->n_spare < SPARE_MAX && c->req.params.store.alloc <= SPARE_KEEP_MAX &&
        c->req.body.alloc <= SPARE_KEEP_MAX && c->resp.body.alloc <= SPARE_KEEP_MAX &&
        c->out.alloc <= SPARE_KEEP_MAX) {
        struct spare_bufs *b = &s->spare[s->n_spare++];
        b->store = c->req.params.store;
        b->body = c->req.body;
        b->resp = c->resp.body;
        b->out = c->out;
        strbuf_reset(&b->store);
        strbuf_reset(&b->body);
        strbuf_reset(&b->resp);
        strbuf_reset(&b->out);
    } else {
        params_release(&c->req.params);
        strbuf_free(&c->req.body);
        strbuf_free(&c->resp.body);
        strbuf_free(&c->out);
    }
    strbuf_free(&c->rx);
    strbuf_free(&c->tx);
    c->init = 0;
}

static enum sim_method method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return SIM_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
        return SIM_POST;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI))
        return SIM_DELETE;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI))
        return SIM_PUT;
    return SIM_OTHER;
}

/* Starts a request: path and query fragments.  lws url-decodes each
 * '&'-separated fragment ('+' becomes a space) before we see it.  A
 * fragment fits frag whatever its length, since it came from the header
 * space: lws would refuse a shorter buffer and the parameter would be lost. */
static int req_begin(struct sim_conn *c, const char *path, size_t path_len)
{
    struct sim_req *r = &c->req;
    char frag[HTTP_HEADER_MAX];
    int n;

    params_reset(&r->params);
    strbuf_reset(&r->body);
    c->too_big = 0;
    c->dispatched = 0;
    r->conn = c;
    memcpy(r->ip, c->peer, sizeof(r->ip));
    r->method = method_of(c->wsi);
    if (path_len >= sizeof(r->path))
        path_len = sizeof(r->path) - 1;
    memcpy(r->path, path, path_len);
    r->path[path_len] = '\0';
    int args = lws_hdr_total_length(c->wsi, WSI_TOKEN_HTTP_URI_ARGS);
    for (int i = 0; args > 0; i++) {
        n = lws_hdr_copy_fragment(c->wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0)
            break;
        /* lws appends a lone "/" fragment after a trailing '&' or '?'. */
        if (n == 1 && frag[0] == '/' &&
            lws_hdr_copy_fragment(c->wsi, frag + 2, 2, WSI_TOKEN_HTTP_URI_ARGS, i + 1) < 0)
            break;
        if (params_add_fragment(&r->params, frag, (size_t)n, PARAMS_QUERY))
            return -1;
    }
    return 0;
}

static int add_int_header(struct lws *wsi, const char *name, int v, unsigned char **p,
                          unsigned char *end)
{
    char num[24];
    if (v < 0)
        return 0;
    int n = snprintf(num, sizeof(num), "%d", v);
    return lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                       (const unsigned char *)num, n, p, end);
}

/* Serialises c->resp into c->out (headers and body, one buffer). */
static int resp_serialise(struct sim_conn *c)
{
    struct sim_resp *r = &c->resp;
    strbuf_reset(&c->out);
    if (strbuf_grow(&c->out, LWS_PRE + HDR_ROOM + r->body.len))
        return -1;
    unsigned char *start = (unsigned char *)c->out.buf + LWS_PRE, *p = start;
    unsigned char *end = start + HDR_ROOM;
    static const char ctype[] = "application/json;charset=UTF-8";

    if (lws_add_http_header_status(c->wsi, (unsigned)r->status, &p, end) ||
        lws_add_http_header_by_token(c->wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)ctype, (int)sizeof(ctype) - 1, &p,
                                     end) ||
        lws_add_http_header_content_length(c->wsi, r->body.len, &p, end) ||
        add_int_header(c->wsi, "x-mbx-used-weight-1m:", r->used_weight, &p, end) ||
        add_int_header(c->wsi, "x-mbx-order-count-10s:", r->orders_10s, &p, end) ||
        add_int_header(c->wsi, "x-mbx-order-count-1d:", r->orders_1d, &p, end) ||
        add_int_header(c->wsi, "retry-after:", r->retry_after, &p, end) ||
        lws_finalize_http_header(c->wsi, &p, end))
        return -1;
    memcpy(p, r->body.buf, r->body.len);
    c->out.len = (size_t)(p - (unsigned char *)c->out.buf) + r->body.len;
    c->pending = 1;
    return 0;
}

/* Writes the pending response; lws buffers whatever the socket does not
 * take and completes the transaction once it is flushed.  Returns the value
 * the lws callback must return. */
static int resp_write(struct sim_conn *c)
{
    size_t len = c->out.len - LWS_PRE;
    c->pending = 0;
    if (lws_write(c->wsi, (unsigned char *)c->out.buf + LWS_PRE, len, LWS_WRITE_HTTP_HEADERS) !=
        (int)len)
        return -1;
    return lws_http_transaction_completed(c->wsi) ? -1 : 0;
}

static void delay_done(lws_sorted_usec_list_t *sul)
{
    struct sim_conn *c = lws_container_of(sul, struct sim_conn, delay);
    lws_callback_on_writable(c->wsi);
}

static void resp_error(struct sim_resp *r, int status, int code, const char *msg)
{
    r->status = status;
    strbuf_reset(&r->body);
    strbuf_addf(&r->body, "{\"code\":%d,\"msg\":\"%s\"}", code, msg);
}

static int is_form(struct lws *wsi)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 1; /* curl -d without a type, hand-written clients */
    return strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0 ||
           strncasecmp(ct, "text/plain", 10) == 0;
}

/* The request is complete: apply faults, run the handler, answer. */
static int req_dispatch(struct sim_conn *c)
{
    struct sim_server *s = c->srv;
    struct sim_req *q = &c->req;
    struct sim_resp *r = &c->resp;
    struct faults *f = s->faults;
    struct lt_err err = { 0 };

    if (c->dispatched)
        return 0;
    c->dispatched = 1;
    q->now_ms = server_now_ms();
    r->status = 200;
    strbuf_reset(&r->body);
    r->retry_after = r->used_weight = r->orders_10s = r->orders_1d = -1;

    struct fault_answer fa = { 0 };
    enum fault_http fault = c->too_big ? FAULT_HTTP_NONE : faults_draw_http(f, &fa);
    if (c->too_big) {
        resp_error(r, 413, -1100, "Request body too large.");
    } else if (fault == FAULT_HTTP_429 || fault == FAULT_HTTP_5XX_BEFORE) {
        resp_error(r, fa.status, fa.code, fa.msg);
        r->retry_after = fa.retry_after_s;
    } else if (q->body.len && is_form(c->wsi) &&
               params_parse_form(&q->params, q->body.buf, q->body.len, &err)) {
        resp_error(r, err.http_status, err.venue_code, err.msg);
    } else {
        s->h.http(s->h.arg, q, r);
        /* 5xx after execution: the order may exist though the client saw an error. */
        if (fault == FAULT_HTTP_5XX_AFTER)
            resp_error(r, fa.status, fa.code, fa.msg);
    }
    if (resp_serialise(c))
        return -1;
    if (f && f->latency_ms > 0) {
        lws_sul_schedule(lws_get_context(c->wsi), 0, &c->delay, delay_done,
                         (lws_usec_t)f->latency_ms * LWS_US_PER_MS);
        return 0;
    }
    return resp_write(c);
}

/* ---- WebSocket ---- */

/* Appends one unmasked final frame of opcode op (a server's frame: RFC 6455
 * 5.2) to c's queue.  0, LT_ERANGE past WS_QUEUE_MAX, or LT_ENOMEM. */
static int ws_queue_frame(struct sim_conn *c, unsigned char op, const char *msg, size_t len)
{
    unsigned char hdr[WSFRAME_HDR_MAX];
    size_t h = wsframe_header(hdr, op, len, NULL);
    if (c->tx.len - c->txoff + h + len > WS_QUEUE_MAX)
        return LT_ERANGE;
    if (c->txoff) { /* a write left frames behind: keep them at the front */
        memmove(c->tx.buf, c->tx.buf + c->txoff, c->tx.len - c->txoff);
        c->tx.len -= c->txoff;
        c->tx.buf[c->tx.len] = '\0';
        c->txoff = 0;
    }
    if (strbuf_grow(&c->tx, h + len))
        return LT_ENOMEM;
    strbuf_add(&c->tx, hdr, h);
    if (len)
        strbuf_add(&c->tx, msg, len);
    return 0;
}

/* Bytes of the whole frames from tx.buf[off] that fit in max (at least the
 * first one): the frames were built by ws_queue_frame, so their lengths are
 * ours to read back. */
static size_t ws_frames_span(const struct strbuf *tx, size_t off, size_t max)
{
    size_t span = 0;
    while (off + span < tx->len) {
        const unsigned char *f = (const unsigned char *)tx->buf + off + span;
        size_t h = 2, n = f[1] & 0x7f;
        if (n == 126) {
            n = (size_t)f[2] << 8 | f[3];
            h = 4;
        } else if (n == 127) {
            n = 0;
            for (int i = 0; i < 8; i++)
                n = n << 8 | f[2 + i];
            h = 10;
        }
        if (span && span + h + n > max)
            break;
        span += h + n;
    }
    return span;
}

/* A text message to c's outgoing queue, now; past the queue's bound the
 * client is dropped as a slow consumer. */
static int ws_queue_text(struct sim_conn *c, const char *msg, size_t len)
{
    int rc = ws_queue_frame(c, 0x1 /* text */, msg, len);
    if (rc == LT_ERANGE) {
        log_warn("sim: dropping a WebSocket client that does not read (%zu bytes queued)",
                 c->tx.len - c->txoff);
        server_ws_close(c);
    }
    if (rc)
        return rc;
    lws_callback_on_writable(c->wsi);
    return 0;
}

/* The held answers that are due go to the outgoing queue, in order. */
static void ws_held_due(lws_sorted_usec_list_t *sul)
{
    struct sim_conn *c = lws_container_of(sul, struct sim_conn, held_sul);
    int64_t now = clock_mono_us();
    while (c->held && c->held->due_us <= now) {
        struct ws_held *a = c->held;
        c->held = a->next;
        if (!c->held)
            c->held_tail = NULL;
        c->held_bytes -= a->len;
        if (!c->closing)
            ws_queue_text(c, a->msg, a->len);
        free(a);
    }
    if (c->held)
        lws_sul_schedule(lws_get_context(c->wsi), 0, &c->held_sul, ws_held_due,
                         (lws_usec_t)(c->held->due_us - now));
}

/* An answer held for the latency fault's delay, after those held before
 * it (one delay for all: the FIFO is in time order).  The held answers
 * count against the outgoing queue's bound. */
static int ws_hold(struct sim_conn *c, const char *msg, size_t len, int delay_ms)
{
    if (c->held_bytes + len + (c->tx.len - c->txoff) > WS_QUEUE_MAX) {
        log_warn("sim: dropping a WebSocket client that does not read (%zu bytes of answers held)",
                 c->held_bytes);
        server_ws_close(c);
        return LT_ERANGE;
    }
    struct ws_held *a = malloc(sizeof(*a) + len);
    if (!a)
        return LT_ENOMEM;
    a->next = NULL;
    a->due_us = clock_mono_us() + (int64_t)delay_ms * 1000;
    a->len = len;
    memcpy(a->msg, msg, len);
    if (c->held_tail) {
        c->held_tail->next = a;
    } else {
        c->held = a;
        lws_sul_schedule(lws_get_context(c->wsi), 0, &c->held_sul, ws_held_due,
                         (lws_usec_t)delay_ms * LWS_US_PER_MS);
    }
    c->held_tail = a;
    c->held_bytes += len;
    return 0;
}

int server_ws_send(struct sim_conn *c, const char *msg, size_t len)
{
    if (!c->is_ws || c->closing)
        return LT_EIO;
    struct sim_server *s = c->srv;
    if (s->h.ws_filter && !s->filtering) {
        s->filtering = 1;
        int handled = s->h.ws_filter(s->h.arg, c, msg, len);
        s->filtering = 0;
        if (handled)
            return 0;
    }
    if (c->answering && s->faults && s->faults->latency_ms > 0)
        return ws_hold(c, msg, len, s->faults->latency_ms);
    return ws_queue_text(c, msg, len);
}

int server_ws_answer(struct sim_conn *c, const char *msg, size_t len)
{
    c->answering = 1;
    int rc = server_ws_send(c, msg, len);
    c->answering = 0;
    return rc;
}

void server_ws_close(struct sim_conn *c)
{
    c->closing = 1;
    lws_callback_on_writable(c->wsi);
}

static int ws_writable(struct sim_conn *c)
{
    if (c->txoff == c->tx.len) {
        if (c->closing) {
            lws_close_reason(c->wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
            return -1;
        }
        return 0;
    }
    size_t n = ws_frames_span(&c->tx, c->txoff, WS_WRITE_MAX);
    if (lws_write(c->wsi, (unsigned char *)c->tx.buf + c->txoff, n, LWS_WRITE_RAW) < (int)n)
        return -1;
    c->txoff += n;
    if (c->txoff == c->tx.len) {
        strbuf_reset(&c->tx);
        c->txoff = 0;
    }
    if (c->txoff < c->tx.len || c->closing)
        lws_callback_on_writable(c->wsi);
    return 0;
}

static int ws_established(struct sim_conn *c, struct lws *wsi)
{
    struct sim_server *s = c->srv;
    char path[256];
    int n = lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI);
    if (n < 0)
        n = 0;
    c->is_ws = 1;
    c->next = s->ws_list;
    c->prev = NULL;
    if (s->ws_list)
        s->ws_list->prev = c;
    s->ws_list = c;
    if (req_begin(c, path, (size_t)n))
        return -1;
    c->req.now_ms = server_now_ms();
    if (s->h.ws_open(s->h.arg, &c->req, &c->app)) {
        static const char why[] = "Invalid request";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)why,
                         sizeof(why) - 1);
        return -1;
    }
    return 0;
}

static int ws_receive(struct sim_conn *c, const void *in, size_t len)
{
    if (lws_is_first_fragment(c->wsi))
        strbuf_reset(&c->rx);
    if (strbuf_add(&c->rx, in, len)) {
        static const char why[] = "Message too large";
        lws_close_reason(c->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)why,
                         sizeof(why) - 1);
        return -1;
    }
    if (!lws_is_final_fragment(c->wsi) || lws_remaining_packet_payload(c->wsi))
        return 0;
    if (c->app && !c->closing)
        c->srv->h.ws_message(c->app, c->rx.buf, c->rx.len);
    strbuf_reset(&c->rx);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct sim_conn *c = user;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        conn_init(c, wsi);
        if (req_begin(c, in, strlen(in)))
            return -1;
        if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
            char cl[32];
            lws_hdr_copy(wsi, cl, sizeof(cl), WSI_TOKEN_HTTP_CONTENT_LENGTH);
            if (strtoll(cl, NULL, 10) > 0)
                return 0; /* wait for the body */
        }
        return req_dispatch(c);
    case LWS_CALLBACK_HTTP_BODY:
        if (c->init && !c->too_big && strbuf_add(&c->req.body, in, len))
            c->too_big = 1;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (!c->init)
            return -1;
        return req_dispatch(c);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (c->init && c->pending)
            return resp_write(c);
        return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (c && !c->is_ws)
            conn_free(c);
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        conn_init(c, wsi);
        return ws_established(c, wsi);
    case LWS_CALLBACK_RECEIVE:
        return c->init ? ws_receive(c, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return c->init ? ws_writable(c) : -1;
    case LWS_CALLBACK_CLOSED:
        if (c)
            conn_free(c);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    { "binance", callback, sizeof(struct sim_conn), 4096, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

/* ---- timers ---- */

static void tick_cb(lws_sorted_usec_list_t *sul)
{
    struct sim_server *s = lws_container_of(sul, struct sim_server, tick_sul);
    s->h.tick(s->h.arg, server_now_ms());
    lws_sul_schedule(s->ctx, 0, &s->tick_sul, tick_cb, (lws_usec_t)s->h.tick_ms * LWS_US_PER_MS);
}

static void drop_cb(lws_sorted_usec_list_t *sul)
{
    struct sim_server *s = lws_container_of(sul, struct sim_server, drop_sul);
    int n = 0;
    for (struct sim_conn *c = s->ws_list; c; c = c->next, n++)
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    if (n)
        log_info("sim: fault ws_drop_ms: dropped %d WebSocket connection(s)", n);
    lws_sul_schedule(s->ctx, 0, &s->drop_sul, drop_cb,
                     (lws_usec_t)s->faults->ws_drop_ms * LWS_US_PER_MS);
}

static void ping_cb(lws_sorted_usec_list_t *sul)
{
    struct sim_server *s = lws_container_of(sul, struct sim_server, ping_sul);
    for (struct sim_conn *c = s->ws_list; c; c = c->next)
        if (!c->closing && !ws_queue_frame(c, 0x9 /* ping */, NULL, 0))
            lws_callback_on_writable(c->wsi);
    lws_sul_schedule(s->ctx, 0, &s->ping_sul, ping_cb, (lws_usec_t)WS_PING_MS * LWS_US_PER_MS);
}

static void lws_log_to_ours(int level, const char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_msg(level == LLL_ERR ? LOG_ERROR : LOG_WARN, "lws: %.*s", (int)n, line);
}

int server_create(struct sim_server **out, const struct server_opts *o, struct lt_err *err)
{
    struct sim_server *s = calloc(1, sizeof(*s));
    if (!s)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    s->h = o->h;
    s->faults = o->faults;

    lws_set_log_level(LLL_ERR | LLL_WARN, lws_log_to_ours);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    info.user = s;
    /* Header limits are the context's (lws ignores them on a vhost). */
    info.max_http_header_data = HTTP_HEADER_MAX;
    info.max_http_header_pool = 1024;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        free(s);
        return lt_err_set(err, LT_EIO, "libwebsockets context creation failed");
    }
    memset(&info, 0, sizeof(info));
    info.port = o->port;
    info.iface = o->bind ? o->bind : "127.0.0.1";
    info.protocols = protocols;
    info.vhost_name = "looptrader-sim";
    info.keepalive_timeout = 120;
    info.timeout_secs = 30;
    if (!strchr(info.iface, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    s->vh = lws_create_vhost(s->ctx, &info);
    if (!s->vh) {
        lws_context_destroy(s->ctx);
        free(s);
        return lt_err_set(err, LT_EIO, "cannot listen on %s:%d", info.iface, o->port);
    }
    s->port = lws_get_vhost_listen_port(s->vh);
    if (s->h.tick && s->h.tick_ms > 0)
        lws_sul_schedule(s->ctx, 0, &s->tick_sul, tick_cb,
                         (lws_usec_t)s->h.tick_ms * LWS_US_PER_MS);
    if (s->faults && s->faults->ws_drop_ms > 0)
        lws_sul_schedule(s->ctx, 0, &s->drop_sul, drop_cb,
                         (lws_usec_t)s->faults->ws_drop_ms * LWS_US_PER_MS);
    lws_sul_schedule(s->ctx, 0, &s->ping_sul, ping_cb, (lws_usec_t)WS_PING_MS * LWS_US_PER_MS);
    *out = s;
    return 0;
}

int server_port(const struct sim_server *s)
{
    return s->port;
}

int server_run(struct sim_server *s)
{
    while (!s->stop)
        if (lws_service(s->ctx, 0) < 0)
            return LT_EIO;
    return 0;
}

void server_stop(struct sim_server *s)
{
    s->stop = 1;
    lws_cancel_service(s->ctx);
}

void server_destroy(struct sim_server *s)
{
    if (!s)
        return;
    lws_sul_cancel(&s->tick_sul);
    lws_sul_cancel(&s->drop_sul);
    lws_sul_cancel(&s->ping_sul);
    lws_context_destroy(s->ctx);
    while (s->n_spare) {
        struct spare_bufs *b = &s->spare[--s->n_spare];
        strbuf_free(&b->store);
        strbuf_free(&b->body);
        strbuf_free(&b->resp);
        strbuf_free(&b->out);
    }
    free(s);
}

/* The lws token of a lowercased "name:", or -1 when lws keeps it as a
 * custom header. */
static int header_token(struct sim_server *s, const char *lname)
{
    for (int i = 0; i < s->n_hdr_names; i++)
        if (!strcmp(s->hdr_names[i].name, lname))
            return s->hdr_names[i].token;
    int token = -1;
    for (int t = 0; t < WSI_TOKEN_COUNT && token < 0; t++) {
        const unsigned char *tn = lws_token_to_string((enum lws_token_indexes)t);
        if (tn && !strcmp((const char *)tn, lname))
            token = t;
    }
    if (s->n_hdr_names < HDR_NAMES_MAX) {
        strcpy(s->hdr_names[s->n_hdr_names].name, lname);
        s->hdr_names[s->n_hdr_names++].token = token;
    }
    return token;
}

/* Known headers live in lws token slots; the rest are "custom" headers. */
int server_header(struct sim_conn *c, const char *name, char *out, int out_len)
{
    char lname[HDR_NAME_MAX];
    size_t n = strlen(name);
    if (n + 2 > sizeof(lname))
        return -1;
    for (size_t i = 0; i < n; i++)
        lname[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    lname[n] = ':';
    lname[n + 1] = '\0';
    int t = header_token(c->srv, lname);
    if (t >= 0) {
        if (lws_hdr_total_length(c->wsi, (enum lws_token_indexes)t) >= out_len)
            return -1;
        return lws_hdr_copy(c->wsi, out, out_len, (enum lws_token_indexes)t) > 0
                   ? (int)strlen(out)
                   : -1;
    }
    int len = lws_hdr_custom_length(c->wsi, lname, (int)n + 1);
    if (len < 0 || len >= out_len)
        return -1;
    return lws_hdr_custom_copy(c->wsi, out, out_len, lname, (int)n + 1) < 0 ? -1 : len;
}
