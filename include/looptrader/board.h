/*
 * board.h - the price board: the newest book price of one symbol, shared by
 * every worker trading it.
 *
 * Why: with one mailbox per account, every bookTicker frame used to be
 * copied into every mailbox, each copy locking and broadcasting and waking
 * workers that were waiting for executions, not prices: O(accounts) work
 * per frame and a thundering herd.  The board is written once per frame by
 * the WebSocket thread (O(1)) and only threads waiting for a newer price
 * are woken; everyone else reads it when they price an order.
 *
 * A price is a reported state: readers that find none (or only a stale
 * one) call board_note_missing, which logs "no price for SYMBOL for N s"
 * (or, the stream down, that it is) about once every 10 s while the gap
 * lasts, and the first price after a reported gap is logged as back.
 *
 * The writer also says when its stream goes down (board_stream_down):
 * until the next price, a wait for one ends at once with LT_ENOTFOUND
 * instead of its timeout, so that a venue whose market stream cannot
 * connect costs each round a REST ticker, not a wait for a push that will
 * not come.
 *
 * Thread rules: board_post and board_stream_down from one writer thread; everything else from
 * any thread.  The board outlives every reader (its owner, the wsclient,
 * is freed after the workers are joined).
 */
#ifndef LOOPTRADER_BOARD_H
#define LOOPTRADER_BOARD_H

#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"

struct board;

struct board_price {
    money_t bid, ask;   /* both > 0 */
    int64_t seq;        /* 1 for the first price, +1 per accepted post */
    int64_t recv_us;    /* clock_mono_us() when the frame was read */
};

int board_new(const char *symbol, struct board **out);
void board_free(struct board *b);
const char *board_symbol(const struct board *b);

/* Writer: a new book.  A non-positive bid or ask is not a price: ignored
 * (it stays reported as missing).  Wakes only waiters.  A price ends a
 * stream-down state. */
void board_post(struct board *b, money_t bid, money_t ask, int64_t recv_us);

/* Writer: the stream that posts prices is down (lost, or it could not
 * connect); wakes the waiters, which end with LT_ENOTFOUND. */
void board_stream_down(struct board *b);

/* Newest price received no more than max_age_us ago: 0, or LT_ENOTFOUND
 * (none yet, or too old). */
int board_read(struct board *b, int64_t max_age_us, struct board_price *out);

/* Waits until a price with seq > after_seq exists: 0, LT_ETIMEDOUT at
 * deadline_us, LT_ENOTFOUND while the stream is down (board_stream_down)
 * and there is no such price, or LT_ESTOPPED once should_stop(arg)
 * returns nonzero (asked at least every 100 ms and after every
 * board_wake; may be NULL). */
int board_wait(struct board *b, int64_t after_seq, int64_t deadline_us,
               int (*should_stop)(void *arg), void *arg, struct board_price *out);

/* Wakes every waiter so it asks should_stop again (a global stop). */
void board_wake(struct board *b);

/* A reader found no usable price: logs the gap at most every 10 s. */
void board_note_missing(struct board *b);

#endif
