/*
 * config_check.h - what a loaded run configuration must hold, whatever
 * file produced it: the promises config.h makes to the executor and the
 * strategy (ranges they divide by, loop over or index with).  Shared by
 * the config and config_users harnesses.
 */
#ifndef LOOPTRADER_FUZZ_CONFIG_CHECK_H
#define LOOPTRADER_FUZZ_CONFIG_CHECK_H

#include <string.h>

#include "fuzz.h"
#include "looptrader/config.h"
#include "looptrader/log.h"

/* complete: the strategy an enabled user trades with (the global block and
 * a disabled user's may leave out what every enabled user sets). */
static void config_check_strategy(const struct strategy_config *s, int complete)
{
    FUZZ_CHECK(FUZZ_TERMINATED(s->symbol));
    if (complete)
        FUZZ_CHECK(s->symbol[0] && s->buy_amount > 0 && s->target > 0);
    FUZZ_CHECK(s->buy_amount >= 0 && s->target >= 0 && s->max_cost >= 0);
    FUZZ_CHECK(s->slippage >= 0 && s->slippage <= MONEY_SCALE / 2);
    FUZZ_CHECK(s->slippage_step >= 0 && s->slippage_step <= MONEY_SCALE / 2);
    FUZZ_CHECK(s->max_tries >= 1 && s->fill_timeout_ms > 0);
    FUZZ_CHECK(s->tif == TIF_GTC || s->tif == TIF_IOC);
}

/* Runs config_load on argv, checks the outcome, frees everything. */
static void config_check_load(int argc, char **argv)
{
    struct run_config rc;
    struct lt_err err = { 0 };
    log_set_level(LOG_OFF);
    int r = config_load(argc, argv, &rc, &err);
    FUZZ_CHECK(r == 0 || r == LT_ECONFIG || r == LT_ENOMEM);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (r == 0) {
        FUZZ_CHECK(rc.workers >= 1 && rc.users_per_connection >= 1);
        FUZZ_CHECK(rc.rest_url && rc.ws_url && rc.state_dir);
        FUZZ_CHECK(rc.n_users >= 1 && rc.users);
        config_check_strategy(&rc.global, 0);
        for (size_t i = 0; i < rc.n_users; i++) {
            const struct user_config *u = &rc.users[i];
            FUZZ_CHECK(u->name && u->name[0]);
            config_check_strategy(&u->strategy, u->enabled);
            FUZZ_CHECK(u->auth.n_headers == u->n_headers);
            for (size_t h = 0; h < u->n_headers; h++)
                FUZZ_CHECK(u->headers[h] && strchr(u->headers[h], ':'));
        }
    }
    config_free(&rc);
    log_secrets_clear();
}

#endif
