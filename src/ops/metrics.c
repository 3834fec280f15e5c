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

int metrics_parse_addr(const char *s, struct sockaddr_in *out, struct lt_err *err)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : 0;
    memset(out, 0, sizeof(*out));
    out->sin_family = AF_INET;
    if (!colon || (size_t)(colon - s) >= sizeof host || !end || *end || end == colon + 1 ||
        port < 0 || port > 65535)
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
static money_t v_fees_base(const struct report_user *u) { return u->s.fees_base; }
static money_t v_fees_other(const struct report_user *u) { return u->s.fees_other; }
static money_t v_fees_other_quote(const struct report_user *u) { return u->s.fees_other_quote; }
static money_t v_unpriced(const struct report_user *u) { return (money_t)u->s.fees_unpriced * MONEY_SCALE; }
static money_t v_cost(const struct report_user *u) { return report_cost(&u->s); }
static money_t v_last(const struct report_user *u) { return u->last_fill_price; }
static money_t v_rung(const struct report_user *u) { return (money_t)u->rung * MONEY_SCALE; }

/* The run-wide families of live.h's counters. */
static void live_families(struct strbuf *out, const struct metrics_venue *v,
                          const struct report_user *rows, size_t n)
{
    static const char *const results[LIVE_RESULTS] = { "filled", "partially_filled",
                                                       "cancelled", "rejected", "unknown" };
    static const char *const sides[2] = { "buy", "sell" };
    const struct live_totals *t = &v->live;
    strbuf_addstr(out, "# HELP looptrader_orders_total Orders sent, by side and how they ended "
                       "(partially_filled: the rest cancelled or expired).\n"
                       "# TYPE looptrader_orders_total counter\n");
    for (int s = 0; s < 2; s++)
        for (int r = 0; r < LIVE_RESULTS; r++)
            strbuf_addf(out, "looptrader_orders_total{side=\"%s\",result=\"%s\"} %llu\n",
                        sides[s], results[r], (unsigned long long)t->orders[s][r]);
    strbuf_addstr(out, "# HELP looptrader_fills_total Orders that filled, in full or in part.\n"
                       "# TYPE looptrader_fills_total counter\n");
    for (int s = 0; s < 2; s++)
        strbuf_addf(out, "looptrader_fills_total{side=\"%s\"} %llu\n", sides[s],
                    (unsigned long long)t->fills[s]);
    money_t fq = 0, fb = 0, fo = 0;
    for (size_t i = 0; i < n; i++) {
        fq = money_add_sat(fq, rows[i].s.fees_quote);
        fb = money_add_sat(fb, rows[i].s.fees_base);
        fo = money_add_sat(fo, rows[i].s.fees_other);
    }
    char b[MONEY_STR_MAX];
    strbuf_addstr(out, "# HELP looptrader_fees_total Commissions paid this run, by asset "
                       "(as of each account's last round).\n"
                       "# TYPE looptrader_fees_total counter\n");
    strbuf_addf(out, "looptrader_fees_total{asset=\"%s\"} %s\n", v->quote[0] ? v->quote : "quote",
                money_format_min(fq, b));
    strbuf_addf(out, "looptrader_fees_total{asset=\"%s\"} %s\n", v->base[0] ? v->base : "base",
                money_format_min(fb, b));
    if (fo > 0)
        strbuf_addf(out, "looptrader_fees_total{asset=\"%s\"} %s\n",
                    v->fee_asset[0] && strcmp(v->fee_asset, "*") ? v->fee_asset : "other",
                    money_format_min(fo, b));
    strbuf_addf(out, "# HELP looptrader_ws_reconnects_total WebSocket connections lost while up "
                     "(each is reconnected).\n# TYPE looptrader_ws_reconnects_total counter\n"
                     "looptrader_ws_reconnects_total %llu\n",
                (unsigned long long)t->ws_reconnects);
    strbuf_addstr(out, "# HELP looptrader_http_request_duration_seconds REST request time "
                       "(libcurl's total), by endpoint class.\n"
                       "# TYPE looptrader_http_request_duration_seconds histogram\n");
    for (int c = 0; c < LIVE_HTTP_CLASSES; c++) {
        for (int k = 0; k < LIVE_HTTP_BUCKETS; k++)
            strbuf_addf(out,
                        "looptrader_http_request_duration_seconds_bucket{class=\"%s\",le=\"%g\"} "
                        "%llu\n",
                        live_http_class_names[c], live_http_le[k],
                        (unsigned long long)t->http_bucket[c][k]);
        strbuf_addf(out,
                    "looptrader_http_request_duration_seconds_bucket{class=\"%s\",le=\"+Inf\"} "
                    "%llu\nlooptrader_http_request_duration_seconds_sum{class=\"%s\"} "
                    "%llu.%06llu\nlooptrader_http_request_duration_seconds_count{class=\"%s\"} "
                    "%llu\n",
                    live_http_class_names[c], (unsigned long long)t->http_count[c],
                    live_http_class_names[c], (unsigned long long)(t->http_sum_us[c] / 1000000),
                    (unsigned long long)(t->http_sum_us[c] % 1000000), live_http_class_names[c],
                    (unsigned long long)t->http_count[c]);
    }
}
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
                "# HELP looptrader_weight_limit Request weight allowed per minute (0 unlimited).\n"
                "# TYPE looptrader_weight_limit gauge\nlooptrader_weight_limit %lld\n"
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
                venue->weight_used, venue->weight_limit, venue->weight_waits, venue->order_waits,
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
    strbuf_addstr(out, "# HELP looptrader_account_step 1 for what the account is doing now.\n"
                       "# TYPE looptrader_account_step gauge\n");
    for (size_t i = 0; i < n; i++)
        strbuf_addf(out, "looptrader_account_step{account=\"%s\",step=\"%s\"} 1\n", rows[i].name,
                    rows[i].step ? rows[i].step : state_of(rows[i].status));
    family(out, rows, n, "looptrader_account_rung", "gauge",
           "Ladder rung of the account's current order (0 at the touch, -1 none).", v_rung);
    family(out, rows, n, "looptrader_account_last_fill_price", "gauge",
           "Average price of the account's latest filled order (0 none yet).", v_last);
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
    family(out, rows, n, "looptrader_account_fees_base_total", "counter",
           "Commissions paid in the base asset this run.", v_fees_base);
    family(out, rows, n, "looptrader_account_fees_other_total", "counter",
           "Commissions paid in a third asset (BNB) this run, in that asset.", v_fees_other);
    family(out, rows, n, "looptrader_account_fees_other_quote", "gauge",
           "Those commissions valued in the quote at the newest price (0 while unpriced).",
           v_fees_other_quote);
    family(out, rows, n, "looptrader_account_fees_unpriced", "gauge",
           "1 when third-asset fees could not be valued (no price): the cost leaves them out.",
           v_unpriced);
    family(out, rows, n, "looptrader_account_cost_quote", "gauge",
           "Fees + bought - sold quote this run (third-asset fees valued).", v_cost);
    family(out, rows, n, "looptrader_account_rounds_total", "counter",
           "Completed rounds this run.", v_rounds);
    family(out, rows, n, "looptrader_account_orders_total", "counter",
           "Orders sent this run.", v_orders);
    family(out, rows, n, "looptrader_account_residual_base", "gauge",
           "Base bought this run and not sold (dust, a stop's remainder).", v_residual);
    live_families(out, venue, rows, n);
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

void metrics_answer(const struct metrics_source *src, const char *req, const char *bad,
                    struct strbuf *out)
{
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
            live_totals(&mv.live);
            snprintf(mv.fee_asset, sizeof mv.fee_asset, "%s", live_fee_asset_name());
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

static void handle(void *ctx, char *req, const char *bad, struct strbuf *out)
{
    metrics_answer(((struct server *)ctx)->src, req, bad, out);
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
    /* Port 0 takes a free port: the line below is where to find it. */
    socklen_t len = sizeof sa;
    char host[INET_ADDRSTRLEN];
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0 ||
        !inet_ntop(AF_INET, &sa.sin_addr, host, sizeof host)) {
        rc = lt_err_set(err, LT_EIO, "--metrics-addr %s: %s", addr, strerror(errno));
        close(fd);
        return rc;
    }
    rc = ctlsock_serve(fd, METRICS_REQUEST_END, METRICS_REQUEST_MAX, handle, &srv, out, err);
    if (rc != 0) {
        close(fd);
        return rc;
    }
    log_info("metrics: serving http://%s:%u/metrics and /health", host, ntohs(sa.sin_port));
    return 0;
}
