/*
 * clock.h - the process's clocks, in the units its deadlines use.
 *
 * Waits, deadlines and latencies use CLOCK_MONOTONIC: setting the wall
 * clock must neither cut a fill timeout short nor stretch it.  Wall time
 * only stamps records (journal lines, reports) and signed requests.  The
 * condition variables that wait on a deadline are created with
 * pthread_condattr_setclock(CLOCK_MONOTONIC), so clock_ts_ms turns a
 * clock_mono_ms() instant into what pthread_cond_timedwait expects;
 * one left on the default clock is given a clock_wall_ms() instant.
 *
 * Every function is thread-safe, allocation-free and a vDSO call.
 */
#ifndef LOOPTRADER_CLOCK_H
#define LOOPTRADER_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t clock_mono_ns(void);
int64_t clock_mono_us(void);
int64_t clock_mono_ms(void);

/* CLOCK_REALTIME since the Unix epoch. */
int64_t clock_wall_ns(void);
int64_t clock_wall_ms(void);

/* The instant ms (ms on whichever clock it was read from) as a timespec;
 * clock_ts_us the same for an instant in us. */
struct timespec clock_ts_ms(int64_t ms);
struct timespec clock_ts_us(int64_t us);

#endif
