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

int ledger_add_order(struct ledger *l, const char *client_id, enum order_side side,
                     money_t price, money_t qty)
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
    o->price = price;
    o->qty = qty;
    o->claimed = ORDER_STATUS_UNKNOWN;
    o->rung = -1;
    return 0;
}

int ledger_trade_seen(const struct ledger *l, int64_t trade_id)
{
    for (size_t i = 0; i < l->n_trades; i++)
        if (l->trade_ids[i] == trade_id)
            return 1;
    return 0;
}


/* A FILLED status that the trades seen account for exactly. */
static int corroborated(const struct ledger_order *o, enum order_status st)
{
    return st == ORDER_FILLED && o->qty > 0 && o->trades_qty == o->qty;
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
    if (ledger_trade_seen(l, trade_id))
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
    /* Sums saturate: amounts come from the venue, and a hostile or broken
     * answer must not wrap a total around (found by fuzz_venue_trades). */
    o->trades_qty = money_add_sat(o->trades_qty, qty);
    o->trades_quote = money_add_sat(o->trades_quote, quote);
    if (corroborated(o, o->claimed))
        o->final = 1;
    if (commission) {
        if (commission_asset && strcmp(commission_asset, l->quote) == 0)
            o->fee_quote = money_add_sat(o->fee_quote, commission);
        else if (commission_asset && strcmp(commission_asset, l->base) == 0)
            o->fee_base = money_add_sat(o->fee_base, commission);
        else
            o->fee_other = money_add_sat(o->fee_other, commission);
    }
    return 1;
}

static void keep_max(money_t *dst, money_t v)
{
    if (v > *dst)
        *dst = v;
}

int ledger_set_cum(struct ledger *l, const char *client_id, int64_t order_id,
                   money_t executed_qty, money_t cum_quote, enum order_status status,
                   enum ledger_source src)
{
    int i = ledger_find(l, client_id);
    if (i < 0)
        return LT_ENOTFOUND;
    struct ledger_order *o = &l->orders[i];
    if (order_id > 0)
        o->order_id = order_id;
    keep_max(&o->cum_qty, executed_qty);
    keep_max(&o->cum_quote, cum_quote);
    keep_max(src == LEDGER_PUSH ? &o->push_qty : &o->rest_qty, executed_qty);
    keep_max(src == LEDGER_PUSH ? &o->push_quote : &o->rest_quote, cum_quote);
    if (!order_status_is_final(status)) {
        if (src == LEDGER_QUERY)
            o->claimed = ORDER_STATUS_UNKNOWN; /* the query wins over a claim */
        return 0;
    }
    if (src == LEDGER_QUERY || corroborated(o, status))
        o->final = 1;
    else
        o->claimed = status;
    return 0;
}

void ledger_guard_order(const struct ledger_order *o, enum ledger_source src,
                        struct guard_order *out)
{
    out->client_id = o->client_id;
    out->side = o->side;
    out->price = o->price;
    out->qty = o->qty;
    out->prev_qty = src == LEDGER_PUSH ? o->push_qty : o->rest_qty;
    out->prev_quote = src == LEDGER_PUSH ? o->push_quote : o->rest_quote;
    out->trades_qty = o->trades_qty;
}

int ledger_set_not_placed(struct ledger *l, const char *client_id)
{
    int i = ledger_find(l, client_id);
    if (i < 0)
        return LT_ENOTFOUND;
    l->orders[i].not_placed = 1;
    return 0;
}

money_t ledger_buy_open_qty(const struct ledger *l)
{
    money_t sum = 0;
    for (size_t i = 0; i < l->n_orders; i++) {
        const struct ledger_order *o = &l->orders[i];
        money_t got = ledger_order_qty(o);
        if (o->side == SIDE_BUY && !o->final && !o->not_placed && o->qty > got)
            sum = money_add_sat(sum, o->qty - got);
    }
    return sum;
}

money_t ledger_committed_quote(const struct ledger *l)
{
    money_t sum = 0;
    for (size_t i = 0; i < l->n_orders; i++) {
        const struct ledger_order *o = &l->orders[i];
        if (o->side != SIDE_BUY)
            continue;
        money_t q = o->final || o->not_placed ? ledger_order_qty(o) : o->qty;
        sum = money_add_sat(sum, money_mul_up(o->price, q));
    }
    return sum;
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
        out->qty = money_add_sat(out->qty, ledger_order_qty(o));
        out->quote = money_add_sat(out->quote, ledger_order_quote(o));
        out->fee_quote = money_add_sat(out->fee_quote, o->fee_quote);
        out->fee_base = money_add_sat(out->fee_base, o->fee_base);
        out->fee_other = money_add_sat(out->fee_other, o->fee_other);
        out->orders++;
    }
}

int ledger_window_buy(const struct order_state *orders, size_t n, int64_t start_ms,
                      const struct symbol_rules *r, money_t *out, struct lt_err *err)
{
    money_t sum = 0;
    struct guard_counts refused;
    memset(&refused, 0, sizeof refused);
    for (size_t i = 0; i < n; i++) {
        const struct order_state *o = &orders[i];
        if (o->side != SIDE_BUY || o->time_ms < start_ms)
            continue;
        /* Binance's -1 cummulativeQuoteQty (an order too old for it to know
         * its value) cannot be in a window of today's volume: refused with
         * the rest rather than guessed. */
        enum guard_kind why;
        if (guard_check_history(r, o, &why) != 0)
            guard_count(&refused, why);
        else if (o->executed_qty > 0)
            sum = money_add_sat(sum, o->cum_quote);
    }
    *out = sum;
    char kinds[160];
    uint64_t bad = guard_counts_format(&refused, kinds, sizeof kinds);
    if (bad)
        return lt_err_set(err, LT_EPARSE,
                          "order history: %llu buy rows in the window break the rules (%s): "
                          "the window total cannot be known", (unsigned long long)bad, kinds);
    return 0;
}
