/*
 * fuzz_sim_params.c - the simulator's request parameters (sim/params.c):
 * what any HTTP client can send it in a query string and a form body.
 *
 * The input is "<query>\n<body>": the query is cut at '&' into fragments
 * (as libwebsockets hands them over), the body goes through
 * params_parse_form; then the checks and the typed getters every endpoint
 * uses run over the result, as the server does for a request.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/sim/params.h"

static const char *const sim_params_keys[] = {
    "symbol", "side", "type", "timeInForce", "quantity", "quoteOrderQty", "price",
    "newClientOrderId", "origClientOrderId", "orderId", "timestamp", "recvWindow",
    "startTime", "endTime", "limit", "fromId", "signature", "x",
};

/* valid: params_validate passed (no NUL inside a value), as endpoints
 * only read parameters after it. */
static void sim_params_getters(const struct params *p, int valid)
{
    for (size_t i = 0; i < sizeof(sim_params_keys) / sizeof(sim_params_keys[0]); i++) {
        const char *k = sim_params_keys[i];
        struct lt_err err = { 0 };
        const char *s = NULL;
        int64_t n = 0;
        money_t m = 0;
        int present = 0;
        if (params_need(p, k, &s, &err) == 0)
            FUZZ_CHECK(s && (*s || !valid));
        if (params_int(p, k, &n, &present, &err) == 0 && present)
            FUZZ_CHECK(n >= 0);
        (void)params_need_int(p, k, &n, &err);
        if (params_money(p, k, &m, &present, &err) == 0 && present)
            FUZZ_CHECK(m >= 0);
        FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    }
}

FUZZ_TARGET(sim_params)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t qlen = nl ? (size_t)(nl - in) : size;
    struct params p;
    struct lt_err err = { 0 };

    params_init(&p);
    for (size_t i = 0; i < qlen;) {
        const char *amp = memchr(in + i, '&', qlen - i);
        size_t flen = amp ? (size_t)(amp - (in + i)) : qlen - i;
        if (params_add_fragment(&p, in + i, flen, PARAMS_QUERY))
            break;
        i += flen + 1;
    }
    int rc = nl ? params_parse_form(&p, nl + 1, size - qlen - 1, &err) : 0;
    int valid = rc == 0 && params_validate(&p, &err) == 0;
    if (valid) {
        FUZZ_CHECK(p.n <= PARAMS_MAX && !p.overflow);
        for (int i = 0; i < p.n; i++) {
            FUZZ_CHECK(strlen(params_key(&p, i)) == p.item[i].key_len);
            FUZZ_CHECK(strlen(params_val(&p, i)) == p.item[i].val_len);
        }
    }
    FUZZ_CHECK(rc == 0 || (rc == LT_EEXCHANGE && err.venue_code == -1100));
    sim_params_getters(&p, valid);
    params_release(&p);
    return 0;
}
