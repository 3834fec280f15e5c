/*
 * main.c - looptrader-sim: a Binance Spot v3 exchange simulator on loopback.
 *
 *   looptrader-sim --port N --config FILE [--seed S] [--fault KIND=VALUE]...
 *                  [--bind ADDR] [--log-level L]
 *
 * Wires the engine (exchange), the dialect (rest, wsapi) and the transport
 * (server) together, prints "listening on ADDR:PORT" once ready, and runs
 * the one service thread until SIGINT or SIGTERM.
 */
#include "looptrader/log.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/faults.h"
#include "looptrader/sim/listenkey.h"
#include "looptrader/sim/rest.h"
#include "looptrader/sim/server.h"
#include "looptrader/sim/simconf.h"
#include "looptrader/sim/wsapi.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PUSH_CADENCE_MS 100 /* @depth@100ms needs ticks at least this often */

struct app {
    struct sim_exchange *ex;
    struct rest rest;
    struct wsapi ws;
    struct listenkeys keys;
    struct faults faults;
    struct simconf conf;
};

static struct sim_server *g_server; /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (g_server)
        server_stop(g_server);
}

static void app_http(void *arg, struct sim_req *req, struct sim_resp *resp)
{
    rest_handle(&((struct app *)arg)->rest, req, resp);
}

static int app_ws_open(void *arg, struct sim_req *req, void **app)
{
    return wsapi_open(&((struct app *)arg)->ws, req, app);
}

static void app_tick(void *arg, int64_t now_ms)
{
    struct app *a = arg;
    sim_exchange_tick(a->ex, now_ms);
    wsapi_tick(&a->ws, now_ms);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: looptrader-sim --port N --config FILE [--seed S] [--fault KIND=VALUE]...\n"
               "                      [--bind ADDR] [--log-level debug|info|warn|error]\n"
               "faults: latency_ms=N http5xx=RATE http429=RATE ws_drop_ms=N push_loss=RATE "
               "partial=FRACTION\n");
}

static void register_secrets(const struct simconf *c)
{
    for (size_t i = 0; i < c->n_accounts; i++) {
        const struct simconf_account *a = &c->accounts[i];
        if (a->api_secret[0])
            log_secret_add(a->api_secret);
        if (a->session_cookie[0])
            log_secret_add(a->session_cookie);
        if (a->session_token[0])
            log_secret_add(a->session_token);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, 'p' },  { "config", required_argument, NULL, 'c' },
        { "seed", required_argument, NULL, 's' },  { "fault", required_argument, NULL, 'f' },
        { "bind", required_argument, NULL, 'b' },  { "log-level", required_argument, NULL, 'l' },
        { "help", no_argument, NULL, 'h' },        { NULL, 0, NULL, 0 },
    };
    static struct app a; /* large (listenKey table); lives for the whole run */
    const char *config = NULL, *bind = NULL;
    const char *fault_specs[64];
    int n_faults = 0, port = -1, ch, rc = 1;
    unsigned long long seed = 1;
    struct lt_err err = { 0 };
    char *end;

    while ((ch = getopt_long(argc, argv, "p:c:s:f:b:l:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            port = (int)strtol(optarg, &end, 10);
            if (*end || port < 0 || port > 65535) {
                fprintf(stderr, "looptrader-sim: --port: not a port: %s\n", optarg);
                return 2;
            }
            break;
        case 'c':
            config = optarg;
            break;
        case 's':
            seed = strtoull(optarg, &end, 10);
            if (*end || !*optarg) {
                fprintf(stderr, "looptrader-sim: --seed: not an integer: %s\n", optarg);
                return 2;
            }
            break;
        case 'f':
            if (n_faults == (int)(sizeof(fault_specs) / sizeof(fault_specs[0]))) {
                fprintf(stderr, "looptrader-sim: too many --fault options\n");
                return 2;
            }
            fault_specs[n_faults++] = optarg;
            break;
        case 'b':
            bind = optarg;
            break;
        case 'l':
            if (log_level_parse(optarg) < 0) {
                fprintf(stderr, "looptrader-sim: --log-level: unknown level %s\n", optarg);
                return 2;
            }
            log_set_level((enum log_level)log_level_parse(optarg));
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc || port < 0 || !config) {
        usage(stderr);
        return 2;
    }
    faults_init(&a.faults, seed);
    for (int i = 0; i < n_faults; i++)
        if (faults_parse(&a.faults, fault_specs[i], &err)) {
            fprintf(stderr, "looptrader-sim: %s\n", err.msg);
            return 2;
        }
    if (simconf_load(config, &a.conf, &err)) {
        fprintf(stderr, "looptrader-sim: %s\n", err.msg);
        simconf_free(&a.conf);
        return 2;
    }
    register_secrets(&a.conf);

    struct sim_options so = { .seed = seed, .partial = a.faults.partial };
    struct sim_server *srv = NULL;
    int have_rest = 0, have_ws = 0;
    if (sim_exchange_create(&a.conf, &so, server_now_ms(), &a.ex, &err))
        goto out;
    listenkeys_init(&a.keys, seed);
    if (rest_init(&a.rest, a.ex, &a.keys, &err))
        goto out;
    have_rest = 1;
    if (wsapi_init(&a.ws, a.ex, &a.rest, &a.keys, &a.faults, &err))
        goto out;
    have_ws = 1;

    struct server_opts so2 = {
        .bind = bind,
        .port = port,
        .faults = &a.faults,
        .h = { .arg = &a,
               .http = app_http,
               .ws_open = app_ws_open,
               .ws_message = wsapi_message,
               .ws_close = wsapi_close,
               .tick = app_tick,
               .tick_ms = a.conf.tick_ms > 0 && a.conf.tick_ms < PUSH_CADENCE_MS
                              ? a.conf.tick_ms
                              : PUSH_CADENCE_MS },
    };
    if (server_create(&srv, &so2, &err))
        goto out;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_server = srv;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    printf("listening on %s:%d\n", bind ? bind : "127.0.0.1", server_port(srv));
    fflush(stdout);
    log_info("sim: %zu symbol(s), %zu account(s), seed %llu, %d fault(s)", a.conf.n_symbols,
             a.conf.n_accounts, seed, n_faults);
    rc = server_run(srv) ? lt_err_set(&err, LT_EIO, "service loop failed") != 0 : 0;
    log_info("sim: stopping");
out:
    if (rc && err.msg[0])
        fprintf(stderr, "looptrader-sim: %s\n", err.msg);
    g_server = NULL;
    server_destroy(srv); /* closes every connection (wsapi_close) first */
    if (have_ws)
        wsapi_free(&a.ws);
    if (have_rest)
        rest_free(&a.rest);
    if (a.ex)
        sim_exchange_free(a.ex);
    simconf_free(&a.conf);
    log_secrets_clear();
    return rc;
}
