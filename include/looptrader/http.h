/*
 * http.h - a libcurl easy handle per worker: keep-alive requests with
 * headers, cookies, timeouts and a bounded response buffer.
 *
 * One struct http belongs to one thread at a time (workers own one each).
 * Transport failures and timeouts return LT_EUNKNOWN: the request may or may
 * not have reached the server, and callers that placed an order must settle
 * it by query, never by re-sending.
 */
#ifndef LOOPTRADER_HTTP_H
#define LOOPTRADER_HTTP_H

#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/strbuf.h"

#define HTTP_BODY_MAX (8u << 20) /* responses larger than this fail (LT_ERANGE) */

struct http;

struct http_request {
    const char *method;           /* "GET", "POST", "PUT", "DELETE" */
    const char *url;              /* full URL including the query string */
    const char *body;             /* NULL or form body */
    const char *const *headers;   /* "Name: value" lines, may be NULL */
    size_t n_headers;
    const char *cookies;          /* "a=b; c=d" or NULL */
    long timeout_ms;              /* whole-request limit; 0 = 10 s */
    int no_resend;                /* never let libcurl send it twice (see below) */
};

/* libcurl silently re-sends a request on a fresh connection when a reused
 * keep-alive connection dies before any answer byte arrives.  For an order
 * that is a second order.  With no_resend the body is streamed without the
 * ability to rewind, so such a retry fails (LT_EUNKNOWN) instead, and the
 * caller settles the outcome by query.  Use it with a non-empty body. */

struct http_response {
    long status;                  /* HTTP status, 0 if none arrived */
    struct strbuf body;           /* owned; http_response_release frees */
    int retry_after_s;            /* Retry-After header, -1 if absent */
    int used_weight_1m;           /* X-MBX-USED-WEIGHT-1M, -1 if absent */
    int order_count_10s;          /* X-MBX-ORDER-COUNT-10S, -1 if absent */
    int order_count_1d;           /* X-MBX-ORDER-COUNT-1D, -1 if absent */
    long long server_date_ms;     /* Date header in ms, 0 if absent */
};

int http_new(struct http **out, struct lt_err *err);
void http_free(struct http *h);

/* TLS peer verification is on by default; this turns it off (tests only). */
void http_set_insecure(struct http *h, int insecure);

void http_response_init(struct http_response *r);
void http_response_release(struct http_response *r);

/* Performs req; on return resp holds status, headers and body.  Returns 0
 * when any HTTP status arrived (callers judge the status), LT_EUNKNOWN on
 * a transport error or timeout, LT_ERANGE when the body exceeded
 * HTTP_BODY_MAX.  err never contains header values or cookies. */
int http_do(struct http *h, const struct http_request *req, struct http_response *resp,
            struct lt_err *err);

#endif
