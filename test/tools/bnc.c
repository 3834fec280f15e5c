/*
 * bnc - a small Binance-dialect client for the simulator's shell tests.
 *
 * The integration tests need to speak to looptrader-sim exactly as a real
 * client would (raw signed HTTP, WebSocket streams, signed WebSocket API
 * requests) without depending on the trader's own venue code, so that a bug
 * shared by both cannot hide.  Output is made for scripts: a status line and
 * the body, or with -j one JSON object per response; WebSocket messages one
 * per line.
 *
 *   bnc [opts] METHOD PATH [k=v | ?k=v] ...     one HTTP request
 *   bnc ws URL [ws opts]                        a WebSocket session
 *   bnc wsapi --key K --secret S --id N METHOD [k=v ...]   prints a signed
 *                                               WebSocket API request
 *   bnc wsapi-subscribe --key K --secret S --id N          the same for
 *                                               userDataStream.subscribe.signature
 *
 * Run `bnc --help` for the options.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libwebsockets.h>

#include "looptrader/clock.h"
#include "looptrader/sign.h"
#include "looptrader/strbuf.h"

#define MAX_HEADERS 16
#define MAX_PARAMS 256
#define MAX_SENDS 64

static const char usage[] =
    "usage: bnc [--url BASE] [--key K] [--secret S | --private-key PEM] [--cookie C]\n"
    "           [--header 'N: V']...\n"
    "           [--body] [--bad-signature] [--no-timestamp] [--raw-query Q]\n"
    "           [--raw-body B] [--content-type T] [-i] [-j] [--timeout-ms T]\n"
    "           METHOD PATH [k=v | ?k=v]...\n"
    "  Parameters go in the query string, or all in a form body with --body\n"
    "  (a ?k=v parameter stays in the query).  With --secret the request is\n"
    "  signed: timestamp added (unless given or --no-timestamp), signature =\n"
    "  HMAC-SHA256(query + body) (with --private-key: its Ed25519 or RSA\n"
    "  signature, base64, URL-encoded) appended to the body when there is one,\n"
    "  else to the query.  --raw-query/--raw-body are sent verbatim (and\n"
    "  signed as such).  Output: 'HTTP <status>' then the body; -i also prints\n"
    "  the response headers ('name: value', lower-case names) and a blank line\n"
    "  before the body; -j prints one JSON object {status, headers, body}.\n"
    "  Exit 0 when a response came (any status), 1 on transport failure.\n"
    "\n"
    "usage: bnc ws URL [--send JSON]... [--stdin] [--count N] [--match S]\n"
    "           [--timeout-ms T] [--cookie C] [--header 'N: V']...\n"
    "  Connects, sends each --send message in order (then each stdin line with\n"
    "  --stdin), prints received text messages one per line (only those that\n"
    "  contain S with --match).  Exit 0 after N printed messages (or at the\n"
    "  timeout when N is 0), 1 on timeout before N, 2 when the connection\n"
    "  failed or was refused, 3 when the server closed it before N.\n"
    "\n"
    "usage: bnc wsapi --key K (--secret S | --private-key PEM) --id ID [--timestamp T]\n"
    "           METHOD [k=v]...\n"
    "       bnc wsapi-subscribe --key K --secret S --id ID [--timestamp T]\n"
    "  Prints one signed WebSocket API request (params sorted, apiKey and\n"
    "  timestamp added, signature over 'k=v&...' of the sorted params).\n";

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bnc: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void oom_check(int rc)
{
    if (rc)
        die("%s", "out of memory");
}

/* Appends "k=v" to sb, the value percent-encoded as HTTP clients do. */
static void add_param(struct strbuf *sb, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq)
        die("parameter '%s' is not k=v", kv);
    if (sb->len)
        oom_check(strbuf_addch(sb, '&'));
    oom_check(strbuf_add(sb, kv, (size_t)(eq - kv + 1)));
    oom_check(strbuf_addurlenc(sb, eq + 1));
}

static int has_param(char **kv, int n, const char *key)
{
    size_t kl = strlen(key);
    for (int i = 0; i < n; i++) {
        const char *p = kv[i][0] == '?' ? kv[i] + 1 : kv[i];
        if (!strncmp(p, key, kl) && p[kl] == '=')
            return 1;
    }
    return 0;
}

/* An Ed25519 or RSA private key PEM (--private-key), its type its own. */
static struct sign_key *load_private_key(const char *path)
{
    char pem[8192];
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot read %s", path);
    size_t n = fread(pem, 1, sizeof(pem), f);
    fclose(f);
    struct sign_key *k = NULL;
    if (sign_key_private_pem(pem, n, SIGN_KEY_ED25519, &k, NULL) &&
        sign_key_private_pem(pem, n, SIGN_KEY_RSA, &k, NULL))
        die("%s is not an Ed25519 or RSA private key", path);
    return k;
}

/* HMAC hex under secret, or base64 under key (percent-encoded for_url). */
static void sign_payload(const char *secret, const struct sign_key *key, const char *data,
                         size_t len, int corrupt, int for_url, char out[SIGN_URL_MAX + 1])
{
    char b64[SIGN_B64_MAX + 1];
    if (!key) {
        if (sign_hmac_sha256_hex(secret, strlen(secret), data, len, out))
            die("%s", "signing failed");
    } else if (sign_key_sign_b64(key, data, len, b64)) {
        die("%s", "signing failed");
    } else if (for_url) {
        sign_url_encode(b64, out);
    } else {
        memcpy(out, b64, strlen(b64) + 1);
    }
    if (corrupt)
        out[0] = out[0] == '0' ? '1' : '0';
}

/* ---- HTTP ---- */

struct http_opts {
    const char *url, *key, *secret, *cookie, *content_type;
    struct sign_key *private_key;   /* --private-key: signs instead of secret */
    const char *headers[MAX_HEADERS];
    int n_headers;
    const char *raw_query, *raw_body;
    int in_body, bad_sig, no_ts, show_headers, json_out;
    long timeout_ms;
};

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
    struct strbuf *sb = arg;
    return strbuf_add(sb, data, size * n) ? 0 : size * n;
}

static int http_main(struct http_opts *o, const char *method, const char *path, char **kv,
                     int n_kv)
{
    struct strbuf query = STRBUF_INIT, body = STRBUF_INIT, url = STRBUF_INIT;
    struct strbuf resp = STRBUF_INIT, hdrs = STRBUF_INIT, payload = STRBUF_INIT;
    char ts[32];

    for (int i = 0; i < n_kv; i++) {
        if (kv[i][0] == '?')
            add_param(&query, kv[i] + 1);
        else
            add_param(o->in_body ? &body : &query, kv[i]);
    }
    if (o->raw_query)
        oom_check(strbuf_addstr(&query, o->raw_query));
    if (o->raw_body)
        oom_check(strbuf_addstr(&body, o->raw_body));
    if (o->secret || o->private_key) {
        if (!o->no_ts && !has_param(kv, n_kv, "timestamp")) {
            snprintf(ts, sizeof(ts), "timestamp=%lld", (long long)clock_wall_ms());
            add_param(o->in_body ? &body : &query, ts);
        }
        char sig[SIGN_URL_MAX + 1];
        oom_check(strbuf_add(&payload, query.buf, query.len));
        oom_check(strbuf_add(&payload, body.buf, body.len));
        sign_payload(o->secret, o->private_key, payload.buf, payload.len, o->bad_sig, 1, sig);
        struct strbuf *dst = body.len ? &body : &query;
        oom_check(strbuf_addf(dst, "%ssignature=%s", dst->len ? "&" : "", sig));
    }
    oom_check(strbuf_addf(&url, "%s%s%s%s", o->url, path, query.len ? "?" : "", query.buf));

    CURL *c = curl_easy_init();
    if (!c)
        die("%s", "curl_easy_init failed");
    struct curl_slist *hl = NULL;
    char line[1024];
    if (o->key) {
        snprintf(line, sizeof(line), "X-MBX-APIKEY: %s", o->key);
        hl = curl_slist_append(hl, line);
    }
    for (int i = 0; i < o->n_headers; i++)
        hl = curl_slist_append(hl, o->headers[i]);
    if (body.len || o->raw_body) {
        snprintf(line, sizeof(line), "Content-Type: %s",
                 o->content_type ? o->content_type : "application/x-www-form-urlencoded");
        hl = curl_slist_append(hl, line);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.buf);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body.len);
    }
    hl = curl_slist_append(hl, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url.buf);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (!strcmp(method, "HEAD"))
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (o->cookie)
        curl_easy_setopt(c, CURLOPT_COOKIE, o->cookie);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &hdrs);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);

    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    int ret = 0;
    if (rc != CURLE_OK) {
        fprintf(stderr, "bnc: %s %s: %s\n", method, path, curl_easy_strerror(rc));
        ret = 1;
    } else {
        /* Header lines as "name: value"; the status line and blank line dropped. */
        json_t *hj = json_object();
        struct strbuf hout = STRBUF_INIT;
        char *save = NULL;
        for (char *l = strtok_r(hdrs.buf, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save)) {
            char *colon = strchr(l, ':');
            if (!colon || !strncmp(l, "HTTP/", 5))
                continue;
            *colon = '\0';
            for (char *p = l; *p; p++)
                *p = (char)tolower((unsigned char)*p);
            char *v = colon + 1;
            while (*v == ' ')
                v++;
            json_object_set_new(hj, l, json_string(v));
            oom_check(strbuf_addf(&hout, "%s: %s\n", l, v));
        }
        if (o->json_out) {
            json_t *out = json_object();
            json_object_set_new(out, "status", json_integer(status));
            json_object_set(out, "headers", hj);
            json_error_t je;
            json_t *b = json_loadb(resp.buf, resp.len, JSON_DECODE_ANY, &je);
            json_object_set_new(out, "body", b ? b : json_stringn(resp.buf, resp.len));
            char *s = json_dumps(out, JSON_COMPACT);
            printf("%s\n", s);
            free(s);
            json_decref(out);
        } else {
            printf("HTTP %ld\n", status);
            if (o->show_headers)
                printf("%s\n", hout.buf);
            printf("%s\n", resp.buf);
        }
        json_decref(hj);
        strbuf_free(&hout);
    }
    strbuf_free(&query);
    strbuf_free(&body);
    strbuf_free(&url);
    strbuf_free(&resp);
    strbuf_free(&hdrs);
    strbuf_free(&payload);
    return ret;
}

/* ---- WebSocket ---- */

struct ws_state {
    struct lws_context *ctx;
    const char *cookie;
    const char *headers[MAX_HEADERS];
    int n_headers;
    /* Messages to send, in order; stdin lines are appended by the reader
     * thread under lock. */
    pthread_mutex_t lock;
    char *sends[MAX_SENDS * 4];
    int n_sends, next_send;
    struct lws *wsi;
    struct strbuf rx;
    const char *match;
    int count, printed;
    int done, exit_code;
    lws_sorted_usec_list_t deadline;
};

static struct ws_state *ws_global; /* for the deadline callback */

static void ws_finish(struct ws_state *s, int code)
{
    if (!s->done) {
        s->done = 1;
        s->exit_code = code;
    }
}

static void ws_deadline_cb(lws_sorted_usec_list_t *sul)
{
    (void)sul;
    ws_finish(ws_global, ws_global->count ? 1 : 0);
    if (ws_global->count)
        fprintf(stderr, "bnc: ws: timeout after %d of %d messages\n", ws_global->printed,
                ws_global->count);
    lws_cancel_service(ws_global->ctx);
}

static int ws_append_headers(struct ws_state *s, struct lws *wsi, unsigned char **p,
                             unsigned char *end)
{
    if (s->cookie && lws_add_http_header_by_name(wsi, (const unsigned char *)"cookie:",
                                                 (const unsigned char *)s->cookie,
                                                 (int)strlen(s->cookie), p, end))
        return -1;
    for (int i = 0; i < s->n_headers; i++) {
        const char *colon = strchr(s->headers[i], ':');
        char name[128];
        size_t nl = (size_t)(colon - s->headers[i]);
        if (!colon || nl + 2 > sizeof(name))
            return -1;
        for (size_t k = 0; k < nl; k++)
            name[k] = (char)tolower((unsigned char)s->headers[i][k]);
        name[nl] = ':';
        name[nl + 1] = '\0';
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)name,
                                        (const unsigned char *)v, (int)strlen(v), p, end))
            return -1;
    }
    return 0;
}

static int ws_write_next(struct ws_state *s, struct lws *wsi)
{
    pthread_mutex_lock(&s->lock);
    char *msg = s->next_send < s->n_sends ? s->sends[s->next_send++] : NULL;
    int more = s->next_send < s->n_sends;
    pthread_mutex_unlock(&s->lock);
    if (!msg)
        return 0;
    size_t len = strlen(msg);
    unsigned char *buf = malloc(LWS_PRE + len);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, msg, len);
    int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT);
    free(buf);
    if (n < (int)len)
        return -1;
    if (more)
        lws_callback_on_writable(wsi);
    return 0;
}

static int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                       size_t len)
{
    struct ws_state *s = ws_global;
    (void)user;

    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return ws_append_headers(s, wsi, (unsigned char **)in, (unsigned char *)in + len);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        fprintf(stderr, "bnc: ws: connection failed: %s\n", in ? (const char *)in : "?");
        s->wsi = NULL;
        ws_finish(s, 2);
        return 0;
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        s->wsi = wsi;
        fprintf(stderr, "bnc: ws: connected\n");
        lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        if (s->done)
            return -1;
        return ws_write_next(s, wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (lws_frame_is_binary(wsi))
            return 0;
        if (strbuf_add(&s->rx, in, len))
            return -1;
        if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
            return 0;
        if (!s->done && (!s->match || strstr(s->rx.buf, s->match))) {
            fwrite(s->rx.buf, 1, s->rx.len, stdout);
            fputc('\n', stdout);
            fflush(stdout);
            if (s->count && ++s->printed >= s->count)
                ws_finish(s, 0);
        }
        strbuf_reset(&s->rx);
        return s->done ? -1 : 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
        s->wsi = NULL;
        if (!s->done)
            fprintf(stderr, "bnc: ws: closed by server after %d messages\n", s->printed);
        ws_finish(s, s->count ? 3 : 0);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (s->wsi)
            lws_callback_on_writable(s->wsi);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols ws_protocols[] = {
    { "bnc", ws_callback, 0, 65536, 0, NULL, 0 },
    { NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void *stdin_reader(void *arg)
{
    struct ws_state *s = arg;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        pthread_mutex_lock(&s->lock);
        int room = s->n_sends < (int)(sizeof(s->sends) / sizeof(s->sends[0]));
        if (room)
            s->sends[s->n_sends++] = strdup(line);
        pthread_mutex_unlock(&s->lock);
        if (!room)
            break;
        lws_cancel_service(s->ctx);
    }
    free(line);
    return NULL;
}

static int ws_main(int argc, char **argv)
{
    static struct ws_state s;
    long timeout_ms = 10000;
    int use_stdin = 0;
    char *url = NULL;

    ws_global = &s;
    pthread_mutex_init(&s.lock, NULL);
    strbuf_init(&s.rx, 1 << 24);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--send") && v) {
            if (s.n_sends >= MAX_SENDS)
                die("%s", "too many --send");
            s.sends[s.n_sends++] = strdup(v);
            i++;
        } else if (!strcmp(a, "--count") && v) {
            s.count = atoi(v);
            i++;
        } else if (!strcmp(a, "--match") && v) {
            s.match = v;
            i++;
        } else if (!strcmp(a, "--timeout-ms") && v) {
            timeout_ms = atol(v);
            i++;
        } else if (!strcmp(a, "--cookie") && v) {
            s.cookie = v;
            i++;
        } else if (!strcmp(a, "--header") && v) {
            if (s.n_headers >= MAX_HEADERS)
                die("%s", "too many --header");
            s.headers[s.n_headers++] = v;
            i++;
        } else if (!strcmp(a, "--stdin")) {
            use_stdin = 1;
        } else if (!url && a[0] != '-') {
            url = strdup(a);
        } else {
            die("ws: unexpected argument '%s' (see --help)", a);
        }
    }
    if (!url)
        die("%s", "ws: URL missing");

    const char *proto, *address, *p;
    int port;
    char path[2048];
    if (lws_parse_uri(url, &proto, &address, &port, &p) || strcmp(proto, "ws"))
        die("%s", "ws: only ws://host:port/path URLs");
    snprintf(path, sizeof(path), "/%s", p);

    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = ws_protocols;
    s.ctx = lws_create_context(&info);
    if (!s.ctx)
        die("%s", "ws: lws context creation failed");

    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.context = s.ctx;
    ci.address = address;
    ci.port = port;
    ci.path = path;
    ci.host = address;
    ci.origin = address;
    ci.local_protocol_name = ws_protocols[0].name;
    if (!lws_client_connect_via_info(&ci)) {
        fprintf(stderr, "bnc: ws: cannot start connection\n");
        lws_context_destroy(s.ctx);
        return 2;
    }
    lws_sul_schedule(s.ctx, 0, &s.deadline, ws_deadline_cb, (lws_usec_t)timeout_ms * 1000);
    pthread_t reader;
    if (use_stdin && pthread_create(&reader, NULL, stdin_reader, &s))
        die("%s", "ws: cannot start stdin reader");
    if (use_stdin)
        pthread_detach(reader);
    while (!s.done)
        if (lws_service(s.ctx, 0) < 0)
            break;
    lws_sul_cancel(&s.deadline);
    int code = s.done ? s.exit_code : 2;
    /* The reader thread may still be blocked in getline: exit without
     * tearing down what it touches. */
    fflush(stdout);
    if (use_stdin)
        _exit(code);
    lws_context_destroy(s.ctx);
    for (int i = 0; i < s.n_sends; i++)
        free(s.sends[i]);
    strbuf_free(&s.rx);
    free(url);
    return code;
}

/* ---- WebSocket API request building ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int wsapi_main(int argc, char **argv, const char *fixed_method)
{
    const char *key = NULL, *secret = NULL, *id = NULL, *method = fixed_method;
    struct sign_key *pk = NULL;
    char *kv[MAX_PARAMS + 3];
    int n = 0;
    char ts[48], ak[256];
    int have_ts = 0;

    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--key") && v) {
            key = argv[++i];
        } else if (!strcmp(a, "--secret") && v) {
            secret = argv[++i];
        } else if (!strcmp(a, "--private-key") && v) {
            pk = load_private_key(argv[++i]);
        } else if (!strcmp(a, "--id") && v) {
            id = argv[++i];
        } else if (!strcmp(a, "--timestamp") && v) {
            snprintf(ts, sizeof(ts), "timestamp=%s", argv[++i]);
            have_ts = 1;
        } else if (!method && a[0] != '-') {
            method = a;
        } else if (strchr(a, '=') && n < MAX_PARAMS) {
            kv[n++] = argv[i];
        } else {
            die("wsapi: unexpected argument '%s' (see --help)", a);
        }
    }
    if (!key || (!secret && !pk) || !id || !method)
        die("%s", "wsapi: --key, --secret (or --private-key), --id and METHOD are required");
    if (!have_ts)
        snprintf(ts, sizeof(ts), "timestamp=%lld", (long long)clock_wall_ms());
    snprintf(ak, sizeof(ak), "apiKey=%s", key);
    kv[n++] = ak;
    kv[n++] = ts;
    qsort(kv, (size_t)n, sizeof(kv[0]), cmp_str);

    struct strbuf payload = STRBUF_INIT;
    json_t *params = json_object();
    for (int i = 0; i < n; i++) {
        char *eq = strchr(kv[i], '=');
        oom_check(strbuf_addf(&payload, "%s%s", i ? "&" : "", kv[i]));
        char *k = strndup(kv[i], (size_t)(eq - kv[i]));
        json_object_set_new(params, k, all_digits(eq + 1) && strcmp(k, "apiKey")
                                           ? json_integer(strtoll(eq + 1, NULL, 10))
                                           : json_string(eq + 1));
        free(k);
    }
    char sig[SIGN_URL_MAX + 1];
    sign_payload(secret, pk, payload.buf, payload.len, 0, 0, sig);
    sign_key_free(pk);
    json_object_set_new(params, "signature", json_string(sig));

    json_t *req = json_object();
    json_object_set_new(req, "id", all_digits(id) ? json_integer(strtoll(id, NULL, 10))
                                                  : json_string(id));
    json_object_set_new(req, "method", json_string(method));
    json_object_set_new(req, "params", params);
    char *s = json_dumps(req, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s\n", s);
    free(s);
    json_decref(req);
    strbuf_free(&payload);
    return 0;
}

/* ---- command line ---- */

int main(int argc, char **argv)
{
    struct http_opts o;
    const char *method = NULL, *path = NULL;
    char *kv[MAX_PARAMS];
    int n_kv = 0;

    signal(SIGPIPE, SIG_IGN);
    if (argc > 1 && !strcmp(argv[1], "ws"))
        return ws_main(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "wsapi"))
        return wsapi_main(argc - 2, argv + 2, NULL);
    if (argc > 1 && !strcmp(argv[1], "wsapi-subscribe"))
        return wsapi_main(argc - 2, argv + 2, "userDataStream.subscribe.signature");

    memset(&o, 0, sizeof(o));
    o.url = getenv("BNC_URL");
    o.timeout_ms = 10000;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_v = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(a, "--url") && has_v) {
            o.url = argv[++i];
        } else if (!strcmp(a, "--key") && has_v) {
            o.key = argv[++i];
        } else if (!strcmp(a, "--secret") && has_v) {
            o.secret = argv[++i];
        } else if (!strcmp(a, "--private-key") && has_v) {
            o.private_key = load_private_key(argv[++i]);
        } else if (!strcmp(a, "--cookie") && has_v) {
            o.cookie = argv[++i];
        } else if (!strcmp(a, "--header") && has_v) {
            if (o.n_headers >= MAX_HEADERS)
                die("%s", "too many --header");
            o.headers[o.n_headers++] = argv[++i];
        } else if (!strcmp(a, "--raw-query") && has_v) {
            o.raw_query = argv[++i];
        } else if (!strcmp(a, "--raw-body") && has_v) {
            o.raw_body = argv[++i];
        } else if (!strcmp(a, "--content-type") && has_v) {
            o.content_type = argv[++i];
        } else if (!strcmp(a, "--timeout-ms") && has_v) {
            o.timeout_ms = atol(argv[++i]);
        } else if (!strcmp(a, "--body")) {
            o.in_body = 1;
        } else if (!strcmp(a, "--bad-signature")) {
            o.bad_sig = 1;
        } else if (!strcmp(a, "--no-timestamp")) {
            o.no_ts = 1;
        } else if (!strcmp(a, "-i")) {
            o.show_headers = 1;
        } else if (!strcmp(a, "-j")) {
            o.json_out = 1;
        } else if (!method && a[0] != '-') {
            method = a;
        } else if (!path && method) {
            path = a;
        } else if (path && strchr(a, '=')) {
            if (n_kv >= MAX_PARAMS)
                die("%s", "too many parameters");
            kv[n_kv++] = argv[i];
        } else {
            die("unexpected argument '%s' (see --help)", a);
        }
    }
    if (!o.url || !method || !path) {
        fputs(usage, stderr);
        return 1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = http_main(&o, method, path, kv, n_kv);
    sign_key_free(o.private_key);
    curl_global_cleanup();
    return rc;
}
