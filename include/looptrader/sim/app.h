/*
 * app.h - the simulator assembled: configuration, faults, engine, REST and
 * WebSocket dialect, and the server handlers that serve them.
 *
 * A program that runs the real simulator from its own main (the lying
 * venue of test/tools/hostile.c) assembles it through this, exactly as
 * looptrader-sim's main does.  A sim_app is filled in place and owns
 * everything in it; like the engine it is used from the server's one
 * service thread only.
 */
#ifndef LOOPTRADER_SIM_APP_H
#define LOOPTRADER_SIM_APP_H

#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/sim/alpha.h"
#include "looptrader/sim/exchange.h"
#include "looptrader/sim/faults.h"
#include "looptrader/sim/listenkey.h"
#include "looptrader/sim/rest.h"
#include "looptrader/sim/server.h"
#include "looptrader/sim/simconf.h"
#include "looptrader/sim/wsapi.h"

struct sim_app {
    struct sim_exchange *ex; /* owned */
    struct rest rest;
    struct wsapi ws;
    struct alpha alpha;      /* the Alpha web dialect: paths under /bapi/ */
    struct listenkeys keys; /* large: keep a sim_app static or on the heap */
    struct faults faults;
    struct simconf conf;
    int have_rest, have_ws, have_alpha; /* initialised: sim_app_free releases them */
};

/* Parses the --fault specs and loads the configuration file, registering
 * the accounts' secrets with the log's redaction.  0, or a usage error
 * (LT_EINVAL or the loader's code) with err set: nothing was built. */
int sim_app_configure(struct sim_app *a, const char *config, uint64_t seed,
                      const char *const *fault_specs, int n_faults, struct lt_err *err);
/* Builds the engine at its start state (now) and the dialect over it. */
int sim_app_start(struct sim_app *a, uint64_t seed, struct lt_err *err);
/* The handlers serving the app (arg: a): REST, WebSocket, ticks. */
void sim_app_handlers(struct sim_app *a, struct server_handlers *h);
/* Advances the engine and pushes what is due (server_handlers.tick). */
void sim_app_tick(void *arg, int64_t now_ms);
/* Releases what configure and start built; a zeroed app is fine. */
void sim_app_free(struct sim_app *a);

#endif
