/*
 * bench_sim - sustained signed order place + cancel load on looptrader-sim.
 *
 * The figure we want is the simulator's, so the client stays out of the way:
 * plain blocking sockets with HTTP/1.1 keep-alive, one request in flight per
 * connection, a request built with snprintf and one HMAC, and a response
 * parser that reads only the status, Content-Length and orderId.  Each
 * connection is one thread doing LIMIT GTC buys far below the market (they
 * rest) and cancelling each one at once, for a fixed duration.  Prints
 * requests/s and the latency percentiles of every request.
 *
 *   bench_sim --port P --key K --secret S [--host 127.0.0.1] [--symbol ALPHAUSDT]
 *             [--duration-s 10] [--conns 1] [--warmup-s 1]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "looptrader/clock.h"
#include "looptrader/sign.h"

#define RESP_MAX (256 * 1024)

struct bench_opts {
    const char *host, *key, *secret, *symbol;
    int port, conns;
    double duration_s, warmup_s;
    char price[32], qty[32]; /* decided once from exchangeInfo and the book */
};

struct conn {
    const struct bench_opts *o;
    int fd;
    char *rbuf;
    size_t rlen;     /* bytes buffered, a response may follow another's tail */
    /* results */
    uint32_t *lat_us;
    size_t n_lat, cap_lat;
    long errors, requests;
    char first_error[256];
};

static int conn_open(struct conn *c)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)c->o->port);
    if (inet_pton(AF_INET, c->o->host, &sa.sin_addr) != 1)
        return -1;
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct timeval tv = { 5, 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa))) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->rlen = 0;
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads one response; its body is copied NUL-terminated into body (at most
 * body_max - 1 bytes).  Returns the HTTP status, or -1 on a broken
 * connection or a response this parser does not understand. */
static int read_response(struct conn *c, char *body, size_t body_max)
{
    for (;;) {
        c->rbuf[c->rlen] = '\0';
        char *eoh = strstr(c->rbuf, "\r\n\r\n");
        if (eoh) {
            int status = 0;
            if (sscanf(c->rbuf, "HTTP/1.%*d %d", &status) != 1)
                return -1;
            long clen = -1;
            for (char *h = strstr(c->rbuf, "\r\n"); h && h < eoh; h = strstr(h + 2, "\r\n")) {
                if (!strncasecmp(h + 2, "content-length:", 15))
                    clen = strtol(h + 17, NULL, 10);
                else if (!strncasecmp(h + 2, "transfer-encoding:", 18))
                    return -1; /* chunked answers are not expected from the sim */
            }
            if (clen < 0)
                return -1;
            size_t hlen = (size_t)(eoh + 4 - c->rbuf);
            if (c->rlen >= hlen + (size_t)clen) {
                size_t n = (size_t)clen < body_max - 1 ? (size_t)clen : body_max - 1;
                memcpy(body, c->rbuf + hlen, n);
                body[n] = '\0';
                size_t used = hlen + (size_t)clen;
                memmove(c->rbuf, c->rbuf + used, c->rlen - used);
                c->rlen -= used;
                return status;
            }
        }
        if (c->rlen >= RESP_MAX - 1)
            return -1;
        ssize_t r = read(c->fd, c->rbuf + c->rlen, RESP_MAX - 1 - c->rlen);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c->rlen += (size_t)r;
    }
}

/* One signed request with the parameters in a form body.  Returns the
 * status (or -1) and the body. */
static int signed_request(struct conn *c, const char *method, const char *path,
                          const char *params, char *body, size_t body_max)
{
    char payload[512], sig[SIGN_HEX_LEN + 1], req[1024];
    int pn = snprintf(payload, sizeof(payload), "%s&timestamp=%lld", params,
                      (long long)clock_wall_ms());
    if (pn < 0 || (size_t)pn >= sizeof(payload))
        return -1;
    sign_hmac_sha256_hex(c->o->secret, strlen(c->o->secret), payload, (size_t)pn, sig);
    int n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.1\r\nHost: %s:%d\r\nX-MBX-APIKEY: %s\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %d\r\n\r\n%s&signature=%s",
                     method, path, c->o->host, c->o->port, c->o->key,
                     pn + 11 + SIGN_HEX_LEN, payload, sig);
    if (n < 0 || (size_t)n >= sizeof(req))
        return -1;
    if (write_all(c->fd, req, (size_t)n))
        return -1;
    return read_response(c, body, body_max);
}

static int get_request(struct conn *c, const char *path_query, char *body, size_t body_max)
{
    char req[512];
    int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s:%d\r\n\r\n", path_query,
                     c->o->host, c->o->port);
    if (n < 0 || (size_t)n >= sizeof(req) || write_all(c->fd, req, (size_t)n))
        return -1;
    return read_response(c, body, body_max);
}

static void record(struct conn *c, int64_t t0, int status, const char *what, const char *body)
{
    int64_t dt = clock_mono_us() - t0;
    c->requests++;
    if (c->n_lat == c->cap_lat) {
        c->cap_lat = c->cap_lat ? c->cap_lat * 2 : 65536;
        c->lat_us = realloc(c->lat_us, c->cap_lat * sizeof(*c->lat_us));
        if (!c->lat_us) {
            fprintf(stderr, "bench_sim: out of memory\n");
            exit(1);
        }
    }
    c->lat_us[c->n_lat++] = (uint32_t)(dt > UINT32_MAX ? UINT32_MAX : dt);
    if (status != 200) {
        if (!c->errors)
            snprintf(c->first_error, sizeof(c->first_error), "%s: HTTP %d %.200s", what,
                     status, body);
        c->errors++;
    }
}

/* Place + cancel pairs until the deadline; latencies recorded only after
 * the warm-up. */
static void *conn_run(void *arg)
{
    struct conn *c = arg;
    const struct bench_opts *o = c->o;
    char place[256], cancel[128], body[4096];
    snprintf(place, sizeof(place),
             "symbol=%s&side=BUY&type=LIMIT&timeInForce=GTC&quantity=%s&price=%s"
             "&newOrderRespType=ACK",
             o->symbol, o->qty, o->price);
    int64_t start = clock_mono_us();
    int64_t measure_from = start + (int64_t)(o->warmup_s * 1e6);
    int64_t end = measure_from + (int64_t)(o->duration_s * 1e6);
    for (;;) {
        int64_t t0 = clock_mono_us();
        if (t0 >= end)
            break;
        int measuring = t0 >= measure_from;
        int st = signed_request(c, "POST", "/api/v3/order", place, body, sizeof(body));
        if (st < 0 && (conn_open(c) || (st = signed_request(c, "POST", "/api/v3/order", place,
                                                            body, sizeof(body))) < 0)) {
            snprintf(c->first_error, sizeof(c->first_error), "connection lost");
            c->errors++;
            break;
        }
        if (measuring)
            record(c, t0, st, "place", body);
        const char *id = strstr(body, "\"orderId\":");
        if (st != 200 || !id)
            continue;
        snprintf(cancel, sizeof(cancel), "symbol=%s&orderId=%lld", o->symbol,
                 strtoll(id + 10, NULL, 10));
        t0 = clock_mono_us();
        st = signed_request(c, "DELETE", "/api/v3/order", cancel, body, sizeof(body));
        if (st < 0 && (conn_open(c) || (st = signed_request(c, "DELETE", "/api/v3/order",
                                                            cancel, body, sizeof(body))) < 0)) {
            snprintf(c->first_error, sizeof(c->first_error), "connection lost");
            c->errors++;
            break;
        }
        if (measuring)
            record(c, t0, st, "cancel", body);
    }
    return NULL;
}

/* Number of decimals of a step like "0.00010000" (trailing zeros ignored). */
static int decimals_of(const char *step)
{
    const char *dot = strchr(step, '.');
    if (!dot)
        return 0;
    int last = 0;
    for (int i = 1; dot[i]; i++)
        if (dot[i] != '0')
            last = i;
    return last;
}

/* Picks a price 10 % under the best bid (on the tick) and a quantity worth
 * about 1.5 x the minimum notional (on the step): the order rests. */
static int plan_order(struct conn *c, struct bench_opts *o)
{
    char path[256];
    char *body = malloc(RESP_MAX);
    if (!body)
        return -1;
    json_error_t je;
    double tick = 0, step = 0, min_notional = 0;
    int tick_dec = 8, step_dec = 8, rc = -1;

    snprintf(path, sizeof(path), "/api/v3/exchangeInfo?symbol=%s", o->symbol);
    if (get_request(c, path, body, RESP_MAX) != 200) {
        fprintf(stderr, "bench_sim: exchangeInfo failed: %.300s\n", body);
        goto out;
    }
    json_t *ei = json_loads(body, 0, &je);
    json_t *filters = json_object_get(json_array_get(json_object_get(ei, "symbols"), 0),
                                      "filters");
    size_t i;
    json_t *f;
    json_array_foreach(filters, i, f) {
        const char *type = json_string_value(json_object_get(f, "filterType"));
        if (!type)
            continue;
        if (!strcmp(type, "PRICE_FILTER")) {
            const char *t = json_string_value(json_object_get(f, "tickSize"));
            tick = t ? atof(t) : 0;
            tick_dec = t ? decimals_of(t) : 8;
        } else if (!strcmp(type, "LOT_SIZE")) {
            const char *s = json_string_value(json_object_get(f, "stepSize"));
            step = s ? atof(s) : 0;
            step_dec = s ? decimals_of(s) : 8;
        } else if (!strcmp(type, "NOTIONAL") || !strcmp(type, "MIN_NOTIONAL")) {
            const char *m = json_string_value(json_object_get(f, "minNotional"));
            min_notional = m ? atof(m) : 0;
        }
    }
    json_decref(ei);
    if (tick <= 0 || step <= 0) {
        fprintf(stderr, "bench_sim: no PRICE_FILTER/LOT_SIZE for %s\n", o->symbol);
        goto out;
    }
    snprintf(path, sizeof(path), "/api/v3/ticker/bookTicker?symbol=%s", o->symbol);
    if (get_request(c, path, body, RESP_MAX) != 200) {
        fprintf(stderr, "bench_sim: bookTicker failed: %.300s\n", body);
        goto out;
    }
    json_t *bt = json_loads(body, 0, &je);
    const char *bid_s = json_string_value(json_object_get(bt, "bidPrice"));
    double bid = bid_s ? atof(bid_s) : 0;
    json_decref(bt);
    if (bid <= 0) {
        fprintf(stderr, "bench_sim: no bid for %s\n", o->symbol);
        goto out;
    }
    double price = floor(bid * 0.9 / tick) * tick;
    double qty = ceil((min_notional > 0 ? min_notional * 1.5 : 10 * price) / price / step) * step;
    snprintf(o->price, sizeof(o->price), "%.*f", tick_dec, price);
    snprintf(o->qty, sizeof(o->qty), "%.*f", step_dec, qty);
    rc = 0;
out:
    free(body);
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(const uint32_t *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)ceil(p / 100.0 * (double)n);
    return v[i ? i - 1 : 0] / 1000.0;
}

int main(int argc, char **argv)
{
    struct bench_opts o = { "127.0.0.1", NULL, NULL, "ALPHAUSDT", 0, 1, 10, 1, "", "" };
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "bench_sim: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--host")) o.host = v;
        else if (!strcmp(a, "--port")) o.port = atoi(v);
        else if (!strcmp(a, "--key")) o.key = v;
        else if (!strcmp(a, "--secret")) o.secret = v;
        else if (!strcmp(a, "--symbol")) o.symbol = v;
        else if (!strcmp(a, "--duration-s")) o.duration_s = atof(v);
        else if (!strcmp(a, "--warmup-s")) o.warmup_s = atof(v);
        else if (!strcmp(a, "--conns")) o.conns = atoi(v);
        else {
            fprintf(stderr, "bench_sim: unknown option %s\n", a);
            return 2;
        }
    }
    if (!o.port || !o.key || !o.secret || o.conns < 1 || o.duration_s <= 0) {
        fprintf(stderr, "usage: bench_sim --port P --key K --secret S [--host H] [--symbol S]\n"
                        "       [--duration-s 10] [--warmup-s 1] [--conns 1]\n");
        return 2;
    }

    struct conn *cs = calloc((size_t)o.conns, sizeof(*cs));
    if (!cs)
        return 1;
    for (int i = 0; i < o.conns; i++) {
        cs[i].o = &o;
        cs[i].rbuf = malloc(RESP_MAX);
        if (!cs[i].rbuf || conn_open(&cs[i])) {
            fprintf(stderr, "bench_sim: cannot connect to %s:%d\n", o.host, o.port);
            return 1;
        }
    }
    if (plan_order(&cs[0], &o))
        return 1;
    printf("bench_sim: %s LIMIT GTC BUY %s @ %s then cancel; %d connection(s), %.0f s "
           "(after %.0f s warm-up)\n",
           o.symbol, o.qty, o.price, o.conns, o.duration_s, o.warmup_s);
    fflush(stdout);

    pthread_t *th = calloc((size_t)o.conns, sizeof(*th));
    for (int i = 0; i < o.conns; i++)
        if (pthread_create(&th[i], NULL, conn_run, &cs[i])) {
            fprintf(stderr, "bench_sim: cannot start thread\n");
            return 1;
        }
    size_t total = 0;
    long errors = 0;
    for (int i = 0; i < o.conns; i++) {
        pthread_join(th[i], NULL);
        total += cs[i].n_lat;
        errors += cs[i].errors;
    }
    uint32_t *all = malloc((total ? total : 1) * sizeof(*all));
    size_t k = 0;
    for (int i = 0; i < o.conns; i++) {
        if (cs[i].n_lat)
            memcpy(all + k, cs[i].lat_us, cs[i].n_lat * sizeof(*all));
        k += cs[i].n_lat;
        if (cs[i].errors)
            fprintf(stderr, "bench_sim: connection %d: %ld errors, first: %s\n", i,
                    cs[i].errors, cs[i].first_error);
    }
    qsort(all, total, sizeof(*all), cmp_u32);
    printf("requests: %zu in %.1f s  (%ld errors)\n", total, o.duration_s, errors);
    printf("throughput: %.0f req/s  (%.0f place+cancel pairs/s)\n", total / o.duration_s,
           total / o.duration_s / 2);
    printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
           pct(all, total, 50), pct(all, total, 90), pct(all, total, 99),
           pct(all, total, 99.9), total ? all[total - 1] / 1000.0 : 0);
    for (int i = 0; i < o.conns; i++) {
        close(cs[i].fd);
        free(cs[i].rbuf);
        free(cs[i].lat_us);
    }
    free(all);
    free(th);
    free(cs);
    return errors ? 1 : 0;
}
