/*
 * main.c - looptrader-sim: a Binance Spot v3 exchange simulator on loopback.
 *
 *   looptrader-sim --port N --config FILE [--seed S] [--fault KIND=VALUE]...
 *                  [--bind ADDR] [--log-level L] [--stats-file FILE]
 *
 * Wires the engine (exchange), the dialect (rest, wsapi) and the transport
 * (server) together, prints "listening on ADDR:PORT" once ready, and runs
 * the one service thread until SIGINT or SIGTERM.
 */
#include "looptrader/log.h"
#include "looptrader/sim/app.h"
#include "looptrader/sim/server.h"
#include "looptrader/version.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct sim_server *g_server; /* for the signal handler only */
static const char *g_stats_file; /* NULL: no per-endpoint counts written */
static volatile sig_atomic_t g_stats_wanted; /* SIGUSR1: write the stats at the next tick */

static void on_usr1(int sig)
{
    (void)sig;
    g_stats_wanted = 1;
}

/* Written aside and renamed, so a reader polling the file (make bench)
 * never sees half of it. */
static void write_stats(const struct sim_app *a)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", g_stats_file) >= (int)sizeof tmp)
        return;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        log_warn("sim: cannot write %s", tmp);
        return;
    }
    fputc('{', f);
    wsapi_stats_write(&a->ws, f, rest_stats_write(&a->rest, f));
    fputs("}\n", f);
    if (fclose(f) != 0 || rename(tmp, g_stats_file) != 0)
        log_warn("sim: cannot write %s", g_stats_file);
}

static void on_signal(int sig)
{
    (void)sig;
    if (g_server)
        server_stop(g_server);
}

static void app_tick(void *arg, int64_t now_ms)
{
    sim_app_tick(arg, now_ms);
    if (g_stats_wanted && g_stats_file) {
        g_stats_wanted = 0;
        write_stats(arg);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: looptrader-sim --port N --config FILE [--seed S] [--fault KIND=VALUE]...\n"
               "                      [--bind ADDR] [--log-level debug|info|warn|error]\n"
               "                      [--stats-file FILE] [--clock-offset-ms MS] | --version\n"
               "faults: latency_ms=N http5xx=RATE http429=RATE ws_drop_ms=N push_loss=RATE "
               "partial=FRACTION ws_order_drop=RATE\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, NULL, 'p' },  { "config", required_argument, NULL, 'c' },
        { "seed", required_argument, NULL, 's' },  { "fault", required_argument, NULL, 'f' },
        { "bind", required_argument, NULL, 'b' },  { "log-level", required_argument, NULL, 'l' },
        { "stats-file", required_argument, NULL, 'S' },
        { "help", no_argument, NULL, 'h' },        { "version", no_argument, NULL, 'V' },
        { "clock-offset-ms", required_argument, NULL, 'O' },
        { NULL, 0, NULL, 0 },
    };
    static struct sim_app a; /* large (listenKey table); lives for the whole run */
    const char *config = NULL, *bind = NULL;
    const char *fault_specs[64];
    int n_faults = 0, port = -1, ch, rc = 1;
    unsigned long long seed = 1;
    struct lt_err err = { 0 };
    char *end;

    while ((ch = getopt_long(argc, argv, "p:c:s:f:b:l:S:hVO:", opts, NULL)) != -1) {
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
        case 'V':
            printf("looptrader-sim %s\n", LT_VERSION);
            return 0;
        case 'S':
            g_stats_file = optarg;
            break;
        case 'O': {
            long long off = strtoll(optarg, &end, 10);
            if (*end || !*optarg) {
                fprintf(stderr, "looptrader-sim: --clock-offset-ms: not an integer: %s\n", optarg);
                return 2;
            }
            server_set_clock_offset(off);
            break;
        }
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
    if (sim_app_configure(&a, config, seed, fault_specs, n_faults, &err)) {
        fprintf(stderr, "looptrader-sim: %s\n", err.msg);
        sim_app_free(&a);
        return 2;
    }

    struct sim_server *srv = NULL;
    if (sim_app_start(&a, seed, &err))
        goto out;
    struct server_opts so2 = { .bind = bind, .port = port, .faults = &a.faults };
    sim_app_handlers(&a, &so2.h);
    so2.h.tick = app_tick;
    if (server_create(&srv, &so2, &err))
        goto out;

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_server = srv;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    printf("listening on %s:%d\n", bind ? bind : "127.0.0.1", server_port(srv));
    fflush(stdout);
    log_info("sim: %zu symbol(s), %zu account(s), seed %llu, %d fault(s)", a.conf.n_symbols,
             a.conf.n_accounts, seed, n_faults);
    rc = server_run(srv) ? lt_err_set(&err, LT_EIO, "service loop failed") != 0 : 0;
    log_info("sim: stopping");
    if (g_stats_file)
        write_stats(&a);
out:
    if (rc && err.msg[0])
        fprintf(stderr, "looptrader-sim: %s\n", err.msg);
    g_server = NULL;
    server_destroy(srv); /* closes every connection (wsapi_close) first */
    sim_app_free(&a);
    return rc;
}
