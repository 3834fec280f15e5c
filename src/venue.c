/*
 * venue.c - the dialect-independent half of the exchange layer: picking a
 * dialect by name, owning the base URLs and the server clock offset, and
 * the order-status vocabulary every dialect maps onto.
 */
#include "looptrader/venue.h"
#include "looptrader/venue_binance.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct venue {
    const struct venue_ops *ops;  /* static table; immutable */
    char *rest_url;               /* owned; immutable, no trailing '/' */
    char *ws_url;                 /* owned; immutable, no trailing '/' */
    long recv_window_ms;          /* immutable */
    long timeout_ms;              /* immutable */
    _Atomic int64_t clock_offset_ms; /* venue - local; any thread, atomic */
};

int order_status_is_final(enum order_status s)
{
    return s == ORDER_FILLED || s == ORDER_CANCELED || s == ORDER_EXPIRED ||
           s == ORDER_REJECTED;
}

const char *order_status_name(enum order_status s)
{
    switch (s) {
    case ORDER_NEW: return "NEW";
    case ORDER_PARTIALLY_FILLED: return "PARTIALLY_FILLED";
    case ORDER_FILLED: return "FILLED";
    case ORDER_CANCELED: return "CANCELED";
    case ORDER_EXPIRED: return "EXPIRED";
    case ORDER_REJECTED: return "REJECTED";
    case ORDER_PENDING_CANCEL: return "PENDING_CANCEL";
    case ORDER_STATUS_UNKNOWN: break;
    }
    return "UNKNOWN";
}

static char *dup_url(const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

int venue_new(const struct venue_config *cfg, struct venue **out, struct lt_err *err)
{
    *out = NULL;
    const char *dialect = cfg->dialect ? cfg->dialect : "binance";
    if (strcmp(dialect, "binance") != 0)
        return lt_err_set(err, LT_ECONFIG, "unknown exchange dialect '%.64s' (known: binance)",
                          dialect);
    if (!cfg->rest_url || !cfg->rest_url[0] || !cfg->ws_url || !cfg->ws_url[0])
        return lt_err_set(err, LT_ECONFIG, "exchange rest_url and ws_url are required");
    struct venue *v = calloc(1, sizeof *v);
    if (!v)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    v->ops = &venue_binance_ops;
    v->rest_url = dup_url(cfg->rest_url);
    v->ws_url = dup_url(cfg->ws_url);
    if (!v->rest_url || !v->ws_url) {
        venue_free(v);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    v->recv_window_ms = cfg->recv_window_ms > 0 ? cfg->recv_window_ms : 5000;
    v->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
    atomic_init(&v->clock_offset_ms, 0);
    *out = v;
    return 0;
}

void venue_free(struct venue *v)
{
    if (!v)
        return;
    free(v->rest_url);
    free(v->ws_url);
    free(v);
}

const struct venue_ops *venue_ops(const struct venue *v) { return v->ops; }
const char *venue_rest_url(const struct venue *v) { return v->rest_url; }
const char *venue_ws_url(const struct venue *v) { return v->ws_url; }
long venue_recv_window_ms(const struct venue *v) { return v->recv_window_ms; }
long venue_timeout_ms(const struct venue *v) { return v->timeout_ms; }

void venue_set_clock_offset(struct venue *v, int64_t offset_ms)
{
    atomic_store(&v->clock_offset_ms, offset_ms);
}

int64_t venue_now_ms(const struct venue *v)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    /* atomic_load wants a non-const object; the offset is only read here. */
    return now + atomic_load(&((struct venue *)v)->clock_offset_ms);
}
