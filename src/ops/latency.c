/*
 * latency.c - in-process timing marks (see latency.h).
 *
 * Histograms are arrays of relaxed atomic counters shared by every thread:
 * a sample is three fetch-adds and a compare-exchange loop for the maximum,
 * cheaper than the clock read that precedes it.  They are read once, at
 * exit, after the workers are joined, so no reader races a writer.
 */
#include "looptrader/latency.h"

#include "looptrader/clock.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

static const char *const metric_names[LATENCY_N] = { "tick_to_order", "take_to_order",
                                                     "sent_to_fill", "price_age",
                                                     "wake_to_take" };
static const char *const mark_names[LATENCY_MARK_N] = { "filter_start", "filter_end",
                                                        "first_order" };

struct shared_hist {
    atomic_uint_fast64_t count, sum_ns, max_ns;
    atomic_uint_fast64_t bucket[LATENCY_BUCKETS];
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const char *out_path; /* written once under `once`, read-only after */
static struct shared_hist hists[LATENCY_N];
static atomic_uint_fast64_t marks[LATENCY_MARK_N]; /* CLOCK_REALTIME ns, 0 = not yet */
static atomic_uint_fast64_t newest_tick_ns;        /* CLOCK_MONOTONIC; the WS thread writes */

/* The calling worker's own order in flight (CLOCK_MONOTONIC ns, 0 = none). */
static _Thread_local uint64_t my_tick_ns, my_taken_ns, my_sent_ns, my_woke_ns;

static void write_out(void);

static void init_once(void)
{
    const char *p = getenv("LT_LATENCY_FILE");
    if (p && p[0] && atexit(write_out) == 0)
        out_path = p;
}

static int enabled(void)
{
    pthread_once(&once, init_once);
    return out_path != NULL;
}

size_t latency_bucket(uint64_t ns)
{
    if (ns < (1u << LATENCY_SUB_BITS))
        return (size_t)ns;
    unsigned msb = 63u - (unsigned)__builtin_clzll(ns);
    unsigned shift = msb - LATENCY_SUB_BITS;
    size_t sub = (size_t)(ns >> shift) & ((1u << LATENCY_SUB_BITS) - 1);
    return ((size_t)(shift + 1) << LATENCY_SUB_BITS) + sub;
}

uint64_t latency_bucket_low(size_t b)
{
    if (b < (1u << LATENCY_SUB_BITS))
        return b;
    unsigned shift = (unsigned)(b >> LATENCY_SUB_BITS) - 1;
    uint64_t sub = b & ((1u << LATENCY_SUB_BITS) - 1);
    return ((1u << LATENCY_SUB_BITS) + sub) << shift;
}

uint64_t latency_bucket_high(size_t b)
{
    if (b < (1u << LATENCY_SUB_BITS))
        return b + 1;
    uint64_t low = latency_bucket_low(b);
    uint64_t width = 1ull << ((b >> LATENCY_SUB_BITS) - 1);
    return low > UINT64_MAX - width ? UINT64_MAX : low + width;
}

void latency_hist_add(struct latency_hist *h, uint64_t ns)
{
    h->count++;
    h->sum_ns += ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
    h->bucket[latency_bucket(ns)]++;
}

uint64_t latency_hist_quantile(const struct latency_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    /* The smallest bucket holding at least ceil(q * count) samples. */
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if ((double)rank < q * (double)h->count)
        rank++;
    if (rank == 0)
        rank = 1;
    uint64_t seen = 0;
    for (size_t b = 0; b < LATENCY_BUCKETS; b++) {
        seen += h->bucket[b];
        if (seen >= rank) {
            uint64_t hi = latency_bucket_high(b);
            return hi - 1 < h->max_ns ? hi - 1 : h->max_ns;
        }
    }
    return h->max_ns;
}

void latency_hist_json(const struct latency_hist *h, FILE *f)
{
    fprintf(f, "{\"n\":%llu,\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f,\"mean_us\":%.1f}",
            (unsigned long long)h->count, latency_hist_quantile(h, 0.50) / 1e3,
            latency_hist_quantile(h, 0.99) / 1e3, h->max_ns / 1e3,
            h->count ? (double)h->sum_ns / (double)h->count / 1e3 : 0.0);
}

static void sample(enum latency_metric m, uint64_t ns)
{
    struct shared_hist *s = &hists[m];
    atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bucket[latency_bucket(ns)], 1, memory_order_relaxed);
    uint_fast64_t max = atomic_load_explicit(&s->max_ns, memory_order_relaxed);
    while (ns > max && !atomic_compare_exchange_weak_explicit(&s->max_ns, &max, ns,
                                                              memory_order_relaxed,
                                                              memory_order_relaxed))
        ;
}

void latency_tick_read(void)
{
    if (enabled())
        atomic_store_explicit(&newest_tick_ns, (uint64_t)clock_mono_ns(), memory_order_relaxed);
}

/* The newest tick is the one whose price the mailbox holds: the WS thread
 * stamps the frame just before it posts that frame's price, and the
 * mailbox lock orders that stamp before the worker's read.  A price taken
 * between the next frame's stamp and its post is credited to that newer
 * frame: such a sample is short by less than one frame interval, never long.
 * Prices read over REST (no push) are not sampled. */
void latency_price_taken(void)
{
    if (!enabled())
        return;
    my_tick_ns = atomic_load_explicit(&newest_tick_ns, memory_order_relaxed);
    my_taken_ns = (uint64_t)clock_mono_ns();
    if (my_tick_ns && my_tick_ns <= my_taken_ns)
        sample(LATENCY_PRICE_AGE, my_taken_ns - my_tick_ns);
    if (my_woke_ns && my_woke_ns <= my_taken_ns)
        sample(LATENCY_WAKE_TO_TAKE, my_taken_ns - my_woke_ns);
    my_woke_ns = 0;
}

/* Why: a price's age when taken is the WS thread's work after the frame,
 * the worker's wake-up and the worker's own work after its wait ended;
 * this mark splits the last part off. */
void latency_woke(void)
{
    if (enabled())
        my_woke_ns = (uint64_t)clock_mono_ns();
}

void latency_order_sent(void)
{
    if (!enabled())
        return;
    latency_mark(LATENCY_MARK_FIRST_ORDER);
    uint64_t now = (uint64_t)clock_mono_ns();
    if (my_taken_ns) {
        sample(LATENCY_TAKE_TO_ORDER, now - my_taken_ns);
        if (my_tick_ns && my_tick_ns <= now)
            sample(LATENCY_TICK_TO_ORDER, now - my_tick_ns);
    }
    my_taken_ns = my_tick_ns = 0;
    my_sent_ns = now;
}

void latency_fill_known(void)
{
    if (!enabled() || !my_sent_ns)
        return;
    sample(LATENCY_SENT_TO_FILL, (uint64_t)clock_mono_ns() - my_sent_ns);
    my_sent_ns = 0;
}

void latency_mark(enum latency_mark m)
{
    if (!enabled())
        return;
    uint_fast64_t zero = 0;
    atomic_compare_exchange_strong(&marks[m], &zero, (uint64_t)clock_wall_ns());
}

static void write_out(void)
{
    FILE *f = fopen(out_path, "w");
    if (!f)
        return;
    fputc('{', f);
    for (int m = 0; m < LATENCY_N; m++) {
        struct latency_hist h = { .count = atomic_load(&hists[m].count),
                                  .sum_ns = atomic_load(&hists[m].sum_ns),
                                  .max_ns = atomic_load(&hists[m].max_ns) };
        for (size_t b = 0; b < LATENCY_BUCKETS; b++)
            h.bucket[b] = atomic_load(&hists[m].bucket[b]);
        fprintf(f, "\"%s\":", metric_names[m]);
        latency_hist_json(&h, f);
        fputc(',', f);
    }
    fputs("\"marks_unix_ns\":{", f);
    for (int m = 0; m < LATENCY_MARK_N; m++)
        fprintf(f, "%s\"%s\":%llu", m ? "," : "", mark_names[m],
                (unsigned long long)atomic_load(&marks[m]));
    fputs("}}\n", f);
    fclose(f);
}
