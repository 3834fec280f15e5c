/*
 * log.h - the process log: levelled, timestamped, thread-safe, redacting.
 *
 * Every line goes to stderr, or, once a file is given to log_open, to that
 * file and only warnings and errors to stderr too (under nohup stderr is
 * a second copy of the file, a write per line for nothing); each line
 * with ONE write(2) per sink, so lines of different threads never
 * interleave (a line is shorter than PIPE_BUF and the file is O_APPEND) and
 * no lock is held while a line is formatted, redacted or written.
 *
 * Design rule: secrets (API secrets, cookies, header values) are never
 * formatted into a line in the first place.  Code logs account names, order
 * ids and error text that carries no credential.  Strings registered with
 * log_secret_add() are replaced by "***" in every line before it is
 * written only as the safety net for a mistake: any occurrence of a
 * registered secret of length >= 4 is hidden, also where two secrets
 * overlap or one is a prefix of another (the whole covered span becomes one
 * "***").  A secret that is sent (a cookie, a header value, a database
 * password) is hidden in the forms it takes in text the process did not
 * write itself too (an answer echoing a request): JSON-escaped ('/' escaped
 * or not), percent-encoded (either hex case) and form-encoded (' ' as '+').
 *
 * Cost: redaction looks up, at each byte of a line, the secrets that end
 * with the four bytes there (a filter bit rules out nearly every
 * position), so it is O(line length) however many secrets of however
 * many lengths are registered, plus a comparison where a secret's last
 * four bytes occur; the secret index is read without a lock
 * (append-only, published with an atomic pointer).
 */
#ifndef LOOPTRADER_LOG_H
#define LOOPTRADER_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR, LOG_OFF };

/* Opens path for appending as the file sink (then stderr gets warnings
 * and errors only; NULL: stderr only, every level).  May be
 * called again at any time from any thread (e.g. on SIGHUP, from the
 * thread that handles it) to reopen a rotated file: lines logged
 * concurrently go wholly to the old or to the new file.  0 or LT_EIO (the
 * previous sink stays). */
int log_open(const char *path);
/* Drops the file sink.  Only once no other thread logs any more. */
void log_close(void);

void log_set_level(enum log_level lvl);

/* LOG_TEXT: "2026-12-01T12:00:00.000Z INFO  message"; LOG_JSON: one object a
 * line, {"ts":"...","level":"info","msg":"..."}, the message redacted and
 * then escaped, for log shippers.  Set before other threads log. */
enum log_format { LOG_TEXT = 0, LOG_JSON = 1 };
void log_set_format(enum log_format f);
/* "text", "json" -> format; -1 if unknown. */
int log_format_parse(const char *name);
enum log_level log_get_level(void);
/* "debug", "info", "warn", "error", "off" -> level; -1 if unknown. */
int log_level_parse(const char *name);

/* Registers a string (length >= 4) that must never be written; copied.
 * Any thread, any time: a line being written while a secret is added may
 * miss it, every line logged after the call returns hides it.
 * Returns 0 or LT_ENOMEM. */
int log_secret_add(const char *secret);
/* As log_secret_add, for a secret the process sends to a peer, which may
 * echo it: its encoded forms (above) are registered with it.  A secret
 * that never leaves the process (an API secret, a private key) has no
 * echo to hide, and up to five more strings to keep and compare is what
 * it need not pay. */
int log_secret_add_sent(const char *secret);
/* Copies in to out (out_size bytes, NUL-terminated) with every registered
 * secret replaced by "***".  Used by the log and by any writer of reports
 * or journals. */
void log_redact(const char *in, char *out, size_t out_size);
/* fmt formatted in full (on the heap when it is longer than a log line),
 * then log_redact to out: a cut never splits a secret before the redactor
 * sees it whole.  Out of memory for a long text: a notice instead of it. */
void log_redact_vformat(char *out, size_t out_size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* Frees the secret registry (at exit, once no other thread logs). */
void log_secrets_clear(void);

void log_msg(enum log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
