/*
 * ledger.c - the fills of one round, counted exactly once (see ledger.h).
 *
 * Rounds have a handful of orders and a few dozen trades, so lookups are
 * linear scans over small arrays owned by the ledger.
 */
#include "looptrader/ledger.h"
#include "looptrader/error.h"

#include <stdlib.h>
#include <string.h>

static void copy_name(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

void ledger_init(struct ledger *l, const char *base_asset, const char *quote_asset)
{
    memset(l, 0, sizeof(*l));
    copy_name(l->base, sizeof(l->base), base_asset);
    copy_name(l->quote, sizeof(l->quote), quote_asset);
}

void ledger_release(struct ledger *l)
{
    free(l->orders);
    free(l->trade_ids);
    l->orders = NULL;
    l->trade_ids = NULL;
    l->n_orders = l->cap_orders = l->n_trades = l->cap_trades = 0;
}

void ledger_reset(struct ledger *l)
{
    l->n_orders = 0;
    l->n_trades = 0;
}

int ledger_find(const struct ledger *l, const char *client_id)
{
    for (size_t i = 0; i < l->n_orders; i++)
        if (strcmp(l->orders[i].client_id, client_id) == 0)
            return (int)i;
    return -1;
}

int ledger_add_order(struct ledger *l, const char *client_id, enum order_side side)
{
    if (!client_id || strlen(client_id) >= CLIENTID_MAX || ledger_find(l, client_id) >= 0)
        return LT_EINVAL;
    if (l->n_orders == l->cap_orders) {
        size_t cap = l->cap_orders ? l->cap_orders * 2 : 8;
        struct ledger_order *n = realloc(l->orders, cap * sizeof(*n));
        if (!n)
            return LT_ENOMEM;
        l->orders = n;
        l->cap_orders = cap;
    }
    struct ledger_order *o = &l->orders[l->n_orders++];
    memset(o, 0, sizeof(*o));
    strcpy(o->client_id, client_id);
    o->side = side;
    return 0;
}

static int seen_trade(const struct ledger *l, int64_t trade_id)
{
    for (size_t i = 0; i < l->n_trades; i++)
        if (l->trade_ids[i] == trade_id)
            return 1;
    return 0;
}

/* Sums saturate: amounts come from the venue, and a hostile or broken
 * answer must not wrap a total around (found by fuzz_venue_trades). */
static money_t add_sat(money_t a, money_t b)
{
    money_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

int ledger_add_trade(struct ledger *l, const char *client_id, int64_t order_id,
                     int64_t trade_id, money_t qty, money_t quote, money_t commission,
                     const char *commission_asset)
{
    if (qty < 0 || quote < 0 || commission < 0)
        return LT_EINVAL; /* hostile or broken data must not shrink the totals */
    int i = ledger_find(l, client_id);
    if (i < 0)
        return LT_ENOTFOUND;
    if (seen_trade(l, trade_id))
        return 0;
    if (l->n_trades == l->cap_trades) {
        size_t cap = l->cap_trades ? l->cap_trades * 2 : 32;
        int64_t *n = realloc(l->trade_ids, cap * sizeof(*n));
        if (!n)
            return LT_ENOMEM;
        l->trade_ids = n;
        l->cap_trades = cap;
    }
    l->trade_ids[l->n_trades++] = trade_id;
    struct ledger_order *o = &l->orders[i];
    if (order_id > 0)
        o->order_id = order_id;
    o->trades_qty = add_sat(o->trades_qty, qty);
    o->trades_quote = add_sat(o->trades_quote, quote);
    if (commission) {
        if (commission_asset && strcmp(commission_asset, l->quote) == 0)
            o->fee_quote = add_sat(o->fee_quote, commission);
        else if (commission_asset && strcmp(commission_asset, l->base) == 0)
            o->fee_base = add_sat(o->fee_base, commission);
        else
            o->fee_other = add_sat(o->fee_other, commission);
    }
    return 1;
}

int ledger_set_cum(struct ledger *l, const char *client_id, int64_t order_id,
                   money_t executed_qty, money_t cum_quote, int final)
{
    int i = ledger_find(l, client_id);
    if (i < 0)
        return LT_ENOTFOUND;
    struct ledger_order *o = &l->orders[i];
    if (order_id > 0)
        o->order_id = order_id;
    if (executed_qty > o->cum_qty)
        o->cum_qty = executed_qty;
    if (cum_quote > o->cum_quote)
        o->cum_quote = cum_quote;
    if (final)
        o->final = 1;
    return 0;
}

money_t ledger_order_qty(const struct ledger_order *o)
{
    return o->trades_qty > o->cum_qty ? o->trades_qty : o->cum_qty;
}

money_t ledger_order_quote(const struct ledger_order *o)
{
    /* Quote follows the quantity figure that won, so a lost push does not
     * pair the pushed quantity with the queried quote or vice versa. */
    if (o->trades_qty > o->cum_qty)
        return o->trades_quote;
    if (o->cum_qty > o->trades_qty)
        return o->cum_quote;
    return o->trades_quote > o->cum_quote ? o->trades_quote : o->cum_quote;
}

int ledger_order_missing_trades(const struct ledger_order *o)
{
    return o->cum_qty > o->trades_qty;
}

void ledger_side_totals(const struct ledger *l, enum order_side side, struct ledger_totals *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < l->n_orders; i++) {
        const struct ledger_order *o = &l->orders[i];
        if (o->side != side)
            continue;
        out->qty = add_sat(out->qty, ledger_order_qty(o));
        out->quote = add_sat(out->quote, ledger_order_quote(o));
        out->fee_quote = add_sat(out->fee_quote, o->fee_quote);
        out->fee_base = add_sat(out->fee_base, o->fee_base);
        out->fee_other = add_sat(out->fee_other, o->fee_other);
        out->orders++;
    }
}

money_t ledger_window_buy(const struct order_state *orders, size_t n, int64_t start_ms)
{
    money_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const struct order_state *o = &orders[i];
        if (o->side != SIDE_BUY || o->executed_qty <= 0 || o->time_ms < start_ms)
            continue;
        /* Binance sends a negative cummulativeQuoteQty for old orders whose
         * value it no longer has: the limit price bounds what they cost. */
        sum = add_sat(sum, o->cum_quote >= 0 ? o->cum_quote : money_mul(o->executed_qty, o->price));
    }
    return sum;
}
