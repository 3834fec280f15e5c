/* clock.c - the process's clocks (see clock.h for which one serves what). */
#include "looptrader/clock.h"

static int64_t read_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t clock_mono_ns(void) { return read_ns(CLOCK_MONOTONIC); }
int64_t clock_mono_us(void) { return read_ns(CLOCK_MONOTONIC) / 1000; }
int64_t clock_mono_ms(void) { return read_ns(CLOCK_MONOTONIC) / 1000000; }
int64_t clock_wall_ns(void) { return read_ns(CLOCK_REALTIME); }
int64_t clock_wall_ms(void) { return read_ns(CLOCK_REALTIME) / 1000000; }

struct timespec clock_ts_ms(int64_t ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
    return ts;
}

struct timespec clock_ts_us(int64_t us)
{
    struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };
    return ts;
}
