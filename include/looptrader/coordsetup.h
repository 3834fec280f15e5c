/*
 * coordsetup.h - the run's side of --coordinator (coord.h): connecting
 * and registering the accounts before phase 2, starting the lease claims
 * after it.
 *
 * Main thread only.  The coordinator handle is the run's (r->coord, freed
 * by run_free once the workers are joined); its own thread, started by
 * coordsetup_go, claims and renews the leases (see coord.h for its locks).
 */
#ifndef LOOPTRADER_COORDSETUP_H
#define LOOPTRADER_COORDSETUP_H

#include "looptrader/error.h"
#include "looptrader/runctx.h"

/* With --coordinator: connected, the schema checked (unreachable or of
 * another version: exit 2), every configured account in the lease table
 * (the users file is the same on every host). */
int coordsetup_init(struct run *r, struct lt_err *err);

/* Each day (--daily calls it again): the coordinator's day set, accounts
 * that will not run here (queue_me[i] == 0) never claimed, then the
 * coordinator thread (started the first day, kept after) claims the
 * others. */
int coordsetup_go(struct run *r, const int *queue_me, struct lt_err *err);

#endif
