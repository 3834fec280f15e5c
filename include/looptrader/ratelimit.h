/*
 * ratelimit.h - staying under the venue's limits instead of hitting them.
 *
 * Binance counts request weight per IP per minute and orders per account per
 * 10 seconds and per day, each in fixed windows aligned to its clock.  A
 * ratelimit_window mirrors one such counter: reserve() says how long to wait
 * before a request of some cost fits, observe() adopts the server's own count
 * from the response headers (it also sees other processes behind the same
 * IP, and our own WebSocket API calls).  Pure: time is passed in, and it is
 * the venue's time (local clock + measured offset), so our windows roll when
 * the venue's do.
 *
 * Our clock and the venue's never agree exactly, so a request sent just
 * before our window ends may be counted in the venue's next one, and one
 * sent just after may still land in the venue's previous one.  margin_ms
 * covers that error: what was counted in the last margin_ms of a window is
 * carried into the next, and during the first margin_ms of a window a
 * request must also fit beside the whole previous window's count.
 *
 * struct ratelimit wraps the one weight window that every thread shares,
 * with its mutex.  struct ratelimit_orders is one account's pair of order
 * windows; its owner (the venue's account table) locks it.
 */
#ifndef LOOPTRADER_RATELIMIT_H
#define LOOPTRADER_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

struct ratelimit_window {
    int64_t interval_ms; /* window length, e.g. 60000 */
    int64_t limit;       /* units allowed per window (0 = unlimited) */
    int64_t margin_ms;   /* clock-error guard at the window edges (0 = none) */
    int64_t start_ms;    /* start of the current window */
    int64_t used;        /* units counted in the current window */
    int64_t prev_used;   /* units counted in the window just before */
    int64_t tail;        /* of used, those counted in its last margin_ms */
};

void ratelimit_window_init(struct ratelimit_window *w, int64_t interval_ms, int64_t limit,
                           int64_t margin_ms);

/* ms to wait (> 0) before cost fits the window at now_ms, 0 when it fits.
 * Counts nothing.  A cost larger than the whole limit fits a window that
 * has counted nothing yet. */
int64_t ratelimit_window_wait(struct ratelimit_window *w, int64_t now_ms, int64_t cost);

/* Counts cost at now_ms (after ratelimit_window_wait said 0). */
void ratelimit_window_count(struct ratelimit_window *w, int64_t now_ms, int64_t cost);

/* wait() and, when it is 0, count(): 0 when counted, else ms to wait. */
int64_t ratelimit_window_reserve(struct ratelimit_window *w, int64_t now_ms, int64_t cost);

/* Adopts the venue's count `used`, reported in the answer to a request sent
 * at sent_ms and received at now_ms, when it is higher than ours.  A count
 * is only trusted for the window the request was well inside of (sent at
 * least margin_ms after its start); others may belong to a neighbour. */
void ratelimit_window_observe(struct ratelimit_window *w, int64_t sent_ms, int64_t now_ms,
                              int64_t used);

/* Request weight per IP, shared by every thread. */
struct ratelimit {
    pthread_mutex_t lock;          /* guards every field below */
    struct ratelimit_window weight;
    int64_t blocked_until_ms;      /* set from 429/418 Retry-After */
};

void ratelimit_init(struct ratelimit *rl, int64_t weight_per_minute, int64_t margin_ms);
void ratelimit_destroy(struct ratelimit *rl);
/* A new limit (exchangeInfo); counts so far are kept.  <= 0: unlimited. */
void ratelimit_set_limit(struct ratelimit *rl, int64_t weight_per_minute);
/* ms to wait before sending a request of this weight (0: counted, go). */
int64_t ratelimit_reserve(struct ratelimit *rl, int64_t now_ms, int64_t weight);
void ratelimit_observe(struct ratelimit *rl, int64_t sent_ms, int64_t now_ms,
                       int64_t used_weight_1m);
/* Nothing fits before until_ms (an earlier deadline never shortens it). */
void ratelimit_block(struct ratelimit *rl, int64_t until_ms);

/* One account's order counters (not locked: the owner locks). */
struct ratelimit_orders {
    struct ratelimit_window ten_s;  /* ORDERS per 10 SECOND */
    struct ratelimit_window day;    /* ORDERS per 1 DAY (UTC days) */
    int64_t blocked_until_ms;       /* set from a 429 -1015 Retry-After */
};

void ratelimit_orders_init(struct ratelimit_orders *o, int64_t per_10s, int64_t per_day,
                           int64_t margin_ms);
/* One order: 0 when it fits both windows (counted in both), else the ms to
 * wait (nothing counted). */
int64_t ratelimit_orders_reserve(struct ratelimit_orders *o, int64_t now_ms);
/* The venue's counts (X-MBX-ORDER-COUNT-10S / -1D; < 0 when absent). */
void ratelimit_orders_observe(struct ratelimit_orders *o, int64_t sent_ms, int64_t now_ms,
                              int64_t count_10s, int64_t count_1d);
void ratelimit_orders_block(struct ratelimit_orders *o, int64_t until_ms);

#endif
