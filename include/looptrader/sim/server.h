/*
 * server.h - the simulator's transport: HTTP/1.1 and WebSocket on one port.
 *
 * One libwebsockets context, one service thread, one protocol handling both
 * HTTP transactions (keep-alive) and WebSocket connections.  The server
 * knows nothing of Binance: it gathers a request (method, path, parameters
 * from the query and a form body, raw body bytes), hands it to the handlers
 * given at creation and writes back what they answer, applying the
 * transport-level faults (latency, 5xx, 429, WebSocket drops) on the way.
 * Everything, handlers included, runs on the service thread.
 */
#ifndef LOOPTRADER_SIM_SERVER_H
#define LOOPTRADER_SIM_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/sim/faults.h"
#include "looptrader/sim/params.h"
#include "looptrader/strbuf.h"

#define SIM_BODY_MAX (64 * 1024) /* larger request bodies get 413 */

struct sim_server;
struct sim_conn; /* one client connection (HTTP or WebSocket) */

enum sim_method { SIM_GET, SIM_POST, SIM_PUT, SIM_DELETE, SIM_OTHER };

/* One HTTP request (or a WebSocket upgrade request). */
struct sim_req {
    enum sim_method method;
    char path[256];       /* decoded path, no query */
    struct params params; /* query fragments, then form-body pairs */
    struct strbuf body;   /* raw body bytes, capped at SIM_BODY_MAX */
    struct sim_conn *conn;
    int64_t now_ms;       /* wall clock when the request was complete */
    char ip[48];          /* the client's address: request weight is counted per IP */
};

/* What a handler answers.  Headers with a negative value are omitted. */
struct sim_resp {
    int status;
    struct strbuf body; /* JSON */
    int retry_after;    /* seconds */
    int used_weight;    /* X-MBX-USED-WEIGHT-1M */
    int orders_10s;     /* X-MBX-ORDER-COUNT-10S */
    int orders_1d;      /* X-MBX-ORDER-COUNT-1D */
};

struct server_handlers {
    void *arg;
    /* Fills resp (status 200 and a body by default).  Any return is fine;
     * the response is what is sent. */
    void (*http)(void *arg, struct sim_req *req, struct sim_resp *resp);
    /* A WebSocket upgrade on req->path.  Returns 0 and sets *app (the
     * handler's per-connection state), or a negative code to refuse. */
    int (*ws_open)(void *arg, struct sim_req *req, void **app);
    /* One complete text message. */
    void (*ws_message)(void *app, const char *msg, size_t len);
    /* The connection is gone; free app. */
    void (*ws_close)(void *app);
    /* Called every tick_ms milliseconds (0: never). */
    void (*tick)(void *arg, int64_t now_ms);
    int tick_ms;
    /* Optional (NULL in the product simulator): sees every WebSocket
     * message before it is queued.  Returns 0 to let it through unchanged,
     * nonzero when it dropped it or queued replacements itself (its own
     * server_ws_send calls are not filtered again).  For test servers that
     * lie (test/tools/hostile.c). */
    int (*ws_filter)(void *arg, struct sim_conn *conn, const char *msg, size_t len);
};

struct server_opts {
    const char *bind; /* address to listen on; NULL: 127.0.0.1 */
    int port;         /* 0: any free port */
    struct faults *faults;
    struct server_handlers h;
};

int server_create(struct sim_server **out, const struct server_opts *opts, struct lt_err *err);
/* The port actually listened on. */
int server_port(const struct sim_server *s);
/* Serves until server_stop(); 0 or LT_EIO. */
int server_run(struct sim_server *s);
/* Async-signal-safe: asks server_run to return. */
void server_stop(struct sim_server *s);
void server_destroy(struct sim_server *s);

/* Wall clock in milliseconds since the epoch, plus the offset set (tests
 * of a day boundary: --clock-offset-ms). */
int64_t server_now_ms(void);
/* Before the server starts. */
void server_set_clock_offset(int64_t ms);

/* Copies a request header (case-insensitive name without colon, e.g.
 * "x-mbx-apikey") of the request being served on conn.  Returns its length,
 * or -1 when absent or longer than out_len - 1. */
int server_header(struct sim_conn *conn, const char *name, char *out, int out_len);

/* Queues a WebSocket text message on conn (copied).  A connection whose
 * queue passes its bound is closed as a slow consumer.  0 or LT_E*. */
int server_ws_send(struct sim_conn *conn, const char *msg, size_t len);
/* The same for the answer to a request on conn (the WebSocket API's): the
 * latency fault holds it for its delay, after the answers held before it;
 * the filter sees it, and whatever the filter sends for it is held alike. */
int server_ws_answer(struct sim_conn *conn, const char *msg, size_t len);
/* Closes a WebSocket connection after its queued messages (answers still
 * held by the latency fault are dropped). */
void server_ws_close(struct sim_conn *conn);

#endif
