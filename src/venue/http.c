/*
 * http.c - libcurl wrapper: one easy handle per thread, kept alive between
 * requests so that a worker's order calls reuse one TCP connection.
 *
 * The response body is bounded (HTTP_BODY_MAX) because it comes from the
 * network; the headers the rate limiter and clock need are captured by a
 * header callback.  Error text is built from the method, the URL path
 * (never the query, which carries signatures) and libcurl's own error
 * buffer, which describes the transport only and never echoes our headers.
 *
 * A call is driven through a multi handle of the handle's own with
 * curl_multi_socket_action, not curl_easy_perform: the easy loop polls the
 * multi's wake-up pair before it starts and polls the socket again, with
 * no wait, before every read; told which socket is ready, libcurl reads at
 * once.  That is two polls fewer per request on the order path.
 */
#include "looptrader/http.h"
#include "looptrader/clock.h"
#include "looptrader/latency.h"
#include "looptrader/live.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Sockets libcurl may ask to watch at once for one transfer: two while
 * happy eyeballs races IPv6 and IPv4, one for the threaded resolver. */
#define HTTP_SOCKS_MAX 8
/* The longest wait between looks at the abort flag, and the margin past a
 * call's deadline (which libcurl enforces) after which the loop ends it. */
#define HTTP_WAKE_MS 1000
#define HTTP_BACKSTOP_MS 2000

/* Per-request state the curl callbacks fill. */
struct http_call {
    struct http_response *resp;
    int too_big;
    int no_resend;      /* this request must reach the venue at most once */
    int sends;          /* times libcurl was about to send it */
};

struct http_sock {
    curl_socket_t fd;
    int what;                          /* CURL_POLL_IN / _OUT / _INOUT */
};

struct http {
    CURL *curl;                        /* owned; one thread at a time */
    CURLM *multi;                      /* owned; holds the kept connection */
    struct http_sock socks[HTTP_SOCKS_MAX]; /* what libcurl asked to watch */
    size_t n_socks;
    long long timer_at_ns;             /* libcurl's next timeout, -1: none */
    const atomic_int *abort;           /* ends GETs when set; NULL: none */
    struct http_call call;             /* the request under way; the handle's
                                        * callbacks point here once for all */
    struct curl_slist *hdrs;           /* owned; the last request's headers,
                                        * kept for the next one with the same */
    int cookies_set;                   /* the handle holds a Cookie value */
    char errbuf[CURL_ERROR_SIZE];
};

/* libcurl calls this before each send of a request, after the connection
 * is made or reused, so a silent re-send on a fresh connection (a reused
 * keep-alive connection died before any answer byte) calls it twice:
 * refusing the second send is what keeps an order from being placed twice,
 * while the body still leaves with the headers in one write. */
static int on_prereq(void *arg, char *primary_ip, char *local_ip, int primary_port,
                     int local_port)
{
    struct http_call *c = arg;
    (void)primary_ip;
    (void)local_ip;
    (void)primary_port;
    (void)local_port;
    return c->no_resend && c->sends++ > 0 ? CURL_PREREQFUNC_ABORT : CURL_PREREQFUNC_OK;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg);
static size_t on_header(char *line, size_t size, size_t nmemb, void *arg);

/* libcurl says which sockets the transfer waits on, and for what. */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *arg, void *sockp)
{
    struct http *h = arg;
    (void)e;
    (void)sockp;
    size_t i = 0;
    while (i < h->n_socks && h->socks[i].fd != fd)
        i++;
    if (what == CURL_POLL_REMOVE) {
        if (i < h->n_socks)
            h->socks[i] = h->socks[--h->n_socks];
        return 0;
    }
    if (i == h->n_socks) {
        if (h->n_socks == HTTP_SOCKS_MAX)
            return -1; /* fails the call (CURLM_ABORTED_BY_CALLBACK) */
        h->n_socks++;
    }
    h->socks[i] = (struct http_sock){ fd, what };
    return 0;
}

static int on_timer(CURLM *m, long timeout_ms, void *arg)
{
    struct http *h = arg;
    (void)m;
    h->timer_at_ns = timeout_ms < 0 ? -1 : clock_mono_ns() + (long long)timeout_ms * 1000000LL;
    return 0;
}

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int http_new(struct http **out, struct lt_err *err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return lt_err_set(err, LT_EIO, "curl_global_init failed: %s",
                          curl_easy_strerror(global_rc));
    struct http *h = calloc(1, sizeof *h);
    if (!h)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    h->curl = curl_easy_init();
    h->multi = curl_multi_init();
    if (!h->curl || !h->multi) {
        curl_easy_cleanup(h->curl);
        curl_multi_cleanup(h->multi);
        free(h);
        return lt_err_set(err, LT_ENOMEM, "curl_easy_init failed");
    }
    h->timer_at_ns = -1;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    /* What every request of the handle shares is set once here, not per
     * call: on the order path each option set is work. */
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HTTP_BODY_MAX);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &h->call);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h->call);
    curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(c, CURLOPT_PREREQDATA, &h->call);
    *out = h;
    return 0;
}

void http_free(struct http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    curl_multi_cleanup(h->multi);
    curl_slist_free_all(h->hdrs);
    free(h);
}

int http_set_ca_file(struct http *h, const char *path, struct lt_err *err)
{
    CURLcode cc = curl_easy_setopt(h->curl, CURLOPT_CAINFO, path);
    if (cc == CURLE_OK)
        cc = curl_easy_setopt(h->curl, CURLOPT_CAPATH, NULL);
    if (cc != CURLE_OK)
        return lt_err_set(err, LT_EINVAL, "CA file %s: %s", path,
                          curl_easy_strerror(cc));
    return 0;
}

void http_set_insecure(struct http *h, int insecure)
{
    curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYPEER, insecure ? 0L : 1L);
    curl_easy_setopt(h->curl, CURLOPT_SSL_VERIFYHOST, insecure ? 0L : 2L);
}

void http_set_abort(struct http *h, const atomic_int *flag)
{
    h->abort = flag;
}

/* libcurl calls this about once a second and on every transfer step. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return atomic_load((const atomic_int *)arg) != 0;
}

void http_response_init(struct http_response *r)
{
    r->status = 0;
    strbuf_init(&r->body, HTTP_BODY_MAX);
    r->retry_after_s = -1;
    r->used_weight_1m = -1;
    r->order_count_10s = -1;
    r->order_count_1d = -1;
    r->server_date_ms = 0;
}

void http_response_release(struct http_response *r)
{
    strbuf_free(&r->body);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct http_call *c = arg;
    size_t n = size * nmemb;
    if (strbuf_add(&c->resp->body, data, n) != 0) {
        c->too_big = 1;
        return 0; /* aborts the transfer */
    }
    return n;
}

/* A non-negative integer header value, saturated at 10^9 (a venue's huge
 * count or wait is believed as "very large", never wrapped); -1 if none. */
static int header_int(const char *v, size_t len)
{
    long n = 0;
    size_t i = 0;
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    if (i == len || v[i] < '0' || v[i] > '9')
        return -1;
    for (; i < len && v[i] >= '0' && v[i] <= '9'; i++)
        if ((n = n * 10 + (v[i] - '0')) > 1000000000L)
            return 1000000000;
    return (int)n;
}

static int header_is(const char *line, size_t len, const char *name, const char **value,
                     size_t *vlen)
{
    size_t nl = strlen(name);
    if (len <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
        return 0;
    *value = line + nl + 1;
    *vlen = len - nl - 1;
    while (*vlen && ((*value)[*vlen - 1] == '\r' || (*value)[*vlen - 1] == '\n'))
        (*vlen)--;
    return 1;
}

void http_header_parse(struct http_response *r, const char *line, size_t len)
{
    const char *v;
    size_t vl;
    if (len >= 5 && strncmp(line, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or 100-continue): start over. */
        r->retry_after_s = -1;
        r->used_weight_1m = -1;
        r->order_count_10s = -1;
        r->order_count_1d = -1;
        r->server_date_ms = 0;
    } else if (header_is(line, len, "Retry-After", &v, &vl)) {
        int ra = header_int(v, vl);
        r->retry_after_s = ra > HTTP_RETRY_AFTER_MAX_S ? HTTP_RETRY_AFTER_MAX_S : ra;
    } else if (header_is(line, len, "X-MBX-USED-WEIGHT-1M", &v, &vl)) {
        r->used_weight_1m = header_int(v, vl);
    } else if (header_is(line, len, "X-MBX-ORDER-COUNT-10S", &v, &vl)) {
        r->order_count_10s = header_int(v, vl);
    } else if (header_is(line, len, "X-MBX-ORDER-COUNT-1D", &v, &vl)) {
        r->order_count_1d = header_int(v, vl);
    } else if (header_is(line, len, "Date", &v, &vl) && vl < 64) {
        char tmp[64];
        memcpy(tmp, v, vl);
        tmp[vl] = '\0';
        time_t t = curl_getdate(tmp, NULL);
        /* Past 9999 is no date a server sends, and would overflow in ms. */
        if (t > 0 && t < 253402300800)
            r->server_date_ms = (long long)t * 1000;
    }
}

static size_t on_header(char *line, size_t size, size_t nmemb, void *arg)
{
    struct http_call *c = arg;
    http_header_parse(c->resp, line, size * nmemb);
    return size * nmemb;
}

/* Length of the URL up to its query: error text shows no parameters. */
static int url_path_len(const char *url)
{
    size_t n = strcspn(url, "?");
    return n > 200 ? 200 : (int)n;
}

/* 1 when the handle's kept header list is exactly req's lines. */
static int headers_same(const struct curl_slist *l, const struct http_request *req)
{
    size_t i = 0;
    for (; l && i < req->n_headers; l = l->next, i++)
        if (strcmp(l->data, req->headers[i]) != 0)
            return 0;
    return !l && i == req->n_headers;
}

/* Makes the handle's header list req's: kept when the same (a worker's
 * calls for one account repeat it), else built anew.  0 or LT_ENOMEM
 * (the handle then sends no extra header; the caller fails the call). */
static int headers_set(struct http *h, const struct http_request *req)
{
    if (headers_same(h->hdrs, req))
        return 0;
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(h->hdrs);
    h->hdrs = NULL;
    struct curl_slist *hdrs = NULL;
    for (size_t i = 0; i < req->n_headers; i++) {
        struct curl_slist *n = curl_slist_append(hdrs, req->headers[i]);
        if (!n) {
            curl_slist_free_all(hdrs);
            return LT_ENOMEM;
        }
        hdrs = n;
    }
    h->hdrs = hdrs;
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
    return 0;
}

/* The milliseconds to wait for a socket: until libcurl's next timeout,
 * at most HTTP_WAKE_MS (the abort flag is looked at in between). */
static int wait_ms(const struct http *h, long long now)
{
    if (h->timer_at_ns < 0)
        return HTTP_WAKE_MS;
    long long left = h->timer_at_ns - now;
    if (left <= 0)
        return 0;
    long long ms = (left + 999999) / 1000000;
    return ms < HTTP_WAKE_MS ? (int)ms : HTTP_WAKE_MS;
}

/* Runs the handle's request to its end through the multi handle; the
 * transfer's own result in *cc.  Bounded: libcurl ends the transfer at its
 * timeout, and the loop itself HTTP_BACKSTOP_MS after that; a GET also
 * ends within HTTP_WAKE_MS of the abort flag (CURLE_ABORTED_BY_CALLBACK,
 * as the progress callback reports it).  0, or LT_EUNKNOWN when the multi
 * handle failed (*cc then says nothing). */
static int transfer(struct http *h, long timeout_ms, int abortable, CURLcode *cc)
{
    *cc = CURLE_OK;
    h->n_socks = 0;
    h->timer_at_ns = -1;
    if (curl_multi_add_handle(h->multi, h->curl) != CURLM_OK)
        return LT_EUNKNOWN;
    long long backstop = clock_mono_ns() + (long long)(timeout_ms + HTTP_BACKSTOP_MS) * 1000000LL;
    int running = 0, rc = 0;
    CURLMcode mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    while (mc == CURLM_OK && running > 0) {
        long long now = clock_mono_ns();
        if (now >= backstop) {
            *cc = CURLE_OPERATION_TIMEDOUT;
            break;
        }
        if (abortable && atomic_load(h->abort)) {
            *cc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        struct pollfd pfd[HTTP_SOCKS_MAX];
        size_t n = h->n_socks;
        for (size_t i = 0; i < n; i++) {
            int w = h->socks[i].what;
            pfd[i] = (struct pollfd){ .fd = h->socks[i].fd,
                                      .events = (short)(((w & CURL_POLL_IN) ? POLLIN : 0) |
                                                        ((w & CURL_POLL_OUT) ? POLLOUT : 0)) };
        }
        int r = poll(pfd, (nfds_t)n, wait_ms(h, now));
        latency_woke();
        if (r < 0 && errno != EINTR) {
            rc = LT_EUNKNOWN;
            break;
        }
        if (r > 0) {
            /* pfd is a copy: a socket an earlier action removed is one
             * libcurl no longer knows, and ignores. */
            for (size_t i = 0; i < n && mc == CURLM_OK; i++) {
                short re = pfd[i].revents;
                if (!re)
                    continue;
                int bits = ((re & (POLLIN | POLLHUP | POLLERR)) ? CURL_CSELECT_IN : 0) |
                           ((re & POLLOUT) ? CURL_CSELECT_OUT : 0) |
                           ((re & (POLLERR | POLLNVAL)) ? CURL_CSELECT_ERR : 0);
                mc = curl_multi_socket_action(h->multi, pfd[i].fd, bits, &running);
            }
        } else if (r == 0 && h->timer_at_ns >= 0 && clock_mono_ns() >= h->timer_at_ns) {
            mc = curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }
    }
    if (mc != CURLM_OK)
        rc = LT_EUNKNOWN;
    int left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE && m->easy_handle == h->curl)
            *cc = m->data.result;
    curl_multi_remove_handle(h->multi, h->curl);
    h->n_socks = 0;
    h->timer_at_ns = -1;
    return rc;
}

int http_do(struct http *h, const struct http_request *req, struct http_response *resp,
            struct lt_err *err)
{
    CURL *c = h->curl;
    int rc = 0;

    strbuf_reset(&resp->body);
    resp->status = 0;
    resp->retry_after_s = -1;
    resp->used_weight_1m = -1;
    resp->order_count_10s = -1;
    resp->order_count_1d = -1;
    resp->server_date_ms = 0;

    int abortable = h->abort && strcmp(req->method, "GET") == 0;
    if (abortable && atomic_load(h->abort))
        return lt_err_set(err, LT_ESTOPPED, "%s %.*s: stopped before it was sent", req->method,
                          url_path_len(req->url), req->url);
    if (headers_set(h, req))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    h->call = (struct http_call){ .resp = resp, .no_resend = req->no_resend };
    long timeout = req->timeout_ms > 0 ? req->timeout_ms : 10000;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, req->url);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L); /* resets POST state from the last call */
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(req->method, "GET") != 0) {
        /* POSTFIELDS (not a read callback) lets libcurl write a small body
         * with the headers in one send; on_prereq stops its re-send. */
        size_t blen = req->body ? strlen(req->body) : 0;
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body ? req->body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)blen);
        if (strcmp(req->method, "POST") != 0)
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, req->method);
    }
    if (req->cookies || h->cookies_set) {
        curl_easy_setopt(c, CURLOPT_COOKIE, req->cookies);
        h->cookies_set = req->cookies != NULL;
    }
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout < 5000 ? timeout : 5000L);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, abortable ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abortable ? on_progress : NULL);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, abortable ? (void *)h->abort : NULL);

    CURLcode cc;
    int mrc = transfer(h, timeout, abortable, &cc);
    live_http_done(req->method, req->url, c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);

    if (mrc != 0) {
        rc = lt_err_set(err, LT_EUNKNOWN, "%s %.*s: the transfer could not be driven",
                        req->method, url_path_len(req->url), req->url);
        resp->status = 0;
    } else if (cc == CURLE_ABORTED_BY_CALLBACK && h->call.no_resend && h->call.sends > 1) {
        rc = lt_err_set(err, LT_EUNKNOWN,
                        "%s %.*s: the connection died before an answer; not re-sent",
                        req->method, url_path_len(req->url), req->url);
        resp->status = 0;
    } else if (cc == CURLE_ABORTED_BY_CALLBACK) {
        rc = lt_err_set(err, LT_ESTOPPED, "%s %.*s: stopped", req->method,
                        url_path_len(req->url), req->url);
        resp->status = 0;
    } else if (h->call.too_big || cc == CURLE_FILESIZE_EXCEEDED) {
        rc = lt_err_set(err, LT_ERANGE, "%s %.*s: response body over %u bytes", req->method,
                        url_path_len(req->url), req->url, (unsigned)HTTP_BODY_MAX);
    } else if (cc != CURLE_OK) {
        rc = lt_err_set(err, LT_EUNKNOWN, "%s %.*s: %s", req->method, url_path_len(req->url),
                        req->url, h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc));
        resp->status = 0;
    }

    /* The handle keeps a pointer to the body; drop it before it goes away.
     * The callbacks' resp is the caller's too. */
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, NULL);
    h->call.resp = NULL;
    return rc;
}
