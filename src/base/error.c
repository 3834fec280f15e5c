/* error.c - the error struct shared by every module (see error.h). */
#include "looptrader/error.h"

#include <stdarg.h>

#include "looptrader/log.h"

/* Formatted whole first, then redacted, then cut to msg: a secret that
 * reached a message by mistake is caught even where the cut would split it. */
int lt_err_set(struct lt_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        log_redact_vformat(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

/* The fields and an empty message, not the whole message buffer: a clear
 * comes before most calls of an order's path, and zeroing 256 bytes each
 * time was cache lines of stores for nothing. */
void lt_err_clear(struct lt_err *err)
{
    if (!err)
        return;
    err->code = 0;
    err->venue_code = 0;
    err->http_status = 0;
    err->msg[0] = '\0';
}

const char *lt_err_name(int code)
{
    switch (code) {
    case LT_OK: return "OK";
    case LT_EINVAL: return "EINVAL";
    case LT_ENOMEM: return "ENOMEM";
    case LT_EIO: return "EIO";
    case LT_ECONFIG: return "ECONFIG";
    case LT_EPARSE: return "EPARSE";
    case LT_EEXCHANGE: return "EEXCHANGE";
    case LT_EUNKNOWN: return "EUNKNOWN";
    case LT_ETIMEDOUT: return "ETIMEDOUT";
    case LT_ESTOPPED: return "ESTOPPED";
    case LT_ERANGE: return "ERANGE";
    case LT_ENOTFOUND: return "ENOTFOUND";
    case LT_ERATELIMIT: return "ERATELIMIT";
    case LT_EFENCED: return "EFENCED";
    }
    return "E?";
}
