/*
 * auth.c - API-key, signature, timestamp and session checks (see auth.h).
 *
 * Rebuilding the raw query: the decoded fragments are joined as they are
 * (what clients that sign before encoding, or send only safe characters,
 * signed), and re-encoded in the styles of the common clients: Python's
 * urlencode (quote_plus), strict RFC 3986 (%20), JavaScript's
 * encodeURIComponent and axios's variant of it.  When every character is
 * unreserved these all coincide and one HMAC is computed.
 */
#include "looptrader/sim/auth.h"
#include "looptrader/sign.h"

#include <string.h>

#define RECV_WINDOW_DEFAULT 5000
#define RECV_WINDOW_MAX 60000
#define FUTURE_SLACK_MS 1000

enum enc_style { ENC_ASIS, ENC_ASIS_PLUS, ENC_PY, ENC_RFC, ENC_JS, ENC_AXIOS, ENC_COUNT };

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

static void add_encoded(struct strbuf *sb, const char *s, enum enc_style st)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        int keep = unreserved(c);
        if (st == ENC_ASIS) {
            keep = 1;
        } else if (st == ENC_ASIS_PLUS) {
            keep = 1;
            if (c == ' ')
                c = '+';
        } else if (c == ' ' && (st == ENC_PY || st == ENC_AXIOS)) {
            keep = 1;
            c = '+';
        } else if ((st == ENC_JS || st == ENC_AXIOS) && strchr("!'()*", c)) {
            keep = 1;
        } else if (st == ENC_AXIOS && strchr(":$,[]", c)) {
            keep = 1;
        }
        if (keep) {
            strbuf_addch(sb, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            strbuf_add(sb, e, 3);
        }
    }
}

static int all_plain(const struct params *p)
{
    for (int i = 0; i < p->n; i++) {
        if (p->item[i].origin != PARAMS_QUERY)
            continue;
        for (const char *s = params_val(p, i); *s; s++)
            if (!unreserved((unsigned char)*s))
                return 0;
        for (const char *s = params_key(p, i); *s; s++)
            if (!unreserved((unsigned char)*s))
                return 0;
    }
    return 1;
}

static void build_query(struct strbuf *sb, const struct params *p, enum enc_style st)
{
    int first = 1;
    for (int i = 0; i < p->n; i++) {
        if (p->item[i].origin != PARAMS_QUERY || !strcmp(params_key(p, i), "signature"))
            continue;
        if (!first)
            strbuf_addch(sb, '&');
        first = 0;
        add_encoded(sb, params_key(p, i), st);
        strbuf_addch(sb, '=');
        add_encoded(sb, params_val(p, i), st);
    }
}

/* The raw body without its "signature=..." segment. */
static void build_body(struct strbuf *sb, const char *raw, size_t len)
{
    size_t i = 0;
    int first = 1;
    while (i < len) {
        const char *seg = raw + i;
        const char *amp = memchr(seg, '&', len - i);
        size_t n = amp ? (size_t)(amp - seg) : len - i;
        i += n + 1;
        if (n >= 10 && !memcmp(seg, "signature=", 10))
            continue;
        if (!first)
            strbuf_addch(sb, '&');
        first = 0;
        strbuf_add(sb, seg, n);
    }
}

/* want is the request's signature: hex HMAC under secret (through hmac,
 * the same secret keyed once, when given), or base64 under key when the
 * account has a public key. */
static int sig_matches(const char *secret, struct sign_hmac *hmac, const struct sign_key *key,
                       const char *want, const char *data, size_t len)
{
    if (key)
        return sign_key_verify_b64(key, data, len, want);
    char got[SIGN_HEX_LEN + 1];
    if (hmac ? sign_hmac_hex(hmac, data, len, got)
             : sign_hmac_sha256_hex(secret, strlen(secret), data, len, got))
        return 0;
    return sign_equal(got, want);
}

/* The signature as sig_matches compares it: hex lowercased (Binance takes
 * either case), base64 as sent.  0 when it cannot be one. */
static int normalize_sig(const char *sig, const struct sign_key *key, char *want, size_t size)
{
    size_t n = strlen(sig);
    if (key ? n == 0 || n >= size : n != SIGN_HEX_LEN)
        return 0;
    for (size_t i = 0; i <= n; i++)
        want[i] = (char)(!key && sig[i] >= 'A' && sig[i] <= 'F' ? sig[i] + 32 : sig[i]);
    return 1;
}

static int bad_signature(struct lt_err *err)
{
    return params_fail(err, 400, -1022, "Signature for this request is not valid.");
}

int auth_rest_signature(const char *secret, struct sign_hmac *hmac, const struct sign_key *key,
                        const struct params *p, const char *body_raw, size_t body_len,
                        struct lt_err *err)
{
    const char *sig = params_get(p, "signature");
    char want[SIGN_B64_MAX + 1];
    if (!sig)
        return params_fail(err, 400, -1102,
                           "Mandatory parameter 'signature' was not sent, was empty/null, "
                           "or malformed.");
    if (!normalize_sig(sig, key, want, sizeof want))
        return bad_signature(err);

    struct strbuf body = STRBUF_INIT, payload = STRBUF_INIT;
    build_body(&body, body_raw, body_len);
    int styles = all_plain(p) ? 1 : ENC_COUNT, ok = 0;
    for (int st = 0; st < styles && !ok; st++) {
        strbuf_reset(&payload);
        build_query(&payload, p, (enum enc_style)st);
        strbuf_add(&payload, body.buf, body.len);
        ok = sig_matches(secret, hmac, key, want, payload.buf, payload.len);
    }
    strbuf_free(&body);
    strbuf_free(&payload);
    return ok ? 0 : bad_signature(err);
}

int auth_check_time(const struct params *p, int64_t now_ms, int required, struct lt_err *err)
{
    int64_t ts = 0;
    int present = 0;
    money_t rw = (money_t)RECV_WINDOW_DEFAULT * MONEY_SCALE;
    int rc = params_int(p, "timestamp", &ts, &present, err);
    if (rc)
        return rc;
    if (!present)
        return required ? params_need_int(p, "timestamp", &ts, err) : 0;
    if ((rc = params_money(p, "recvWindow", &rw, NULL, err)))
        return rc;
    if (rw > (money_t)RECV_WINDOW_MAX * MONEY_SCALE)
        return params_fail(err, 400, -1131, "recvWindow must be less than %d.",
                           RECV_WINDOW_MAX);
    if (ts >= 100000000000000LL) /* microseconds */
        ts /= 1000;
    int64_t window = rw / MONEY_SCALE;
    if (ts >= now_ms + FUTURE_SLACK_MS)
        return params_fail(err, 400, -1021,
                           "Timestamp for this request was 1000ms ahead of the server's time.");
    if (now_ms - ts > window)
        return params_fail(err, 400, -1021,
                           "Timestamp for this request is outside of the recvWindow.");
    return 0;
}

struct hdr_ctx {
    struct sim_conn *conn;
    char buf[512];
};

static const char *get_header(void *ctx, const char *name)
{
    struct hdr_ctx *h = ctx;
    return server_header(h->conn, name, h->buf, sizeof(h->buf)) > 0 ? h->buf : NULL;
}

int auth_session(const struct sim_exchange *ex, struct sim_conn *conn)
{
    char cookie[2048];
    struct hdr_ctx h = { .conn = conn };
    int n = server_header(conn, "cookie", cookie, sizeof(cookie));
    return sim_exchange_account_by_session(ex, n > 0 ? cookie : NULL, get_header, &h);
}

static int key_account(const struct sim_exchange *ex, const char *key, int *account,
                       struct lt_err *err)
{
    size_t n = strlen(key);
    if (!n || n > 100)
        return params_fail(err, 401, -2014, "API-key format invalid.");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)key[i] <= 0x20 || (unsigned char)key[i] >= 0x7f)
            return params_fail(err, 401, -2014, "API-key format invalid.");
    *account = sim_exchange_account_by_key(ex, key);
    if (*account < 0)
        return params_fail(err, 401, -2015, "Invalid API-key, IP, or permissions for action.");
    return 0;
}

int auth_rest(const struct sim_exchange *ex, struct sim_req *req, enum auth_level level,
              int *account, struct lt_err *err)
{
    char key[256];
    int rc;
    if (server_header(req->conn, "x-mbx-apikey", key, sizeof(key)) < 0) {
        *account = auth_session(ex, req->conn);
        if (*account < 0)
            return params_fail(err, 401, -2014, "API-key format invalid.");
        return auth_check_time(&req->params, req->now_ms, 0, err);
    }
    if ((rc = key_account(ex, key, account, err)))
        return rc;
    if (level == AUTH_KEY)
        return 0;
    if ((rc = auth_check_time(&req->params, req->now_ms, 1, err)))
        return rc;
    const struct simconf_account *a = sim_exchange_account_conf(ex, *account);
    return auth_rest_signature(a->api_secret, sim_exchange_account_hmac(ex, *account),
                               a->public_key, &req->params, req->body.buf, req->body.len, err);
}

int auth_ws_key(const struct sim_exchange *ex, const struct params *p, int *account,
                struct lt_err *err)
{
    const char *key;
    int rc = params_need(p, "apiKey", &key, err);
    return rc ? rc : key_account(ex, key, account, err);
}

int auth_ws(const struct sim_exchange *ex, const struct params *p, int64_t now_ms,
            int *account, struct lt_err *err)
{
    const char *key, *sig;
    int rc;
    if ((rc = params_need(p, "apiKey", &key, err)) || (rc = key_account(ex, key, account, err)))
        return rc;
    if ((rc = auth_check_time(p, now_ms, 1, err)) || (rc = params_need(p, "signature", &sig, err)))
        return rc;

    int order[PARAMS_MAX], n = 0;
    for (int i = 0; i < p->n; i++) {
        if (!strcmp(params_key(p, i), "signature"))
            continue;
        int j = n++;
        while (j > 0 && strcmp(params_key(p, order[j - 1]), params_key(p, i)) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = i;
    }
    struct strbuf payload = STRBUF_INIT;
    for (int k = 0; k < n; k++)
        strbuf_addf(&payload, "%s%s=%s", k ? "&" : "", params_key(p, order[k]),
                    params_val(p, order[k]));
    const struct simconf_account *a = sim_exchange_account_conf(ex, *account);
    char want[SIGN_B64_MAX + 1];
    int ok = normalize_sig(sig, a->public_key, want, sizeof want) &&
             sig_matches(a->api_secret, sim_exchange_account_hmac(ex, *account), a->public_key,
                         want, payload.buf, payload.len);
    strbuf_free(&payload);
    return ok ? 0 : bad_signature(err);
}
