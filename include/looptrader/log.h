/*
 * log.h - the process log: levelled, timestamped, thread-safe, redacting.
 *
 * Every line goes to stderr (and to the file given to log_open, if any).
 * Strings registered with log_secret_add() are replaced by "***" in every
 * line before it is written, as a last line of defence: code must still
 * never format a secret on purpose.
 */
#ifndef LOOPTRADER_LOG_H
#define LOOPTRADER_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Opens path for appending as a second sink (NULL: stderr only). 0 or LT_EIO. */
int log_open(const char *path);
void log_close(void);

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
/* "debug", "info", "warn", "error", "off" -> level; -1 if unknown. */
int log_level_parse(const char *name);

/* Registers a string (length >= 4) that must never be written; copied.
 * Returns 0 or LT_ENOMEM. */
int log_secret_add(const char *secret);
/* Replaces every registered secret in buf[0..len) by "***" in place-safe
 * fashion into out (out_size bytes, NUL-terminated).  Used by the log and by
 * any writer of reports or journals. */
void log_redact(const char *in, char *out, size_t out_size);
/* Frees the secret registry (at exit). */
void log_secrets_clear(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
