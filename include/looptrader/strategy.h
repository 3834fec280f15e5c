/*
 * strategy.h - LoopLimitStrategy: one user's rounds of buy-then-sell.
 *
 * strategy_round() runs ONE round for one user on the calling worker's
 * thread and HTTP handle, then returns so the executor can hand the thread
 * to the next user.  A round: wait for a price; buy min(buy_amount,
 * remaining) quote up a slippage ladder from the best ask; sell exactly what
 * the round bought down a ladder from the best bid, staying on the last rung
 * until sold.  One live order per user: the next order is sent only once the
 * previous one is known final.  Fills are counted by the round's ledger.
 * The first call for a user settles what an earlier run left behind (our
 * open orders cancelled, unsold inventory from unsettled journal rounds
 * sold, then the window total read again from order history) before
 * trading.
 *
 * A stop (global flag or the user's mailbox stop) cancels the open order,
 * sells the round's inventory with the normal ladder for at most
 * env->stop_flatten_ms, records any residue and returns STRATEGY_STOPPED.
 *
 * Dust, i.e. base below the symbol's minimum order, cannot be sold, so a
 * round never buys less than what stays sellable down to its last sell
 * rung (the last round may overshoot the target by that much); a partly
 * filled sell whose rest would be dust keeps resting a little longer; dust
 * left anyway is carried into the next round's sell, and a user at target
 * with dust runs a few smallest rounds to take it along.  max_cost stops a
 * user before a round when the cost so far plus the last round's cost
 * would pass it.
 *
 * Trust no venue.  Every answer, push, trade, history row, balance and
 * book price goes through the guard (guard.h) before it is believed; a
 * refused one is logged once per kind and counted (summed up when the
 * user ends).  An order is final only when a query agrees (or a FILLED is
 * matched by its trades), so that a lying cancel does not free the one
 * live order.  Money bounds hold whatever the venue says:
 *  - buy cap: the buy quote committed this run at our own prices (price x
 *    quantity of each buy sent while it may fill, price x fill once final,
 *    or once the venue refused it or queries did not find it: the buy sent
 *    in its place commits that quote again; one it fills all the same is
 *    counted by the fills it reports, and by the base-growth check below
 *    when it reports none) never passes what the target needed at the
 *    first round, priced at the top rung, plus one round and the dust
 *    margin; reaching it halts.  What such denied orders would have
 *    bought counts too once it passes the cap's own size, so whatever the
 *    venue says a run sends buys for at most twice the cap;
 *  - NO_FILL_ROUNDS rounds in a row that send buys and buy nothing halt
 *    (between two of them the strategy waits for the price to move, so a
 *    thin book gets several chances; a book that fills nothing up to the
 *    top rung five times running cannot reach the target either);
 *  - the base balance (from outboundAccountPosition pushes, a push above
 *    the fills confirmed by query; without pushes a query each round while
 *    the stream is down, else every RECONCILE_ROUNDS rounds) may not grow
 *    beyond what recorded fills explain; if it does, the account halts;
 *  - an order that cannot be confirmed final (REFUSED_ROW_MAX answers in
 *    a row refused, or trades that add up to less than its final figure)
 *    halts the account with nothing more sent, and a failed round reports
 *    base the balance shows beyond the recorded fills as residual;
 *  - a venue that keeps an order open after CANCEL_TRIES cancels halts
 *    the account;
 *  - before a user is reported done, one open-orders query checks that
 *    none of our orders rests.
 * Request weight: in the steady state a round costs its orders (and the
 * cancels and queries a GTC order that does not fill needs); sells are
 * sized from the ledger, not from GET /account, which is read only for the
 * reconcile above, after a sell was refused for balance, or while pushes
 * are down.
 */
#ifndef LOOPTRADER_STRATEGY_H
#define LOOPTRADER_STRATEGY_H

#include <stdatomic.h>

#include "looptrader/board.h"
#include "looptrader/clientid.h"
#include "looptrader/config.h"
#include "looptrader/coord.h"
#include "looptrader/guard.h"
#include "looptrader/http.h"
#include "looptrader/journal.h"
#include "looptrader/ledger.h"
#include "looptrader/mailbox.h"
#include "looptrader/report.h"
#include "looptrader/venue.h"

struct strategy_user;

/* Observers of a user's orders (the --trades record), called on the worker
 * running the user; NULL members are skipped. */
struct strategy_hooks {
    /* The user's ledger is about to be reset or the round has ended: its
     * final orders are as final as they get. */
    void (*ledger_done)(void *ctx, const struct strategy_user *u);
    /* Start-up settlement found an earlier run's order final by query. */
    void (*order_settled)(void *ctx, const struct strategy_user *u,
                          const struct order_state *st);
    void *ctx;
};

/* Shared by every worker; read-only while the executor runs. */
struct strategy_env {
    struct venue *venue;
    const char *run;                /* this process's run tag (clientid) */
    const atomic_int *global_stop;  /* set by main on SIGINT/SIGTERM */
    /* clock_mono_ms() of the first SIGINT/SIGTERM (0: none yet), so that
     * the stop's bound counts from the signal; NULL: from when a worker
     * notices the stop. */
    const _Atomic int64_t *stop_since_ms;
    int stop_flatten_ms;            /* bound on selling after a stop; 0 = 10 s */
    struct board *board;            /* the streamed symbol's prices (the
                                     * wsclient's); NULL: REST prices only */
    const struct strategy_hooks *hooks; /* NULL: none */
    struct coord *coord;            /* leases across hosts (coord.h); NULL:
                                     * this process owns every account */
};

enum strategy_result {
    STRATEGY_CONTINUE = 0,  /* more rounds to go: queue the user again */
    STRATEGY_DONE,          /* target reached (or nothing to do) */
    STRATEGY_STOPPED,       /* a stop or max_cost ended it */
    STRATEGY_FAILED         /* an error ended it; report.error says why */
};

/* An armed intent (arm.h): its line in the journal (durable, or durable
 * once journal_wait_durable says so), its order not sent yet. */
struct strategy_armed {
    int set;
    int ahead;                 /* armed by an earlier round (strategy_carried) */
    char code;                 /* its client id's side code */
    char cid[CLIENTID_MAX];
    struct arm_bounds b;
    struct journal_upto upto;  /* what to wait for before the send */
};

/* Rounds armed ahead together (strategy.c, arm_carry): rounds first ..
 * first + n - 1, each with its first buy (order number base + 1) and its
 * sell (base + 2), all with the same bounds, in one intent-log record.  A
 * round takes its two when its quote goal and the buy cap are still the
 * ones the bounds were made for.  Their client ids are made again from id
 * when needed, not kept: the ring stays small at ARM_AHEAD 16. */
struct strategy_carried_batch {
    struct clientid id;        /* run, user, epoch (round, side, seq per order) */
    unsigned first, n;
    unsigned base;
    money_t goal;              /* the quote goal the buys' bound is for */
    money_t cap;               /* the buy cap their notional bound is within */
    struct arm_bounds buy, sell;
    struct journal_upto upto;  /* the record that holds them */
};

/* The rounds armed ahead, in round order and consecutive: at most two
 * batches, since a batch is armed only when at most one round of the
 * ones before is left (b[1].n is 0 when b[0].n is).  When its head does
 * not fit the round that comes, all of it is closed (never_placed), as
 * it is whenever the user ends. */
struct strategy_carried {
    struct strategy_carried_batch b[2];
    unsigned round_hi;         /* the latest round ids were armed ahead for */
    unsigned seq_hi;           /* order numbers those ids took in each round up to
                                * round_hi, used or not (at most) */
    unsigned failed;           /* the round whose batch could not be written
                                * (not tried again in it) */
};

struct strategy_user {
    /* Set by strategy_user_init, read-only afterwards. */
    unsigned index;                  /* position in the config (client ids) */
    const struct user_config *cfg;   /* borrowed; outlives the user */
    const struct symbol_rules *rules; /* the user's symbol; borrowed */
    int rest_prices;                 /* its prices are not streamed: ask REST */
    struct mailbox *mb;              /* owned; the WS thread posts into it */
    struct journal *journal;         /* owned */

    /* Owned by the one worker currently running this user; workers hand a
     * user over through the executor's locked queue (which orders the
     * accesses), and main reads them after every worker is joined. */
    struct report_user report;
    money_t window_total;            /* window buy total including this run;
                                      * read again from history once recovery
                                      * has settled an earlier run */
    money_t carry_base;              /* unsold dust carried into the next sell */
    money_t last_round_cost;         /* cost of the latest completed round */
    unsigned round;                  /* round number within this run */
    unsigned cleanups;               /* extra rounds run to sell dust */
    int recovered;                   /* start-up settlement done */
    int parked;                      /* the coordinator's desired = stop holds
                                      * it between rounds (logged once) */
    struct ledger ledger;            /* the current round's fills */
    struct guard_counts refused;     /* venue data the guard refused */
    money_t buy_cap;                 /* most buy quote this run may commit
                                      * (set at the first round; 0 before) */
    money_t committed;               /* buy quote committed by ended rounds */
    money_t denied;                  /* buy quote (price x unfilled quantity) of
                                      * the orders sent this run that the venue
                                      * refused or could not find: counted
                                      * against the cap beyond buy_cap only */
    unsigned no_fill;                /* rounds in a row that bought nothing */
    int base_known;                  /* base_expected has a baseline */
    money_t base_expected;           /* base balance (free + locked) that the
                                      * recorded fills explain */
    int base_pushed;                 /* a pushed base balance is unchecked */
    money_t base_push;               /* newest pushed base free + locked */
    int base_push_stale;             /* a trade was pushed after it: the venue
                                      * sends a trade's balance after its
                                      * execution event, so base_push predates
                                      * that trade until the next one comes */
    struct strategy_carried next;    /* armed for the rounds ahead */
};

/* Prepares a user: mailbox, journal under state_dir, report fields
 * (window_before = window_total = window_buy; filled even when it fails,
 * so that a failed user is reported with its target).  streamed_symbol is
 * the symbol whose book the WebSocket thread posts on env->board; a user
 * trading another symbol reads its prices over REST. */
int strategy_user_init(struct strategy_user *u, unsigned index, const struct user_config *cfg,
                       const struct symbol_rules *rules, const char *streamed_symbol,
                       const char *state_dir, money_t window_buy, struct lt_err *err);
void strategy_user_release(struct strategy_user *u);

/* 1 when the user's journal holds rounds an earlier run did not settle. */
int strategy_user_has_pending(const struct strategy_user *u);

/* Runs one round (the first call settles leftovers first).  Updates
 * u->report (status when the result is final). */
enum strategy_result strategy_round(const struct strategy_env *env, struct strategy_user *u,
                                    struct http *h);

#endif
