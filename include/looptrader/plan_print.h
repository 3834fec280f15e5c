/*
 * plan_print.h - the dry run's output: the venue, then per account its
 * balances and the plan the real run would follow (plan.h's sizing, the
 * ladders' rungs, the estimated cost).
 *
 * Main thread only, after phase 2: read-only requests (balances, the
 * book) on the run's main HTTP handle, nothing placed; prints to stdout.
 */
#ifndef LOOPTRADER_PLAN_PRINT_H
#define LOOPTRADER_PLAN_PRINT_H

#include "looptrader/runctx.h"

/* The dry run: the venue, then per account (queued[i]: phase 2 queued
 * it) its balances and the plan.  Returns the number of accounts that
 * cannot run. */
int plan_print(struct run *r, const int *queued);

#endif
