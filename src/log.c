/*
 * log.c - the process log (see log.h).
 *
 * One mutex (log_lock) serialises writers and guards the secret registry; it
 * is held only while formatting and writing one line.
 */
#include "looptrader/log.h"
#include "looptrader/error.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_LINE_MAX 2048

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_file;                          /* guarded by log_lock */
static char **secrets;                          /* guarded by log_lock */
static size_t n_secrets;                        /* guarded by log_lock */
static atomic_int log_level = LOG_INFO;

int log_open(const char *path)
{
    FILE *f = NULL;
    if (path) {
        f = fopen(path, "a");
        if (!f)
            return LT_EIO;
        setvbuf(f, NULL, _IOLBF, 0);
    }
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = f;
    pthread_mutex_unlock(&log_lock);
    return 0;
}

void log_close(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_file)
        fclose(log_file);
    log_file = NULL;
    pthread_mutex_unlock(&log_lock);
}

void log_set_level(enum log_level lvl) { atomic_store(&log_level, (int)lvl); }
enum log_level log_get_level(void) { return (enum log_level)atomic_load(&log_level); }

int log_level_parse(const char *name)
{
    static const char *names[] = { "debug", "info", "warn", "error", "off" };
    for (int i = 0; i < 5; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int log_secret_add(const char *secret)
{
    if (!secret || strlen(secret) < 4)
        return 0;
    char *copy = strdup(secret);
    if (!copy)
        return LT_ENOMEM;
    pthread_mutex_lock(&log_lock);
    char **n = realloc(secrets, (n_secrets + 1) * sizeof(*n));
    if (!n) {
        pthread_mutex_unlock(&log_lock);
        free(copy);
        return LT_ENOMEM;
    }
    secrets = n;
    secrets[n_secrets++] = copy;
    pthread_mutex_unlock(&log_lock);
    return 0;
}

void log_secrets_clear(void)
{
    pthread_mutex_lock(&log_lock);
    for (size_t i = 0; i < n_secrets; i++)
        free(secrets[i]);
    free(secrets);
    secrets = NULL;
    n_secrets = 0;
    pthread_mutex_unlock(&log_lock);
}

/* Caller holds log_lock. */
static void redact_locked(const char *in, char *out, size_t out_size)
{
    size_t o = 0;
    if (out_size == 0)
        return;
    while (*in && o + 1 < out_size) {
        size_t hit = 0;
        for (size_t i = 0; i < n_secrets; i++) {
            size_t l = strlen(secrets[i]);
            if (strncmp(in, secrets[i], l) == 0) {
                hit = l;
                break;
            }
        }
        if (hit) {
            for (const char *r = "***"; *r && o + 1 < out_size; r++)
                out[o++] = *r;
            in += hit;
        } else {
            out[o++] = *in++;
        }
    }
    out[o] = '\0';
}

void log_redact(const char *in, char *out, size_t out_size)
{
    pthread_mutex_lock(&log_lock);
    redact_locked(in, out, out_size);
    pthread_mutex_unlock(&log_lock);
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
    static const char *tags[] = { "DEBUG", "INFO", "WARN", "ERROR" };
    char raw[LOG_LINE_MAX], line[LOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;

    if ((int)lvl < atomic_load(&log_level) || lvl >= LOG_OFF)
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(raw, sizeof(raw), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, tags[lvl]);
    vsnprintf(raw + n, sizeof(raw) - (size_t)n, fmt, ap);
    pthread_mutex_lock(&log_lock);
    redact_locked(raw, line, sizeof(line));
    fprintf(stderr, "%s\n", line);
    if (log_file)
        fprintf(log_file, "%s\n", line);
    pthread_mutex_unlock(&log_lock);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(lvl, fmt, ap);
    va_end(ap);
}
