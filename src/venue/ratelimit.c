/*
 * ratelimit.c - fixed-window counters mirroring the venue's limits (see
 * ratelimit.h for why fixed windows, observe() and the edge margin).
 */
#include "looptrader/ratelimit.h"

/* Times come from the venue's clock and may be absurd (a hostile
 * serverTime): clamped to a range in which no sum or difference below can
 * overflow, whatever the input.  Real times are about 2^40. */
#define TIME_BOUND (INT64_MAX / 4)

static int64_t sane(int64_t t)
{
    return t > TIME_BOUND ? TIME_BOUND : t < -TIME_BOUND ? -TIME_BOUND : t;
}

static int64_t window_start(const struct ratelimit_window *w, int64_t t)
{
    int64_t r = t % w->interval_ms;
    return t - (r < 0 ? r + w->interval_ms : r);
}

/* Moves to the window holding now_ms.  Time that runs backwards (the clock
 * offset was corrected) stays in the later window: counts are never lost. */
static void roll(struct ratelimit_window *w, int64_t now_ms)
{
    int64_t start = window_start(w, now_ms);
    if (start <= w->start_ms)
        return;
    if (start == w->start_ms + w->interval_ms) {
        w->prev_used = w->used;
        w->used = w->tail;
    } else {
        w->prev_used = 0;
        w->used = 0;
    }
    w->tail = 0;
    w->start_ms = start;
}

void ratelimit_window_init(struct ratelimit_window *w, int64_t interval_ms, int64_t limit,
                           int64_t margin_ms)
{
    w->interval_ms = interval_ms > 0 ? interval_ms : 1;
    w->limit = limit;
    w->margin_ms = margin_ms > 0 && margin_ms < w->interval_ms / 2 ? margin_ms : 0;
    w->start_ms = INT64_MIN / 2;
    w->used = 0;
    w->prev_used = 0;
    w->tail = 0;
}

int64_t ratelimit_window_wait(struct ratelimit_window *w, int64_t now_ms, int64_t cost)
{
    now_ms = sane(now_ms);
    roll(w, now_ms);
    if (w->limit <= 0)
        return 0;
    int64_t head_end = w->start_ms + w->margin_ms;
    if (now_ms < head_end && w->prev_used > 0 && w->prev_used + w->used + cost > w->limit)
        return head_end - now_ms;
    if (w->used + cost <= w->limit || w->used == 0)
        return 0;
    return w->start_ms + w->interval_ms - now_ms;
}

void ratelimit_window_count(struct ratelimit_window *w, int64_t now_ms, int64_t cost)
{
    now_ms = sane(now_ms);
    roll(w, now_ms);
    w->used += cost;
    if (now_ms >= w->start_ms + w->interval_ms - w->margin_ms)
        w->tail += cost;
}

int64_t ratelimit_window_reserve(struct ratelimit_window *w, int64_t now_ms, int64_t cost)
{
    int64_t wait = ratelimit_window_wait(w, now_ms, cost);
    if (wait == 0)
        ratelimit_window_count(w, now_ms, cost);
    return wait;
}

void ratelimit_window_observe(struct ratelimit_window *w, int64_t sent_ms, int64_t now_ms,
                              int64_t used)
{
    sent_ms = sane(sent_ms);
    now_ms = sane(now_ms);
    roll(w, now_ms);
    if (sent_ms >= w->start_ms + w->margin_ms && used > w->used)
        w->used = used;
}

void ratelimit_init(struct ratelimit *rl, int64_t weight_per_minute, int64_t margin_ms)
{
    pthread_mutex_init(&rl->lock, NULL);
    ratelimit_window_init(&rl->weight, 60000, weight_per_minute, margin_ms);
    rl->blocked_until_ms = 0;
}

void ratelimit_destroy(struct ratelimit *rl)
{
    pthread_mutex_destroy(&rl->lock);
}

void ratelimit_set_limit(struct ratelimit *rl, int64_t weight_per_minute)
{
    pthread_mutex_lock(&rl->lock);
    rl->weight.limit = weight_per_minute;
    pthread_mutex_unlock(&rl->lock);
}

int64_t ratelimit_reserve(struct ratelimit *rl, int64_t now_ms, int64_t weight)
{
    int64_t wait;
    now_ms = sane(now_ms);
    pthread_mutex_lock(&rl->lock);
    if (rl->blocked_until_ms > now_ms)
        wait = rl->blocked_until_ms - now_ms;
    else
        wait = ratelimit_window_reserve(&rl->weight, now_ms, weight);
    pthread_mutex_unlock(&rl->lock);
    return wait;
}

void ratelimit_observe(struct ratelimit *rl, int64_t sent_ms, int64_t now_ms,
                       int64_t used_weight_1m)
{
    pthread_mutex_lock(&rl->lock);
    ratelimit_window_observe(&rl->weight, sent_ms, now_ms, used_weight_1m);
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_block(struct ratelimit *rl, int64_t until_ms)
{
    until_ms = sane(until_ms);
    pthread_mutex_lock(&rl->lock);
    if (until_ms > rl->blocked_until_ms)
        rl->blocked_until_ms = until_ms;
    pthread_mutex_unlock(&rl->lock);
}

void ratelimit_orders_init(struct ratelimit_orders *o, int64_t per_10s, int64_t per_day,
                           int64_t margin_ms)
{
    ratelimit_window_init(&o->ten_s, 10000, per_10s, margin_ms);
    ratelimit_window_init(&o->day, 86400000, per_day, margin_ms);
    o->blocked_until_ms = 0;
}

int64_t ratelimit_orders_reserve(struct ratelimit_orders *o, int64_t now_ms)
{
    now_ms = sane(now_ms);
    if (o->blocked_until_ms > now_ms)
        return o->blocked_until_ms - now_ms;
    int64_t a = ratelimit_window_wait(&o->ten_s, now_ms, 1);
    int64_t b = ratelimit_window_wait(&o->day, now_ms, 1);
    if (a > 0 || b > 0)
        return a > b ? a : b;
    ratelimit_window_count(&o->ten_s, now_ms, 1);
    ratelimit_window_count(&o->day, now_ms, 1);
    return 0;
}

void ratelimit_orders_observe(struct ratelimit_orders *o, int64_t sent_ms, int64_t now_ms,
                              int64_t count_10s, int64_t count_1d)
{
    if (count_10s >= 0)
        ratelimit_window_observe(&o->ten_s, sent_ms, now_ms, count_10s);
    if (count_1d >= 0)
        ratelimit_window_observe(&o->day, sent_ms, now_ms, count_1d);
}

void ratelimit_orders_block(struct ratelimit_orders *o, int64_t until_ms)
{
    until_ms = sane(until_ms);
    if (until_ms > o->blocked_until_ms)
        o->blocked_until_ms = until_ms;
}
