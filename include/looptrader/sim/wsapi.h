/*
 * wsapi.h - the simulator's WebSocket side: WebSocket API, user data and
 * market streams, in the Binance Spot dialect.
 *
 *   /ws-api/v3            JSON requests {"id","method","params"}; user data
 *                         through userDataStream.subscribe.signature, many
 *                         accounts per connection, events wrapped as
 *                         {"subscriptionId":N,"event":{...}}
 *   /ws/<listenKey>       legacy user data stream (events unwrapped)
 *   /ws/user              user data of the session account whose cookie and
 *                         header the upgrade request carries
 *   /ws/<stream>[/...]    raw market streams; /stream?streams=a/b combined
 *                         ({"stream":..,"data":..}); SUBSCRIBE, UNSUBSCRIBE
 *                         and LIST_SUBSCRIPTIONS on any /ws or /stream path
 *
 * Any of them with ?timeUnit=MICROSECOND gets its times in microseconds.
 *
 * It is the exchange's event sink: executionReport, outboundAccountPosition,
 * trades and book tickers are pushed as they happen; depth diffs and
 * tickers on wsapi_tick.
 */
#ifndef LOOPTRADER_SIM_WSAPI_H
#define LOOPTRADER_SIM_WSAPI_H

#include <stdint.h>
#include <stdio.h>

#include "looptrader/error.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/faults.h"
#include "looptrader/sim/listenkey.h"
#include "looptrader/sim/rest.h"
#include "looptrader/sim/server.h"

struct wsconn;

struct sub_ref;

/* What one kind of WebSocket path served (--stats-file). */
struct wsapi_stat {
    unsigned long long opened;   /* connections accepted */
    unsigned long long open;     /* open now */
    unsigned long long peak;     /* most open at once */
    unsigned long long calls;    /* messages received */
    unsigned long long weight;   /* request weight charged (WS API) */
};

struct wsapi {
    struct sim_exchange *ex;
    struct rest *rest;         /* shared request-weight window */
    struct listenkeys *keys;
    struct faults *faults;     /* push_loss; http429, http5xx and ws_order_drop
                                * on WS API requests for REST endpoints */
    struct wsconn *conns;      /* every open connection */
    struct sub_ref **subs_of;  /* [accounts]: who receives that account's
                                * user-data events (linked per account, so an
                                * event never scans every connection) */
    size_t n_accounts;
    int64_t next_ticker_ms;    /* @ticker / @miniTicker cadence */
    int64_t next_key_check_ms; /* listenKey expiry */
    struct strbuf ev, msg;     /* scratch: one event, one wrapped message */
    struct strbuf us;          /* scratch: a message in microseconds */
    struct wsapi_stat stats[3]; /* by path kind: /ws-api/v3, /ws..., /stream */
};

int wsapi_init(struct wsapi *w, struct sim_exchange *ex, struct rest *rest,
               struct listenkeys *keys, struct faults *faults, struct lt_err *err);
/* Unregisters the sink; connections are closed by the server first. */
void wsapi_free(struct wsapi *w);

/* A WebSocket API method that is a REST endpoint in another envelope
 * (order.place is POST /api/v3/order): the one table of them, which the
 * hostile test server reads to lie in WS API answers as in REST's. */
struct wsapi_endpoint {
    const char *method;
    enum sim_method http;
    const char *path;
    int is_signed; /* 1 signed (or a session's), 2 apiKey only */
};

const struct wsapi_endpoint *wsapi_endpoints(size_t *n);

/* server_handlers callbacks (arg: struct wsapi, app: struct wsconn). */
int wsapi_open(void *arg, struct sim_req *req, void **app);
void wsapi_message(void *app, const char *msg, size_t len);
void wsapi_close(void *app);

/* Writes the connection counts as members of the --stats-file object:
 * "WS /ws-api/v3":{"calls":n,"weight":w,"connections":n,"open":n,"peak":n}
 * and likewise "WS /ws" and "WS /stream" (kinds never opened left out);
 * comma: members were written before. */
void wsapi_stats_write(const struct wsapi *w, FILE *f, int comma);

/* Pushes what is due by now: depth diffs, tickers, listenKey expiry. */
void wsapi_tick(struct wsapi *w, int64_t now_ms);

#endif
