/*
 * http.h - a libcurl easy handle per worker: keep-alive requests with
 * headers, cookies, timeouts and a bounded response buffer.
 *
 * One struct http belongs to one thread at a time (workers own one each).
 * The options every request shares are set once per handle, and the last
 * request's header list is kept for the next one with the same lines.
 * Transport failures and timeouts return LT_EUNKNOWN: the request may or may
 * not have reached the server, and callers that placed an order must settle
 * it by query, never by re-sending.
 *
 * Every call has one total deadline, timeout_ms, that covers connecting,
 * waiting for the first byte and the whole transfer: a server that accepts
 * and never answers, or trickles its answer a byte at a time, ends the call
 * at timeout_ms (LT_EUNKNOWN) and never later (test_http checks both).
 */
#ifndef LOOPTRADER_HTTP_H
#define LOOPTRADER_HTTP_H

#include <stdatomic.h>
#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/strbuf.h"

#define HTTP_BODY_MAX (8u << 20) /* responses larger than this fail (LT_ERANGE) */
/* Longer Retry-After values are read as this (Binance's longest ban is 3
 * days); nothing computed from a hostile value can overflow. */
#define HTTP_RETRY_AFTER_MAX_S 259200

struct http;

struct http_request {
    const char *method;           /* "GET", "POST", "PUT", "DELETE" */
    const char *url;              /* full URL including the query string */
    const char *body;             /* NULL or form body */
    const char *const *headers;   /* "Name: value" lines, may be NULL */
    size_t n_headers;
    const char *cookies;          /* "a=b; c=d" or NULL */
    long timeout_ms;              /* total deadline of the call; 0 = 10 s */
    int no_resend;                /* never let libcurl send it twice (see below) */
};

/* libcurl silently re-sends a request on a fresh connection when a reused
 * keep-alive connection dies before any answer byte arrives.  For an order
 * that is a second order.  With no_resend the second send is refused (a
 * pre-request callback counts the sends), so such a retry fails
 * (LT_EUNKNOWN) instead, and the caller settles the outcome by query.  The
 * body of any method leaves with its headers in one write (libcurl
 * appends a small body to the request's header buffer). */

struct http_response {
    long status;                  /* HTTP status, 0 if none arrived */
    struct strbuf body;           /* owned; http_response_release frees */
    int retry_after_s;            /* Retry-After header (seconds, at most
                                   * HTTP_RETRY_AFTER_MAX_S), -1 if absent */
    int used_weight_1m;           /* X-MBX-USED-WEIGHT-1M (counts saturate
                                   * at 10^9), -1 if absent */
    int order_count_10s;          /* X-MBX-ORDER-COUNT-10S, -1 if absent */
    int order_count_1d;           /* X-MBX-ORDER-COUNT-1D, -1 if absent */
    long long server_date_ms;     /* Date header in ms, 0 if absent */
};

int http_new(struct http **out, struct lt_err *err);
void http_free(struct http *h);

/* Trusts the CAs of the PEM bundle at path instead of the system's
 * (libcurl's built-in bundle and directory); peer and host name are still
 * verified.  The file is read at each new connection.  0, or LT_EINVAL
 * when libcurl's TLS backend cannot take a CA file. */
int http_set_ca_file(struct http *h, const char *path, struct lt_err *err);

/* TLS peer verification is on by default; this turns it off (tests only). */
void http_set_insecure(struct http *h, int insecure);

/* A flag that ends GET calls: once *flag is non-zero a GET is not sent
 * (LT_ESTOPPED) and one under way ends within about a second (libcurl's
 * progress callback; LT_ESTOPPED).  Only GETs: they are idempotent, and a
 * POST, PUT or DELETE (an order, a cancel) is never cut mid-flight, since
 * its outcome would be unknown; its deadline bounds it.  Wire a flag that
 * means "no more queries are wanted" (the stop during start-up, or the end
 * of a stop's time bound), not a graceful stop that still queries to
 * settle orders.  NULL (the default) disables it.  The flag must outlive
 * the handle's use; it is read atomically. */
void http_set_abort(struct http *h, const atomic_int *flag);

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/* Reads one header line (as libcurl hands it over, CRLF included, not
 * NUL-terminated) into r's header fields: a status line resets them, and
 * the values are the venue's, so each is bounded (see the fields).  Pure:
 * the header callback of http_do; exposed for the fuzz harness. */
void http_header_parse(struct http_response *r, const char *line, size_t len);

/* Performs req; on return resp holds status, headers and body.  Returns 0
 * when any HTTP status arrived (callers judge the status), LT_EUNKNOWN on
 * a transport error or timeout, LT_ERANGE when the body exceeded
 * HTTP_BODY_MAX, LT_ESTOPPED when the abort flag ended a GET.  err never
 * contains header values or cookies. */
int http_do(struct http *h, const struct http_request *req, struct http_response *resp,
            struct lt_err *err);

#endif
