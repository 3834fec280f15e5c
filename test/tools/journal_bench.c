/*
 * journal_bench - what the journal costs per order, alone: T threads, each
 * one user's journal, each writing N orders' lines (the intent, made
 * durable, then "ack" and "final", and a settled line every second order,
 * as a round of two orders writes them), with or without the intent log
 * (src/run/intentlog.c).  Prints the process's CPU and the wall time per
 * order, so the group commit's effect can be measured without the
 * network (docs/performance.md).
 *
 *   journal_bench DIR THREADS ORDERS LOG     (LOG 1: intent log, 0: fsync per line)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "looptrader/journal.h"

#define THREADS_MAX 512

static const char *dir;
static int orders;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static double cpu_s(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) * 1e-6;
}

static void *run(void *arg)
{
    long id = (long)arg;
    char user[32], cid[48];
    struct journal *j;
    struct lt_err err;
    snprintf(user, sizeof(user), "u%ld", id);
    if (journal_open(dir, user, &j, &err) != 0) {
        fprintf(stderr, "journal_bench: %s\n", err.msg);
        exit(1);
    }
    for (int i = 0; i < orders; i++) {
        snprintf(cid, sizeof(cid), "lt.bench.%ld.%d.b1", id, i);
        if (journal_intent(j, "bench", (unsigned)i, cid, SIDE_BUY, 125000000, 790000000,
                           &err) != 0) {
            fprintf(stderr, "journal_bench: %s\n", err.msg);
            exit(1);
        }
        journal_outcome(j, "ack", cid, ORDER_FILLED, 790000000, 987500000, NULL);
        journal_outcome(j, "final", cid, ORDER_FILLED, 790000000, 987500000, NULL);
        if (i % 2)
            journal_settled(j, "bench", (unsigned)i, 790000000, 790000000, 0, NULL);
    }
    journal_close(j);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: journal_bench DIR THREADS ORDERS LOG(0|1)\n");
        return 2;
    }
    dir = argv[1];
    int threads = atoi(argv[2]);
    orders = atoi(argv[3]);
    int use_log = atoi(argv[4]);
    if (threads < 1 || threads > THREADS_MAX || orders < 1) {
        fprintf(stderr, "journal_bench: 1..%d threads, at least one order\n", THREADS_MAX);
        return 2;
    }
    struct lt_err err;
    if (use_log && journal_wal_open(dir, &err) != 0) {
        fprintf(stderr, "journal_bench: %s\n", err.msg);
        return 1;
    }
    pthread_t t[THREADS_MAX];
    double w0 = now_s(), c0 = cpu_s();
    for (long i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, run, (void *)i);
    for (int i = 0; i < threads; i++)
        pthread_join(t[i], NULL);
    double wall = now_s() - w0, cpu = cpu_s() - c0;
    long n = (long)threads * orders;
    printf("{\"threads\": %d, \"intent_log\": %d, \"orders\": %ld, \"cpu_us_per_order\": %.1f, "
           "\"wall_us_per_order\": %.1f, \"orders_per_s\": %.0f}\n",
           threads, use_log, n, cpu / (double)n * 1e6, wall / (double)n * 1e6, (double)n / wall);
    journal_wal_close();
    return 0;
}
