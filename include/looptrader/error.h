/*
 * error.h - error codes and the error struct every fallible function fills.
 *
 * Functions return 0 or a negative LT_E* code and, when given a non-NULL
 * struct lt_err, write a one-line human message into it.  Messages never
 * contain secrets: callers pass only public facts (paths, field names,
 * exchange codes).  As a safety net every message is formatted in full
 * (log_redact_vformat), passed through log_redact, and only then cut to
 * msg, so a registered secret is replaced even where the cut would split
 * it.
 */
#ifndef LOOPTRADER_ERROR_H
#define LOOPTRADER_ERROR_H

#include <stddef.h>

enum {
    LT_OK = 0,
    LT_EINVAL = -1,     /* bad argument or malformed input */
    LT_ENOMEM = -2,     /* allocation failed */
    LT_EIO = -3,        /* file or socket I/O failed */
    LT_ECONFIG = -4,    /* configuration is invalid */
    LT_EPARSE = -5,     /* bytes from outside could not be parsed */
    LT_EEXCHANGE = -6,  /* the exchange answered with an error */
    LT_EUNKNOWN = -7,   /* outcome unknown: timeout, 5xx, dropped connection */
    LT_ETIMEDOUT = -8,  /* a wait reached its deadline */
    LT_ESTOPPED = -9,   /* a stop flag interrupted the operation */
    LT_ERANGE = -10,    /* value out of representable range */
    LT_ENOTFOUND = -11, /* no such order / user / symbol */
    LT_ERATELIMIT = -12, /* the exchange asked us to slow down */
    LT_EFENCED = -13    /* another process owns the account now (coord.h) */
};

struct lt_err {
    int code;          /* the LT_E* code, 0 when clear */
    int venue_code;    /* the exchange's own code (e.g. -2010), 0 if none */
    int http_status;   /* HTTP status when the error came from HTTP, else 0 */
    char msg[256];
};

/* Fills err (if non-NULL; msg redacted, see above) and returns code, so callers can write
 * `return lt_err_set(err, LT_EINVAL, "bad %s", what);`. */
int lt_err_set(struct lt_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resets err to "no error": codes 0, msg "" (what follows its NUL is left). */
void lt_err_clear(struct lt_err *err);

/* Short constant name of an LT_E* code ("EINVAL"). */
const char *lt_err_name(int code);

#endif
