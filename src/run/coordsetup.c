/*
 * coordsetup.c - the run's coordinator set-up (see coordsetup.h).
 */
#include "looptrader/coordsetup.h"

#include "looptrader/log.h"

#include <stdlib.h>

/* With --coordinator: connected, the schema checked (unreachable or of
 * another version: exit 2), every configured account in the lease table
 * (the users file is the same on every host). */
int coordsetup_init(struct run *r, struct lt_err *err)
{
    r->coord_cfg.recv_window_ms = r->cfg.exchange.recv_window_ms;
    int rc = coord_open(&r->coord_cfg, r->run_tag, &r->coord, err);
    if (rc != 0)
        return rc;
    const char **names = calloc(r->n_users ? r->n_users : 1, sizeof *names);
    if (!names)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; i < r->n_users; i++)
        names[i] = r->cfg.users[i].name;
    rc = coord_register(r->coord, names, r->n_users, err);
    free(names);
    if (rc == 0)
        log_info("coordinator: process %s in IP group %s, lease %ld ms", coord_owner(r->coord),
                 r->coord_cfg.ip_group, r->coord_cfg.lease_ms);
    return rc;
}

/* Each day: the day set (accounts finished on an earlier one may be
 * claimed again), accounts that will not run here never claimed; the
 * coordinator thread (started the first day) claims the others. */
int coordsetup_go(struct run *r, const int *queue_me, struct lt_err *err)
{
    coord_day(r->coord, venue_now_ms(r->venue));
    for (size_t i = 0; i < r->n_users; i++)
        if (!queue_me[i])
            coord_end(r->coord, i, 0);
    return coord_start(r->coord, err);
}
