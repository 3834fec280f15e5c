/*
 * startup.h - phase 2, the start-up filter: which users trade this run
 * (or this --daily day), and from which window total.
 *
 * Per user, on the main thread and before any request for it
 * (startup_filter_prepare): its stop file, its account lock (or, with a
 * coordinator, its lease later), its symbol's rules.  Then the prepared
 * users' order histories (startup_filter_histories), read on up to
 * FILTER_THREADS_MAX threads, each with its own HTTP handle, so thousands
 * of accounts do not wait on one connection's round trips in turn; the
 * venue's shared weight budget paces them all.
 *
 * Threads: a filter thread writes only the slots of the users it took
 * (users[i], queue_me[i]; the index comes from one atomic counter) and
 * calls only thread-safe modules; startup_filter_histories joins every thread
 * before it returns.  No lock.
 */
#ifndef LOOPTRADER_STARTUP_H
#define LOOPTRADER_STARTUP_H

#include <stddef.h>

#include "looptrader/runctx.h"
#include "looptrader/strategy.h"

/* Threads of the start-up filter pass, the main thread among them. */
#define FILTER_THREADS_MAX 8

/* Phase 2 for one user, on the main thread, before any request for it:
 * its stop file, its account lock, its symbol's rules.  Returns 1 when its
 * history is to be read. */
int startup_filter_prepare(struct run *r, unsigned idx, struct strategy_user *u);

/* Reads the history of every prepared user (queue_me[i] == 1; out: 1 =
 * to queue): on up to FILTER_THREADS_MAX threads, the main thread among
 * them, so the pass completes even when no thread can be started. */
void startup_filter_histories(struct run *r, int *queue_me, size_t prepared);

#endif
