/*
 * sim_world.h - a whole simulated venue in memory, for the sim_* harnesses.
 *
 * The harnesses drive the simulator's request handlers (rest_handle,
 * wsapi_message) with no socket.  This header stands in for the transport:
 * it defines the four functions of server.c the handlers call (clock,
 * header lookup, WebSocket send and close), so server.o and its
 * libwebsockets context are not linked in, and a struct sim_conn is just
 * the request's headers plus what was sent on it.  Every input gets a fresh
 * exchange built from one fixed configuration at one fixed clock, so it
 * replays the same way every time.  Everything the simulator sends back
 * must be valid JSON: a client must always be able to read its answer.
 */
#ifndef LOOPTRADER_FUZZ_SIM_WORLD_H
#define LOOPTRADER_FUZZ_SIM_WORLD_H

#include <jansson.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "looptrader/log.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/faults.h"
#include "looptrader/sim/listenkey.h"
#include "looptrader/sim/rest.h"
#include "looptrader/sim/server.h"
#include "looptrader/sim/simconf.h"
#include "looptrader/sim/wsapi.h"

#define SIM_WORLD_NOW_MS 1767268800000LL /* 2026-01-01 12:00 UTC */
#define SIM_WORLD_HEADERS 16

static const char sim_world_conf[] =
    "tick_ms = 100;\n"
    "fees = { maker = \"0.001\"; taker = \"0.001\"; };\n"
    "limits = { weight_per_minute = 6000; orders_per_10s = 50; orders_per_day = 1000; };\n"
    "symbols = ( { symbol = \"ALPHAUSDT\"; base = \"ALPHA\"; quote = \"USDT\";\n"
    "  tick_size = \"0.0001\"; max_price = \"1000\"; step_size = \"0.1\"; max_qty = \"9000000\";\n"
    "  min_notional = \"5\"; start_price = \"1.2500\"; volatility = 0.0003; trade_rate = 0.3;\n"
    "  spread_ticks = 2; level_gap_ticks = 1; levels = 5; level_qty = \"30\"; } );\n"
    "accounts = (\n"
    " { name = \"alice\"; api_key = \"example-alice-key\"; api_secret = \"example-alice-secret\";\n"
    "   balances = { USDT = \"1000\"; ALPHA = \"10\"; };\n"
    "   history = ( { symbol = \"ALPHAUSDT\"; side = \"BUY\"; quote = \"100\"; ago_hours = 3.0;"
    " today = true; } ); },\n"
    " { name = \"sam\"; session = { cookie = \"session=example-sam-cookie\";"
    " header = \"X-Session-Token: example-sam-token\"; };\n"
    "   balances = { USDT = \"1000\"; }; } );\n";

/* The transport's view of one connection. */
struct sim_conn {
    const char *hname[SIM_WORLD_HEADERS], *hval[SIM_WORLD_HEADERS];
    size_t hname_len[SIM_WORLD_HEADERS], hval_len[SIM_WORLD_HEADERS];
    int n_headers;
    int closed;
    size_t sent; /* messages sent on it */
};

struct sim_world {
    struct simconf conf;
    struct sim_exchange *ex;
    struct rest rest;
    struct listenkeys keys;
    struct faults faults;
    struct wsapi ws;
};

/* server.c's functions, as the handlers see them. */
int64_t server_now_ms(void)
{
    return SIM_WORLD_NOW_MS;
}

int server_header(struct sim_conn *c, const char *name, char *out, int out_len)
{
    size_t n = strlen(name);
    for (int i = 0; c && i < c->n_headers; i++) {
        if (c->hname_len[i] != n || strncasecmp(c->hname[i], name, n) != 0)
            continue;
        if (c->hval_len[i] >= (size_t)out_len)
            return -1;
        memcpy(out, c->hval[i], c->hval_len[i]);
        out[c->hval_len[i]] = '\0';
        return (int)c->hval_len[i];
    }
    return -1;
}

int server_ws_send(struct sim_conn *c, const char *msg, size_t len)
{
    json_error_t je;
    json_t *j = json_loadb(msg, len, 0, &je);
    if (!j)
        fprintf(stderr, "sim sent invalid JSON (%s): %.*s\n", je.text, (int)len, msg);
    FUZZ_CHECK(j != NULL);
    json_decref(j);
    c->sent++;
    return 0;
}

int server_ws_answer(struct sim_conn *c, const char *msg, size_t len)
{
    return server_ws_send(c, msg, len);
}

void server_ws_close(struct sim_conn *c)
{
    c->closed = 1;
}

/* Reads "Name: value" lines from in[0..len) up to an empty line into c's
 * headers (views into in); returns the offset after the empty line. */
static size_t sim_world_headers(struct sim_conn *c, const char *in, size_t len)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(in + i, '\n', len - i);
        size_t ll = nl ? (size_t)(nl - (in + i)) : len - i;
        const char *line = in + i;
        i += ll + (nl ? 1 : 0);
        if (ll == 0)
            break;
        const char *colon = memchr(line, ':', ll);
        if (!colon || c->n_headers == SIM_WORLD_HEADERS)
            continue;
        size_t nlen = (size_t)(colon - line), v = nlen + 1;
        while (v < ll && line[v] == ' ')
            v++;
        c->hname[c->n_headers] = line;
        c->hname_len[c->n_headers] = nlen;
        c->hval[c->n_headers] = line + v;
        c->hval_len[c->n_headers] = ll - v;
        c->n_headers++;
    }
    return i;
}

/* Builds the venue (the fixed configuration must load). */
static void sim_world_open(struct sim_world *w)
{
    struct lt_err err = { 0 };
    struct sim_options opt = { .seed = 42, .partial = 0 };
    memset(w, 0, sizeof *w);
    log_set_level(LOG_OFF);
    listenkeys_init(&w->keys, 42);
    faults_init(&w->faults, 42);
    int rc = simconf_parse_string(sim_world_conf, "fuzz-sim.conf", &w->conf, &err);
    if (!rc)
        rc = sim_exchange_create(&w->conf, &opt, SIM_WORLD_NOW_MS, &w->ex, &err);
    if (!rc)
        rc = rest_init(&w->rest, w->ex, &w->keys, &err);
    if (rc) {
        fprintf(stderr, "fuzz: the simulator does not start: %s\n", err.msg);
        FUZZ_CHECK(rc == 0);
    }
    FUZZ_CHECK(wsapi_init(&w->ws, w->ex, &w->rest, &w->keys, &w->faults, &err) == 0);
}

static void sim_world_close(struct sim_world *w)
{
    wsapi_free(&w->ws);
    rest_free(&w->rest);
    sim_exchange_free(w->ex);
    simconf_free(&w->conf);
}

#endif
