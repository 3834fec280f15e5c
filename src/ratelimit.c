/*
 * ratelimit.c - fixed-window counters mirroring the venue's limits (see
 * ratelimit.h for why fixed windows and why observe()).
 */
#include "looptrader/ratelimit.h"

static void roll(struct ratelimit_window *w, int64_t now_ms)
{
    int64_t start = now_ms - now_ms % w->interval_ms;
    if (start != w->start_ms) {
        w->start_ms = start;
        w->used = 0;
    }
}

void ratelimit_window_init(struct ratelimit_window *w, int64_t interval_ms, int64_t limit)
{
    w->interval_ms = interval_ms > 0 ? interval_ms : 1;
    w->limit = limit;
    w->start_ms = 0;
    w->used = 0;
}

int64_t ratelimit_window_reserve(struct ratelimit_window *w, int64_t now_ms, int64_t cost)
{
    roll(w, now_ms);
    if (w->limit <= 0 || w->used + cost <= w->limit || w->used == 0) {
        w->used += cost;
        return 0;
    }
    return w->start_ms + w->interval_ms - now_ms;
}

void ratelimit_window_observe(struct ratelimit_window *w, int64_t now_ms, int64_t used)
{
    roll(w, now_ms);
    if (used > w->used)
        w->used = used;
}

void ratelimit_init(struct ratelimit *rl, int64_t weight_per_minute)
{
    pthread_mutex_init(&rl->lock, NULL);
    ratelimit_window_init(&rl->weight, 60000, weight_per_minute);
    rl->blocked_until_ms = 0;
}

void ratelimit_destroy(struct ratelimit *rl)
{
    pthread_mutex_destroy(&rl->lock);
}

int64_t ratelimit_reserve(struct ratelimit *rl, int64_t now_ms, int64_t weight)
{
    int64_t wait;
    pthread_mutex_lock(&rl->lock);
    if (rl->blocked_until_ms > now_ms)
        wait = rl->blocked_until_ms - now_ms;
    else
        wait = ratelimit_window_reserve(&rl->weight, now_ms, weight);
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void ratelimit_observe(struct ratelimit *rl, int64_t now_ms, int64_t used_weight_1m)
{
    pthread_mutex_lock(&rl->lock);
    ratelimit_window_observe(&rl->weight, now_ms, used_weight_1m);
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_block(struct ratelimit *rl, int64_t until_ms)
{
    pthread_mutex_lock(&rl->lock);
    if (until_ms > rl->blocked_until_ms)
        rl->blocked_until_ms = until_ms;
    pthread_mutex_unlock(&rl->lock);
}
