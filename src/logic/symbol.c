/*
 * symbol.c - a trading pair's exchange filters (PRICE_FILTER, LOT_SIZE,
 * NOTIONAL) and the rounding they imply.
 *
 * Shared by the trader, which must build orders the venue accepts, and the
 * simulator, which must reject the others the way Binance does (-1013), so
 * both sides agree on the exact rule.  A zero in a filter field means the
 * venue disabled that bound, as in Binance's exchangeInfo.
 */
#include "looptrader/symbol.h"

#include <stdint.h>

money_t symbol_round_price(const struct symbol_rules *r, enum order_side side, money_t price)
{
    money_t tick = r->tick_size;
    if (tick <= 0)
        return price;
    if (side == SIDE_BUY)
        return money_floor_to(price, tick);
    money_t down = money_floor_to(price, tick);
    if (down == price)
        return price;
    /* Past the top of the int64 range no bigger tick multiple exists; the
     * PRICE_FILTER max rejects such a price anyway. */
    if (down > INT64_MAX - tick)
        return down;
    return down + tick;
}

money_t symbol_round_qty(const struct symbol_rules *r, money_t qty)
{
    if (r->step_size <= 0)
        return qty;
    return money_floor_to(qty, r->step_size);
}

money_t symbol_qty_for_quote(const struct symbol_rules *r, money_t quote, money_t price)
{
    if (price <= 0 || quote <= 0)
        return 0;
    /* money_div truncates, so qty * price <= quote holds before the step
     * rounding, and rounding down keeps it. */
    money_t qty = symbol_round_qty(r, money_div(quote, price));
    return qty > 0 ? qty : 0;
}

/* v is on the grid min + n * unit (Binance's "(v - min) % unit == 0"). */
static int on_grid(money_t v, money_t min, money_t unit)
{
    if (unit <= 0)
        return 1;
    __int128 d = (__int128)v - min;
    return d % unit == 0;
}

static int check_lot(const struct symbol_rules *r, money_t qty, struct lt_err *err)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX];

    if (qty <= 0)
        return lt_err_set(err, LT_EINVAL, "LOT_SIZE: quantity %s must be > 0",
                          money_format_min(qty, a));
    if (r->min_qty > 0 && qty < r->min_qty)
        return lt_err_set(err, LT_EINVAL, "LOT_SIZE: quantity %s < min %s",
                          money_format_min(qty, a), money_format_min(r->min_qty, b));
    if (r->max_qty > 0 && qty > r->max_qty)
        return lt_err_set(err, LT_EINVAL, "LOT_SIZE: quantity %s > max %s",
                          money_format_min(qty, a), money_format_min(r->max_qty, b));
    if (!on_grid(qty, r->min_qty, r->step_size))
        return lt_err_set(err, LT_EINVAL, "LOT_SIZE: quantity %s is not a multiple of step %s",
                          money_format_min(qty, a), money_format_min(r->step_size, b));
    return 0;
}

static int check_notional(const struct symbol_rules *r, money_t price, money_t qty,
                          struct lt_err *err)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX];

    /* Truncation cannot move a product across an integer bound from above,
     * rounding up cannot from below: each comparison uses the safe one. */
    money_t low = money_mul(price, qty);
    money_t high = money_mul_up(price, qty);
    if (r->min_notional > 0 && low < r->min_notional)
        return lt_err_set(err, LT_EINVAL, "NOTIONAL: %s < min %s",
                          money_format_min(low, a), money_format_min(r->min_notional, b));
    if (r->max_notional > 0 && high > r->max_notional)
        return lt_err_set(err, LT_EINVAL, "NOTIONAL: %s > max %s",
                          money_format_min(high, a), money_format_min(r->max_notional, b));
    return 0;
}

int symbol_check_order(const struct symbol_rules *r, money_t price, money_t qty,
                       struct lt_err *err)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX];

    if (price <= 0)
        return lt_err_set(err, LT_EINVAL, "PRICE_FILTER: price %s must be > 0",
                          money_format_min(price, a));
    if (r->min_price > 0 && price < r->min_price)
        return lt_err_set(err, LT_EINVAL, "PRICE_FILTER: price %s < min %s",
                          money_format_min(price, a), money_format_min(r->min_price, b));
    if (r->max_price > 0 && price > r->max_price)
        return lt_err_set(err, LT_EINVAL, "PRICE_FILTER: price %s > max %s",
                          money_format_min(price, a), money_format_min(r->max_price, b));
    if (!on_grid(price, r->min_price, r->tick_size))
        return lt_err_set(err, LT_EINVAL, "PRICE_FILTER: price %s is not a multiple of tick %s",
                          money_format_min(price, a), money_format_min(r->tick_size, b));
    int rc = check_lot(r, qty, err);
    if (rc)
        return rc;
    return check_notional(r, price, qty, err);
}

int symbol_check_market(const struct symbol_rules *r, money_t ref_price, money_t qty,
                        struct lt_err *err)
{
    int rc = check_lot(r, qty, err);
    if (rc)
        return rc;
    /* Without a reference price (empty book) the notional is unknown; the
     * venue judges it at match time. */
    if (ref_price <= 0)
        return 0;
    return check_notional(r, ref_price, qty, err);
}
