/*
 * strategy.c - LoopLimitStrategy: one user's rounds of buy-then-sell
 * (see strategy.h for the contract).
 *
 * Every order goes through order_run(): journal the intent (durable; or,
 * pre-armed before the price was taken, its bounds durable already and
 * its exact line written after the send, see arm.h), send,
 * settle an unknown outcome by query (never by re-sending), follow pushes
 * on the mailbox until the fill timeout, query, cancel, and return only
 * once the order is known final (a query agreed, or its trades add up to a
 * FILLED).  That is what keeps one live order per user and makes the
 * ledger's figures final before the next rung is priced; an order that
 * cannot be confirmed final ends the user's run with nothing more sent.
 * Whatever the venue says reaches the ledger through believe() and
 * believe_trade(), i.e. through the guard.
 */
#include "looptrader/strategy.h"
#include "strategy_internal.h"
#include "looptrader/clock.h"
#include "looptrader/coord.h"
#include "looptrader/ladder.h"
#include "looptrader/latency.h"
#include "looptrader/live.h"
#include "looptrader/log.h"
#include "looptrader/plan.h"
#include "looptrader/target.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAILBOX_RING 256
#define ROUND_PRICE_WAIT_MS 3000   /* wait this long for a pushed price, then REST */
#define PRICE_STALE_MS 5000        /* a pushed price older than this is not used */
#define POLL_MS 250                /* query period while pushes cannot be trusted */
#define PUSH_GRACE_MS 500          /* time given to late trade pushes before fetching trades */
#define UNKNOWN_QUERIES 8          /* queries (POLL_MS..2 s apart) to settle an unknown place */
#define FINAL_BOUND_MS 30000       /* give up (fail the user) if an order stays unconfirmed */
#define TRANSIENT_TRIES 5          /* retries of idempotent calls after 5xx / 429 */
#define LOST_ORDERS_MAX 5          /* unknown outcomes that were never placed, per step */
#define DEFAULT_FLATTEN_MS 10000
#define FEE_PRICE_WAIT_MS 5000     /* max_cost: wait this long for a third-asset fee's price */
#define STOP_RUNG_MIN_MS 300       /* least wait of a rung once stopping */
#define DUST_RESTS 3               /* extra fill timeouts a sell with a dust rest keeps resting */
#define CLEANUP_ROUNDS 3           /* extra rounds to sell dust once the target is reached */
#define NO_FILL_ROUNDS 5           /* rounds in a row that buy nothing before halting */
#define CANCEL_TRIES 8             /* cancels an order may survive before halting */
#define REFUSED_ROW_MAX 6          /* answers in a row refused while settling an order */
#define RECONCILE_ROUNDS 16        /* base balance queried every this many rounds w/o pushes */
#define NO_PRICE_LOG_MS 5000       /* "no price" is logged this often while it lasts */

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static int64_t flatten_ms(const struct rctx *c)
{
    return c->env->stop_flatten_ms > 0 ? c->env->stop_flatten_ms : DEFAULT_FLATTEN_MS;
}

static int stopping(struct rctx *c)
{
    int global = atomic_load(c->env->global_stop);
    int s = global || mailbox_stopped(c->u->mb);
    if (s && !c->flatten_deadline) {
        int64_t since = global && c->env->stop_since_ms ? atomic_load(c->env->stop_since_ms) : 0;
        int64_t now = clock_mono_ms();
        c->stop_ms = since > 0 && since <= now ? since : now;
        c->flatten_deadline = c->stop_ms + flatten_ms(c);
    }
    return s;
}

/* Once stopping, a rung waits at most its share of the stop's bound
 * (counted from the later of its start and the stop), so that a sell that
 * the market does not come to walks down the whole ladder within the
 * bound instead of waiting out a fill timeout on its first rung. */
static int64_t stop_rung_deadline(const struct rctx *c, int64_t started)
{
    int64_t share = flatten_ms(c) / c->u->cfg->strategy.max_tries;
    if (share < STOP_RUNG_MIN_MS)
        share = STOP_RUNG_MIN_MS;
    return (started > c->stop_ms ? started : c->stop_ms) + share;
}

/* A stop's time to flatten has run out. */
static int flatten_expired(struct rctx *c)
{
    return stopping(c) && clock_mono_ms() >= c->flatten_deadline;
}

/* Sleeps ms in POLL_MS slices, ending early at a stop (global or this
 * user's). */
static void nap_unless_stopped(struct rctx *c, int64_t ms)
{
    int64_t until = clock_mono_ms() + ms;
    for (int64_t now = clock_mono_ms(); now < until && !stopping(c); now = clock_mono_ms())
        sleep_ms(until - now < POLL_MS ? until - now : POLL_MS);
}

static int auth_error(const struct lt_err *e)
{
    return e->venue_code == -2014 || e->venue_code == -2015 || e->venue_code == -1022 ||
           e->venue_code == -1002 || e->http_status == 401 || e->http_status == 403;
}

/* Worth another try of an idempotent call. */
static int transient(int rc) { return rc == LT_EUNKNOWN || rc == LT_ERATELIMIT; }

static int not_found(int rc, const struct lt_err *e)
{
    return rc == LT_ENOTFOUND || (rc == LT_EEXCHANGE && e->venue_code == -2013);
}

static const char *side_name(enum order_side s) { return s == SIDE_BUY ? "BUY" : "SELL"; }

/* --- prices ------------------------------------------------------------ */

/* board_wait's stop predicate: the run's stop or this user's. */
static int stop_asked(void *c) { return stopping(c); }

/* The board this user reads pushed prices from; NULL: REST only. */
static struct board *price_board(const struct rctx *c)
{
    return c->u->rest_prices ? NULL : c->env->board;
}

/* Newest book: the board's price if fresh enough, else the REST ticker.
 * wait_push waits a little for a first pushed price. */
static int current_book(struct rctx *c, int wait_push, money_t *bid, money_t *ask)
{
    struct board *b = price_board(c);
    struct board_price p;
    int rc;
    if (b) {
        rc = 0;
        if (wait_push && !stopping(c))
            rc = board_wait(b, 0, clock_mono_us() + ROUND_PRICE_WAIT_MS * 1000LL, stop_asked,
                            c, &p);
        if (rc == 0)
            rc = board_read(b, PRICE_STALE_MS * 1000LL, &p);
        if (rc == 0) {
            latency_price_taken();
            *bid = c->ref_bid = p.bid;
            *ask = c->ref_ask = p.ask;
            return 0;
        }
        if (rc != LT_ESTOPPED)
            board_note_missing(b);
    }
    struct lt_err e = { 0 };
    rc = c->ops->book_ticker(c->env->venue, c->h, c->r->symbol, bid, ask, &e);
    if (rc != 0) {
        log_warn("%s: no price (%s)", c->u->cfg->name, e.msg);
        return rc;
    }
    if (*bid <= 0 || *ask <= 0)
        return LT_ENOTFOUND;
    c->ref_bid = *bid;
    c->ref_ask = *ask;
    return 0;
}

/* current_book through the guard: a bid or ask of 0 (what Binance sends
 * for an empty side), negative or crossed is no price; "no price" lasting
 * is logged every NO_PRICE_LOG_MS instead of retried in silence. */
static int book(struct rctx *c, int wait_push, money_t *bid, money_t *ask)
{
    enum guard_kind why = GUARD_BAD_BOOK;
    int rc = current_book(c, wait_push, bid, ask);
    if (rc == 0 && guard_check_book(*bid, *ask, &why) == 0) {
        c->no_price_since = 0;
        return 0;
    }
    if (rc == 0)
        guard_count(&c->u->refused, why);
    int64_t now = clock_mono_ms();
    if (!c->no_price_since)
        c->no_price_since = c->no_price_logged = now;
    else if (now - c->no_price_logged >= NO_PRICE_LOG_MS) {
        c->no_price_logged = now;
        log_warn("%s: no price for %s for %lld s (no bid or ask above 0)", c->u->cfg->name,
                 c->r->symbol, (long long)((now - c->no_price_since) / 1000));
    }
    return rc ? rc : LT_ENOTFOUND;
}

/* --- following one order ------------------------------------------------ */

static const char *source_name(enum ledger_source src)
{
    return src == LEDGER_PUSH ? "a push" : src == LEDGER_QUERY ? "a query" : "an answer";
}

/* Counts a refusal; the first of each kind is logged, the rest are summed
 * up when the user ends (see summarize_refusals). */
static void refused(struct rctx *c, enum guard_kind why, const char *what, const char *cid)
{
    if (guard_count(&c->u->refused, why))
        log_warn("%s: refused %s from the venue for %s (%s); further ones are counted",
                 c->u->cfg->name, what, cid, guard_kind_name(why));
}

static void summarize_refusals(const struct strategy_user *u)
{
    char b[256];
    uint64_t n = guard_counts_format(&u->refused, b, sizeof b);
    if (n)
        log_warn("%s: %llu venue answers refused: %s", u->cfg->name, (unsigned long long)n, b);
}

static const struct ledger_order *lorder(struct rctx *c, const char *cid)
{
    int i = ledger_find(&c->u->ledger, cid);
    return i >= 0 ? &c->u->ledger.orders[i] : NULL;
}

/* Records st (about our order cid, from src) if the guard believes it:
 * 0, or LT_EINVAL when refused (the order stays what it was).  cid names
 * the order we asked about (the answer's own id may be empty in a terse
 * dialect). */
static int believe(struct rctx *c, const char *cid, const struct order_state *st,
                   enum ledger_source src)
{
    const struct ledger_order *o = lorder(c, cid);
    if (!o)
        return LT_ENOTFOUND;
    struct guard_order g;
    enum guard_kind why;
    ledger_guard_order(o, src, &g);
    if (guard_check_order(c->r, &g, st, &why) != 0) {
        refused(c, why, source_name(src), cid);
        c->refused_row++;
        c->last_refused = why;
        return LT_EINVAL;
    }
    c->refused_row = 0;
    ledger_set_cum(&c->u->ledger, cid, st->order_id, st->executed_qty, st->cum_quote,
                   st->status, src);
    return 0;
}

/* A trade of our order cid (pushed or fetched), counted once if believed. */
static void believe_trade(struct rctx *c, const char *cid, int64_t order_id, int64_t trade_id,
                          money_t qty, money_t price, money_t quote, money_t commission,
                          const char *commission_asset)
{
    const struct ledger_order *o = lorder(c, cid);
    if (!o || ledger_trade_seen(&c->u->ledger, trade_id))
        return;
    struct guard_order g;
    enum guard_kind why;
    ledger_guard_order(o, LEDGER_PUSH, &g);
    if (guard_check_trade(c->r, &g, qty, price, quote, commission, &why) != 0) {
        refused(c, why, "a trade", cid);
        return;
    }
    ledger_add_trade(&c->u->ledger, cid, order_id, trade_id, qty, quote, commission,
                     commission_asset);
    live_fee_asset(commission_asset, c->r->base, c->r->quote);
}

/* outboundAccountPosition: the newest base balance, checked at the next
 * reconcile (see check_base). */
static void note_balance(struct rctx *c, const struct venue_push *ev)
{
    for (size_t i = 0; i < ev->u.account.n; i++) {
        if (strcmp(ev->u.account.asset[i], c->r->base) != 0)
            continue;
        enum guard_kind why;
        if (guard_check_balance(ev->u.account.free_amt[i], ev->u.account.locked[i], &why)) {
            refused(c, why, "a balance push", c->r->base);
            return;
        }
        c->u->base_push = ev->u.account.free_amt[i] + ev->u.account.locked[i];
        c->u->base_pushed = 1;
        c->u->base_push_stale = 0;
    }
}

static void apply_push(struct rctx *c, const struct venue_push *ev)
{
    if (ev->kind == PUSH_ACCOUNT) {
        note_balance(c, ev);
        return;
    }
    if (ev->kind != PUSH_EXECUTION)
        return;
    const struct order_state *o = &ev->u.exec.order;
    if (ev->u.exec.trade_id >= 0 && ev->u.exec.last_qty != 0)
        c->u->base_push_stale = 1;
    if (ledger_find(&c->u->ledger, o->client_id) < 0)
        return; /* another round's order: its figures were final when it ended */
    if (ev->u.exec.trade_id >= 0 && ev->u.exec.last_qty != 0)
        believe_trade(c, o->client_id, o->order_id, ev->u.exec.trade_id, ev->u.exec.last_qty,
                      ev->u.exec.last_price, ev->u.exec.last_quote, ev->u.exec.commission,
                      ev->u.exec.commission_asset);
    believe(c, o->client_id, o, LEDGER_PUSH);
}

/* Pops every queued push without waiting. */
static void drain(struct rctx *c)
{
    struct venue_push ev;
    while (mailbox_wait_exec(c->u->mb, 0, c->env->global_stop, &ev) == 0)
        apply_push(c, &ev);
}

/* Queries cid.  When the answer contradicts a final status claimed by an
 * answer or a push (the query shows the order still open), the order is
 * read once more and that second read is what counts.  0 when the venue
 * answered (believed or not: see lorder(c, cid)->final). */
static int query(struct rctx *c, const char *cid, struct order_state *st, struct lt_err *e)
{
    enum order_status claimed = lorder(c, cid)->claimed;
    int rc = c->ops->query_order(c->env->venue, c->h, c->auth, c->r->symbol, cid, st, e);
    if (rc != 0)
        return rc;
    if (claimed != ORDER_STATUS_UNKNOWN && !order_status_is_final(st->status)) {
        if (guard_count(&c->u->refused, GUARD_FINAL_REFUTED))
            log_warn("%s: %s: the venue said %s, a query says %s; reading it again (further "
                     "ones are counted)", c->u->cfg->name, cid, order_status_name(claimed),
                     order_status_name(st->status));
        lt_err_clear(e);
        if ((rc = c->ops->query_order(c->env->venue, c->h, c->auth, c->r->symbol, cid, st, e)))
            return rc;
    }
    believe(c, cid, st, LEDGER_QUERY);
    return 0;
}

/* Waits for pushes until the order (sent at started) is final or its fill
 * timeout ends, shortened to the rung's share of the bound once stopping;
 * polls by query while the push stream is down, overflowed, or the user
 * is stopping.  A final status that is only claimed is checked by query
 * at once (a FILLED first gets PUSH_GRACE_MS for its trade pushes, which
 * would confirm it without a query). */
static void follow(struct rctx *c, const char *cid, int64_t started, int stop_breaks)
{
    struct order_state st;
    struct lt_err e;
    int64_t deadline = started + c->u->cfg->strategy.fill_timeout_ms;
    int64_t claim_check = 0; /* when a claimed final status is queried */
    while (!lorder(c, cid)->final) {
        int64_t now = clock_mono_ms();
        int stop = stopping(c);
        if (stop && stop_rung_deadline(c, started) < deadline)
            deadline = stop_rung_deadline(c, started);
        if (now >= deadline)
            return;
        if (stop && (stop_breaks || now >= c->flatten_deadline))
            return;
        int down = !mailbox_stream_up(c->u->mb) || mailbox_take_overflow(c->u->mb);
        if (down)
            c->blind = 1;
        enum order_status claimed = lorder(c, cid)->claimed;
        if (claimed != ORDER_STATUS_UNKNOWN && !claim_check)
            claim_check = claimed == ORDER_FILLED && !down ? now + PUSH_GRACE_MS : now;
        if (claim_check && now >= claim_check) {
            lt_err_clear(&e);
            query(c, cid, &st, &e);
            claim_check = lorder(c, cid)->claimed != ORDER_STATUS_UNKNOWN ? now + POLL_MS : 0;
            continue;
        }
        int poll = stop || down;
        int64_t until = poll && now + POLL_MS < deadline ? now + POLL_MS : deadline;
        if (claim_check && claim_check < until)
            until = claim_check;
        struct venue_push ev;
        int rc = mailbox_wait_exec(c->u->mb, until, c->env->global_stop, &ev);
        if (rc == 0) {
            apply_push(c, &ev);
            continue;
        }
        if (rc == LT_ESTOPPED) {
            if (stop_breaks)
                return;
            /* A stop wakes every wait at once: from here on, poll. */
            int64_t nap = until - clock_mono_ms();
            sleep_ms(nap < POLL_MS ? nap : POLL_MS);
        }
        if (poll && clock_mono_ms() < deadline)
            query(c, cid, &st, &e);
    }
}

/* An order we could not confirm final may still be live: the round sends
 * no further order (one live order per account), and the user ends. */
#define unsettled(c, code, ...) ((c)->live_unknown = 1, lt_err_set(&(c)->err, (code), __VA_ARGS__))

/* A stop's bound ran out while an order's outcome was still open: the
 * order stays unknown in the journal for the next run to settle. */
static int left_to_next_run(struct rctx *c, const char *cid)
{
    c->live_unknown = 1;
    return lt_err_set(&c->err, LT_ESTOPPED,
                      "stopped with order %s not confirmed final; the next run settles it", cid);
}

/* With a coordinator: waits, signing nothing, while the lease is ours
 * but not trusted (the coordinator away past the renewal margin; it is
 * renewed when it returns); 0 once trusted, LT_EFENCED when lost,
 * LT_ESTOPPED at a stop.  Logged once when the wait is long. */
static int lease_wait(struct rctx *c)
{
    struct coord *co = c->env->coord;
    int64_t since = clock_mono_ms();
    int logged = 0;
    while (!coord_owns(co, c->u->index)) {
        if (coord_state(co, c->u->index) == COORD_LOST)
            return lt_err_set(&c->err, LT_EFENCED, "lease lost to another process: halted");
        if (stopping(c))
            return lt_err_set(&c->err, LT_ESTOPPED, "stopped while the lease was not renewed");
        if (!logged && clock_mono_ms() - since > 2000) {
            log_warn("%s: lease not renewed (coordinator away?): waiting, nothing is sent",
                     c->u->cfg->name);
            logged = 1;
        }
        sleep_ms(200);
    }
    if (logged)
        log_info("%s: lease renewed: going on", c->u->cfg->name);
    return 0;
}

/* The order gate (venue.h) with a coordinator: the lease is trusted now.
 * Asked after the venue's last wait, microseconds before the timestamp is
 * taken and signed.  Why what is left is bounded: a request signed at
 * time t (venue clock) is refused by the venue after t + recvWindow; t
 * is before the trust deadline, which is a margin before the lease's end
 * on the server (both measured as durations from a renewal's send time,
 * so the hosts' clocks never meet); the next owner signs nothing before
 * the lease's end + recvWindow + 1 s.  So however long this process
 * freezes between the gate and the send, or the request lingers in the
 * network, the venue can no longer accept it by the time the next owner
 * trades; the 1 s covers the venue's clock against our estimate of it. */
static int lease_trusted(void *ctx)
{
    struct rctx *c = ctx;
    return coord_owns(c->env->coord, c->u->index);
}

/* How long a fenced intent write that keeps failing while the lease is
 * still trusted is tried again before the account halts: the coordinator
 * going away mid-write fails it so until the lease's trust runs out
 * (then lease_wait waits for its return); a store that refuses writes
 * while it renews leases must not be retried for ever. */
#define FENCE_EIO_MS 15000

/* The order's intent in the coordinator's journal, fenced by epoch;
 * waits out a lease that lapsed while the coordinator was away, and a
 * write that failed (the coordinator going away in the middle of it) is
 * made again with the same client id (the journal takes it once: its
 * first write may have landed), nothing sent meanwhile. */
static int fence_intent(struct rctx *c, char code, const char *cid, money_t price, money_t qty)
{
    char pb[MONEY_STR_MAX], qb[MONEY_STR_MAX];
    if (!c->env->coord)
        return 0;
    money_format_min(price, pb);
    money_format_min(qty, qb);
    int64_t failing_since = 0;
    for (;;) {
        int rc = lease_wait(c);
        if (rc == 0)
            rc = coord_fence_intent(c->env->coord, c->u->index, c->env->run, c->u->round, cid,
                                    code, pb, qb, &c->err);
        if (rc == LT_EIO) {
            int64_t now = clock_mono_ms();
            if (!failing_since) {
                failing_since = now;
                log_warn("%s: %s (trying again, nothing is sent meanwhile)", c->u->cfg->name,
                         c->err.msg);
            }
            if (stopping(c))
                return lt_err_set(&c->err, LT_ESTOPPED,
                                  "stopped while the coordinator's journal could not be written");
            if (now - failing_since >= FENCE_EIO_MS)
                return rc;
            lt_err_clear(&c->err);
            sleep_ms(200);
            continue;
        }
        if (rc != LT_ETIMEDOUT)
            return rc;
        lt_err_clear(&c->err);
    }
}

/* A settled line in the file journal and, with a coordinator, the same
 * mark in PostgreSQL (fenced: a lost lease shows at the next order). */
static void settle(struct rctx *c, const char *run, unsigned round, money_t bought,
                   money_t sold, money_t residual)
{
    journal_settled(c->u->journal, run, round, bought, sold, residual, NULL);
    coord_fence_settled(c->env->coord, c->u->index, run, round, residual, NULL);
}

/* Cancels cid and returns 0 only once a query confirms a final state.  A
 * venue that answers cancels but keeps showing the order open halts the
 * account after CANCEL_TRIES cancels. */
static int cancel_until_final(struct rctx *c, const char *cid)
{
    int64_t bound = clock_mono_ms() + FINAL_BOUND_MS;
    struct order_state st;
    struct lt_err e;
    int answered = 0;
    while (!lorder(c, cid)->final) {
        int lrc = lease_wait(c);
        if (lrc != 0)
            return lrc;
        lt_err_clear(&e);
        int rc = c->ops->cancel_order(c->env->venue, c->h, c->auth, c->r->symbol, cid, &st, &e);
        if (rc == 0) {
            answered++;
            believe(c, cid, &st, LEDGER_ANSWER);
        }
        /* Whatever the cancel said (done, -2011 unknown or already final,
         * no answer), the query says what the order is now. */
        lt_err_clear(&e);
        int qrc = query(c, cid, &st, &e);
        if (lorder(c, cid)->final)
            break;
        /* LT_EUNKNOWN, not LT_EEXCHANGE (a rejected order: nothing live). */
        if (c->refused_row >= REFUSED_ROW_MAX)
            return unsettled(c, LT_EUNKNOWN,
                              "the venue's answers about order %s keep breaking the rules "
                              "(%s, %d in a row): halting this account",
                              cid, guard_kind_name(c->last_refused), c->refused_row);
        if (qrc == 0 && answered >= CANCEL_TRIES)
            return unsettled(c, LT_EUNKNOWN,
                              "order %s still open after %d cancels the venue answered: "
                              "the venue does not cancel; halting this account",
                              cid, answered);
        if (flatten_expired(c))
            return left_to_next_run(c, cid);
        if (rc == LT_ESTOPPED && qrc == LT_ESTOPPED)
            /* The stop cut the rate limiter's waits short and nothing was
             * sent: the order still has to be cancelled, so the time the
             * limiter asks for does not count against the bound. */
            bound += POLL_MS;
        else if (clock_mono_ms() >= bound)
            return unsettled(c, LT_EUNKNOWN,
                              "order %s could not be confirmed final (%s)", cid,
                              e.msg[0] ? e.msg : "the venue's answers were refused");
        sleep_ms(POLL_MS);
    }
    return 0;
}

/* The final figures are known; fetch the trades the pushes missed, so that
 * their commissions are counted.  When the venue's own trades add up to
 * less than the final figure it gave (a FILLED for an order that rests),
 * the order is in doubt: one cancel is sent, whatever it answers, and the
 * account halts with the order left unknown.  0 or that error. */
static int complete_trades(struct rctx *c, const char *cid)
{
    int64_t grace = clock_mono_ms() + PUSH_GRACE_MS;
    while (ledger_order_missing_trades(lorder(c, cid)) && mailbox_stream_up(c->u->mb) &&
           clock_mono_ms() < grace) {
        struct venue_push ev;
        if (mailbox_wait_exec(c->u->mb, grace, c->env->global_stop, &ev) == 0)
            apply_push(c, &ev);
        else if (stopping(c))
            break;
    }
    const struct ledger_order *o = lorder(c, cid);
    if (!ledger_order_missing_trades(o) || o->order_id <= 0)
        return 0;
    struct trade_fill *t = NULL;
    size_t n = 0;
    struct lt_err e = { 0 };
    int64_t oid = o->order_id;
    int rc;
    for (int k = 0;; k++) {
        lt_err_clear(&e);
        rc = c->ops->my_trades(c->env->venue, c->h, c->auth, c->r->symbol, oid, 0, &t, &n, &e);
        if (rc == 0 || !transient(rc) || k >= TRANSIENT_TRIES)
            break;
        nap_unless_stopped(c, POLL_MS << k);
    }
    if (rc != 0) {
        log_warn("%s: trades of %s unavailable (%s); fees may be undercounted",
                 c->u->cfg->name, cid, e.msg);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        if (t[i].order_id == oid)
            believe_trade(c, cid, oid, t[i].trade_id, t[i].qty, t[i].price, t[i].quote_qty,
                          t[i].commission, t[i].commission_asset);
    free(t);
    o = lorder(c, cid);
    if (!ledger_order_missing_trades(o))
        return 0;
    guard_count(&c->u->refused, GUARD_FINAL_DISAGREE);
    struct order_state st;
    lt_err_clear(&e);
    if (coord_owns(c->env->coord, c->u->index))
        c->ops->cancel_order(c->env->venue, c->h, c->auth, c->r->symbol, cid, &st, &e);
    char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
    return unsettled(c, LT_EUNKNOWN,
                     "order %s: the venue reported %s executed but its trades add up to %s: "
                     "its order states cannot be trusted; cancel sent, halting this account",
                     cid, money_format_min(o->cum_qty, b1), money_format_min(o->trades_qty, b2));
}

/* An unknown place outcome: the order may exist.  Query by client id until
 * it shows up or has clearly never arrived; a stop whose bound runs out
 * leaves it unknown for the next run. */
static int settle_unknown(struct rctx *c, const char *cid)
{
    struct order_state st;
    struct lt_err e;
    int misses = 0;
    int64_t bound = clock_mono_ms() + FINAL_BOUND_MS;
    for (int i = 0;; i++) {
        int64_t nap = clock_mono_ms() + (i == 0 ? POLL_MS : 2 * POLL_MS);
        while (clock_mono_ms() < nap && !flatten_expired(c))
            sleep_ms(POLL_MS / 5);
        if (flatten_expired(c))
            return left_to_next_run(c, cid);
        drain(c);
        lt_err_clear(&e);
        int rc = query(c, cid, &st, &e);
        if (rc == 0)
            return 0;
        if (not_found(rc, &e) && ++misses >= UNKNOWN_QUERIES)
            return ORDER_NOT_PLACED_RC;
        if (rc == LT_ESTOPPED)
            bound += 2 * POLL_MS; /* not sent: as in cancel_until_final */
        else if (clock_mono_ms() >= bound)
            return unsettled(c, LT_EUNKNOWN, "order %s: outcome unknown (%s)", cid,
                              e.msg);
    }
}

/* 1 when qty of base cannot make a valid sell order at price. */
static int is_dust(const struct symbol_rules *r, money_t qty, money_t price)
{
    money_t q = symbol_round_qty(r, qty);
    return q <= 0 || q < r->min_qty ||
           (r->min_notional > 0 && price > 0 && money_mul(q, price) < r->min_notional);
}


/* The venue's Retry-After (the dialect puts "retry after N s" in the
 * message), else an exponential backoff. */
static int64_t retry_after_ms(const struct lt_err *e, int tries)
{
    const char *p = strstr(e->msg, "retry after ");
    long s = p ? strtol(p + 12, NULL, 10) : 0;
    if (s > 0 && s <= 120)
        return s * 1000L;
    return 1000L << (tries < 3 ? tries : 3);
}

/* The venue received the order: it answered it, or refused it itself
 * (a 429/418 is an answer; our own limiter's refusal has no HTTP status).
 * An unknown outcome counts once a query finds the order. */
static int reached_venue(int rc, const struct lt_err *e)
{
    return rc == 0 || rc == LT_EEXCHANGE || (rc == LT_ERATELIMIT && e->http_status != 0);
}

static int order_finish(struct rctx *c, const char *cid, enum order_side side,
                        enum time_in_force tif, money_t price, money_t qty);

/* The part of the user's client ids that is the same for each order. */
static struct clientid cid_base(const struct rctx *c)
{
    struct clientid id = { .user = c->u->index,
                           .epoch = coord_epoch(c->env->coord, c->u->index) };
    snprintf(id.run, sizeof(id.run), "%s", c->env->run);
    return id;
}

/* The client id of order seq of round (side code code). */
static int make_cid(struct rctx *c, unsigned round, unsigned seq, char code,
                    char cid[CLIENTID_MAX])
{
    struct clientid id = cid_base(c);
    id.round = round;
    id.side = code;
    id.seq = seq;
    int rc = clientid_format(&id, cid);
    return rc ? lt_err_set(&c->err, rc, "cannot make an order id (%s)", lt_err_name(rc)) : 0;
}

static int next_cid(struct rctx *c, char code, char cid[CLIENTID_MAX])
{
    return make_cid(c, c->u->round, ++c->seq, code, cid);
}

/* --- pre-armed intents (arm.h) ------------------------------------------ */

/* A tests' hook from the environment, read once (not a getenv scan per
 * order on the workers' path; threads racing the first read store the
 * same value): 0 when unset, else 1 + its value as a count (0 when not
 * one). */
static int test_hook(atomic_int *cache, const char *name)
{
    int v = atomic_load_explicit(cache, memory_order_relaxed);
    if (v < 0) {
        const char *s = getenv(name);
        v = !s ? 0 : 1 + (atoi(s) > 0 ? atoi(s) : 0);
        atomic_store_explicit(cache, v, memory_order_relaxed);
    }
    return v;
}

/* LT_TEST_KILL_AFTER_ARMED_SEND: set or not. */
static int test_kill_after_armed_send(void)
{
    static atomic_int hook = -1;
    return test_hook(&hook, "LT_TEST_KILL_AFTER_ARMED_SEND") != 0;
}

/* LT_TEST_KILL_AT_ROUND=N: SIGKILL as round N starts (the round before it
 * ended, having armed this round's first buy and sell; nothing of this
 * round sent); 0 when unset. */
static unsigned test_kill_at_round(void)
{
    static atomic_int hook = -1;
    int v = test_hook(&hook, "LT_TEST_KILL_AT_ROUND");
    return v > 1 ? (unsigned)(v - 1) : 0;
}

/* Slot a takes an armed intent of side code code and bounds b: a client
 * id of its own (never reused, used or not), its line not written yet.
 * 0, or -1 when no id could be made. */
static int slot_fill(struct rctx *c, struct strategy_armed *a, unsigned round, unsigned seq,
                     char code, const struct arm_bounds *b)
{
    if (make_cid(c, round, seq, code, a->cid) != 0) {
        lt_err_clear(&c->err);
        return -1;
    }
    a->code = code;
    a->b = *b;
    a->ahead = 0;
    a->upto.pending = 0;
    return 0;
}

/* The outcome line of an order whose intent is durable but that was
 * never sent. */
static void never_sent(struct journal *j, const char *cid)
{
    journal_outcome(j, "never_placed", cid, ORDER_STATUS_UNKNOWN, 0, 0, NULL);
}

/* An armed intent that will not be used is closed (never sent). */
static void armed_close(struct journal *j, struct strategy_armed *a)
{
    if (!a->set)
        return;
    never_sent(j, a->cid);
    a->set = 0;
}

static void arm_close(struct rctx *c, struct strategy_armed *a)
{
    armed_close(c->u->journal, a);
}

/* The id of batch b's first buy (code 'b') or sell ('s') of round r: the
 * one its armed line was written with. */
static int carried_cid(const struct strategy_carried_batch *b, unsigned r, char code,
                       char cid[CLIENTID_MAX])
{
    struct clientid id = b->id;
    id.round = r;
    id.side = code;
    id.seq = b->base + (code == 'b' ? 1 : 2);
    return clientid_format(&id, cid);
}

static unsigned carried_n(const struct strategy_carried *n)
{
    return n->b[0].n + n->b[1].n;
}

/* The intents armed for the rounds ahead are closed, all of them, in
 * round order; the order numbers their ids took stay taken (seq_hi). */
static void carried_close(struct strategy_user *u)
{
    for (int k = 0; k < 2; k++) {
        struct strategy_carried_batch *b = &u->next.b[k];
        for (; b->n > 0; b->n--, b->first++) {
            char cid[CLIENTID_MAX];
            for (const char *code = "bs"; *code; code++)
                if (carried_cid(b, b->first, *code, cid) == 0)
                    never_sent(u->journal, cid);
        }
    }
}

/* Arms the next order (side code code, bounds b) before its price is
 * taken and, when sell is not NULL, the round's sell with it: one sync
 * for both, and none between the buy's fill (the tick the sell is priced
 * from) and the sell.  Not with a coordinator: the intent fenced in
 * PostgreSQL carries the exact price and quantity and stays before the
 * send (arming it too would need a bounded intent there as well).  A
 * failure only leaves the order unarmed: its own intent then decides
 * whether it may be sent. */
static void arm_next(struct rctx *c, char code, const struct arm_bounds *b,
                     const struct arm_bounds *sell)
{
    if (c->arm.set || c->env->coord)
        return;
    /* the order's line first (client ids in the order they are sent),
     * one write and one sync for the pair */
    int pair = sell && !c->arm_sell.set;
    struct lt_err e = { 0 };
    const char *name = c->u->cfg->name;
    if (slot_fill(c, &c->arm, c->u->round, ++c->seq, code, b) != 0)
        return;
    if (!pair) {
        if (journal_armed(c->u->journal, c->env->run, c->u->round, c->arm.cid, b, &e) != 0)
            log_warn("%s: %s (the next order is journaled on its own)", name, e.msg);
        else
            c->arm.set = 1;
        return;
    }
    if (slot_fill(c, &c->arm_sell, c->u->round, ++c->seq, 's', sell) != 0)
        return;
    struct journal_pair pr = { c->u->round, c->arm.cid, c->arm_sell.cid, *b, *sell };
    if (journal_armed_pairs(c->u->journal, c->env->run, &pr, 1, NULL, &e) != 0) {
        log_warn("%s: %s (the next orders are journaled on their own)", name, e.msg);
        return;
    }
    c->arm.set = c->arm_sell.set = 1;
}

static void set_buy_cap(struct rctx *c, const struct ladder *lad, money_t ask, money_t q_min);

/* Denied quote (strategy.h) beyond the cap's own size: the part that
 * counts against the cap. */
static money_t denied_excess(const struct strategy_user *u)
{
    return u->buy_cap > 0 && u->denied > u->buy_cap ? u->denied - u->buy_cap : 0;
}

/* What this run has committed against the buy cap: ended rounds, this
 * round's orders and the denied excess. */
static money_t cap_used(const struct strategy_user *u)
{
    return money_add_sat(money_add_sat(u->committed, ledger_committed_quote(&u->ledger)),
                         denied_excess(u));
}

/* The buy at rung k armed from the last book taken, before the next one
 * is: at most the quantity want buys at that book's price (plus the
 * slack), at most the notional the buy cap leaves. */
static void arm_buy(struct rctx *c, const struct ladder *lad, int k, money_t want,
                    money_t held, money_t q_min)
{
    struct arm_bounds b, sell;
    if (c->arm.set || c->env->coord || c->ref_ask <= 0 || (want <= 0 && held == 0))
        return;
    if (q_min < 0)
        q_min = plan_min_sellable_qty(c->r, lad, c->ref_bid);
    if (!c->u->buy_cap)
        set_buy_cap(c, lad, c->ref_ask, q_min);
    if (c->u->buy_cap <= 0)
        return;
    money_t used = cap_used(c->u);
    if (arm_buy_bounds(c->r, ladder_price(lad, c->r, SIDE_BUY, c->ref_ask, k), want, held,
                       q_min, c->u->buy_cap - used, &b) != 0)
        return;
    /* the round's first buy: its sell sells at most what the buy can buy
     * and what earlier rounds carried */
    int first = k == 0 && held == 0 && !c->topup &&
                arm_sell_bounds(money_add_sat(b.max_qty, c->u->carry_base), &sell) == 0;
    arm_next(c, 'b', &b, first ? &sell : NULL);
}

/* The first buy and the sell of the rounds ahead, armed during this
 * round: once the round's first buy is answered (while the worker waits
 * for its fill pushes), else before the round's sell is sent, when at
 * most one round is armed ahead (so a batch is durable a whole round
 * before it is needed, and ARM_AHEAD - 1 rounds share its write, record
 * and sync), up to round + ARM_AHEAD.  Their lines are written without a
 * wait and the intent log's syncer makes them durable while the orders
 * of this round are out, so that no sync lies between the tick a round's
 * first buy is priced from and its send.  Bounds as arm_buy's for a
 * round's first buy, at the last book taken, for the quote goal
 * round_run will give it: this round's buy quote is at most round_quote
 * (what its buys commit at our prices: fills are at our price or better),
 * and so the goal of the next rounds is known unless the target is near
 * (a round is armed only while the goals before it leave its own;
 * carried_take checks it); the notional bound is what the buy cap leaves
 * after all this round commits so far, an upper bound for later rounds
 * (what is committed only grows; check_buy_cap holds each order to the
 * cap at its send).  Its sell: at most what that buy can buy and the
 * dust a round can leave (less than a smallest sellable quantity).  Not
 * when no round of that goal can follow (the target reached: done or a
 * dust round), nor with a coordinator or OTO rounds (neither arms), nor
 * when stopping, topping up or with an order in doubt. */
static struct ladder user_ladder(const struct strategy_user *u);

static void arm_carry(struct rctx *c, const struct ladder *lad, money_t round_quote)
{
    struct strategy_user *u = c->u;
    const struct strategy_config *sc = &u->cfg->strategy;
    struct strategy_carried *n = &u->next;
    unsigned have = carried_n(n);
    if (have > 1 || n->failed == u->round || c->env->coord || sc->oto || c->topup ||
        c->live_unknown || c->ref_ask <= 0 || c->ref_bid <= 0 || u->buy_cap <= 0 || stopping(c))
        return;
    money_t remaining =
        target_remaining(u->report.target, money_add_sat(u->window_total, round_quote));
    money_t goal = sc->buy_amount < remaining ? sc->buy_amount : remaining;
    if (goal <= 0)
        return;
    money_t q_min = plan_min_sellable_qty(c->r, lad, c->ref_bid);
    struct strategy_carried_batch nb = { .id = cid_base(c), .first = u->round + 1 + have,
                                         .goal = goal, .cap = u->buy_cap };
    if (arm_buy_bounds(c->r, ladder_price(lad, c->r, SIDE_BUY, c->ref_ask, 0), goal, 0, q_min,
                       u->buy_cap - cap_used(u), &nb.buy) != 0 ||
        arm_sell_bounds(money_add_sat(nb.buy.max_qty, q_min), &nb.sell) != 0)
        return;
    nb.n = arm_ahead_rounds(goal, remaining, have);
    if (nb.n == 0)
        return;
    /* a round armed before (a closed ring's) takes fresh order numbers */
    nb.base = nb.first <= n->round_hi ? n->seq_hi : 0;
    char ids[ARM_AHEAD][2][CLIENTID_MAX];
    struct journal_pair v[ARM_AHEAD];
    for (unsigned i = 0; i < nb.n; i++) {
        if (carried_cid(&nb, nb.first + i, 'b', ids[i][0]) != 0 ||
            carried_cid(&nb, nb.first + i, 's', ids[i][1]) != 0)
            return;
        v[i] = (struct journal_pair){ nb.first + i, ids[i][0], ids[i][1], nb.buy, nb.sell };
    }
    /* their ids are taken from here on, whether the lines get written */
    n->seq_hi = nb.base + 2 > n->seq_hi ? nb.base + 2 : n->seq_hi;
    n->round_hi = nb.first + nb.n - 1 > n->round_hi ? nb.first + nb.n - 1 : n->round_hi;
    /* all of them or nothing, written without a wait: the syncer makes
     * them durable while this round's orders are out */
    struct lt_err e = { 0 };
    if (journal_armed_pairs(u->journal, c->env->run, v, nb.n, &nb.upto, &e) != 0) {
        log_warn("%s: %s (the rounds ahead arm their orders themselves)", u->cfg->name, e.msg);
        n->failed = u->round;
        return;
    }
    n->b[have ? 1 : 0] = nb;
    journal_sync_soon(&nb.upto);
}

/* Slot a (its cid made already) takes batch h's armed intent of side
 * code code: armed by an earlier round, durable with the batch's record. */
static void carried_arm(const struct strategy_carried_batch *h, char code,
                        struct strategy_armed *a)
{
    a->code = code;
    a->b = code == 'b' ? h->buy : h->sell;
    a->upto = h->upto;
    a->set = a->ahead = 1;
}

/* At a round's first buy: the intents armed ahead for it become the
 * round's armed buy and sell when they are the ring's head, for this
 * round, and the round's quote goal and the buy cap are those their
 * bounds were made for (the cap's headroom then bounds the notional: it
 * only falls); else the whole ring is closed (its later rounds were armed
 * on the same figures) and the round arms its own. */
static void carried_take(struct rctx *c, money_t quote_goal)
{
    struct strategy_user *u = c->u;
    struct strategy_carried_batch *h = &u->next.b[0];
    if (h->n > 0 && h->first == u->round && h->goal == quote_goal && h->cap == u->buy_cap &&
        !c->arm.set && !c->arm_sell.set && carried_cid(h, h->first, 'b', c->arm.cid) == 0 &&
        carried_cid(h, h->first, 's', c->arm_sell.cid) == 0) {
        carried_arm(h, 'b', &c->arm);
        carried_arm(h, 's', &c->arm_sell);
        h->first++;
        if (--h->n == 0) {
            *h = u->next.b[1];
            u->next.b[1].n = 0;
        }
        return;
    }
    carried_close(u);
}

/* The armed intent's client id into cid when the order (code, side,
 * price, qty) is within its bounds and its line is durable: 1; else the
 * armed intent is closed and 0 (the order goes the normal way). */
static int arm_take(struct rctx *c, char code, enum order_side side, money_t price,
                    money_t qty, char cid[CLIENTID_MAX])
{
    if (!c->arm.set)
        return 0;
    if (c->arm.code != code || arm_fits(&c->arm.b, side, price, qty) != 0) {
        /* armed ahead at a price that moved away: the rounds after it
         * were too, and are armed again at the price of now */
        if (c->arm.ahead && side == SIDE_BUY)
            carried_close(c->u);
        arm_close(c, &c->arm);
        return 0;
    }
    /* armed ahead: normally durable by now (the syncer's sync ran while
     * the previous order was out) */
    struct lt_err e = { 0 };
    if (journal_wait_durable(&c->arm.upto, &e) != 0) {
        log_warn("%s: %s (order %s is journaled on its own)", c->u->cfg->name, e.msg,
                 c->arm.cid);
        arm_close(c, &c->arm);
        return 0;
    }
    memcpy(cid, c->arm.cid, CLIENTID_MAX);
    c->arm.set = 0;
    return 1;
}

void strategy_not_placed(struct rctx *c, const char *cid, int sent)
{
    struct strategy_user *u = c->u;
    int i = ledger_find(&u->ledger, cid);
    if (i < 0)
        return;
    const struct ledger_order *o = &u->ledger.orders[i];
    money_t left = o->qty - ledger_order_qty(o);
    if (sent && o->side == SIDE_BUY && !o->not_placed && left > 0)
        u->denied = money_add_sat(u->denied, money_mul_up(o->price, left));
    ledger_set_not_placed(&u->ledger, cid);
}

/* An order of the ledger the venue does not hold (outcome ev: it refused
 * it or queries did not find it, sent; or it was never sent): journaled,
 * and out of the buy cap's commitment but for the fills known of it,
 * since the order sent in its place commits the same quote again; a sent
 * one's unfilled quote is denied quote (strategy.h). */
static void not_placed(struct rctx *c, const char *ev, const char *cid, enum order_status st,
                       int sent)
{
    journal_outcome(c->u->journal, ev, cid, st, 0, 0, NULL);
    strategy_not_placed(c, cid, sent);
}

/* An order on its way, for the work that follows its send. */
struct order_out {
    struct rctx *c;
    const char *cid;
    enum order_side side;
    money_t price, qty;
    char code;
    int armed;
    int done; /* order_out_work ran */
};

/* The order's log line and, armed, its exact line, off the path: a
 * restart that misses the exact line checks the venue's order against the
 * armed bounds instead. */
static void order_out_note(const struct order_out *o)
{
    struct strategy_user *u = o->c->u;
    char pb[MONEY_STR_MAX], qb[MONEY_STR_MAX];
    log_info("%s: round %u %s %s @ %s (%s)", u->cfg->name, u->round, side_name(o->side),
             money_format_min(o->qty, qb), money_format_min(o->price, pb), o->cid);
    struct lt_err je = { 0 };
    if (o->armed && journal_intent_exact(u->journal, o->c->env->run, u->round, o->cid, o->side,
                                         o->price, o->qty, &je))
        log_warn("%s: %s (order %s stays bounded by its armed line)", u->cfg->name, je.msg,
                 o->cid);
}

/* While the order is out (struct venue_in_flight): its notes and, for a
 * buy, the next round armed, none of it between the tick the next order
 * is priced from and that order.  Arming before the buy's answer is
 * known is as safe as after it: carried_take checks the pair against the
 * goal, the cap and what the round committed when the next round starts,
 * and closes a pair that no longer fits. */
static void order_out_work(void *arg)
{
    struct order_out *o = arg;
    o->done = 1;
    order_out_note(o);
    if (o->code == 'b') {
        struct ladder lad = user_ladder(o->c->u);
        arm_carry(o->c, &lad, ledger_committed_quote(&o->c->u->ledger));
    }
}

/* Sends one order and follows it until it is final.  Returns 0 (final,
 * ledger updated), ORDER_REJECTED_RC (c->err says why; nothing live),
 * ORDER_NOT_PLACED_RC (an unknown outcome that turned out never placed),
 * LT_ESTOPPED (a stop ended the venue's rate-limit wait; nothing sent), or
 * another negative code when the user cannot go on (c->err says why). */
static int order_run(struct rctx *c, enum order_side side, enum time_in_force tif, char code,
                     money_t price, money_t qty)
{
    struct strategy_user *u = c->u;
    char cid[CLIENTID_MAX];
    int rc;
    /* Armed (never with a coordinator): the durable armed line bounds the
     * order, no sync between the price and the send. */
    int armed = arm_take(c, code, side, price, qty, cid);
    if (!armed && (rc = next_cid(c, code, cid)) != 0)
        return rc;
    /* before the ledger counts it: an order the lease does not allow is
     * never a live order */
    if (!armed && (rc = fence_intent(c, code, cid, price, qty)) != 0)
        return rc;
    if ((rc = ledger_add_order(&u->ledger, cid, side, price, qty)) != 0) {
        if (armed)
            never_sent(u->journal, cid);
        return lt_err_set(&c->err, rc, "cannot make an order id (%s)", lt_err_name(rc));
    }
    u->ledger.orders[u->ledger.n_orders - 1].rung = live_rung(u->index);
    if (!armed &&
        (rc = journal_intent(u->journal, c->env->run, u->round, cid, side, price, qty, &c->err)))
        return rc; /* an order we could not journal is an order we must not send */

    struct order_out out = { c, cid, side, price, qty, code, armed, 0 };
    struct venue_in_flight in_flight = { order_out_work, &out };
    /* The fence proved the lease when the intent was written; the order
     * is signed later (after the rate limits' wait), so the venue asks
     * the gate again after its last wait, just before the timestamp:
     * a process frozen in between signs nothing on waking. */
    struct order_gate gate = strategy_gate(c);
    struct order_request req = { .symbol = c->r->symbol, .side = side,
                                 .tif = tif, .price = price, .qty = qty,
                                 .client_id = cid, .gate = c->env->coord ? &gate : NULL,
                                 /* the tests' crash between the send and the exact
                                  * line needs that line written after the call */
                                 .in_flight = test_kill_after_armed_send() ? NULL : &in_flight };
    struct order_state st;
    struct lt_err e;
    for (int tries = 0;; tries++) {
        lt_err_clear(&e);
        rc = c->ops->place_order(c->env->venue, c->h, c->auth, &req, &st, &e);
        if (rc == LT_EFENCED) {
            not_placed(c, "never_placed", cid, ORDER_STATUS_UNKNOWN, 0);
            return lt_err_set(&c->err, LT_EFENCED,
                              "lease not trusted when %s was to be signed: halted", cid);
        }
        if (reached_venue(rc, &e))
            u->report.s.orders++;
        if (rc != LT_ERATELIMIT || tries + 1 >= RATELIMIT_TRIES)
            break;
        /* 429/418: nothing was placed; wait what the venue asked, unless
         * a stop comes (then the venue's limiter decides at once). */
        log_warn("%s: rate limited (%s)", u->cfg->name, e.msg);
        nap_unless_stopped(c, retry_after_ms(&e, tries));
    }
    int early = out.done; /* the work went while the order was out */
    /* A stop that cut the rate-limit wait short sent nothing: no order
     * line for it (the never_placed outcome below says what it was). */
    if (!early && rc != LT_ESTOPPED) {
        if (armed && test_kill_after_armed_send())
            raise(SIGKILL); /* the tests' crash between the send and the exact line */
        order_out_note(&out);
    }
    if (rc == 0) {
        journal_outcome(u->journal, "ack", cid, st.status, st.executed_qty, st.cum_quote, NULL);
        believe(c, cid, &st, LEDGER_ANSWER);
        if (code == 'b' && !early) {
            /* the fill's pushes are on their way: arm the next round now */
            struct ladder lad = user_ladder(u);
            arm_carry(c, &lad, ledger_committed_quote(&u->ledger));
        }
    } else if (rc == LT_EEXCHANGE && e.venue_code == -2010 && strstr(e.msg, "Duplicate")) {
        /* The venue already holds an order with this client id: whatever
         * sent it, it exists, and only a query can say what it did. */
        journal_outcome(u->journal, "unknown", cid, ORDER_STATUS_UNKNOWN, 0, 0, NULL);
        log_warn("%s: %s reported as a duplicate; settling by query", u->cfg->name, cid);
        if ((rc = settle_unknown(c, cid)) != 0)
            return rc == ORDER_NOT_PLACED_RC ? lt_err_set(&c->err, LT_EEXCHANGE,
                                                          "%s: duplicate but not found", cid)
                                             : rc;
    } else if (rc == LT_ESTOPPED) {
        /* The stop cut the venue's rate-limit wait short: nothing sent. */
        not_placed(c, "never_placed", cid, ORDER_STATUS_UNKNOWN, 0);
        return rc;
    } else if (rc == LT_EEXCHANGE || rc == LT_ERATELIMIT) {
        not_placed(c, "rejected", cid, ORDER_REJECTED, 1);
        c->err = e;
        c->err.code = rc;
        return ORDER_REJECTED_RC;
    } else {
        journal_outcome(u->journal, "unknown", cid, ORDER_STATUS_UNKNOWN, 0, 0, NULL);
        log_warn("%s: %s outcome unknown (%s); settling by query", u->cfg->name, cid, e.msg);
        rc = settle_unknown(c, cid);
        if (rc == ORDER_NOT_PLACED_RC) {
            not_placed(c, "never_placed", cid, ORDER_STATUS_UNKNOWN, 1);
            return rc;
        }
        if (rc != 0)
            return rc;
        u->report.s.orders++; /* it reached the venue after all */
    }
    return order_finish(c, cid, side, tif, price, qty);
}

/* An IOC answer is already final; a resting order gets fill_timeout,
 * then the query, then the cancel.  A partly filled sell whose rest
 * could not be sold as an order of its own (below the minimums) keeps
 * resting instead: cancelling it would strand that rest as dust. */
static int order_finish(struct rctx *c, const char *cid, enum order_side side,
                        enum time_in_force tif, money_t price, money_t qty)
{
    struct order_state st;
    struct lt_err e;
    int rc;
    for (int rests = 0;; rests++) {
        follow(c, cid, clock_mono_ms(), side == SIDE_BUY && !c->topup);
        if (!lorder(c, cid)->final) {
            lt_err_clear(&e);
            query(c, cid, &st, &e);
        }
        if (lorder(c, cid)->final)
            break;
        money_t filled = ledger_order_qty(lorder(c, cid));
        if (side == SIDE_SELL && filled > 0 && is_dust(c->r, qty - filled, price) &&
            rests < DUST_RESTS && !flatten_expired(c))
            continue;
        if ((rc = cancel_until_final(c, cid)) != 0)
            return rc;
        break;
    }
    latency_fill_known();
    if ((rc = complete_trades(c, cid)) != 0)
        return rc;
    const struct ledger_order *o = lorder(c, cid);
    enum order_status fin = ledger_order_qty(o) >= qty ? ORDER_FILLED
                            : tif == TIF_GTC      ? ORDER_CANCELED
                                                  : ORDER_EXPIRED;
    journal_outcome(c->u->journal, "final", cid, fin, ledger_order_qty(o), ledger_order_quote(o),
                    NULL);
    return 0;
}

/* The operator's order counters (live.h) for what order_run returned:
 * nothing for an order never sent (a stop cut the limiter's wait). */
static void count_order(struct rctx *c, enum order_side side, int rc, size_t before)
{
    const struct ledger *l = &c->u->ledger;
    if (rc == LT_ESTOPPED || l->n_orders <= before)
        return; /* refused before the ledger had it: never sent */
    const struct ledger_order *o = &l->orders[l->n_orders - 1];
    money_t got = ledger_order_qty(o);
    enum live_result res = rc == ORDER_REJECTED_RC ? LIVE_REJECTED
                           : rc != 0               ? LIVE_UNKNOWN
                           : got >= o->qty         ? LIVE_FILLED
                           : got > 0               ? LIVE_PARTIAL
                                                   : LIVE_CANCELLED;
    live_order(c->u->index, side, res, rc == 0 ? got : 0, ledger_order_quote(o));
}

/* --- the two steps of a round ------------------------------------------ */

static struct ladder user_ladder(const struct strategy_user *u)
{
    struct ladder l = { u->cfg->strategy.slippage, u->cfg->strategy.slippage_step,
                        u->cfg->strategy.max_tries };
    return l;
}

/* The buy cap (strategy.h) from our own intents: what ended rounds
 * committed, what this round's orders commit, and this order at its
 * price.  LT_ERANGE (halting the account) when it would pass the cap. */
static int check_buy_cap(struct rctx *c, money_t price, money_t qty)
{
    struct strategy_user *u = c->u;
    if (u->buy_cap <= 0)
        return 0;
    money_t would = money_add_sat(cap_used(u), money_mul_up(price, qty));
    if (would > u->buy_cap) {
        char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX], b3[MONEY_STR_MAX];
        return lt_err_set(&c->err, LT_ERANGE,
                          "buy cap reached: this buy would commit %s %s this run, past the "
                          "cap of %s (the target's need plus one round); the venue denied "
                          "holding buys of %s this run; halting this account",
                          money_format_min(would, b1), c->r->quote,
                          money_format_min(u->buy_cap, b2), money_format_min(u->denied, b3));
    }
    return 0;
}

/* The run's buy cap, at the first buy: the target's remaining need and one
 * round priced at the top rung (orders are sized in quote at their own
 * price, and fills are counted at the price the venue gives, at most
 * ours), plus the dust margin: a stop's top-up and the cleanup rounds, a
 * smallest sellable quantity each. */
static void set_buy_cap(struct rctx *c, const struct ladder *lad, money_t ask, money_t q_min)
{
    struct strategy_user *u = c->u;
    money_t top = ladder_price(lad, c->r, SIDE_BUY, ask, lad->max_tries - 1);
    if (top <= 0)
        return;
    money_t need = target_remaining(u->report.target, u->window_total);
    need = money_add_sat(need, u->cfg->strategy.buy_amount);
    money_t cap = money_add_sat(money_div(money_mul_up(need, top), ask),
                          money_mul_up(money_mul_up(q_min, top), (CLEANUP_ROUNDS + 2) * MONEY_SCALE));
    /* Set again after a target change (executor.c): on top of what the
     * run has committed so far, or a raised target halted at once. */
    cap = money_add_sat(cap, money_add_sat(u->committed, ledger_committed_quote(&u->ledger)));
    u->buy_cap = cap > 0 ? cap : 1;
}

/* Buys quote_goal quote (at least a sellable quantity: when the goal is
 * below that, e.g. the last round's remainder, the round buys the smallest
 * sellable quantity and overshoots the target by less than one minimum
 * order).  0 or a fatal error (c->err). */
static int buy_ladder(struct rctx *c, money_t quote_goal)
{
    struct ladder lad = user_ladder(c->u);
    const struct symbol_rules *r = c->r;
    money_t q_min = -1;
    int k = 0, lost = 0;
    while (k >= 0 && (c->topup ? !flatten_expired(c) : !stopping(c))) {
        struct ledger_totals t;
        ledger_side_totals(&c->u->ledger, SIDE_BUY, &t);
        money_t want = quote_goal - t.quote;
        arm_buy(c, &lad, k, want, t.qty, q_min);
        money_t bid, ask;
        int rc = book(c, 0, &bid, &ask);
        if (rc != 0) {
            sleep_ms(POLL_MS);
            continue;
        }
        if (q_min < 0)
            q_min = plan_min_sellable_qty(c->r, &lad, bid);
        if (!c->u->buy_cap)
            set_buy_cap(c, &lad, ask, q_min);
        money_t short_qty = t.qty < q_min ? q_min - t.qty : 0;
        if (want <= 0 && (t.qty == 0 || short_qty == 0))
            break;
        money_t price = ladder_price(&lad, r, SIDE_BUY, ask, k);
        if (price <= 0)
            return lt_err_set(&c->err, LT_ERANGE, "no valid buy price at rung %d", k);
        money_t qty;
        struct lt_err fe = { 0 };
        if (plan_buy_qty(r, want, price, t.qty, q_min, &qty, &fe) != 0)
            return lt_err_set(&c->err, LT_EINVAL, "%s", fe.msg);
        if (qty == 0)
            break; /* the remainder is below the minimums: keep what we have */
        if ((rc = check_buy_cap(c, price, qty)) != 0)
            return rc;
        live_step(c->u->index, LIVE_BUYING, k);
        size_t before = c->u->ledger.n_orders;
        rc = order_run(c, SIDE_BUY, c->u->cfg->strategy.tif, 'b', price, qty);
        count_order(c, SIDE_BUY, rc, before);
        if (rc == LT_ESTOPPED) {
            /* Not sent; a top-up tries again while its bound lasts. */
            sleep_ms(POLL_MS);
            continue;
        }
        if (rc == ORDER_NOT_PLACED_RC && ++lost < LOST_ORDERS_MAX)
            continue; /* same rung again, with a new client id */
        if (rc == ORDER_NOT_PLACED_RC)
            return lt_err_set(&c->err, LT_EUNKNOWN, "orders keep getting lost on the way");
        if (rc == ORDER_REJECTED_RC) {
            if (auth_error(&c->err) || t.qty == 0)
                return c->err.code ? c->err.code : LT_EEXCHANGE;
            log_warn("%s: buy rejected (%s); round keeps what it bought", c->u->cfg->name,
                     c->err.msg);
            lt_err_clear(&c->err);
            break;
        }
        if (rc != 0)
            return rc;
        const struct ledger_order *o = &c->u->ledger.orders[c->u->ledger.n_orders - 1];
        if (ledger_order_qty(o) >= qty)
            break;
        k = ladder_next_rung(&lad, SIDE_BUY, k);
    }
    return 0;
}

/* The buy ladder; an armed intent it did not use is closed. */
static int buy_step(struct rctx *c, money_t quote_goal)
{
    int rc = buy_ladder(c, quote_goal);
    /* the round's buy armed ahead never went: the rounds after it are not
     * sent on the same batch (arm_unstarted relies on it) */
    if (c->arm.set && c->arm.ahead)
        carried_close(c->u);
    arm_close(c, &c->arm);
    return rc;
}

/* The base balance by query (GET /account: weight 20, so only when
 * needed), through the guard.  0 or the error, logged. */
static int base_balance(struct rctx *c, money_t *free_amt, money_t *locked)
{
    struct lt_err e = { 0 };
    enum guard_kind why;
    int rc;
    for (int t = 0;; t++) {
        lt_err_clear(&e);
        rc = c->ops->balance(c->env->venue, c->h, c->auth, c->r->base, free_amt, locked, &e);
        if (rc == 0 || !transient(rc) || t >= TRANSIENT_TRIES)
            break;
        nap_unless_stopped(c, POLL_MS << t);
    }
    if (rc == 0 && guard_check_balance(*free_amt, *locked, &why) != 0) {
        refused(c, why, "a balance", c->r->base);
        return LT_EINVAL;
    }
    if (rc != 0)
        log_warn("%s: balance unavailable (%s)", c->u->cfg->name, e.msg);
    return rc;
}

static money_t free_base(struct rctx *c, money_t fallback)
{
    money_t free_amt, locked;
    return base_balance(c, &free_amt, &locked) == 0 ? free_amt : fallback;
}

/* Sells goal base down the ladder, on the last rung until sold; *left
 * gets what could not be sold (dust below the minimums, or what a stop's
 * time bound left).  The goal comes from the ledger; the free balance is
 * asked first only for a recovery sell ('f'), whose goal comes from an
 * earlier run, and after a sell refused for balance (base fees the ledger
 * missed).  0 or a fatal error. */
static int sell_ladder(struct rctx *c, char code, money_t goal, money_t *left)
{
    struct ladder lad = user_ladder(c->u);
    const struct symbol_rules *r = c->r;
    struct ledger_totals t;
    *left = goal;
    if (goal <= 0 || is_dust(r, goal, 0))
        return 0;
    money_t target = goal;
    money_t avail = code == 'f' ? free_base(c, goal) : goal;
    if (target > avail) {
        log_warn("%s: free base below what is to be sold; selling what is free",
                 c->u->cfg->name);
        target = avail;
    }
    int k = 0, rejects = 0, lost = 0;
    for (;;) {
        ledger_side_totals(&c->u->ledger, SIDE_SELL, &t);
        money_t qty = symbol_round_qty(r, target - t.qty);
        if (qty <= 0 || qty < r->min_qty || flatten_expired(c))
            break;
        struct arm_bounds b;
        if (!c->arm.set && c->arm_sell.set && c->arm_sell.code == code) {
            c->arm = c->arm_sell; /* armed with the round's first buy */
            c->arm_sell.set = 0;
        } else if (arm_sell_bounds(qty, &b) == 0) {
            arm_next(c, code, &b, NULL);
        }
        if (code == 's') {
            struct ledger_totals bt;
            ledger_side_totals(&c->u->ledger, SIDE_BUY, &bt);
            arm_carry(c, &lad, bt.quote);
        }
        money_t bid, ask;
        if (book(c, 0, &bid, &ask) != 0) {
            sleep_ms(POLL_MS);
            continue;
        }
        money_t price = ladder_price(&lad, r, SIDE_SELL, bid, k);
        if (price <= 0)
            return lt_err_set(&c->err, LT_ERANGE, "no valid sell price at rung %d", k);
        if (symbol_check_order(r, price, qty, NULL) != 0)
            break; /* below the minimum notional at this price: dust */
        /* A small IOC sell that fills partly leaves an unsellable rest
         * behind; as GTC it may rest until the rest fills (see order_run). */
        enum time_in_force tif = c->u->cfg->strategy.tif;
        if (tif != TIF_GTC && qty < 2 * plan_min_sellable_qty(c->r, &lad, bid))
            tif = TIF_GTC;
        live_step(c->u->index, LIVE_SELLING, k);
        size_t before = c->u->ledger.n_orders;
        int rc = order_run(c, SIDE_SELL, tif, code, price, qty);
        count_order(c, SIDE_SELL, rc, before);
        if (rc == LT_ESTOPPED) {
            /* Not sent: the rate limit allows no order yet; try again
             * until the stop's bound runs out. */
            sleep_ms(POLL_MS);
            continue;
        }
        if (rc == ORDER_NOT_PLACED_RC && ++lost < LOST_ORDERS_MAX)
            continue;
        if (rc == ORDER_NOT_PLACED_RC)
            return lt_err_set(&c->err, LT_EUNKNOWN, "orders keep getting lost on the way");
        if (rc == ORDER_REJECTED_RC) {
            if (auth_error(&c->err))
                return c->err.code;
            log_warn("%s: sell rejected (%s)", c->u->cfg->name, c->err.msg);
            lt_err_clear(&c->err);
            if (++rejects >= 3)
                break;
            /* -2010 and the like: the free balance is the truth. */
            ledger_side_totals(&c->u->ledger, SIDE_SELL, &t);
            money_t now_free = free_base(c, target - t.qty);
            if (t.qty + now_free < target)
                target = t.qty + now_free;
            continue;
        }
        if (rc != 0)
            return rc;
        k = ladder_next_rung(&lad, SIDE_SELL, k);
    }
    ledger_side_totals(&c->u->ledger, SIDE_SELL, &t);
    *left = goal - t.qty;
    return 0;
}

/* The sell ladder; an armed intent it did not use is closed. */
static int sell_step(struct rctx *c, char code, money_t goal, money_t *left)
{
    int rc = sell_ladder(c, code, goal, left);
    arm_close(c, &c->arm);
    return rc;
}

/* --- start-up settlement of an earlier run ------------------------------ */

/* Re-reads the window buy total from the exchange's order history.  The
 * start-up figure was read before recovery cancelled an earlier run's open
 * orders, so it misses whatever they filled in between. */
static int reread_window_total(struct rctx *c)
{
    struct strategy_user *u = c->u;
    int64_t start = target_window_start(&u->cfg->strategy.window, venue_now_ms(c->env->venue));
    struct order_state *hist = NULL;
    size_t n = 0;
    struct lt_err e = { 0 };
    int rc;
    for (int t = 0;; t++) {
        lt_err_clear(&e);
        rc = c->ops->order_history(c->env->venue, c->h, c->auth, c->r->symbol, start, &hist,
                                   &n, &e);
        if (rc == 0 || !transient(rc) || t >= TRANSIENT_TRIES)
            break;
        nap_unless_stopped(c, POLL_MS << t);
    }
    if (rc != 0)
        return lt_err_set(&c->err, rc, "order history after settling an earlier run: %s",
                          e.msg);
    rc = ledger_window_buy(hist, n, start, c->r, &u->window_total, &c->err);
    u->report.window_after = u->window_total;
    free(hist);
    return rc;
}

/* The account's open orders on the symbol (*open malloc'd): 0 or the
 * error, in c->err. */
static int list_open(struct rctx *c, struct order_state **open, size_t *n_open)
{
    struct lt_err e = { 0 };
    int rc;
    for (int t = 0;; t++) {
        lt_err_clear(&e);
        rc = c->ops->open_orders(c->env->venue, c->h, c->auth, c->r->symbol, open, n_open, &e);
        if (rc == 0 || !transient(rc) || t >= TRANSIENT_TRIES)
            break;
        nap_unless_stopped(c, POLL_MS << t);
    }
    if (rc != 0)
        c->err = e;
    return rc;
}

/* The hooks (strategy.h): before a ledger reset and at a round's end. */
static void hook_ledger(const struct rctx *c)
{
    const struct strategy_hooks *hk = c->env->hooks;
    if (hk && hk->ledger_done)
        hk->ledger_done(hk->ctx, c->u);
}

/* Cancels every open order of ours (an earlier run's at start-up, or one a
 * venue reported final while it rested) until a query confirms it final.
 * 0 or the error; *found counts them. */
static int cancel_open(struct rctx *c, const char *why, int *found)
{
    struct strategy_user *u = c->u;
    struct order_state *open = NULL;
    size_t n_open = 0;
    *found = 0;
    hook_ledger(c);
    ledger_reset(&u->ledger);
    int rc = list_open(c, &open, &n_open);
    for (size_t i = 0; rc == 0 && i < n_open; i++) {
        if (!clientid_is_ours(open[i].client_id))
            continue;
        log_warn("%s: cancelling open order %s %s", u->cfg->name, open[i].client_id, why);
        ++*found;
        /* cancel_until_final reads the order's ledger entry: it must exist */
        if (ledger_find(&u->ledger, open[i].client_id) < 0 &&
            ledger_add_order(&u->ledger, open[i].client_id, open[i].side, 0, 0) != 0) {
            rc = lt_err_set(&c->err, LT_ENOMEM, "out of memory");
            break;
        }
        rc = cancel_until_final(c, open[i].client_id);
    }
    free(open);
    return rc;
}

/* Our open orders are cancelled; base bought by unsettled journal rounds
 * and not sold is sold (round 0 of this run, side code 'f'); when an
 * earlier run left anything, the window total is read again. */
static int recover(struct rctx *c)
{
    struct strategy_user *u = c->u;
    struct lt_err e = { 0 };
    int earlier = 0;
    int rc = cancel_open(c, "of an earlier run", &earlier);
    if (rc != 0)
        return rc;

    struct journal_pending *p = NULL;
    size_t n = 0;
    money_t residual = 0;
    /* with a coordinator the account's journal is the one every owner
     * wrote, in PostgreSQL */
    rc = c->env->coord
             ? coord_load_pending(c->env->coord, u->index, &p, &n, &residual, &c->err)
             : journal_load_pending(journal_path(u->journal), &p, &n, &residual, &c->err);
    if (rc != 0)
        return rc;
    if (n == 0) {
        /* Nothing of an earlier run is open: a fresh file keeps the
         * journal (read at every start) small.  Dust an earlier run
         * carried is ours: it goes with our first sell, as it would have
         * gone with that run's next one. */
        u->carry_base = residual;
        struct lt_err re = { 0 };
        if (journal_rotate(u->journal, c->env->run, residual, &re) != 0)
            log_warn("%s: %s", u->cfg->name, re.msg);
        return earlier ? reread_window_total(c) : 0;
    }
    money_t net = residual;
    int reopened = 0;
    /* rounds armed ahead that never started: known never placed, not asked */
    struct arm_pending *ap = calloc(n, sizeof *ap);
    unsigned char *skip = calloc(n, 1);
    if (!ap || !skip) {
        free(ap);
        free(skip);
        free(p);
        return lt_err_set(&c->err, LT_ENOMEM, "out of memory settling an earlier run");
    }
    for (size_t i = 0; i < n; i++)
        ap[i] = (struct arm_pending){ .run = p[i].run, .round = p[i].round, .side = p[i].side,
                                      .ahead = p[i].armed && p[i].ahead };
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) {
            log_info("%s: earlier order %s %s: never placed (armed ahead for round %u, "
                     "which never started)", u->cfg->name, side_name(p[i].side),
                     p[i].client_id, p[i].round);
            continue;
        }
        struct order_state st;
        /* the order as sent when its intent line says; an armed one
         * without its exact line, within its armed bounds */
        struct guard_order g = { .client_id = p[i].client_id, .side = p[i].side,
                                 .price = p[i].price, .qty = p[i].qty };
        struct arm_bounds ab = { .side = p[i].side, .max_qty = p[i].max_qty,
                                 .max_quote = p[i].max_quote };
        enum guard_kind why;
        int tries = 0;
        for (;;) {
            lt_err_clear(&e);
            rc = c->ops->query_order(c->env->venue, c->h, c->auth, c->r->symbol,
                                     p[i].client_id, &st, &e);
            if (rc == 0 && (p[i].armed ? guard_check_armed(c->r, &g, &ab, &st, &why)
                                       : guard_check_order(c->r, &g, &st, &why)) != 0) {
                refused(c, why, "a query", p[i].client_id);
                rc = lt_err_set(&e, LT_EEXCHANGE, "its state was refused (%s)",
                                guard_kind_name(why));
            }
            /* Open after the cancels above: an OTO's sell the venue placed
             * in between, once its buy filled.  Cancelled, then read again. */
            if (rc == 0 && !order_status_is_final(st.status) && reopened++ < CANCEL_TRIES) {
                int found = 0;
                if ((rc = cancel_open(c, "placed while the earlier run was settled", &found))) {
                    free(ap);
                    free(skip);
                    free(p);
                    return rc;
                }
                continue;
            }
            if (rc == 0 || not_found(rc, &e) || ++tries >= 5)
                break;
            nap_unless_stopped(c, 2 * POLL_MS);
        }
        if (rc == 0 && c->env->hooks && c->env->hooks->order_settled)
            c->env->hooks->order_settled(c->env->hooks->ctx, u, &st);
        char xb[MONEY_STR_MAX];
        if (rc == 0 || not_found(rc, &e))
            log_info("%s: earlier order %s %s: %s, %s executed", u->cfg->name,
                     side_name(p[i].side), p[i].client_id,
                     rc == 0 ? order_status_name(st.status) : "never placed",
                     money_format_min(rc == 0 ? st.executed_qty : 0, xb));
        ap[i].placed = rc == 0;
        if (rc == 0)
            net += p[i].side == SIDE_BUY ? st.executed_qty : -st.executed_qty;
        else if (not_found(rc, &e))
            arm_unstarted(ap, n, i, skip);
        else {
            free(ap);
            free(skip);
            free(p);
            c->err = e;
            return lt_err_set(&c->err, rc, "cannot settle earlier order %s: %s",
                              p[i].client_id, e.msg);
        }
    }
    free(ap);
    free(skip);
    money_t left = net > 0 ? net : 0;
    if (net > 0) {
        char b[MONEY_STR_MAX];
        log_info("%s: selling %s %s left unsold by an earlier run", u->cfg->name,
                 money_format_min(net, b), c->r->base);
        hook_ledger(c);
        ledger_reset(&u->ledger);
        u->round = 0;
        rc = sell_step(c, 'f', net, &left);
        struct ledger_totals t;
        ledger_side_totals(&u->ledger, SIDE_SELL, &t);
        u->report.s.recovered_base += t.qty;
        u->report.s.fees_quote += t.fee_quote;
        u->report.s.fees_other += t.fee_other;
        if (rc != 0) {
            free(p);
            return rc;
        }
    }
    u->carry_base = left;
    if (left <= 0 || is_dust(c->r, left, 0) || !stopping(c)) {
        /* Sold (or only dust remains, carried into our next sell): the
         * earlier rounds and this settlement are closed.  Each line states
         * the residual, so that whichever is last when a crash comes
         * carries it. */
        for (size_t i = 0; i < n; i++) {
            int dup = 0;
            for (size_t k = 0; k < i && !dup; k++)
                dup = p[k].round == p[i].round && strcmp(p[k].run, p[i].run) == 0;
            if (!dup)
                settle(c, p[i].run, p[i].round, 0, 0, left);
        }
        settle(c, c->env->run, 0, 0, net > 0 ? net - left : 0, left);
    }
    free(p);
    return reread_window_total(c);
}

/* --- a round ------------------------------------------------------------ */

static enum strategy_result finish(struct strategy_user *u, enum user_status st,
                                   enum strategy_result res)
{
    carried_close(u); /* no next round */
    u->report.status = st;
    u->report.window_after = u->window_total;
    u->report.s.residual_base = u->carry_base;
    summarize_refusals(u);
    return res;
}

static enum strategy_result fail(struct rctx *c)
{
    struct strategy_user *u = c->u;
    if (!c->err.msg[0])
        snprintf(c->err.msg, sizeof(c->err.msg), "%s", lt_err_name(c->err.code));
    if (auth_error(&c->err))
        snprintf(u->report.error, sizeof(u->report.error), "credentials rejected: %.200s",
                 c->err.msg);
    else
        snprintf(u->report.error, sizeof(u->report.error), "%s", c->err.msg);
    log_error("%s: failed: %s", u->cfg->name, u->report.error);
    return finish(u, USER_FAILED, STRATEGY_FAILED);
}

/* max_cost with fees in a third asset and no price for it yet (the main
 * thread asks the venue once such a fee is seen): waits up to
 * FEE_PRICE_WAIT_MS, ended by a stop, for the price.  1 when the fees are
 * valued now. */
static int fee_price_wait(struct rctx *c)
{
    struct user_stats *s = &c->u->report.s;
    log_info("%s: max_cost: waiting for a price of the fees paid in %s", c->u->cfg->name,
             live_fee_asset_name());
    int64_t until = clock_mono_ms() + FEE_PRICE_WAIT_MS;
    while (s->fees_unpriced && !stopping(c) && clock_mono_ms() < until) {
        sleep_ms(100);
        live_value_fees(s);
    }
    return !s->fees_unpriced;
}

static enum strategy_result stopped(struct rctx *c, const char *why)
{
    struct strategy_user *u = c->u;
    snprintf(u->report.error, sizeof(u->report.error), "%s", why);
    if (u->carry_base > 0) {
        char b[MONEY_STR_MAX];
        log_warn("%s: stopped with %s %s unsold", u->cfg->name,
                 money_format_min(u->carry_base, b), c->r->base);
    }
    return finish(u, USER_STOPPED, STRATEGY_STOPPED);
}

/* A round that ended with an error may hold base the ledger never
 * believed (fills the venue lied about): the balance says, so that the
 * report's residual is true ("never stranded silently"). */
static void count_unrecorded_base(struct rctx *c)
{
    struct strategy_user *u = c->u;
    money_t f, l, extra = 0, rest = 0;
    char b[MONEY_STR_MAX];
    if (u->base_known && base_balance(c, &f, &l) == 0) {
        extra = money_add_sat(f, l) - u->base_expected;
        if (extra > c->r->step_size) {
            log_warn("%s: the balance holds %s %s more than the recorded fills explain; "
                     "left unsold", u->cfg->name, money_format_min(extra, b), c->r->base);
            u->carry_base = money_add_sat(u->carry_base, extra);
        } else {
            extra = 0;
        }
    }
    /* A buy that may still rest may still fill: what it can still buy
     * beyond what the balance already shows is reported with the residual
     * (the worst case), not left unsaid.  One the venue refused or never
     * got cannot (it used to be counted as if it rested). */
    if (c->live_unknown)
        rest = ledger_buy_open_qty(&u->ledger);
    if (rest > extra) {
        log_warn("%s: an order that may still be live can buy up to %s %s more",
                 u->cfg->name, money_format_min(rest - extra, b), c->r->base);
        u->carry_base = money_add_sat(u->carry_base, rest - extra);
    }
    u->report.s.residual_base = u->carry_base;
}

/* What ended a round with an error: a stop (an order left for the next
 * run to settle) or a failure. */
static enum strategy_result ended(struct rctx *c)
{
    return c->err.code == LT_ESTOPPED ? stopped(c, c->err.msg[0] ? c->err.msg : "stopped")
                                      : fail(c);
}

/* Before a user is reported done: one open-orders query, so that an order
 * a venue called final while it rests does not end the run "done". */
static enum strategy_result done(struct rctx *c)
{
    struct strategy_user *u = c->u;
    int found = 0;
    if (u->report.s.orders > 0) {
        if (cancel_open(c, "that the venue reported final", &found) != 0)
            return ended(c);
        if (found) {
            lt_err_set(&c->err, LT_EEXCHANGE,
                       "%d order(s) reported final were still open at the end (cancelled "
                       "now): the venue's order states cannot be trusted; halting this account",
                       found);
            return fail(c);
        }
    }
    return finish(u, u->report.s.rounds ? USER_DONE : USER_SKIPPED, STRATEGY_DONE);
}

/* Base growth without matching recorded buys (strategy.h).  A pushed
 * balance that the fills explain costs nothing; a pushed one above them
 * is confirmed by query before anything is concluded (it may predate the
 * round's last sell); without pushes the balance is queried every round
 * while the stream is down and every RECONCILE_ROUNDS rounds otherwise.
 * 0, or LT_ERANGE (halting) when the venue holds more base than the
 * recorded fills explain. */
static int check_base(struct rctx *c)
{
    struct strategy_user *u = c->u;
    money_t tol = c->r->step_size;
    drain(c);
    /* A place or cancel answer tells of a fill before its pushes come: the
     * balance pushed before that trade is no evidence, the one after it is
     * due shortly.  If it does not come, the push is not used. */
    int64_t grace = clock_mono_ms() + PUSH_GRACE_MS;
    struct venue_push ev;
    while (u->base_pushed && u->base_push_stale && mailbox_stream_up(u->mb) &&
           mailbox_wait_exec(u->mb, grace, c->env->global_stop, &ev) == 0)
        apply_push(c, &ev);
    int pushed = u->base_pushed && !u->base_push_stale;
    u->base_pushed = 0;
    if (u->base_known && pushed && u->base_push <= u->base_expected + tol)
        return 0;
    if (u->base_known && !pushed && !c->blind && u->round % RECONCILE_ROUNDS != 0)
        return 0;
    money_t f, l;
    if (base_balance(c, &f, &l) != 0)
        return 0; /* not known now: checked again next round */
    money_t actual = money_add_sat(f, l);
    if (u->base_known && actual > u->base_expected + tol) {
        char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX];
        return lt_err_set(&c->err, LT_ERANGE,
                          "base balance %s %s is above the %s this run's recorded fills "
                          "explain: the venue filled orders it reported unfilled, or "
                          "something else trades this account; halting it",
                          money_format_min(actual, b1), c->r->base,
                          money_format_min(u->base_expected, b2));
    }
    /* Less than expected (fees we did not see, dust): the venue's figure
     * is the new baseline. */
    u->base_expected = actual;
    u->base_known = 1;
    return 0;
}

static enum strategy_result round_run(const struct strategy_env *env, struct strategy_user *u,
                                      struct http *h);

/* The account's state now, as the venue and this round's end say. */
static struct coord_acct_state state_now(struct rctx *c)
{
    struct strategy_user *u = c->u;
    return (struct coord_acct_state){
        .window_start = target_window_start(&u->cfg->strategy.window,
                                            venue_now_ms(c->env->venue)),
        .bought = u->window_total, .inventory = u->carry_base, .target = u->report.target,
        .last_round = -1 };
}

/* With a coordinator, at a round's end: the account's state, fenced by
 * epoch (a new owner reads it back).  A lost lease halts the account (in
 * c->err); a write the coordinator's absence stopped is written by the
 * next round's end, whose order intents wait for the lease meanwhile. */
static int save_state(struct rctx *c, int settled)
{
    if (!c->env->coord)
        return 0;
    struct coord_acct_state st = state_now(c);
    struct lt_err e = { 0 };
    if (settled)
        st.last_round = (long)c->u->round;
    int rc = coord_state_save(c->env->coord, c->u->index, &st, &e);
    if (rc == LT_EFENCED)
        return lt_err_set(&c->err, rc, "%s", e.msg);
    if (rc != 0)
        log_warn("%s: state not saved: %s", c->u->cfg->name, e.msg);
    return 0;
}

/* With a coordinator, once the venue is reconciled (open orders, unsold
 * inventory, the window total): the state the previous owner saved is
 * checked against it.  The venue wins; a disagreement is logged (the old
 * owner died mid-round, or its figures were wrong). */
static void takeover_check(struct rctx *c)
{
    struct coord_acct_state saved, now = state_now(c);
    struct lt_err e = { 0 };
    int found = 0;
    char why[256];
    if (!c->env->coord)
        return;
    if (coord_state_load(c->env->coord, c->u->index, &saved, &found, &e) != 0) {
        log_warn("%s: saved state unreadable (%s): the venue's figures are used",
                 c->u->cfg->name, e.msg);
        return;
    }
    if (!found)
        return;
    if (coord_state_compare(&saved, &now, 0, c->r->step_size, why, sizeof why) != 0)
        log_warn("%s: saved state (epoch %lld) disagrees with the venue: %s; the venue's "
                 "figures are used", c->u->cfg->name, (long long)saved.epoch, why);
    else
        log_info("%s: saved state (epoch %lld, last settled round %ld) agrees with the venue",
                 c->u->cfg->name, (long long)saved.epoch, saved.last_round);
}

/* With a coordinator a user runs only while this process holds its lease
 * (claimed, the previous owner's requests expired): until then it waits
 * its turn, a lost lease halts it with nothing sent, and an account that
 * another process finished is done here too. */
enum strategy_result strategy_round(const struct strategy_env *env, struct strategy_user *u,
                                    struct http *h)
{
    struct coord *co = env->coord;
    if (!co)
        return round_run(env, u, h);
    struct rctx c = { .env = env, .u = u, .h = h, .r = u->rules,
                      .ops = venue_ops(env->venue), .auth = &u->cfg->auth };
    /* rebalancing: between two rounds, so nothing is live and the state
     * of the last round's end is written; whoever takes it over (this
     * process too, later) recovers from the venue as after a restart */
    if (coord_handover_due(co, u->index)) {
        coord_handover(co, u->index);
        u->recovered = 0;
        return STRATEGY_CONTINUE;
    }
    enum coord_state st = coord_state(co, u->index);
    switch (st) {
    case COORD_OWNED:
        u->parked = 0;
        break;
    case COORD_LOST:
        lt_err_set(&c.err, LT_EFENCED, "lease lost to another process: halted, nothing sent");
        return fail(&c);
    case COORD_DONE_ELSEWHERE:
        snprintf(u->report.error, sizeof u->report.error, "done by another process");
        return finish(u, USER_SKIPPED, STRATEGY_DONE);
    case COORD_WAITING:
    case COORD_PARKED: {
        /* not claimed yet, the previous owner's wait, our lease lapsed
         * while the coordinator is away, or parked by ctl: nothing may be
         * signed meanwhile */
        if (stopping(&c))
            return stopped(&c, "stopped");
        /* logged as the park begins: the stop is taken, the round that
         * was under way is over (the operator's, and a test's, sign) */
        if (st == COORD_PARKED && !u->parked)
            log_info("%s: parked by the coordinator (desired = stop): no new round until resumed",
                     u->cfg->name);
        u->parked = st == COORD_PARKED;
        struct timespec ts = { 0, 250 * 1000000L };
        nanosleep(&ts, NULL);
        return STRATEGY_CONTINUE;
    }
    }
    /* taken over: what the previous owner bought since our start counts */
    if (!u->recovered && reread_window_total(&c) != 0)
        return ended(&c);
    enum strategy_result res = round_run(env, u, h);
    if (res != STRATEGY_CONTINUE)
        coord_end(co, u->index, res == STRATEGY_DONE);
    return res;
}

static enum strategy_result round_run(const struct strategy_env *env, struct strategy_user *u,
                                      struct http *h)
{
    struct rctx c = { .env = env, .u = u, .h = h, .r = u->rules,
                      .ops = venue_ops(env->venue), .auth = &u->cfg->auth };
    const struct strategy_config *sc = &u->cfg->strategy;
    live_step(u->index, u->recovered ? LIVE_BUYING : LIVE_RECOVERING, -1);

    if (!u->recovered && stopping(&c))
        /* Stopped before this run touched the account: what an earlier
         * run left is the next run's to settle, at no request now. */
        return stopped(&c, "stopped");
    if (!u->recovered) {
        u->recovered = 1;
        if (recover(&c) != 0)
            /* A stop that cut a rate-limit wait short is a stop: the next
             * run settles what is left. */
            return ended(&c);
        takeover_check(&c);
    }
    if (stopping(&c))
        return stopped(&c, "stopped");
    money_t remaining = target_remaining(u->report.target, u->window_total);
    money_t quote = sc->buy_amount < remaining ? sc->buy_amount : remaining;
    if (remaining <= 0) {
        if (u->carry_base <= 0 || u->cleanups >= CLEANUP_ROUNDS)
            return done(&c);
        /* Target reached with unsellable dust left: one more smallest
         * round, whose sell takes the dust along. */
        u->cleanups++;
        quote = 1;
    }
    /* The cost so far with third-asset (BNB) fees at the newest price,
     * which may have come after the last round. */
    live_value_fees(&u->report.s);
    if (sc->max_cost > 0 && u->report.s.fees_unpriced && !fee_price_wait(&c))
        return stopped(&c, "max_cost: the fees paid in a third asset cannot be valued in the "
                           "quote (no price for it from the venue), so the bound cannot be kept");
    money_t cost_before = report_cost(&u->report.s);
    if (sc->max_cost > 0 && cost_before + u->last_round_cost > sc->max_cost)
        return stopped(&c, "max_cost reached");

    u->round++;
    if (test_kill_at_round() == u->round)
        raise(SIGKILL); /* the tests' crash between two rounds */
    /* ids earlier rounds armed ahead for this one are taken, used or not */
    if (u->round <= u->next.round_hi && u->next.seq_hi > c.seq)
        c.seq = u->next.seq_hi;
    hook_ledger(&c);
    ledger_reset(&u->ledger);
    c.blind = !mailbox_stream_up(u->mb);
    if (check_base(&c) != 0)
        return fail(&c);
    money_t bid = 0, ask = 0;
    if (book(&c, 1, &bid, &ask) != 0 && stopping(&c))
        return stopped(&c, "stopped");

    carried_take(&c, quote);
    int rc = sc->oto ? oto_buy_step(&c, quote) : buy_step(&c, quote);
    struct ledger_totals bt, st;
    ledger_side_totals(&u->ledger, SIDE_BUY, &bt);
    if (rc == 0 && stopping(&c) && bt.qty > 0 &&
        is_dust(c.r, bt.qty - bt.fee_base + u->carry_base, bid)) {
        /* A stop cut the buy short below a sellable quantity: buying the
         * shortfall is the only way to leave the account flat. */
        c.topup = 1;
        rc = buy_step(&c, 0);
        c.topup = 0;
        ledger_side_totals(&u->ledger, SIDE_BUY, &bt);
    }
    money_t goal = bt.qty - bt.fee_base + u->carry_base;
    money_t left = goal;
    int rc2 = 0;
    if (goal > 0 && !c.live_unknown)
        rc2 = sell_step(&c, 's', goal, &left);
    arm_close(&c, &c.arm_sell); /* the buy bought nothing to sell */
    ledger_side_totals(&u->ledger, SIDE_SELL, &st);

    struct user_stats *s = &u->report.s;
    s->bought_base += bt.qty;
    s->bought_quote += bt.quote;
    s->sold_base += st.qty;
    s->sold_quote += st.quote;
    s->fees_quote += bt.fee_quote + st.fee_quote;
    s->fees_base += bt.fee_base + st.fee_base;
    s->fees_other += bt.fee_other + st.fee_other;
    live_value_fees(s); /* max_cost counts BNB fees at the newest price */
    live_step(u->index, LIVE_QUEUED, -1); /* the round is over: its next turn */
    u->window_total += bt.quote;
    u->report.window_after = u->window_total;
    u->committed = money_add_sat(u->committed, ledger_committed_quote(&u->ledger));
    u->base_expected = money_add_sat(u->base_expected, bt.qty - bt.fee_base - st.qty);
    if (bt.qty > 0) {
        s->rounds++;
        money_t cost = report_cost(s) - cost_before; /* BNB fees included */
        u->last_round_cost = cost > 0 ? cost : 0;
    }
    u->carry_base = left > 0 ? left : 0;
    s->residual_base = u->carry_base;
    /* Only dust may stay behind in a settled round; real inventory left by
     * a stop, or anything after an error (an order may not be final), stays
     * unsettled for the next run to settle by query and sell. */
    hook_ledger(&c);
    if (rc == 0 && rc2 == 0 && is_dust(c.r, u->carry_base, bid))
        settle(&c, env->run, u->round, bt.qty, st.qty, u->carry_base);

    char b1[MONEY_STR_MAX], b2[MONEY_STR_MAX], b3[MONEY_STR_MAX], b4[MONEY_STR_MAX];
    log_info("%s: round %u bought %s %s for %s, sold %s; window total %s", u->cfg->name,
             u->round, money_format_min(bt.qty, b1), c.r->base,
             money_format_min(bt.quote, b2), money_format_min(st.qty, b3),
             money_format_min(u->window_total, b4));
    if (rc != 0 || rc2 != 0) {
        count_unrecorded_base(&c);
        return ended(&c);
    }
    if (save_state(&c, is_dust(c.r, u->carry_base, bid)) != 0)
        return fail(&c);
    if (stopping(&c))
        return stopped(&c, "stopped");
    u->no_fill = bt.qty > 0 ? 0 : bt.orders > 0 ? u->no_fill + 1 : u->no_fill;
    if (u->no_fill >= NO_FILL_ROUNDS) {
        lt_err_set(&c.err, LT_EEXCHANGE,
                   "%u rounds in a row bought nothing up to the top rung: the venue fills "
                   "none of our orders; halting this account", u->no_fill);
        return fail(&c);
    }
    if (bt.qty == 0) {
        /* Every rung missed (thin book, IOC expiries): let the market move
         * before the next round instead of hammering the venue. */
        struct board *b = price_board(&c);
        struct board_price p = { 0 };
        int64_t until_us = clock_mono_us() + (int64_t)sc->fill_timeout_ms * 1000;
        if (b)
            board_read(b, INT64_MAX, &p); /* p.seq stays 0 while there is none */
        if (!b || board_wait(b, p.seq, until_us, stop_asked, &c, &p) == LT_ENOTFOUND) {
            int64_t left_ms = (until_us - clock_mono_us()) / 1000;
            if (left_ms > 0) /* no stream to wait on: the same pause */
                nap_unless_stopped(&c, left_ms);
        }
    }
    if (u->window_total >= u->report.target &&
        (u->carry_base <= 0 || u->cleanups >= CLEANUP_ROUNDS))
        return done(&c);
    return STRATEGY_CONTINUE;
}

/* --- lifetime ----------------------------------------------------------- */

int strategy_user_init(struct strategy_user *u, unsigned index, const struct user_config *cfg,
                       const struct symbol_rules *rules, const char *streamed_symbol,
                       const char *state_dir, money_t window_buy, struct lt_err *err)
{
    memset(u, 0, sizeof(*u));
    u->index = index;
    u->cfg = cfg;
    u->rules = rules;
    u->rest_prices = strcmp(rules->symbol, streamed_symbol) != 0;
    /* The report first: a user that fails below is still reported with
     * its target and window total. */
    u->report.name = cfg->name;
    u->report.status = USER_PENDING;
    u->report.target = cfg->strategy.target;
    u->report.target_points = cfg->strategy.target_points;
    u->report.multiplier = cfg->strategy.volume_multiplier;
    u->report.window_before = window_buy;
    u->report.window_after = window_buy;
    u->window_total = window_buy;
    if (mailbox_new(MAILBOX_RING, &u->mb) != 0)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    int rc = journal_open(state_dir, cfg->name, &u->journal, err);
    if (rc != 0) {
        mailbox_free(u->mb);
        u->mb = NULL;
        return rc;
    }
    ledger_init(&u->ledger, rules->base, rules->quote);
    return 0;
}

void strategy_user_release(struct strategy_user *u)
{
    ledger_release(&u->ledger);
    journal_close(u->journal);
    mailbox_free(u->mb);
    u->journal = NULL;
    u->mb = NULL;
}

int strategy_user_has_pending(const struct strategy_user *u)
{
    struct journal_pending *p = NULL;
    size_t n = 0;
    if (journal_load_pending(journal_path(u->journal), &p, &n, NULL, NULL) != 0)
        return 1; /* unreadable: let recovery look at the exchange */
    free(p);
    return n > 0;
}

/* --- shared with oto.c (strategy_internal.h) ----------------------------- */

int strategy_next_cid(struct rctx *c, char code, char cid[CLIENTID_MAX])
{
    return next_cid(c, code, cid);
}
int strategy_stopping(struct rctx *c) { return stopping(c); }
void strategy_nap(struct rctx *c, int64_t ms) { nap_unless_stopped(c, ms); }
int strategy_not_found(int rc, const struct lt_err *e) { return not_found(rc, e); }
int strategy_book(struct rctx *c, money_t *bid, money_t *ask) { return book(c, 0, bid, ask); }
const struct ledger_order *strategy_lorder(struct rctx *c, const char *cid)
{
    return lorder(c, cid);
}
int strategy_believe(struct rctx *c, const char *cid, const struct order_state *st,
                     enum ledger_source src)
{
    return believe(c, cid, st, src);
}
int strategy_query(struct rctx *c, const char *cid, struct order_state *st, struct lt_err *e)
{
    return query(c, cid, st, e);
}
int strategy_fence_intent(struct rctx *c, char code, const char *cid, money_t price,
                          money_t qty)
{
    return fence_intent(c, code, cid, price, qty);
}
int strategy_settle_unknown(struct rctx *c, const char *cid) { return settle_unknown(c, cid); }
struct order_gate strategy_gate(struct rctx *c)
{
    return (struct order_gate){ .may_sign = lease_trusted, .ctx = c };
}
int64_t strategy_retry_after_ms(const struct lt_err *e, int tries)
{
    return retry_after_ms(e, tries);
}
int strategy_reached_venue(int rc, const struct lt_err *e) { return reached_venue(rc, e); }
int strategy_order_finish(struct rctx *c, const char *cid, enum order_side side,
                          enum time_in_force tif, money_t price, money_t qty)
{
    return order_finish(c, cid, side, tif, price, qty);
}
struct ladder strategy_ladder(const struct strategy_user *u) { return user_ladder(u); }
int strategy_check_buy_cap(struct rctx *c, money_t price, money_t qty)
{
    return check_buy_cap(c, price, qty);
}
void strategy_set_buy_cap(struct rctx *c, const struct ladder *lad, money_t ask, money_t q_min)
{
    set_buy_cap(c, lad, ask, q_min);
}
int strategy_buy_step(struct rctx *c, money_t quote_goal) { return buy_step(c, quote_goal); }
