/*
 * oto.c - a round's buy as one OTO request (strategy.oto, where the venue
 * offers it: venue_ops.place_oto).
 *
 * One request places the buy (the working order, at the ladder's first
 * buy rung) and names the sell of what it buys (the pending order, at the
 * ladder's first sell rung from the same book); the venue places the sell
 * itself once the buy has filled completely, which saves the round the
 * time between our fill and our sell.  Everything else is the ordinary
 * round's: both legs' intents are journaled (fsync) before the request,
 * each leg under its own client id, so a restart finds either by query;
 * the buy is followed, cancelled at its fill timeout and its trades
 * completed as any buy (order_finish); the sell, once the venue shows it,
 * is followed and cancelled the same way; every answer about either leg
 * goes through the guard against what was sent (the sell's quantity is
 * what the buy filled: a venue places the pending order only for a filled
 * working order); the buy cap is checked before the request.  What the
 * OTO did not do is left to the ladder: a buy that did not fill
 * completely is topped up by buy_step (the venue places no sell for it),
 * and what the sell leg did not sell is sold by the round's sell_step,
 * which counts the leg's fills among the round's sells.
 */
#include "strategy_internal.h"

#include "looptrader/coord.h"
#include "looptrader/log.h"
#include "looptrader/oto.h"
#include "looptrader/plan.h"

#include <stdio.h>
#include <string.h>

#define BOOK_RETRY_MS 250

int oto_check(const struct run_config *cfg, const struct venue_ops *ops, struct lt_err *err)
{
    if (ops->place_oto)
        return 0;
    for (size_t i = 0; i < cfg->n_users; i++)
        if (cfg->users[i].enabled && cfg->users[i].strategy.oto)
            return lt_err_set(err, LT_ECONFIG,
                              "%s: oto = true, but the %s dialect offers no OTO orders "
                              "(binance-alpha does); set oto = false",
                              cfg->users[i].name, ops->name);
    return 0;
}

/* sent: the venue may have the OTO (it refused it, or queries did not
 * find it), not a request never sent. */
static void outcome_both(struct rctx *c, const char *ev, const char *bcid, const char *scid,
                         enum order_status st, int sent)
{
    journal_outcome(c->u->journal, ev, bcid, st, 0, 0, NULL);
    journal_outcome(c->u->journal, ev, scid, st, 0, 0, NULL);
    strategy_not_placed(c, bcid, sent); /* the ladder that follows buys in its place */
}

/* Sends the OTO and settles its outcome as order_run does a new order's:
 * 0 (the buy is live or settled by query), ORDER_REJECTED_RC,
 * ORDER_NOT_PLACED_RC, LT_ESTOPPED (nothing sent) or fatal. */
static int send_oto(struct rctx *c, const struct oto_request *req)
{
    struct strategy_user *u = c->u;
    struct oto_placed placed;
    struct lt_err e;
    int rc;
    for (int tries = 0;; tries++) {
        lt_err_clear(&e);
        rc = c->ops->place_oto(c->env->venue, c->h, c->auth, req, &placed, &e);
        if (rc == LT_EFENCED) {
            /* as in order_run: the gate found the lease untrusted at signing */
            outcome_both(c, "never_placed", req->client_id, req->sell_client_id,
                         ORDER_STATUS_UNKNOWN, 0);
            return lt_err_set(&c->err, LT_EFENCED,
                              "lease not trusted when %s was to be signed: halted",
                              req->client_id);
        }
        if (strategy_reached_venue(rc, &e))
            u->report.s.orders++;
        if (rc != LT_ERATELIMIT || tries + 1 >= RATELIMIT_TRIES)
            break;
        log_warn("%s: rate limited (%s)", u->cfg->name, e.msg);
        strategy_nap(c, strategy_retry_after_ms(&e, tries));
    }
    if (rc == 0) {
        /* The answer holds ids only: the buy as sent, resting. */
        struct order_state st = { .order_id = placed.buy_id, .side = SIDE_BUY,
                                  .status = ORDER_NEW, .price = req->price,
                                  .orig_qty = req->qty };
        snprintf(st.client_id, sizeof st.client_id, "%s", req->client_id);
        journal_outcome(u->journal, "ack", req->client_id, ORDER_NEW, 0, 0, NULL);
        log_info("%s: OTO list %lld: buy %lld, sell %lld%s", u->cfg->name,
                 (long long)placed.list_id, (long long)placed.buy_id,
                 (long long)placed.sell_id, placed.sell_id ? "" : " (once the buy fills)");
        strategy_believe(c, req->client_id, &st, LEDGER_ANSWER);
        return 0;
    }
    if (rc == LT_ESTOPPED) {
        outcome_both(c, "never_placed", req->client_id, req->sell_client_id,
                     ORDER_STATUS_UNKNOWN, 0);
        return rc;
    }
    if (rc == LT_EEXCHANGE || rc == LT_ERATELIMIT) {
        outcome_both(c, "rejected", req->client_id, req->sell_client_id, ORDER_REJECTED, 1);
        c->err = e;
        c->err.code = rc;
        return ORDER_REJECTED_RC;
    }
    journal_outcome(u->journal, "unknown", req->client_id, ORDER_STATUS_UNKNOWN, 0, 0, NULL);
    log_warn("%s: OTO %s outcome unknown (%s); settling by query", u->cfg->name,
             req->client_id, e.msg);
    rc = strategy_settle_unknown(c, req->client_id);
    if (rc == ORDER_NOT_PLACED_RC)
        outcome_both(c, "never_placed", req->client_id, req->sell_client_id,
                     ORDER_STATUS_UNKNOWN, 1);
    else if (rc == 0)
        u->report.s.orders++; /* it reached the venue after all */
    return rc;
}

/* The sell leg of a buy that filled filled base: the venue places it for
 * a completely filled buy (expect), so it is looked for until it shows up
 * (it may come a little after the buy's fill); after a partial buy one
 * query says whether this venue placed one all the same.  Once
 * found it is followed to final like any sell; 0 also when it never
 * came (the round's sell_step sells the base). */
static int sell_leg(struct rctx *c, const char *scid, money_t price, money_t filled, int expect)
{
    struct strategy_user *u = c->u;
    struct order_state st;
    struct lt_err e = { 0 };
    int rc;
    if (filled <= 0) {
        journal_outcome(u->journal, "never_placed", scid, ORDER_STATUS_UNKNOWN, 0, 0, NULL);
        return 0;
    }
    if ((rc = ledger_add_order(&u->ledger, scid, SIDE_SELL, price, filled)) != 0)
        return lt_err_set(&c->err, rc, "cannot track the OTO sell (%s)", lt_err_name(rc));
    rc = strategy_query(c, scid, &st, &e);
    if (rc != 0 && (expect || !strategy_not_found(rc, &e)))
        rc = strategy_settle_unknown(c, scid);
    else if (rc != 0)
        rc = ORDER_NOT_PLACED_RC;
    if (rc == ORDER_NOT_PLACED_RC) {
        journal_outcome(u->journal, "never_placed", scid, ORDER_STATUS_UNKNOWN, 0, 0, NULL);
        if (expect)
            log_warn("%s: the OTO's sell %s never showed up; selling by the ladder",
                     u->cfg->name, scid);
        return 0;
    }
    if (rc != 0)
        return rc;
    u->report.s.orders++;
    const struct ledger_order *o = strategy_lorder(c, scid);
    money_t sold = ledger_order_qty(o);
    enum order_status shown = o->final ? (sold >= filled ? ORDER_FILLED : ORDER_CANCELED)
                              : sold > 0 ? ORDER_PARTIALLY_FILLED
                                         : ORDER_NEW;
    journal_outcome(u->journal, "ack", scid, shown, sold, ledger_order_quote(o), NULL);
    return strategy_order_finish(c, scid, SIDE_SELL, TIF_GTC, price, filled);
}

/* One OTO at the first rungs: the buy to final, then its sell leg. */
static int oto_run(struct rctx *c, money_t price, money_t qty, money_t sell_price)
{
    struct strategy_user *u = c->u;
    char bcid[CLIENTID_MAX], scid[CLIENTID_MAX];
    int rc;
    if ((rc = strategy_next_cid(c, 'b', bcid)) || (rc = strategy_next_cid(c, 's', scid)))
        return rc;
    /* before the ledger counts it: an order the lease does not allow is
     * never a live order */
    if ((rc = strategy_fence_intent(c, 'b', bcid, price, qty)) != 0 ||
        (rc = strategy_fence_intent(c, 's', scid, sell_price, qty)) != 0)
        return rc;
    if ((rc = ledger_add_order(&u->ledger, bcid, SIDE_BUY, price, qty)) != 0)
        return lt_err_set(&c->err, rc, "cannot make an order id (%s)", lt_err_name(rc));
    /* Both intents on disk before the request: a crash after it leaves
     * the restart both client ids to look for. */
    if ((rc = journal_intent(u->journal, c->env->run, u->round, bcid, SIDE_BUY, price, qty,
                             &c->err)) != 0 ||
        (rc = journal_intent(u->journal, c->env->run, u->round, scid, SIDE_SELL, sell_price,
                             qty, &c->err)) != 0)
        return rc;
    char pb[MONEY_STR_MAX], qb[MONEY_STR_MAX], sb[MONEY_STR_MAX];
    log_info("%s: round %u OTO BUY %s @ %s then SELL @ %s (%s, %s)", u->cfg->name, u->round,
             money_format_min(qty, qb), money_format_min(price, pb),
             money_format_min(sell_price, sb), bcid, scid);
    struct order_gate gate = strategy_gate(c);
    struct oto_request req = { .symbol = c->r->symbol, .price = price, .qty = qty,
                               .sell_price = sell_price, .client_id = bcid,
                               .sell_client_id = scid,
                               .gate = c->env->coord ? &gate : NULL };
    if ((rc = send_oto(c, &req)) != 0)
        return rc;
    if ((rc = strategy_order_finish(c, bcid, SIDE_BUY, TIF_GTC, price, qty)) != 0)
        return rc;
    money_t filled = ledger_order_qty(strategy_lorder(c, bcid));
    return sell_leg(c, scid, sell_price, filled, filled >= qty);
}

int oto_buy_step(struct rctx *c, money_t quote_goal)
{
    struct ladder lad = strategy_ladder(c->u);
    const struct symbol_rules *r = c->r;
    money_t bid, ask;
    for (;;) {
        if (strategy_stopping(c))
            return 0;
        if (strategy_book(c, &bid, &ask) == 0)
            break;
        strategy_nap(c, BOOK_RETRY_MS);
    }
    money_t q_min = plan_min_sellable_qty(r, &lad, bid);
    if (!c->u->buy_cap)
        strategy_set_buy_cap(c, &lad, ask, q_min);
    money_t price = ladder_price(&lad, r, SIDE_BUY, ask, 0);
    money_t sell_price = ladder_price(&lad, r, SIDE_SELL, bid, 0);
    if (price <= 0 || sell_price <= 0)
        return lt_err_set(&c->err, LT_ERANGE, "no valid OTO prices at the first rungs");
    money_t qty;
    struct lt_err fe = { 0 };
    if (plan_buy_qty(r, quote_goal, price, 0, q_min, &qty, &fe) != 0)
        return lt_err_set(&c->err, LT_EINVAL, "%s", fe.msg);
    /* A pending sell the venue would refuse (below its minimums) would
     * leave the buy to the ladder anyway: send an ordinary round. */
    if (qty == 0 || symbol_check_order(r, sell_price, qty, NULL) != 0)
        return strategy_buy_step(c, quote_goal);
    int rc = strategy_check_buy_cap(c, price, qty);
    if (rc == 0)
        rc = oto_run(c, price, qty, sell_price);
    if (rc == LT_ESTOPPED && !c->live_unknown)
        return 0; /* not sent: the round's stop path takes over */
    if (rc == ORDER_NOT_PLACED_RC)
        return strategy_buy_step(c, quote_goal); /* lost on the way: the ladder, new ids */
    if (rc == ORDER_REJECTED_RC) {
        log_warn("%s: OTO rejected (%s)", c->u->cfg->name, c->err.msg);
        return c->err.code ? c->err.code : LT_EEXCHANGE;
    }
    if (rc != 0)
        return rc;
    struct ledger_totals t;
    ledger_side_totals(&c->u->ledger, SIDE_BUY, &t);
    /* Bought less than asked (no sell leg then): the ladder buys the rest. */
    return t.qty < qty && !strategy_stopping(c) ? strategy_buy_step(c, quote_goal) : 0;
}
