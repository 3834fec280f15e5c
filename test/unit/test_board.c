/* Unit tests: the price board (newest wins, staleness, waits, stop, the
 * writer wakes only waiters, concurrent readers). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <stdatomic.h>
#include <time.h>

#include "looptrader/board.h"
#include "looptrader/clock.h"
#include "looptrader/log.h"

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void newest_wins_and_seq_counts(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("ALPHAUSDT", &b), 0);
    assert_string_equal(board_symbol(b), "ALPHAUSDT");
    struct board_price p;
    assert_int_equal(board_read(b, 1000000, &p), LT_ENOTFOUND);
    int64_t now = clock_mono_us();
    board_post(b, 100, 101, now);
    board_post(b, 0, 103, now);   /* not a price */
    board_post(b, 102, -1, now);  /* not a price */
    board_post(b, 104, 105, now);
    assert_int_equal(board_read(b, 1000000, &p), 0);
    assert_true(p.bid == 104 && p.ask == 105 && p.recv_us == now);
    assert_int_equal(p.seq, 2);
    board_free(b);
}

static void old_price_is_not_read(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("X", &b), 0);
    board_post(b, 1, 2, clock_mono_us() - 6000000);
    struct board_price p;
    assert_int_equal(board_read(b, 5000000, &p), LT_ENOTFOUND);
    assert_int_equal(board_read(b, 7000000, &p), 0);
    board_note_missing(b); /* logs once; a second call within 10 s is quiet */
    board_note_missing(b);
    board_free(b);
}

static void wait_returns_newer_or_times_out(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("X", &b), 0);
    struct board_price p;
    int64_t t0 = clock_mono_us();
    assert_int_equal(board_wait(b, 0, t0 + 50000, NULL, NULL, &p), LT_ETIMEDOUT);
    assert_true(clock_mono_us() - t0 >= 50000);
    board_post(b, 5, 6, clock_mono_us());
    assert_int_equal(board_wait(b, 0, clock_mono_us() + 1000000, NULL, NULL, &p), 0);
    assert_int_equal(p.seq, 1);
    /* Nothing newer than seq 1 yet; a past deadline does not block. */
    assert_int_equal(board_wait(b, 1, clock_mono_us() - 1, NULL, NULL, &p), LT_ETIMEDOUT);
    board_free(b);
}

struct waiter {
    struct board *b;
    atomic_int *stop;
    int64_t after;
    int rc;
    int64_t seq;
};

static int stop_flag(void *arg) { return atomic_load((atomic_int *)arg); }

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    struct board_price p = { 0 };
    w->rc = board_wait(w->b, w->after, clock_mono_us() + 10000000, stop_flag, w->stop, &p);
    w->seq = p.seq;
    return NULL;
}

/* Starts a waiter and gives it time to block. */
static void start_waiter(struct waiter *w, pthread_t *th)
{
    assert_int_equal(pthread_create(th, NULL, wait_thread, w), 0);
    sleep_ms(20);
}

/* Starts a waiter for any price (10 s), does act to b, and returns how the
 * wait ended; *seq is the price it got. */
static int wait_ended_by(struct board *b, void (*act)(struct board *), int64_t *seq)
{
    atomic_int stop = 0;
    struct waiter w = { b, &stop, 0, -1, 0 };
    pthread_t th;
    start_waiter(&w, &th);
    act(b);
    pthread_join(th, NULL);
    *seq = w.seq;
    return w.rc;
}

static void post_a_price(struct board *b) { board_post(b, 7, 8, clock_mono_us()); }

static void a_post_wakes_a_waiter(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("X", &b), 0);
    int64_t seq;
    assert_int_equal(wait_ended_by(b, post_a_price, &seq), 0);
    assert_int_equal(seq, 1);
    board_free(b);
}

/* A stream that goes down ends a waiter at once (it was waiting 10 s),
 * later waits for a newer price end at once, and a price ends that state. */
static void stream_down_ends_waits_until_a_price(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("X", &b), 0);
    int64_t seq;
    assert_int_equal(wait_ended_by(b, board_stream_down, &seq), LT_ENOTFOUND);
    struct board_price p;
    assert_int_equal(board_wait(b, 0, clock_mono_us() + 10000000, NULL, NULL, &p), LT_ENOTFOUND);
    board_post(b, 5, 6, clock_mono_us());
    assert_int_equal(board_wait(b, 0, clock_mono_us() + 10000000, NULL, NULL, &p), 0);
    assert_int_equal(p.seq, 1);
    /* up again: a wait for a newer price waits for it */
    int64_t t0 = clock_mono_us();
    assert_int_equal(board_wait(b, 1, t0 + 30000, NULL, NULL, &p), LT_ETIMEDOUT);
    assert_true(clock_mono_us() - t0 >= 30000);
    /* down with a price: a newer one will not come, the one there stays readable */
    board_stream_down(b);
    assert_int_equal(board_wait(b, 1, clock_mono_us() + 10000000, NULL, NULL, &p), LT_ENOTFOUND);
    assert_int_equal(board_read(b, INT64_MAX, &p), 0);
    assert_int_equal(p.seq, 1);
    board_free(b);
}

/* With the stream down, the gap's report says so instead of "for 0 s". */
static void stream_down_is_reported_as_such(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/lt-test-board-%d.log", (int)getpid());
    assert_int_equal(log_open(path), 0);
    struct board *b;
    assert_int_equal(board_new("XYZ", &b), 0);
    board_stream_down(b);
    board_note_missing(b);
    board_free(b);
    log_close();
    char text[1024] = "";
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    text[fread(text, 1, sizeof text - 1, f)] = '\0';
    fclose(f);
    unlink(path);
    assert_non_null(strstr(text, "no pushed price for XYZ: the market stream is down (asking REST)"));
}

static void stop_ends_a_wait(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("X", &b), 0);
    atomic_int stop = 0;
    struct waiter w = { b, &stop, 0, -1, 0 };
    pthread_t th;
    int64_t t0 = clock_mono_us();
    start_waiter(&w, &th);
    atomic_store(&stop, 1);
    board_wake(b);
    pthread_join(th, NULL);
    assert_int_equal(w.rc, LT_ESTOPPED);
    assert_true(clock_mono_us() - t0 < 5000000);
    /* Without a wake, the wait's slices still see the stop. */
    struct waiter w2 = { b, &stop, 0, -1, 0 };
    atomic_store(&stop, 0);
    start_waiter(&w2, &th);
    atomic_store(&stop, 1);
    pthread_join(th, NULL);
    assert_int_equal(w2.rc, LT_ESTOPPED);
    board_free(b);
}

#define N_POSTS 50000

struct reader {
    struct board *b;
    int64_t last_seq, backwards, crossed;
};

static void *reader_thread(void *arg)
{
    struct reader *r = arg;
    struct board_price p;
    while (r->last_seq < N_POSTS) {
        if (board_wait(r->b, r->last_seq, clock_mono_us() + 5000000, NULL, NULL, &p) != 0)
            break;
        if (p.seq <= r->last_seq)
            r->backwards++;
        /* Every post has ask == bid + 1: a torn read would break it. */
        if (p.ask != p.bid + 1 || p.bid != p.seq)
            r->crossed++;
        r->last_seq = p.seq;
    }
    return NULL;
}

static void one_writer_many_readers(void **state)
{
    (void)state;
    struct board *b;
    assert_int_equal(board_new("X", &b), 0);
    struct reader r[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (struct reader){ b, 0, 0, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, reader_thread, &r[i]), 0);
    }
    for (int i = 1; i <= N_POSTS; i++) {
        board_post(b, i, i + 1, clock_mono_us());
        if (i % 5000 == 0)
            sleep_ms(1);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(r[i].last_seq, N_POSTS);
        assert_int_equal(r[i].backwards, 0);
        assert_int_equal(r[i].crossed, 0);
    }
    board_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(newest_wins_and_seq_counts),
        cmocka_unit_test(old_price_is_not_read),
        cmocka_unit_test(wait_returns_newer_or_times_out),
        cmocka_unit_test(a_post_wakes_a_waiter),
        cmocka_unit_test(stop_ends_a_wait),
        cmocka_unit_test(stream_down_ends_waits_until_a_price),
        cmocka_unit_test(stream_down_is_reported_as_such),
        cmocka_unit_test(one_writer_many_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
