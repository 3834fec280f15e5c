/*
 * mailbox.c - one user's inbox between the WebSocket thread and a worker.
 *
 * The WS thread must never block on a slow worker, so every post is O(1)
 * under the mutex; the only allocation is the ring's growth, which happens
 * a handful of times in an account's life (doubling from RING_FIRST), and
 * a failed growth is handled like a full ring.  Waits use a
 * CLOCK_MONOTONIC condvar so wall-clock jumps cannot stretch a fill
 * timeout, and wake at least every WAIT_SLICE_MS to notice a global stop
 * flag that was set without a mailbox_wake.  A post broadcasts after it
 * has released the mutex, and only when a worker waits: a waiter woken
 * under the mutex would block on it at once (a second sleep and wake per
 * push), and a worker busy elsewhere needs no wake-up (it looks at the
 * ring before it waits).
 */
#include "looptrader/mailbox.h"

#include "looptrader/clock.h"
#include "looptrader/latency.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#define DEFAULT_RING 256
#define RING_FIRST 4      /* slots of the first allocation */
#define RING_KEEP 16      /* a drained ring bigger than this is given back */
#define WAIT_SLICE_MS 100

struct mailbox {
    pthread_mutex_t lock;           /* guards every field below */
    pthread_cond_t cond;            /* signalled on every post; CLOCK_MONOTONIC */
    struct venue_push *ring;        /* lock: owned, cap slots; NULL while cap is 0 */
    size_t cap, head, count;        /* lock: oldest event at ring[head] */
    size_t max_cap;                 /* immutable: most events held */
    int overflow;                   /* lock: events were dropped since last take */
    int stopped;                    /* lock: sticky per-user stop */
    int stream_up;                  /* lock: the user's push stream is live */
    int waiters;                    /* lock: threads in wait_turn */
};

/* Ends a post: unlocks, then wakes the waiters there were.  A thread that
 * starts waiting after the unlock has seen the post (it looks under the
 * lock first), so no post is missed. */
static void post_done(struct mailbox *mb)
{
    int w = mb->waiters;
    pthread_mutex_unlock(&mb->lock);
    if (w)
        pthread_cond_broadcast(&mb->cond);
}

int mailbox_new(size_t ring_capacity, struct mailbox **out)
{
    *out = NULL;
    struct mailbox *mb = calloc(1, sizeof *mb);
    if (!mb)
        return LT_ENOMEM;
    mb->max_cap = ring_capacity ? ring_capacity : DEFAULT_RING;
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

/* Doubles the ring (up to max_cap), keeping the events in order.  0, or
 * -1 when it is at max_cap or out of memory.  Caller holds the lock. */
static int ring_grow(struct mailbox *mb)
{
    if (mb->cap >= mb->max_cap)
        return -1;
    size_t cap = mb->cap ? 2 * mb->cap : RING_FIRST;
    if (cap > mb->max_cap)
        cap = mb->max_cap;
    struct venue_push *ring = malloc(cap * sizeof *ring);
    if (!ring)
        return -1;
    for (size_t i = 0; i < mb->count; i++)
        ring[i] = mb->ring[(mb->head + i) % mb->cap];
    free(mb->ring);
    mb->ring = ring;
    mb->cap = cap;
    mb->head = 0;
    return 0;
}

void mailbox_post_exec(struct mailbox *mb, const struct venue_push *exec)
{
    pthread_mutex_lock(&mb->lock);
    if (mb->count == mb->cap && ring_grow(mb) != 0) {
        mb->overflow = 1;
        if (mb->cap == 0) { /* not even a first slot: the event is lost */
            post_done(mb);
            return;
        }
        mb->head = (mb->head + 1) % mb->cap;
        mb->count--;
    }
    mb->ring[(mb->head + mb->count) % mb->cap] = *exec;
    mb->count++;
    post_done(mb);
}

void mailbox_post_stream(struct mailbox *mb, int up)
{
    pthread_mutex_lock(&mb->lock);
    mb->stream_up = up ? 1 : 0;
    post_done(mb);
}

void mailbox_post_stop(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    mb->stopped = 1;
    post_done(mb);
}

void mailbox_clear_stop(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    mb->stopped = 0;
    pthread_mutex_unlock(&mb->lock);
}

void mailbox_wake(struct mailbox *mb)
{
    pthread_mutex_lock(&mb->lock);
    post_done(mb);
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
    int64_t now = clock_mono_ms();
    if (now >= deadline_ms)
        return LT_ETIMEDOUT;
    int64_t until = deadline_ms;
    if (until - now > WAIT_SLICE_MS)
        until = now + WAIT_SLICE_MS;
    struct timespec ts = clock_ts_ms(until);
    mb->waiters++;
    pthread_cond_timedwait(&mb->cond, &mb->lock, &ts);
    mb->waiters--;
    latency_woke();
    return 0;
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
            if (mb->count == 0 && mb->cap > RING_KEEP) {
                /* A burst is over: do not keep its memory for life. */
                free(mb->ring);
                mb->ring = NULL;
                mb->cap = mb->head = 0;
            }
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
