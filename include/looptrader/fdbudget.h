/*
 * fdbudget.h - the run's file descriptor budget: what a run of N accounts
 * needs at most, and the soft RLIMIT_NOFILE raised to it (or the run
 * refused, before anything is sent, when the hard limit is short), so a
 * big run never fails mid-day on EMFILE.
 *
 * Main thread, phase 1, before any thread but the signal thread starts.
 */
#ifndef LOOPTRADER_FDBUDGET_H
#define LOOPTRADER_FDBUDGET_H

#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/runctx.h"

/* Raises the soft RLIMIT_NOFILE to what the run needs for accounts
 * accounts (up to the hard limit); refuses when the hard limit is short. */
int fdbudget_ensure(const struct run *r, size_t accounts, struct lt_err *err);

#endif
