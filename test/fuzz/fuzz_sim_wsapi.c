/*
 * fuzz_sim_wsapi.c - the simulator's WebSocket side (wsapi.c): the upgrade
 * path and every text message a client can send on it, WebSocket API
 * requests on /ws-api/v3 and SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS on
 * market stream connections; then the venue moves and an order of each
 * account trades, so whatever was subscribed gets pushed.
 *
 * Input: the first line is the upgrade target ("/ws-api/v3",
 * "/ws/alphausdt@bookTicker", "/stream?streams=a/b"), then header lines and
 * an empty line, then one message per line.  A message whose params hold
 * "signature":"SIGN" gets the valid signature of its params (sorted
 * key=value pairs, HMAC with the apiKey's secret), so user-data
 * subscriptions really happen.  Every message sent back must be JSON.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/sign.h"
#include "sim_world.h"

/* Replaces params.signature "SIGN" by the valid one; returns a malloc'd
 * message or NULL when there is nothing to sign. */
static char *sim_wsapi_sign(struct sim_world *w, const char *msg, size_t len)
{
    json_t *root = json_loadb(msg, len, 0, NULL);
    json_t *params = json_object_get(root, "params");
    const char *sig = json_string_value(json_object_get(params, "signature"));
    char *out = NULL;
    if (sig && !strcmp(sig, "SIGN")) {
        const char *keys[PARAMS_MAX];
        size_t n = 0;
        const char *k;
        json_t *v;
        json_object_foreach(params, k, v) {
            if (n == PARAMS_MAX || !strcmp(k, "signature"))
                continue;
            size_t j = n++;
            for (; j > 0 && strcmp(keys[j - 1], k) > 0; j--)
                keys[j] = keys[j - 1];
            keys[j] = k;
        }
        struct strbuf payload = STRBUF_INIT;
        for (size_t i = 0; i < n; i++) {
            v = json_object_get(params, keys[i]);
            strbuf_addf(&payload, "%s%s=", i ? "&" : "", keys[i]);
            if (json_is_string(v))
                strbuf_add(&payload, json_string_value(v), json_string_length(v));
            else if (json_is_integer(v))
                strbuf_addf(&payload, "%lld", (long long)json_integer_value(v));
            else if (json_is_boolean(v))
                strbuf_addstr(&payload, json_is_true(v) ? "true" : "false");
        }
        const char *key = json_string_value(json_object_get(params, "apiKey"));
        const char *secret = w->conf.accounts[0].api_secret;
        for (size_t i = 0; key && i < w->conf.n_accounts; i++)
            if (!strcmp(w->conf.accounts[i].api_key, key))
                secret = w->conf.accounts[i].api_secret;
        char hex[SIGN_HEX_LEN + 1];
        FUZZ_CHECK(sign_hmac_sha256_hex(secret, strlen(secret), payload.buf, payload.len, hex) ==
                   0);
        strbuf_free(&payload);
        json_object_set_new(params, "signature", json_string(hex));
        out = json_dumps(root, JSON_COMPACT);
    }
    json_decref(root);
    return out;
}

/* One order per account, so that user-data subscribers get pushes. */
static void sim_wsapi_trade(struct sim_world *w)
{
    for (size_t a = 0; a < w->conf.n_accounts; a++) {
        struct sim_place_req req = {
            .symbol = "ALPHAUSDT", .side = SIDE_BUY, .type = SIM_MARKET,
            .quote_order_qty = 10 * MONEY_SCALE,
        };
        struct sim_place_result res;
        struct lt_err err = { 0 };
        (void)sim_exchange_place(w->ex, (int)a, &req, SIM_WORLD_NOW_MS, &res, &err);
    }
}

FUZZ_TARGET(sim_wsapi)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t tl = nl ? (size_t)(nl - in) : size;
    const char *qm = memchr(in, '?', tl);
    size_t plen = qm ? (size_t)(qm - in) : tl;
    struct sim_world w;
    struct sim_conn conn = { .n_headers = 0 };
    struct sim_req req;
    void *app = NULL;

    sim_world_open(&w);
    memset(&req, 0, sizeof req);
    req.method = SIM_GET;
    memcpy(req.path, in, plen < sizeof req.path ? plen : sizeof req.path - 1);
    params_init(&req.params);
    strbuf_init(&req.body, SIM_BODY_MAX);
    req.conn = &conn;
    req.now_ms = SIM_WORLD_NOW_MS;
    for (size_t i = qm ? plen + 1 : tl; i < tl;) {
        const char *amp = memchr(in + i, '&', tl - i);
        size_t n = amp ? (size_t)(amp - (in + i)) : tl - i;
        (void)params_add_fragment(&req.params, in + i, n, PARAMS_QUERY);
        i += n + 1;
    }
    size_t at = nl ? tl + 1 : size;
    at += sim_world_headers(&conn, in + at, size - at);
    if (wsapi_open(&w.ws, &req, &app) == 0) {
        while (at < size && !conn.closed) {
            const char *mnl = memchr(in + at, '\n', size - at);
            size_t ml = mnl ? (size_t)(mnl - (in + at)) : size - at;
            char *signed_msg = sim_wsapi_sign(&w, in + at, ml);
            if (signed_msg)
                wsapi_message(app, signed_msg, strlen(signed_msg));
            else
                wsapi_message(app, in + at, ml);
            free(signed_msg);
            at += ml + 1;
        }
        sim_wsapi_trade(&w);
        sim_exchange_tick(w.ex, SIM_WORLD_NOW_MS + 300);
        wsapi_tick(&w.ws, SIM_WORLD_NOW_MS + 300);
        wsapi_close(app);
    }
    params_release(&req.params);
    strbuf_free(&req.body);
    sim_world_close(&w);
    return 0;
}
