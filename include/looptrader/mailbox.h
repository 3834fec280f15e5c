/*
 * mailbox.h - one user's inbox between the WebSocket thread and a worker.
 *
 * It carries what is this account's own: its order events (a FIFO), its
 * push-stream state and its stop.  Prices are not here: every worker reads
 * the symbol's price board (board.h), so a price frame never touches the
 * accounts' mailboxes and a worker waiting for executions is never woken by
 * a price.  The WS thread posts, a worker waits on the condition variable
 * with a deadline.  The event ring starts empty and grows (doubling) only
 * when events actually queue up, to at most ring_capacity events, and gives
 * back a grown ring once drained, so an idle account costs a few hundred
 * bytes.  If the ring is full (or cannot grow), the oldest event is dropped
 * and the mailbox remembers it, so the worker falls back to querying the
 * order instead of trusting pushes.
 */
#ifndef LOOPTRADER_MAILBOX_H
#define LOOPTRADER_MAILBOX_H

#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/venue.h"

struct mailbox;

/* ring_capacity: most events held (0: 256); nothing is allocated for them
 * until the first post. */
int mailbox_new(size_t ring_capacity, struct mailbox **out);
void mailbox_free(struct mailbox *mb);

/* WS thread side. */
void mailbox_post_exec(struct mailbox *mb, const struct venue_push *exec);
/* The user's push stream went up (1) or down (0). */
void mailbox_post_stream(struct mailbox *mb, int up);
/* Per-user stop: wakes every waiter; sticky. */
void mailbox_post_stop(struct mailbox *mb);
/* Clears the per-user stop (a resume, once the stopped user has ended). */
void mailbox_clear_stop(struct mailbox *mb);
/* Wakes waiters without posting anything (global stop). */
void mailbox_wake(struct mailbox *mb);

/* Worker side.  Deadlines are CLOCK_MONOTONIC ms (clock_mono_ms). */
/* Pops the oldest order event: 0, LT_ETIMEDOUT at the deadline, LT_ESTOPPED.
 * A stop does not hide events already queued (pop drains first) unless
 * deadline has passed. */
int mailbox_wait_exec(struct mailbox *mb, int64_t deadline_ms, const atomic_int *global_stop,
                      struct venue_push *out);

int mailbox_stopped(struct mailbox *mb);
int mailbox_stream_up(struct mailbox *mb);
/* Returns and clears the "events were dropped" flag. */
int mailbox_take_overflow(struct mailbox *mb);

#endif
