/*
 * board.c - the price board (see board.h).
 *
 * One mutex per board guards the price; it is held only to copy a few
 * words.  The condvar is broadcast only when someone waits for a price
 * (n_waiters), so a frame costs the writer a lock and a copy.  The "no
 * price" report keeps its state in atomics so that readers never take the
 * lock to decide whether to log.
 */
#include "looptrader/board.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "looptrader/clock.h"
#include "looptrader/latency.h"
#include "looptrader/log.h"

#define WAIT_SLICE_US 100000
#define MISSING_LOG_EVERY_US 10000000

struct board {
    char *symbol;                   /* owned; immutable */
    int64_t created_us;             /* immutable: a gap starts here before the first price */
    pthread_mutex_t lock;           /* guards price, n_waiters, down */
    pthread_cond_t cond;            /* CLOCK_MONOTONIC; a new price or a wake */
    struct board_price price;       /* lock; seq 0: none yet */
    int n_waiters;                  /* lock */
    int down;                       /* lock: the stream is down, no price since */
    _Atomic int64_t last_good_us;   /* recv_us of the newest price, created_us before */
    _Atomic int64_t reported_us;    /* when the gap was last logged; 0: not reported */
};

int board_new(const char *symbol, struct board **out)
{
    *out = NULL;
    struct board *b = calloc(1, sizeof *b);
    if (!b)
        return LT_ENOMEM;
    b->symbol = strdup(symbol ? symbol : "");
    pthread_condattr_t ca;
    int ok = b->symbol && pthread_condattr_init(&ca) == 0;
    if (ok) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        ok = pthread_cond_init(&b->cond, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (ok && pthread_mutex_init(&b->lock, NULL) != 0) {
        pthread_cond_destroy(&b->cond);
        ok = 0;
    }
    if (!ok) {
        free(b->symbol);
        free(b);
        return LT_ENOMEM;
    }
    b->created_us = clock_mono_us();
    atomic_init(&b->last_good_us, b->created_us);
    atomic_init(&b->reported_us, 0);
    *out = b;
    return 0;
}

void board_free(struct board *b)
{
    if (!b)
        return;
    pthread_mutex_destroy(&b->lock);
    pthread_cond_destroy(&b->cond);
    free(b->symbol);
    free(b);
}

const char *board_symbol(const struct board *b) { return b->symbol; }

void board_post(struct board *b, money_t bid, money_t ask, int64_t recv_us)
{
    if (bid <= 0 || ask <= 0)
        return;
    pthread_mutex_lock(&b->lock);
    b->price.bid = bid;
    b->price.ask = ask;
    b->price.recv_us = recv_us;
    b->price.seq++;
    b->down = 0;
    if (b->n_waiters > 0)
        pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    int64_t gap_from = atomic_exchange(&b->last_good_us, recv_us);
    if (atomic_load(&b->reported_us) && atomic_exchange(&b->reported_us, 0))
        log_info("price for %s back after %lld s", b->symbol,
                 (long long)((recv_us - gap_from) / 1000000));
}

void board_stream_down(struct board *b)
{
    pthread_mutex_lock(&b->lock);
    b->down = 1;
    if (b->n_waiters > 0)
        pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

static int usable(const struct board_price *p, int64_t max_age_us)
{
    return p->seq > 0 && clock_mono_us() - p->recv_us <= max_age_us;
}

int board_read(struct board *b, int64_t max_age_us, struct board_price *out)
{
    pthread_mutex_lock(&b->lock);
    struct board_price p = b->price;
    pthread_mutex_unlock(&b->lock);
    if (!usable(&p, max_age_us))
        return LT_ENOTFOUND;
    *out = p;
    return 0;
}

int board_wait(struct board *b, int64_t after_seq, int64_t deadline_us,
               int (*should_stop)(void *arg), void *arg, struct board_price *out)
{
    for (;;) {
        /* Asked without the lock: should_stop may take other locks. */
        if (should_stop && should_stop(arg))
            return LT_ESTOPPED;
        pthread_mutex_lock(&b->lock);
        int64_t now = clock_mono_us();
        if (b->price.seq <= after_seq && b->down) {
            pthread_mutex_unlock(&b->lock);
            return LT_ENOTFOUND;
        }
        if (b->price.seq <= after_seq && now < deadline_us) {
            int64_t until =
                deadline_us - now > WAIT_SLICE_US ? now + WAIT_SLICE_US : deadline_us;
            struct timespec ts = clock_ts_us(until);
            b->n_waiters++;
            pthread_cond_timedwait(&b->cond, &b->lock, &ts);
            b->n_waiters--;
            latency_woke();
        }
        int got = b->price.seq > after_seq;
        if (got)
            *out = b->price;
        pthread_mutex_unlock(&b->lock);
        if (got)
            return 0;
        if (clock_mono_us() >= deadline_us)
            return LT_ETIMEDOUT;
    }
}

void board_wake(struct board *b)
{
    pthread_mutex_lock(&b->lock);
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
}

void board_note_missing(struct board *b)
{
    int64_t now = clock_mono_us();
    int64_t last = atomic_load(&b->reported_us);
    if (last && now - last < MISSING_LOG_EVERY_US)
        return;
    /* One reader of many logs it. */
    if (!atomic_compare_exchange_strong(&b->reported_us, &last, now))
        return;
    pthread_mutex_lock(&b->lock);
    int down = b->down;
    pthread_mutex_unlock(&b->lock);
    if (down)
        log_warn("no pushed price for %s: the market stream is down (asking REST)", b->symbol);
    else
        log_warn("no price for %s for %lld s (pushed prices missing or stale; asking REST)",
                 b->symbol, (long long)((now - atomic_load(&b->last_good_us)) / 1000000));
}
