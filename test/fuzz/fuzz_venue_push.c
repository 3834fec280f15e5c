/*
 * fuzz_venue_push.c - every WebSocket message the trader receives (book
 * ticker on market streams, executionReport bare or wrapped in a WS API
 * subscription, outboundAccountPosition, stream end, WS API responses)
 * through the dialect's parse_push, and the fills into a round's ledger.
 *
 * Input: one message per line, as a connection delivers them in a row, so
 * the ledger sees a stream of pushed trades and cumulative figures.  A
 * failed parse must leave nothing that looks like data behind; response
 * text must stay printable (it reaches logs).
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "looptrader/ledger.h"
#include "looptrader/venue_binance.h"

static void venue_push_check(const struct venue_push *p)
{
    FUZZ_CHECK(p->kind >= PUSH_IGNORED && p->kind <= PUSH_STREAM_END);
    FUZZ_CHECK(p->subscription_id >= -1);
    if (p->kind == PUSH_BOOK_TICKER)
        FUZZ_CHECK(FUZZ_TERMINATED(p->u.book.symbol));
    if (p->kind == PUSH_EXECUTION) {
        const struct order_state *o = &p->u.exec.order;
        FUZZ_CHECK(FUZZ_TERMINATED(o->client_id));
        FUZZ_CHECK(FUZZ_TERMINATED(p->u.exec.commission_asset));
        FUZZ_CHECK(o->side == SIDE_BUY || o->side == SIDE_SELL);
        FUZZ_CHECK(o->status >= ORDER_NEW && o->status <= ORDER_STATUS_UNKNOWN);
    }
    if (p->kind == PUSH_RESPONSE) {
        FUZZ_CHECK(FUZZ_TERMINATED(p->u.response.error_msg));
        for (const char *c = p->u.response.error_msg; *c; c++)
            FUZZ_CHECK(isprint((unsigned char)*c));
        FUZZ_CHECK(p->u.response.subscription_id >= -1);
    }
}

static void venue_push_to_ledger(struct ledger *l, const struct venue_push *p)
{
    const struct order_state *o = &p->u.exec.order;
    if (!o->client_id[0])
        return;
    if (ledger_find(l, o->client_id) < 0 &&
        ledger_add_order(l, o->client_id, o->side, o->price, o->orig_qty) != 0)
        return;
    /* As the strategy does: the guard first, then the ledger. */
    struct guard_order g;
    const struct ledger_order *lo = &l->orders[ledger_find(l, o->client_id)];
    ledger_guard_order(lo, LEDGER_PUSH, &g);
    if (p->u.exec.trade_id >= 0 && !ledger_trade_seen(l, p->u.exec.trade_id) &&
        guard_check_trade(NULL, &g, p->u.exec.last_qty, p->u.exec.last_price,
                          p->u.exec.last_quote, p->u.exec.commission, NULL) == 0)
        (void)ledger_add_trade(l, o->client_id, o->order_id, p->u.exec.trade_id,
                               p->u.exec.last_qty, p->u.exec.last_quote, p->u.exec.commission,
                               p->u.exec.commission_asset);
    ledger_guard_order(lo, LEDGER_PUSH, &g);
    if (guard_check_order(NULL, &g, o, NULL) == 0)
        (void)ledger_set_cum(l, o->client_id, o->order_id, o->executed_qty, o->cum_quote,
                             o->status, LEDGER_PUSH);
    FUZZ_CHECK(ledger_order_qty(lo) >= 0);
    FUZZ_CHECK(lo->qty <= 0 || lo->trades_qty <= lo->qty);
}

FUZZ_TARGET(venue_push)
{
    const struct venue_ops *ops = &venue_binance_ops;
    const char *in = (const char *)data;
    struct ledger l;
    ledger_init(&l, "ALPHA", "USDT");
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(in + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (in + i)) : size - i;
        struct venue_push p;
        struct lt_err err = { 0 };
        /* parse_push ignores its venue (the dialect is stateless). */
        int rc = ops->parse_push(NULL, in + i, len, &p, &err);
        FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
        FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
        if (rc == 0) {
            venue_push_check(&p);
            if (p.kind == PUSH_EXECUTION)
                venue_push_to_ledger(&l, &p);
        } else {
            FUZZ_CHECK(p.kind == PUSH_IGNORED);
        }
        i += len + 1;
    }
    struct ledger_totals tot;
    ledger_side_totals(&l, SIDE_BUY, &tot);
    ledger_side_totals(&l, SIDE_SELL, &tot);
    ledger_release(&l);
    return 0;
}
