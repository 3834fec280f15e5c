/*
 * fuzz_sim_rest.c - the simulator's REST API (rest_handle) under any
 * request a client can send: method, path, headers, query and form body,
 * in a row on one fresh venue, so orders placed by one request can be
 * queried, cancelled or filled by the next.
 *
 * Input: requests separated by a line "----"; each is
 *     METHOD /path
 *     Header: value            (any number, then an empty line)
 *     query                    (decoded fragments joined by '&')
 *     body                     (the rest: a raw form body)
 * A query fragment "signature=SIGN" is replaced by the valid HMAC of the
 * request (the raw query as sent plus the body), so the fuzzer gets past
 * authentication to the endpoints.  Every answer must be a valid HTTP
 * status with a JSON body.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/sign.h"
#include "sim_world.h"

static enum sim_method sim_rest_method(const char *s, size_t n)
{
    static const struct { const char *name; enum sim_method m; } map[] = {
        { "GET", SIM_GET }, { "POST", SIM_POST }, { "PUT", SIM_PUT }, { "DELETE", SIM_DELETE },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].name) == n && !memcmp(map[i].name, s, n))
            return map[i].m;
    return SIM_OTHER;
}

/* The secret of the account whose key the connection sends, or alice's. */
static const char *sim_rest_secret(const struct sim_world *w, struct sim_conn *c)
{
    char key[256];
    if (server_header(c, "x-mbx-apikey", key, sizeof key) > 0)
        for (size_t i = 0; i < w->conf.n_accounts; i++)
            if (!strcmp(w->conf.accounts[i].api_key, key))
                return w->conf.accounts[i].api_secret;
    return w->conf.accounts[0].api_secret;
}

/* The signed payload as the simulator rebuilds it for a client that sends
 * its query as is: query pairs but the signature, then the body without
 * its signature segments. */
static void sim_rest_payload(struct strbuf *out, const char *q, size_t qlen, const char *body,
                             size_t blen)
{
    int first = 1;
    for (size_t i = 0; i < qlen;) {
        const char *amp = memchr(q + i, '&', qlen - i);
        size_t n = amp ? (size_t)(amp - (q + i)) : qlen - i;
        const char *f = q + i;
        i += n + 1;
        if (!n || (n >= 10 && !memcmp(f, "signature=", 10)))
            continue;
        strbuf_addstr(out, first ? "" : "&");
        first = 0;
        strbuf_add(out, f, n);
        if (!memchr(f, '=', n))
            strbuf_addch(out, '=');
    }
    first = 1;
    for (size_t i = 0; i < blen;) {
        const char *amp = memchr(body + i, '&', blen - i);
        size_t n = amp ? (size_t)(amp - (body + i)) : blen - i;
        const char *seg = body + i;
        i += n + 1;
        if (n >= 10 && !memcmp(seg, "signature=", 10))
            continue;
        strbuf_addstr(out, first ? "" : "&");
        first = 0;
        strbuf_add(out, seg, n);
    }
}

static void sim_rest_one(struct sim_world *w, const char *in, size_t len)
{
    struct sim_conn conn = { .n_headers = 0 };
    const char *nl = memchr(in, '\n', len);
    size_t ll = nl ? (size_t)(nl - in) : len;
    const char *sp = memchr(in, ' ', ll);
    if (!sp)
        return;
    struct sim_req req;
    memset(&req, 0, sizeof req);
    req.method = sim_rest_method(in, (size_t)(sp - in));
    size_t plen = ll - (size_t)(sp - in) - 1;
    if (plen >= sizeof req.path)
        plen = sizeof req.path - 1;
    memcpy(req.path, sp + 1, plen);
    req.path[plen] = '\0';
    size_t at = nl ? ll + 1 : len;
    at += sim_world_headers(&conn, in + at, len - at);
    const char *q = in + at;
    const char *qnl = memchr(q, '\n', len - at);
    size_t qlen = qnl ? (size_t)(qnl - q) : len - at;
    const char *body = qnl ? qnl + 1 : in + len;
    size_t blen = (size_t)(in + len - body);

    params_init(&req.params);
    strbuf_init(&req.body, SIM_BODY_MAX);
    req.conn = &conn;
    req.now_ms = SIM_WORLD_NOW_MS;
    char sig[SIGN_HEX_LEN + 1] = "";
    if (memmem(q, qlen, "signature=SIGN", 14)) {
        struct strbuf payload = STRBUF_INIT;
        const char *secret = sim_rest_secret(w, &conn);
        sim_rest_payload(&payload, q, qlen, body, blen);
        FUZZ_CHECK(sign_hmac_sha256_hex(secret, strlen(secret), payload.buf, payload.len, sig) ==
                   0);
        strbuf_free(&payload);
    }
    int ok = 1;
    for (size_t i = 0; i < qlen && ok;) {
        const char *amp = memchr(q + i, '&', qlen - i);
        size_t n = amp ? (size_t)(amp - (q + i)) : qlen - i;
        char frag[16 + SIGN_HEX_LEN];
        if (sig[0] && n == 14 && !memcmp(q + i, "signature=SIGN", 14)) {
            int fl = snprintf(frag, sizeof frag, "signature=%s", sig);
            ok = params_add_fragment(&req.params, frag, (size_t)fl, PARAMS_QUERY) == 0;
        } else {
            ok = params_add_fragment(&req.params, q + i, n, PARAMS_QUERY) == 0;
        }
        i += n + 1;
    }
    struct lt_err err = { 0 };
    /* What the server answers itself: oversized or malformed form bodies. */
    if (ok && strbuf_add(&req.body, body, blen) == 0 &&
        (!blen || params_parse_form(&req.params, body, blen, &err) == 0)) {
        struct sim_resp resp;
        memset(&resp, 0, sizeof resp);
        strbuf_init(&resp.body, 0);
        resp.status = 200;
        resp.retry_after = resp.used_weight = resp.orders_10s = resp.orders_1d = -1;
        rest_handle(&w->rest, &req, &resp);
        FUZZ_CHECK(resp.status >= 200 && resp.status <= 599);
        json_error_t je;
        json_t *j = json_loadb(resp.body.buf, resp.body.len, 0, &je);
        if (!j)
            fprintf(stderr, "sim answered invalid JSON (%s): %s\n", je.text, resp.body.buf);
        FUZZ_CHECK(j != NULL);
        json_decref(j);
        strbuf_free(&resp.body);
    }
    params_release(&req.params);
    strbuf_free(&req.body);
}

FUZZ_TARGET(sim_rest)
{
    struct sim_world w;
    const char *in = (const char *)data;
    sim_world_open(&w);
    while (size > 0) {
        const char *sep = memmem(in, size, "\n----\n", 6);
        size_t n = sep ? (size_t)(sep - in) : size;
        sim_rest_one(&w, in, n);
        if (!sep)
            break;
        in = sep + 6;
        size -= n + 6;
    }
    /* Let the market move over resting orders. */
    sim_exchange_tick(w.ex, SIM_WORLD_NOW_MS + 1000);
    sim_world_close(&w);
    return 0;
}
