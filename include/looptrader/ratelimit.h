/*
 * ratelimit.h - staying under the venue's limits instead of hitting them.
 *
 * Binance counts request weight per IP per minute and orders per account per
 * 10 seconds and per day, each in fixed windows aligned to the clock.  A
 * ratelimit_window mirrors one such counter: reserve() says how long to wait
 * before a request of some cost fits, observe() adopts the server's own count
 * from the response headers (it also sees other processes behind the same
 * IP).  Pure: time is passed in.
 *
 * struct ratelimit wraps a window with a mutex for the one limiter that all
 * workers share (request weight per IP); per-account order windows belong to
 * the worker running that account and need no lock.
 */
#ifndef LOOPTRADER_RATELIMIT_H
#define LOOPTRADER_RATELIMIT_H

#include <pthread.h>
#include <stdint.h>

struct ratelimit_window {
    int64_t interval_ms; /* window length, e.g. 60000 */
    int64_t limit;       /* units allowed per window (0 = unlimited) */
    int64_t start_ms;    /* start of the current window */
    int64_t used;        /* units counted in the current window */
};

void ratelimit_window_init(struct ratelimit_window *w, int64_t interval_ms, int64_t limit);

/* Counts cost against the window at now_ms and returns 0, or returns the ms
 * to wait (> 0) without counting when it does not fit.  A cost larger than
 * the whole limit is admitted alone in a fresh window. */
int64_t ratelimit_window_reserve(struct ratelimit_window *w, int64_t now_ms, int64_t cost);

/* Adopts the venue's count for the current window when it is higher. */
void ratelimit_window_observe(struct ratelimit_window *w, int64_t now_ms, int64_t used);

/* Blocks nobody: everything after a Retry-After waits until until_ms. */
struct ratelimit {
    pthread_mutex_t lock;          /* guards every field below */
    struct ratelimit_window weight;
    int64_t blocked_until_ms;      /* set from 429/418 Retry-After */
};

void ratelimit_init(struct ratelimit *rl, int64_t weight_per_minute);
void ratelimit_destroy(struct ratelimit *rl);
/* ms to wait before sending a request of this weight (0: counted, go). */
int64_t ratelimit_reserve(struct ratelimit *rl, int64_t now_ms, int64_t weight);
void ratelimit_observe(struct ratelimit *rl, int64_t now_ms, int64_t used_weight_1m);
void ratelimit_block(struct ratelimit *rl, int64_t until_ms);

#endif
