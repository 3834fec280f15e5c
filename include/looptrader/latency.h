/*
 * latency.h - in-process timing marks for `make bench`.
 *
 * The figures the scale work is judged by (tick→order, order→fill, the
 * start-up phases) happen inside the trader, between threads, in tens of
 * microseconds: no outside observer can see them.  A few named hooks mark
 * the moments; this module turns them into fixed log-scale histograms and
 * writes one JSON object when the process exits.
 *
 * Off unless the environment names an output file (LT_LATENCY_FILE): then
 * every hook is a load of one flag and a return, so the hooks stay in the
 * production binary and measure exactly the code that runs in production.
 *
 * Threads: the WS thread calls latency_tick_read; a worker calls
 * latency_woke, latency_price_taken, latency_order_sent and
 * latency_fill_known for the
 * order it is sending itself, so the worker's own marks are thread-local
 * and the shared state is only C11 atomics (histogram counters, the newest
 * tick's time).  No lock, no allocation, no I/O until exit.
 */
#ifndef LOOPTRADER_LATENCY_H
#define LOOPTRADER_LATENCY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum latency_metric {
    LATENCY_TICK_TO_ORDER, /* bookTicker frame read → the order built on it handed to libcurl */
    LATENCY_TAKE_TO_ORDER, /* worker took that price → handed to libcurl (its own path) */
    LATENCY_SENT_TO_FILL,  /* handed to libcurl → the order known final (push or query) */
    LATENCY_PRICE_AGE,     /* bookTicker frame read → a worker took its price */
    LATENCY_WAKE_TO_TAKE,  /* the worker's last wait ended → it took the price (its own work
                            * between the previous order's outcome and this order) */
    LATENCY_N
};

enum latency_mark {
    LATENCY_MARK_FILTER_START, /* start-up: history filter begins */
    LATENCY_MARK_FILTER_END,   /* every account filtered */
    LATENCY_MARK_FIRST_ORDER,  /* the first order handed to libcurl (set by latency_order_sent) */
    LATENCY_MARK_N
};

/* Hooks. */
void latency_tick_read(void);   /* WS thread: a bookTicker frame for our symbol was read */
void latency_price_taken(void); /* worker: took the newest pushed price to price an order */
void latency_order_sent(void);  /* worker: a new order's request goes to libcurl now */
void latency_fill_known(void);  /* worker: the order it sent last is final */
void latency_woke(void);        /* worker: a wait (answer, push, price, HTTP) ended */
void latency_mark(enum latency_mark m); /* first call per mark wins */

/* Pure histogram, exposed for its unit test. */
#define LATENCY_SUB_BITS 3 /* 8 buckets per power of two: ≤ 12.5 % relative error */
#define LATENCY_BUCKETS ((64 - LATENCY_SUB_BITS + 1) << LATENCY_SUB_BITS) /* up to 2^64 ns */

struct latency_hist {
    uint64_t count, sum_ns, max_ns;
    uint64_t bucket[LATENCY_BUCKETS];
};

size_t latency_bucket(uint64_t ns);
/* Lower and upper bound (exclusive) of bucket b in ns. */
uint64_t latency_bucket_low(size_t b);
uint64_t latency_bucket_high(size_t b);
void latency_hist_add(struct latency_hist *h, uint64_t ns);
/* The q-quantile (0..1) as the upper bound of its bucket capped at the
 * maximum seen, so a percentile is never under-reported; 0 when empty. */
uint64_t latency_hist_quantile(const struct latency_hist *h, double q);
/* Writes {"n":..,"p50_us":..,"p99_us":..,"max_us":..,"mean_us":..}. */
void latency_hist_json(const struct latency_hist *h, FILE *f);

#endif
