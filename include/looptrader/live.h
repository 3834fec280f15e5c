/*
 * live.h - what the run is doing right now, for the operator: each
 * account's step (starting, filtering, recovering, buying or selling at
 * rung k, waiting for the rate limits), its last fill price, and run-wide
 * counters (orders by side and result, WebSocket reconnects, HTTP request
 * latency) for the live table, `ctl status` and /metrics.
 *
 * Why a module of its own: the report rows (report.h) are the strategy's
 * figures as of an account's last round, copied under the executor's lock;
 * a step changes many times within a round and is read by other threads
 * (the table, the control socket, a scrape) at any time.  So the state
 * here is C11 atomics only: the hooks (one line each in the strategy, the
 * venue's limiter, the HTTP transport and the WebSocket client) never take
 * a lock, never block and never allocate; readers take a snapshot that is
 * consistent per field, not across fields (fine for a display).
 *
 * The one exception is the third fee asset (BNB): its name is set on first
 * sight under a mutex held only to copy it, and its quote price is written
 * by the main thread (live_fee_price_refresh) and read by anyone.
 *
 * Accounts are named by their index in the configuration (strategy_user
 * index).  Before live_init (and for an index past it) every hook is a
 * no-op, so tests and tools that never call it are unaffected.
 */
#ifndef LOOPTRADER_LIVE_H
#define LOOPTRADER_LIVE_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "looptrader/http.h"
#include "looptrader/money.h"
#include "looptrader/report.h"
#include "looptrader/venue.h"

/* An account's step while its status is pending (report.h). */
enum live_step {
    LIVE_STARTING = 0,  /* configured, not yet looked at */
    LIVE_FILTERING,     /* its window total being read from order history */
    LIVE_QUEUED,        /* ready, waiting for a worker */
    LIVE_RECOVERING,    /* settling what an earlier run left behind */
    LIVE_BUYING,        /* a buy at rung k */
    LIVE_SELLING,       /* a sell at rung k */
    LIVE_STEPS
};

/* How a sent order ended. */
enum live_result {
    LIVE_FILLED = 0,    /* filled in full */
    LIVE_PARTIAL,       /* partly filled, the rest cancelled or expired */
    LIVE_CANCELLED,     /* nothing filled: cancelled or expired */
    LIVE_REJECTED,      /* refused by the venue: nothing placed */
    LIVE_UNKNOWN,       /* sent, and its outcome never established (lost on the
                         * way and found never placed, or the account halted) */
    LIVE_RESULTS
};

/* Upper bounds (seconds) of the HTTP latency histogram's buckets. */
#define LIVE_HTTP_BUCKETS 12
extern const double live_http_le[LIVE_HTTP_BUCKETS];

/* Endpoint classes of the histogram. */
enum live_http_class {
    LIVE_HTTP_ORDER = 0, /* POST/DELETE .../order (place, cancel) */
    LIVE_HTTP_QUERY,     /* GET .../order, openOrders, allOrders, myTrades */
    LIVE_HTTP_ACCOUNT,   /* GET .../account (balances) */
    LIVE_HTTP_OTHER,     /* public data, time, listen keys, anything else */
    LIVE_HTTP_CLASSES
};
extern const char *const live_http_class_names[LIVE_HTTP_CLASSES];

/* Sized for n accounts, every one LIVE_STARTING.  Main, before any other
 * thread uses the module; again (the same n) is a reset for a new day.
 * LT_ENOMEM. */
int live_init(size_t n);
void live_free(void);

/* --- hooks (any thread; lock-free) --- */

/* The calling thread works for account idx from now on (its rate-limit
 * waits are idx's), at step s; rung is the ladder rung (0 = at the touch)
 * for buying/selling, else -1. */
void live_step(unsigned idx, enum live_step s, int rung);
/* The calling thread works for no account any more. */
void live_unbind(void);
/* The venue's limiter sleeps (on) or is done sleeping (off) for the
 * calling thread's account. */
void live_rate_wait(int on);
/* Account idx's order of side ended: res, with qty base filled for quote
 * (qty > 0 makes quote/qty, rounded to the nearest tick set by live_tick,
 * its last fill price). */
void live_order(unsigned idx, enum order_side side, enum live_result res, money_t qty,
                money_t quote);
/* Account idx trades a symbol whose price tick is tick (the precision its
 * last fill price is shown at); 0 = unknown, shown exact.  Before its
 * first order. */
void live_tick(unsigned idx, money_t tick);
/* A commission was charged in asset for an account's fill. */
void live_fee_asset(const char *asset, const char *base, const char *quote);
/* A WebSocket connection ended: counted as a reconnect when it was up
 * (a failed attempt to connect is not another reconnect). */
void live_ws_lost(int was_up);
/* An HTTP request took us microseconds. */
void live_http(const char *method, const char *url, int64_t us);
/* The same for the transfer curl just performed (its total time). */
void live_http_done(const char *method, const char *url, CURL *curl);

/* --- readers --- */

struct live_account {
    enum live_step step;
    int rung;                   /* -1: none */
    int rate_wait;              /* sleeping for the limits now */
    int stop_asked;             /* live_set_stop: a ctl stop not yet resumed */
    money_t last_fill_price;    /* 0: no fill yet */
};
/* Account idx's rung as its last live_step set it (-1 none). */
int live_rung(unsigned idx);
/* Zero-filled (step LIVE_STARTING, rung -1) for an unknown index. */
void live_account(unsigned idx, struct live_account *out);

/* "buying", "rate-limit wait", ... for a pending row; the status's own
 * name otherwise. */
const char *live_step_name(enum user_status status, const struct live_account *a);

/* Fills row->step, ->rung and ->last_fill_price from account idx's state
 * and values the row's third-asset fees in the quote (live_value_fees). */
void live_fill_row(struct report_user *row, unsigned idx);

struct live_totals {
    uint64_t orders[2][LIVE_RESULTS]; /* [SIDE_BUY/SIDE_SELL][result] */
    uint64_t fills[2];                /* orders that filled at least in part */
    uint64_t ws_reconnects;
    uint64_t http_count[LIVE_HTTP_CLASSES];
    uint64_t http_sum_us[LIVE_HTTP_CLASSES];
    uint64_t http_bucket[LIVE_HTTP_CLASSES][LIVE_HTTP_BUCKETS]; /* cumulative, as
                                                                 * Prometheus wants */
};
void live_totals(struct live_totals *out);
/* Orders ended so far (every side and result): the table's orders/s. */
uint64_t live_orders_ended(void);

/* --- per-account stops --- */

/* A `ctl stop USER` (on) or its resume (off): the account shows
 * "stopping" until it has ended; during start-up, before the executor has
 * the account, the caller applies it once it has (stop_asked). */
void live_set_stop(unsigned idx, int on);

/* --- the third fee asset (BNB) --- */

/* Values s->fees_other in the quote at the newest known price of the third
 * asset: s->fees_other_quote, and s->fees_unpriced = 1 when there is a fee
 * but no price (or more than one third asset), in which case the cost
 * figures leave those fees out and say so. */
void live_value_fees(struct user_stats *s);
/* The third asset's name: "" none seen, "*" more than one (a stable
 * string: set once, then never changed). */
const char *live_fee_asset_name(void);
/* Main thread: once a third-asset fee was seen, asks the venue for the
 * ASSET+QUOTE book (the mid) at most every 30 s; a failure keeps the last
 * price and is logged once. */
void live_fee_price_refresh(struct venue *v, struct http *h, const char *quote);

#endif
