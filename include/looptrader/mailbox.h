/*
 * mailbox.h - one user's inbox between the WebSocket thread and a worker.
 *
 * The WS thread posts the newest book price (coalesced: newest wins) and
 * order events (a bounded ring); a worker waits on the condition variable
 * with a deadline.  Every post takes the mailbox mutex for O(1) work with no
 * allocation and no I/O, then signals.  If the ring overflows, the oldest
 * event is dropped and the mailbox remembers it, so the worker falls back to
 * querying the order instead of trusting pushes.
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

struct mailbox_price {
    money_t bid, ask;
    int64_t seq;       /* increases with every posted price */
    int64_t recv_ms;   /* local monotonic ms when it arrived */
};

int mailbox_new(size_t ring_capacity, struct mailbox **out);
void mailbox_free(struct mailbox *mb);

/* WS thread side. */
void mailbox_post_price(struct mailbox *mb, money_t bid, money_t ask, int64_t recv_ms);
void mailbox_post_exec(struct mailbox *mb, const struct venue_push *exec);
/* The user's push stream went up (1) or down (0). */
void mailbox_post_stream(struct mailbox *mb, int up);
/* Per-user stop: wakes every waiter; sticky. */
void mailbox_post_stop(struct mailbox *mb);
/* Wakes waiters without posting anything (global stop). */
void mailbox_wake(struct mailbox *mb);

/* Worker side.  Deadlines are CLOCK_MONOTONIC ms (see mailbox_now_ms).
 * Wait until a price with seq > after_seq exists: 0, LT_ETIMEDOUT, or
 * LT_ESTOPPED when the user's stop flag or *global_stop is set. */
int mailbox_wait_price(struct mailbox *mb, int64_t after_seq, int64_t deadline_ms,
                       const atomic_int *global_stop, struct mailbox_price *out);
/* Newest price without waiting: 0 or LT_ENOTFOUND if none yet. */
int mailbox_peek_price(struct mailbox *mb, struct mailbox_price *out);

/* Pops the oldest order event: 0, LT_ETIMEDOUT at the deadline, LT_ESTOPPED.
 * A stop does not hide events already queued (pop drains first) unless
 * deadline has passed. */
int mailbox_wait_exec(struct mailbox *mb, int64_t deadline_ms, const atomic_int *global_stop,
                      struct venue_push *out);

int mailbox_stopped(struct mailbox *mb);
int mailbox_stream_up(struct mailbox *mb);
/* Returns and clears the "events were dropped" flag. */
int mailbox_take_overflow(struct mailbox *mb);

int64_t mailbox_now_ms(void);

#endif
