/*
 * app.c - the simulator assembled (see app.h).
 */
#include "looptrader/sim/app.h"

#include "looptrader/log.h"

#define PUSH_CADENCE_MS 100 /* @depth@100ms needs ticks at least this often */

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

int sim_app_configure(struct sim_app *a, const char *config, uint64_t seed,
                      const char *const *fault_specs, int n_faults, struct lt_err *err)
{
    int rc;
    faults_init(&a->faults, seed);
    for (int i = 0; i < n_faults; i++)
        if ((rc = faults_parse(&a->faults, fault_specs[i], err)))
            return rc;
    if ((rc = simconf_load(config, &a->conf, err)))
        return rc;
    register_secrets(&a->conf);
    return 0;
}

int sim_app_start(struct sim_app *a, uint64_t seed, struct lt_err *err)
{
    struct sim_options so = { .seed = seed, .partial = a->faults.partial };
    int rc;
    if ((rc = sim_exchange_create(&a->conf, &so, server_now_ms(), &a->ex, err)))
        return rc;
    listenkeys_init(&a->keys, seed);
    if ((rc = rest_init(&a->rest, a->ex, &a->keys, err)))
        return rc;
    a->have_rest = 1;
    if ((rc = wsapi_init(&a->ws, a->ex, &a->rest, &a->keys, &a->faults, err)))
        return rc;
    a->have_ws = 1;
    if ((rc = alpha_init(&a->alpha, a->conf.path, a->ex, &a->rest, &a->keys, server_now_ms(),
                         err)))
        return rc;
    a->have_alpha = 1;
    return 0;
}

static void app_http(void *arg, struct sim_req *req, struct sim_resp *resp)
{
    struct sim_app *a = arg;
    if (alpha_path(req->path))
        alpha_handle(&a->alpha, req, resp);
    else
        rest_handle(&a->rest, req, resp);
}

static int app_ws_open(void *arg, struct sim_req *req, void **app)
{
    return wsapi_open(&((struct sim_app *)arg)->ws, req, app);
}

void sim_app_tick(void *arg, int64_t now_ms)
{
    struct sim_app *a = arg;
    sim_exchange_tick(a->ex, now_ms);
    alpha_tick(&a->alpha, now_ms);
    wsapi_tick(&a->ws, now_ms);
}

void sim_app_handlers(struct sim_app *a, struct server_handlers *h)
{
    *h = (struct server_handlers){
        .arg = a,
        .http = app_http,
        .ws_open = app_ws_open,
        .ws_message = wsapi_message,
        .ws_close = wsapi_close,
        .tick = sim_app_tick,
        .tick_ms = a->conf.tick_ms > 0 && a->conf.tick_ms < PUSH_CADENCE_MS ? a->conf.tick_ms
                                                                           : PUSH_CADENCE_MS,
    };
}

void sim_app_free(struct sim_app *a)
{
    if (a->have_alpha)
        alpha_free(&a->alpha);
    if (a->have_ws)
        wsapi_free(&a->ws);
    if (a->have_rest)
        rest_free(&a->rest);
    if (a->ex)
        sim_exchange_free(a->ex);
    a->have_ws = a->have_rest = a->have_alpha = 0;
    a->ex = NULL;
    simconf_free(&a->conf);
    log_secrets_clear();
}
