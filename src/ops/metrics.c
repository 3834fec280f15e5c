/*
 * metrics.c - Prometheus text and /health (see metrics.h).
 */
#include "looptrader/metrics.h"

#include "looptrader/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define REQUEST_MAX 8192

int metrics_parse_addr(const char *s, struct sockaddr_in *out, struct lt_err *err)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    if (!colon || (size_t)(colon - s) >= sizeof host || !end || *end || end == colon + 1 ||
        port < 1 || port > 65535)
        return lt_err_set(err, LT_ECONFIG, "--metrics-addr %.80s: give 127.0.0.1:PORT", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &out->sin_addr) != 1 ||
        (ntohl(out->sin_addr.s_addr) >> 24) != 127)
        return lt_err_set(err, LT_ECONFIG,
                          "--metrics-addr %.80s: only a loopback address (127.x.x.x) is served "
                          "(the figures name the accounts; put a proxy in front to share them)",
                          s);
    out->sin_port = htons((uint16_t)port);
    return 0;
}

static const char *state_of(enum user_status s)
{
    return s == USER_PENDING ? "running" : user_status_name(s);
}

/* One per-account family: HELP, TYPE, then a sample per row. */
static void family(struct strbuf *out, const struct report_user *rows, size_t n,
                   const char *name, const char *type, const char *help,
                   money_t (*value)(const struct report_user *))
{
    char b[MONEY_STR_MAX];
    strbuf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
    for (size_t i = 0; i < n; i++)
        strbuf_addf(out, "%s{account=\"%s\"} %s\n", name, rows[i].name,
                    money_format_min(value(&rows[i]), b));
}

static money_t v_window(const struct report_user *u) { return u->window_after; }
static money_t v_target(const struct report_user *u) { return u->target; }
static money_t v_bought(const struct report_user *u) { return u->s.bought_quote; }
static money_t v_sold(const struct report_user *u) { return u->s.sold_quote; }
static money_t v_fees(const struct report_user *u) { return u->s.fees_quote; }
static money_t v_rounds(const struct report_user *u) { return (money_t)u->s.rounds * MONEY_SCALE; }
static money_t v_orders(const struct report_user *u) { return (money_t)u->s.orders * MONEY_SCALE; }
static money_t v_residual(const struct report_user *u) { return u->s.residual_base; }
static money_t v_progress(const struct report_user *u)
{
    if (u->target <= 0)
        return 0;
    return money_div(u->window_after, u->target);
}

void metrics_format(const struct report_user *rows, size_t n, int stopping,
                    const struct metrics_venue *venue, struct strbuf *out)
{
    static const enum user_status all[] = { USER_PENDING, USER_DONE, USER_SKIPPED, USER_STOPPED,
                                            USER_FAILED };
    strbuf_addf(out, "# HELP looptrader_stopping 1 once a stop of the whole run began.\n"
                     "# TYPE looptrader_stopping gauge\nlooptrader_stopping %d\n",
                stopping ? 1 : 0);
    strbuf_addf(out,
                "# HELP looptrader_weight_used Request weight counted in the current minute.\n"
                "# TYPE looptrader_weight_used gauge\nlooptrader_weight_used %lld\n"
                "# HELP looptrader_ratelimit_waits_total Sleeps before a request for the "
                "venue's limits.\n# TYPE looptrader_ratelimit_waits_total counter\n"
                "looptrader_ratelimit_waits_total{limit=\"weight\"} %lld\n"
                "looptrader_ratelimit_waits_total{limit=\"orders\"} %lld\n"
                "# HELP looptrader_ratelimit_wait_seconds_total Time slept for the limits.\n"
                "# TYPE looptrader_ratelimit_wait_seconds_total counter\n"
                "looptrader_ratelimit_wait_seconds_total %lld.%03lld\n"
                "# HELP looptrader_rate_limited_total 429/418 answers.\n"
                "# TYPE looptrader_rate_limited_total counter\nlooptrader_rate_limited_total %lld\n"
                "# HELP looptrader_retries_total Calls sent again (unknown outcome, -1021).\n"
                "# TYPE looptrader_retries_total counter\nlooptrader_retries_total %lld\n",
                venue->weight_used, venue->weight_waits, venue->order_waits,
                venue->wait_ms / 1000, venue->wait_ms % 1000, venue->rate_limited,
                venue->retries);
    strbuf_addstr(out, "# HELP looptrader_accounts Accounts by status.\n"
                       "# TYPE looptrader_accounts gauge\n");
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += rows[i].status == all[k];
        strbuf_addf(out, "looptrader_accounts{status=\"%s\"} %zu\n", state_of(all[k]), c);
    }
    strbuf_addstr(out, "# HELP looptrader_account_status 1 for the account's status.\n"
                       "# TYPE looptrader_account_status gauge\n");
    for (size_t i = 0; i < n; i++)
        strbuf_addf(out, "looptrader_account_status{account=\"%s\",status=\"%s\"} 1\n",
                    rows[i].name, state_of(rows[i].status));
    family(out, rows, n, "looptrader_account_window_quote", "gauge",
           "Filled buy volume in the window (quote), as of the last round.", v_window);
    family(out, rows, n, "looptrader_account_target_quote", "gauge",
           "The account's target (quote).", v_target);
    family(out, rows, n, "looptrader_account_progress_ratio", "gauge",
           "Window volume over target.", v_progress);
    family(out, rows, n, "looptrader_account_bought_quote_total", "counter",
           "Quote spent on buys this run.", v_bought);
    family(out, rows, n, "looptrader_account_sold_quote_total", "counter",
           "Quote received from sells this run.", v_sold);
    family(out, rows, n, "looptrader_account_fees_quote_total", "counter",
           "Commissions paid in the quote asset this run.", v_fees);
    family(out, rows, n, "looptrader_account_rounds_total", "counter",
           "Completed rounds this run.", v_rounds);
    family(out, rows, n, "looptrader_account_orders_total", "counter",
           "Orders sent this run.", v_orders);
    family(out, rows, n, "looptrader_account_residual_base", "gauge",
           "Base bought this run and not sold (dust, a stop's remainder).", v_residual);
}

struct server {
    const struct metrics_source *src;
};

static void answer(struct strbuf *out, int code, const char *reason, const char *type,
                   const struct strbuf *body)
{
    strbuf_addf(out,
                "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
                "Connection: close\r\n\r\n",
                code, reason, type, body->len);
    strbuf_add(out, body->buf, body->len);
}

static void handle(void *ctx, char *req, const char *bad, struct strbuf *out)
{
    const struct metrics_source *src = ((struct server *)ctx)->src;
    struct strbuf body;
    strbuf_init(&body, 0);
    if (bad) {
        strbuf_addf(&body, "%s\n", bad);
        answer(out, 400, "Bad Request", "text/plain", &body);
    } else if (strncmp(req, "GET /metrics ", 13) == 0 || strncmp(req, "GET /metrics?", 13) == 0) {
        struct report_user *rows = calloc(src->max_rows ? src->max_rows : 1, sizeof(*rows));
        long n = rows ? src->rows(src->ctx, rows) : -1;
        if (n >= 0) {
            struct metrics_venue mv = { 0 };
            src->venue(src->ctx, &mv);
            metrics_format(rows, (size_t)n, src->stopping(src->ctx), &mv, &body);
            answer(out, 200, "OK", "text/plain; version=0.0.4", &body);
        } else {
            strbuf_addstr(&body, "out of memory\n");
            answer(out, 500, "Internal Server Error", "text/plain", &body);
        }
        free(rows);
    } else if (strncmp(req, "GET /health ", 12) == 0) {
        int stopping = src->stopping(src->ctx);
        strbuf_addstr(&body, stopping ? "stopping\n" : "ok\n");
        answer(out, stopping ? 503 : 200, stopping ? "Service Unavailable" : "OK", "text/plain",
               &body);
    } else {
        strbuf_addstr(&body, "GET /metrics or /health\n");
        answer(out, 404, "Not Found", "text/plain", &body);
    }
    strbuf_free(&body);
}

int metrics_start(const char *addr, const struct metrics_source *src, struct ctlsock **out,
                  struct lt_err *err)
{
    struct sockaddr_in sa;
    int rc = metrics_parse_addr(addr, &sa, err);
    if (rc != 0)
        return rc;
    static struct server srv; /* one endpoint per process */
    srv.src = src;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 16) != 0) {
        rc = lt_err_set(err, LT_EIO, "--metrics-addr %s: %s", addr, strerror(errno));
        if (fd >= 0)
            close(fd);
        return rc;
    }
    if ((rc = ctlsock_serve(fd, "\r\n\r\n", REQUEST_MAX, handle, &srv, out, err)) != 0) {
        close(fd);
        return rc;
    }
    log_info("metrics: serving http://%s/metrics and /health", addr);
    return 0;
}
