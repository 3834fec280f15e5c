/* Unit tests: mailbox post/wait/timeout, lazy ring growth, overflow, stop, threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "looptrader/clock.h"
#include "looptrader/mailbox.h"

static struct venue_push exec_with_id(int64_t order_id)
{
    struct venue_push p;
    memset(&p, 0, sizeof p);
    p.kind = PUSH_EXECUTION;
    p.subscription_id = -1;
    p.u.exec.order.order_id = order_id;
    return p;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* The ring grows as events queue (order kept across every doubling), up
 * to its capacity, and a drained grown ring starts again from nothing. */
static void ring_grows_lazily_and_keeps_order(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(100, &mb), 0);
    struct venue_push out;
    for (int round = 0; round < 3; round++) {
        /* Interleave pops so growth happens with a wrapped head. */
        int64_t next_in = 1, next_out = 1;
        for (int i = 0; i < 3; i++) {
            struct venue_push e = exec_with_id(next_in++);
            mailbox_post_exec(mb, &e);
        }
        assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
        assert_int_equal(out.u.exec.order.order_id, next_out++);
        while (next_in <= 100) {
            struct venue_push e = exec_with_id(next_in++);
            mailbox_post_exec(mb, &e);
        }
        while (next_out <= 100) {
            assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
            assert_int_equal(out.u.exec.order.order_id, next_out++);
        }
        assert_int_equal(mailbox_take_overflow(mb), 0);
    }
    /* Past the capacity: the oldest go, the flag says so. */
    for (int i = 1; i <= 130; i++) {
        struct venue_push e = exec_with_id(i);
        mailbox_post_exec(mb, &e);
    }
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
    assert_int_equal(out.u.exec.order.order_id, 31);
    assert_int_equal(mailbox_take_overflow(mb), 1);
    mailbox_free(mb);
}

static void exec_fifo_and_timeout(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(4, &mb), 0);
    struct venue_push e1 = exec_with_id(1), e2 = exec_with_id(2), out;
    mailbox_post_exec(mb, &e1);
    mailbox_post_exec(mb, &e2);
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
    assert_int_equal(out.u.exec.order.order_id, 1);
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
    assert_int_equal(out.u.exec.order.order_id, 2);
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 30, NULL, &out), LT_ETIMEDOUT);
    /* A deadline already in the past does not block. */
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() - 1000, NULL, &out), LT_ETIMEDOUT);
    assert_int_equal(mailbox_take_overflow(mb), 0);
    mailbox_free(mb);
}

static void ring_overflow_drops_oldest_and_flags(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(3, &mb), 0);
    for (int i = 1; i <= 5; i++) {
        struct venue_push e = exec_with_id(i);
        mailbox_post_exec(mb, &e);
    }
    struct venue_push out;
    for (int want = 3; want <= 5; want++) {
        assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
        assert_int_equal(out.u.exec.order.order_id, want);
    }
    assert_int_equal(mailbox_take_overflow(mb), 1);
    assert_int_equal(mailbox_take_overflow(mb), 0); /* cleared by take */
    mailbox_free(mb);
}

static void stop_is_sticky_and_drains_first(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(0, &mb), 0);
    struct venue_push e = exec_with_id(7), out;
    mailbox_post_exec(mb, &e);
    mailbox_post_stop(mb);
    assert_true(mailbox_stopped(mb));
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 100, NULL, &out), 0);
    assert_int_equal(out.u.exec.order.order_id, 7);
    assert_int_equal(mailbox_wait_exec(mb, clock_mono_ms() + 5000, NULL, &out), LT_ESTOPPED);
    assert_true(mailbox_stopped(mb));
    mailbox_free(mb);
}

static void stream_flag(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(0, &mb), 0);
    assert_int_equal(mailbox_stream_up(mb), 0);
    mailbox_post_stream(mb, 1);
    assert_int_equal(mailbox_stream_up(mb), 1);
    mailbox_post_stream(mb, 0);
    assert_int_equal(mailbox_stream_up(mb), 0);
    mailbox_free(mb);
}

struct waiter {
    struct mailbox *mb;
    atomic_int *global_stop;
    int rc;
    int64_t waited_ms;
};

static void *wait_exec_thread(void *arg)
{
    struct waiter *w = arg;
    struct venue_push out;
    int64_t t0 = clock_mono_ms();
    w->rc = mailbox_wait_exec(w->mb, t0 + 10000, w->global_stop, &out);
    w->waited_ms = clock_mono_ms() - t0;
    return NULL;
}

static void stop_wakes_waiters(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(0, &mb), 0);
    struct waiter w[3] = { { mb, NULL, 0, 0 }, { mb, NULL, 0, 0 }, { mb, NULL, 0, 0 } };
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, wait_exec_thread, &w[i]), 0);
    sleep_ms(50);
    mailbox_post_stop(mb);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].rc, LT_ESTOPPED);
        assert_true(w[i].waited_ms < 2000);
    }
    mailbox_free(mb);
}

static void global_stop_noticed_without_wake(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(0, &mb), 0);
    atomic_int stop = 0;
    struct waiter w = { mb, &stop, 0, 0 };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_exec_thread, &w), 0);
    sleep_ms(30);
    atomic_store(&stop, 1); /* no mailbox_wake: the wait slices must notice */
    pthread_join(th, NULL);
    assert_int_equal(w.rc, LT_ESTOPPED);
    assert_true(w.waited_ms < 1000);
    assert_false(mailbox_stopped(mb)); /* global stop is not the user's stop */
    mailbox_free(mb);
}

#define N_EVENTS 20000

struct consumer {
    struct mailbox *mb;
    int64_t got, last_id, out_of_order;
};

static void *producer_thread(void *arg)
{
    struct mailbox *mb = arg;
    for (int i = 1; i <= N_EVENTS; i++) {
        struct venue_push e = exec_with_id(i);
        mailbox_post_exec(mb, &e);
        if (i % 1000 == 0)
            sleep_ms(1);
    }
    return NULL;
}

static void *consumer_thread(void *arg)
{
    struct consumer *c = arg;
    struct venue_push out;
    while (c->last_id < N_EVENTS) {
        int rc = mailbox_wait_exec(c->mb, clock_mono_ms() + 5000, NULL, &out);
        if (rc)
            break;
        if (out.u.exec.order.order_id <= c->last_id)
            c->out_of_order++;
        c->last_id = out.u.exec.order.order_id;
        c->got++;
    }
    return NULL;
}

static void producer_consumer_threads(void **state)
{
    (void)state;
    struct mailbox *mb;
    assert_int_equal(mailbox_new(256, &mb), 0);
    struct consumer c = { mb, 0, 0, 0 };
    pthread_t p, q;
    assert_int_equal(pthread_create(&q, NULL, consumer_thread, &c), 0);
    assert_int_equal(pthread_create(&p, NULL, producer_thread, mb), 0);
    pthread_join(p, NULL);
    pthread_join(q, NULL);
    assert_int_equal(c.last_id, N_EVENTS);
    assert_int_equal(c.out_of_order, 0);
    /* Everything arrived unless the ring overflowed, and then the flag says so. */
    if (c.got < N_EVENTS)
        assert_int_equal(mailbox_take_overflow(mb), 1);
    mailbox_free(mb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ring_grows_lazily_and_keeps_order),
        cmocka_unit_test(exec_fifo_and_timeout),
        cmocka_unit_test(ring_overflow_drops_oldest_and_flags),
        cmocka_unit_test(stop_is_sticky_and_drains_first),
        cmocka_unit_test(stream_flag),
        cmocka_unit_test(stop_wakes_waiters),
        cmocka_unit_test(global_stop_noticed_without_wake),
        cmocka_unit_test(producer_consumer_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
