/*
 * metrics.h - the metrics endpoint: --metrics-addr 127.0.0.1:PORT serves
 * Prometheus text at /metrics and a health check at /health (port 0: a
 * free port, named in the "metrics: serving" log line).
 *
 * A scrape reads what `ctl status` reads (each account's report as of its
 * last round, through the source's callback), so it never touches a
 * worker's state or waits on one; the server is the control socket's
 * bounded one-client-at-a-time loop (ctlsock_serve) over a loopback TCP
 * socket: a slow or silent scraper costs at most CTL_IO_MS each way.
 * Only loopback addresses are accepted: the figures name the accounts.
 *
 * Families: per account its status, step (buying/selling/rate-limit wait
 * ...), rung, last fill price, window, target, progress, bought, sold,
 * fees (quote, base, third asset and its quote value), cost, rounds,
 * orders, residual; run-wide orders by side and result, fills by side,
 * fees by asset, WebSocket reconnects, the HTTP request latency histogram
 * by endpoint class, request weight and rate-limit waits.
 *
 * /health answers 200 "ok" while the run trades, 503 "stopping" once a
 * stop began (a container's HEALTHCHECK then sees it going down).
 */
#ifndef LOOPTRADER_METRICS_H
#define LOOPTRADER_METRICS_H

#include <netinet/in.h>
#include <stddef.h>

#include "looptrader/ctlsock.h"
#include "looptrader/live.h"
#include "looptrader/report.h"
#include "looptrader/strbuf.h"

/* Run-wide figures: the venue's pacing counters (venue_binance.h's
 * stats, from the source), the live counters (live.h, read by the
 * server) and the asset names the fee families are labelled with. */
struct metrics_venue {
    long long weight_used;        /* request weight counted in the current minute */
    long long weight_limit;       /* allowed per minute, 0 unlimited */
    long long weight_waits, order_waits, wait_ms, rate_limited, retries;
    char base[16], quote[16];     /* the symbol's assets ("" before its rules) */
    char fee_asset[16];           /* the third fee asset, "" none */
    struct live_totals live;
};

struct metrics_source {
    /* Fills out (max_rows slots) and returns the count, -1 out of memory. */
    long (*rows)(void *ctx, struct report_user *out);
    size_t max_rows;
    int (*stopping)(void *ctx);
    void (*venue)(void *ctx, struct metrics_venue *out);
    void *ctx;
};

/* "127.0.0.1:9464" into out; LT_ECONFIG unless IPv4 loopback with a port. */
int metrics_parse_addr(const char *s, struct sockaddr_in *out, struct lt_err *err);

/* The Prometheus text for these rows; pure. */
void metrics_format(const struct report_user *rows, size_t n, int stopping,
                    const struct metrics_venue *venue, struct strbuf *out);

/* What ends a request (its head: the body of a GET is not read) and
 * the longest one served. */
#define METRICS_REQUEST_END "\r\n\r\n"
#define METRICS_REQUEST_MAX 8192

/* The answer to one request, as the server hands it over (ctlsock.h's
 * oneshot_handler): req the request before METRICS_REQUEST_END,
 * NUL-terminated, or bad saying why it could not be read (then req is
 * not looked at).  Appends one whole HTTP/1.1 response to out: 200 for
 * GET /metrics (500 when out of memory) and GET /health (503 once a stop
 * began), 400 for a bad request, 404 for anything else.  Writes nothing
 * but out; reads what src gives and the process's live counters (live.h,
 * atomics). */
void metrics_answer(const struct metrics_source *src, const char *req, const char *bad,
                    struct strbuf *out);

/* Binds addr and serves until ctlsock_stop(*out).  src is borrowed. */
int metrics_start(const char *addr, const struct metrics_source *src, struct ctlsock **out,
                  struct lt_err *err);

#endif
