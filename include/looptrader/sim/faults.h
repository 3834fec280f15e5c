/*
 * faults.h - the simulator's fault injection (`--fault KIND=VALUE`).
 *
 * Tests of the trader need an exchange that is slow, fails, rate-limits,
 * drops connections, loses pushes and fills orders in small pieces.  Each
 * fault is a number parsed once at start-up; draws come from one seeded
 * generator, so a given --seed and request sequence replays exactly.
 * Rates are fractions in [0, 1] held as money_t (1e-8 units): no floating
 * point anywhere near the engine.
 */
#ifndef LOOPTRADER_SIM_FAULTS_H
#define LOOPTRADER_SIM_FAULTS_H

#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"

struct faults {
    int latency_ms;      /* added before every HTTP response and WS API answer */
    money_t http5xx;     /* rate of 500/503 answers (half after executing), REST's
                          * and the WebSocket API's requests alike */
    money_t http429;     /* rate of 429 -1003 answers (retry after 1 s), likewise */
    int ws_drop_ms;      /* close every WebSocket every N ms; 0 = never */
    money_t push_loss;   /* rate of executionReports silently not sent */
    money_t partial;     /* cap on the fraction of an order filled per match; 0 = none */
    money_t ws_order_drop; /* rate of WS API order.place requests executed, then the
                            * connection closed before the answer: the trader cannot
                            * know whether its order exists */
    uint64_t rng;        /* generator state */
};

/* All faults off, generator seeded. */
void faults_init(struct faults *f, uint64_t seed);

/* Applies one "KIND=VALUE" spec.  Kinds: latency_ms, ws_drop_ms (integers
 * 0..600000), http5xx, http429, push_loss, partial, ws_order_drop
 * (decimals 0..1).
 * LT_EINVAL with a message naming the spec when it is not understood. */
int faults_parse(struct faults *f, const char *spec, struct lt_err *err);

/* 1 with probability rate (a fraction of MONEY_SCALE), else 0. */
int faults_draw(struct faults *f, money_t rate);

/* What the http429 and http5xx faults make of one request: a REST
 * request, or a WebSocket API request that stands for one.  Drawn in one
 * place so that both transports meet the same faults at the same rates. */
enum fault_http {
    FAULT_HTTP_NONE,
    FAULT_HTTP_429,        /* refused, nothing executed */
    FAULT_HTTP_5XX_BEFORE, /* failed before execution: nothing happened */
    FAULT_HTTP_5XX_AFTER,  /* executed, then answered 5xx: the outcome looks unknown */
};

/* The answer a drawn fault stands for (Binance's status, code and text). */
struct fault_answer {
    int status;
    int code;
    const char *msg;
    int retry_after_s; /* a 429's Retry-After; -1 otherwise */
};

#define FAULT_RETRY_AFTER_S 1

/* Draws the http429 then the http5xx fault for one request (f NULL: no
 * faults) and fills *ans for any but FAULT_HTTP_NONE.  The draws come in a
 * fixed order, so a seed replays the same answers. */
enum fault_http faults_draw_http(struct faults *f, struct fault_answer *ans);

/* Next raw 64-bit value of the generator. */
uint64_t faults_next(struct faults *f);

#endif
