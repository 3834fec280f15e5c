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
 * venue's shared weight budget paces them all; the main thread meanwhile
 * shows the progress (the live table or a "start-up:" line).
 *
 * Threads: a filter thread writes only the slots of the users it took
 * (users[i], queue_me[i]; the index comes from one atomic counter) and
 * calls only thread-safe modules; startup_filter_histories joins every thread
 * before it returns.  One lock, the pool's: its scope is the count of
 * filter threads still running (and the wake-up when one ends), held
 * for nothing else.
 */
#ifndef LOOPTRADER_STARTUP_H
#define LOOPTRADER_STARTUP_H

#include <stddef.h>

#include "looptrader/runctx.h"
#include "looptrader/strategy.h"

/* Threads of the start-up filter pass (the main thread only watches). */
#define FILTER_THREADS_MAX 8

/* Phase 2 for one user, on the main thread, before any request for it:
 * its stop file, its account lock, its symbol's rules.  Returns 1 when its
 * history is to be read. */
int startup_filter_prepare(struct run *r, unsigned idx, struct strategy_user *u);

/* Called on the main thread about every 200 ms while the filter threads
 * read: `read` of the `prepared` users' histories are through. */
typedef void startup_tick_fn(void *ctx, size_t read, size_t prepared);

/* Reads the history of every prepared user (queue_me[i] == 1; out: 1 =
 * to queue) on up to FILTER_THREADS_MAX threads (and --workers at most),
 * while the main thread calls tick(ctx, ...) (NULL: none) so the operator
 * sees the pass advance; the users no thread could read (none started,
 * or none got an HTTP handle) are read on the main thread after them. */
void startup_filter_histories(struct run *r, int *queue_me, size_t prepared,
                              startup_tick_fn *tick, void *ctx);

#endif
