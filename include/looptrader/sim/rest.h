/*
 * rest.h - the Binance Spot REST API v3 served by the simulator.
 *
 * Routes a request (struct sim_req) to its endpoint, authenticates it,
 * checks parameters as Binance does, calls the exchange and renders the
 * answer.  Also keeps the request-weight and order-count windows behind the
 * X-MBX-USED-WEIGHT-1M / X-MBX-ORDER-COUNT-* headers, and enforces the
 * limits the simulator's configuration sets (none by default).
 */
#ifndef LOOPTRADER_SIM_REST_H
#define LOOPTRADER_SIM_REST_H

#include <stdint.h>
#include <stdio.h>

#include "looptrader/error.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/listenkey.h"
#include "looptrader/sim/server.h"

struct rest_order_count {
    int64_t win10s, day; /* window numbers (now / length) */
    int n10s, nday;
};

/* Requests served and weight charged, per route and method (make bench). */
struct rest_route_stat {
    uint64_t calls, weight;
};

/* One client address's request weight in the current minute. */
struct rest_ip_weight {
    char ip[48];
    int64_t minute;        /* window number (now / 60 s) */
    int used;
};

#define REST_IPS 64        /* addresses tracked at once; the stalest is reused */

struct rest {
    struct sim_exchange *ex;
    struct listenkeys *keys;
    struct rest_ip_weight ips[REST_IPS];
    struct rest_order_count *orders; /* per account */
    size_t n_accounts;
    uint64_t cancel_seq;   /* for generated cancel client ids */
    struct rest_route_stat *stats; /* [route][method]; the service thread only */
};

int rest_init(struct rest *r, struct sim_exchange *ex, struct listenkeys *keys,
              struct lt_err *err);
void rest_free(struct rest *r);

/* server_handlers.http: arg is a struct rest. */
void rest_handle(void *arg, struct sim_req *req, struct sim_resp *resp);

/* Runs the endpoint q->method q->path for a WebSocket API request whose
 * caller is already authenticated as `account` (-1: none, public endpoints
 * only), writing its JSON answer into out, its weight into *weight and,
 * when a rate limit refused it (429), the seconds to retry after into
 * *retry_after (else -1). */
int rest_call(struct rest *r, struct sim_req *q, int account, struct strbuf *out, int *weight,
              int *retry_after, struct lt_err *err);

/* Writes the per-endpoint counts as members of a JSON object:
 * "GET /api/v3/account":{"calls":n,"weight":w},... (no braces), endpoints
 * never called left out.  1 when it wrote any. */
int rest_stats_write(const struct rest *r, FILE *f);

/* Adds weight to the minute window of client address ip, as Binance counts
 * request weight per IP (WebSocket API requests count too, every account
 * behind one address shares it).  Returns the window's total, or -1 with
 * err set (429 -1003) when the configured limit is passed. */
int rest_weight_add(struct rest *r, const char *ip, int weight, int64_t now_ms,
                    int *retry_after, struct lt_err *err);

/* ip's weight in the current minute. */
int rest_weight_used(struct rest *r, const char *ip, int64_t now_ms);

#endif
