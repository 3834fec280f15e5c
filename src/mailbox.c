/*
 * mailbox.c - one user's inbox between the WebSocket thread and a worker.
 *
 * The WS thread must never block on a slow worker, so every post is O(1)
 * under the mutex and allocates nothing: the newest price overwrites the
 * previous one and order events go into a ring sized once in mailbox_new.
 * Waits use a CLOCK_MONOTONIC condvar so wall-clock jumps cannot stretch a
 * fill timeout, and wake at least every WAIT_SLICE_MS to notice a global
 * stop flag that was set without a mailbox_wake.
 */
#include "looptrader/mailbox.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define DEFAULT_RING 64
#define WAIT_SLICE_MS 100

struct mailbox {
    pthread_mutex_t lock;           /* guards every field below */
    pthread_cond_t cond;            /* signalled on every post; CLOCK_MONOTONIC */
    int has_price;                  /* lock */
    struct mailbox_price price;     /* lock: the newest price */
    struct venue_push *ring;        /* lock: owned, cap slots, allocated once */
    size_t cap, head, count;        /* lock: oldest event at ring[head] */
    int overflow;                   /* lock: events were dropped since last take */
    int stopped;                    /* lock: sticky per-user stop */
    int stream_up;                  /* lock: the user's push stream is live */
};

int64_t mailbox_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mailbox_new(size_t ring_capacity, struct mailbox **out)
{
    *out = NULL;
    if (ring_capacity == 0)
        ring_capacity = DEFAULT_RING;
    struct mailbox *mb = calloc(1, sizeof *mb);
    if (!mb)
        return LT_ENOMEM;
    mb->ring = calloc(ring_capacity, sizeof *mb->ring);
    if (!mb->ring) {
        free(mb);
        return LT_ENOMEM;
    }
    mb->cap = ring_capacity;
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        goto fail;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&mb->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        goto fail;
    if (pthread_mutex_init(&mb->lock, NULL) != 0) {
        pthread_cond_destroy(&mb->cond);
        goto fail;
    }
    *out = mb;
    return 0;
fail:
    free(mb->ring);
    free(mb);
    return LT_ENOMEM;
}

void mailbox_free(struct mailbox *mb)
{
    if (!mb)
        return;
    pthread_mutex_destroy(&mb->lock);
    pthread_cond_destroy(&mb->cond);
    free(mb->ring);
    free(mb);
}

void mailbox_post_price(struct mailbox *mb, money_t bid, money_t ask, int64_t recv_ms)
{
    pthread_mutex_lock(&mb->lock);
    mb->price.bid = bid;
    mb->price.ask = ask;
    mb->price.recv_ms = recv_ms;
    mb->price.seq++;
    mb->has_price = 1;
    pthread_cond_broadcast(&mb->cond);
    pthread_mutex_unlock(&mb->lock);
}

void mailbox_post_exec(struct mailbox *mb, const struct venue_push *exec)
{
    pthread_mutex_lock(&mb->lock);
    if (mb->count == mb->cap) {
        mb->head = (mb->head + 1) % mb->cap;
        mb->count--;
        mb->overflow = 1;
    }
    mb->ring[(mb->head + mb->count) % mb->cap] = *exec;
    mb->count++;
    pthread_cond_broadcast(&mb->cond);
    pthread_mutex_unlock(&mb->lock);
}

void mailbox_post_stream(struct mailbox *mb, int up)
{
    pthread_mutex_lock(&mb->lock);
    mb->stream_up = up ? 1 : 0;
    pthread_cond_broadcast(&mb->cond);
    pthread_mutex_unlock(&mb->lock);
}

void mailbox_post_stop(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    mb->stopped = 1;
    pthread_cond_broadcast(&mb->cond);
    pthread_mutex_unlock(&mb->lock);
}

void mailbox_wake(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    pthread_cond_broadcast(&mb->cond);
    pthread_mutex_unlock(&mb->lock);
}

static int stop_requested(const struct mailbox *mb, const atomic_int *global_stop)
{
    return mb->stopped || (global_stop && atomic_load(global_stop));
}

/* A wait loop's turn when what it waits for is not there yet: LT_ETIMEDOUT
 * past the deadline, else 0 after sleeping on the condvar until a post, the
 * deadline or WAIT_SLICE_MS, whichever is sooner.  Called with the lock held. */
static int wait_turn(struct mailbox *mb, int64_t deadline_ms)
{
    int64_t now = mailbox_now_ms();
    if (now >= deadline_ms)
        return LT_ETIMEDOUT;
    int64_t until = deadline_ms;
    if (until - now > WAIT_SLICE_MS)
        until = now + WAIT_SLICE_MS;
    struct timespec ts = { .tv_sec = until / 1000, .tv_nsec = (long)(until % 1000) * 1000000 };
    pthread_cond_timedwait(&mb->cond, &mb->lock, &ts);
    return 0;
}

int mailbox_wait_price(struct mailbox *mb, int64_t after_seq, int64_t deadline_ms,
                       const atomic_int *global_stop, struct mailbox_price *out)
{
    int rc;
    pthread_mutex_lock(&mb->lock);
    for (;;) {
        if (stop_requested(mb, global_stop)) {
            rc = LT_ESTOPPED;
            break;
        }
        if (mb->has_price && mb->price.seq > after_seq) {
            *out = mb->price;
            rc = 0;
            break;
        }
        if ((rc = wait_turn(mb, deadline_ms)))
            break;
    }
    pthread_mutex_unlock(&mb->lock);
    return rc;
}

int mailbox_peek_price(struct mailbox *mb, struct mailbox_price *out)
{
    pthread_mutex_lock(&mb->lock);
    int rc = mb->has_price ? 0 : LT_ENOTFOUND;
    if (!rc)
        *out = mb->price;
    pthread_mutex_unlock(&mb->lock);
    return rc;
}

int mailbox_wait_exec(struct mailbox *mb, int64_t deadline_ms, const atomic_int *global_stop,
                      struct venue_push *out)
{
    int rc;
    pthread_mutex_lock(&mb->lock);
    for (;;) {
        if (mb->count > 0) {
            *out = mb->ring[mb->head];
            mb->head = (mb->head + 1) % mb->cap;
            mb->count--;
            rc = 0;
            break;
        }
        if (stop_requested(mb, global_stop)) {
            rc = LT_ESTOPPED;
            break;
        }
        if ((rc = wait_turn(mb, deadline_ms)))
            break;
    }
    pthread_mutex_unlock(&mb->lock);
    return rc;
}

int mailbox_stopped(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    int s = mb->stopped;
    pthread_mutex_unlock(&mb->lock);
    return s;
}

int mailbox_stream_up(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    int up = mb->stream_up;
    pthread_mutex_unlock(&mb->lock);
    return up;
}

int mailbox_take_overflow(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    int o = mb->overflow;
    mb->overflow = 0;
    pthread_mutex_unlock(&mb->lock);
    return o;
}
