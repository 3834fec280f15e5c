/*
 * guard.c - consistency rules on a venue's answers and pushes (see guard.h).
 *
 * Each check names the first rule broken; the order of the rules only
 * decides which kind a many-ways-wrong answer is counted under.
 */
#include "looptrader/guard.h"
#include "looptrader/error.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[GUARD_KINDS] = {
    [GUARD_NEGATIVE] = "negative",
    [GUARD_OFF_GRID] = "off-grid",
    [GUARD_MISMATCH] = "not-what-we-sent",
    [GUARD_OVERFILL] = "overfill",
    [GUARD_DECREASE] = "cumulative-decrease",
    [GUARD_FILLED_SHORT] = "filled-short",
    [GUARD_NO_QUOTE] = "fill-without-price",
    [GUARD_QUOTE_RANGE] = "quote-out-of-range",
    [GUARD_FINAL_DISAGREE] = "final-below-trades",
    [GUARD_BAD_BOOK] = "bad-book",
    [GUARD_FINAL_REFUTED] = "final-refuted-by-query",
    [GUARD_ARM_BOUND] = "outside-armed-bounds",
};

const char *guard_kind_name(enum guard_kind k)
{
    return (unsigned)k < GUARD_KINDS ? kind_names[k] : "?";
}

static int refuse(enum guard_kind k, enum guard_kind *why)
{
    if (why)
        *why = k;
    return LT_EINVAL;
}

static int off_grid(money_t v, money_t unit)
{
    return unit > 0 && v % unit != 0;
}

/* The quote a fill of qty at limit price may carry: a buy pays at most the
 * limit, a sell gets at least it (one unit of slack for the venue's own
 * rounding of the product; amounts are >= 0 here, so no +-1 overflows). */
static int quote_allowed(enum order_side side, money_t limit, money_t qty, money_t quote)
{
    if (limit <= 0)
        return 1;
    if (side == SIDE_BUY)
        return quote - 1 <= money_mul_up(qty, limit);
    return quote >= money_mul(qty, limit) - 1;
}

int guard_check_order(const struct symbol_rules *r, const struct guard_order *g,
                      const struct order_state *st, enum guard_kind *why)
{
    if (st->price < 0 || st->orig_qty < 0 || st->executed_qty < 0 || st->cum_quote < 0)
        return refuse(GUARD_NEGATIVE, why);
    if (st->client_id[0] && strcmp(st->client_id, g->client_id) != 0)
        return refuse(GUARD_MISMATCH, why);
    if (st->side != g->side)
        return refuse(GUARD_MISMATCH, why);
    if (g->qty > 0 && st->orig_qty > 0 && st->orig_qty != g->qty)
        return refuse(GUARD_MISMATCH, why);
    if (g->price > 0 && st->price > 0 && st->price != g->price)
        return refuse(GUARD_MISMATCH, why);
    if (r && (off_grid(st->price, r->tick_size) || off_grid(st->orig_qty, r->step_size) ||
              off_grid(st->executed_qty, r->step_size)))
        return refuse(GUARD_OFF_GRID, why);
    money_t orig = g->qty > 0 ? g->qty : st->orig_qty;
    money_t limit = g->price > 0 ? g->price : st->price;
    if (orig > 0 && st->executed_qty > orig)
        return refuse(GUARD_OVERFILL, why);
    if (st->executed_qty < g->prev_qty || st->cum_quote < g->prev_quote)
        return refuse(GUARD_DECREASE, why);
    if (st->status == ORDER_FILLED && (orig <= 0 || st->executed_qty != orig))
        return refuse(GUARD_FILLED_SHORT, why);
    if (st->executed_qty > 0 && st->cum_quote == 0)
        return refuse(GUARD_NO_QUOTE, why);
    if (!quote_allowed(g->side, limit, st->executed_qty, st->cum_quote))
        return refuse(GUARD_QUOTE_RANGE, why);
    if (order_status_is_final(st->status) && st->executed_qty < g->trades_qty)
        return refuse(GUARD_FINAL_DISAGREE, why);
    return 0;
}

int guard_check_armed(const struct symbol_rules *r, const struct guard_order *g,
                      const struct arm_bounds *b, const struct order_state *st,
                      enum guard_kind *why)
{
    int rc = guard_check_order(r, g, st, why);
    if (rc != 0)
        return rc;
    if (st->side != b->side || st->orig_qty > b->max_qty || st->executed_qty > b->max_qty)
        return refuse(GUARD_ARM_BOUND, why);
    if (b->max_quote > 0 && (st->cum_quote > b->max_quote ||
                             money_mul_up(st->price, st->orig_qty) > b->max_quote))
        return refuse(GUARD_ARM_BOUND, why);
    return 0;
}

int guard_check_trade(const struct symbol_rules *r, const struct guard_order *g,
                      money_t qty, money_t price, money_t quote, money_t commission,
                      enum guard_kind *why)
{
    if (qty < 0 || price < 0 || quote < 0 || commission < 0)
        return refuse(GUARD_NEGATIVE, why);
    if (qty == 0 || price == 0 || quote == 0)
        return refuse(GUARD_NO_QUOTE, why);
    if (r && (off_grid(price, r->tick_size) || off_grid(qty, r->step_size)))
        return refuse(GUARD_OFF_GRID, why);
    if (g->qty > 0 && (qty > g->qty || g->trades_qty > g->qty - qty))
        return refuse(GUARD_OVERFILL, why);
    /* The trade's own price must honour our limit, and its quote must be
     * its price times its quantity. */
    if (g->price > 0 && (g->side == SIDE_BUY ? price > g->price : price < g->price))
        return refuse(GUARD_QUOTE_RANGE, why);
    if (quote < money_mul(qty, price) - 1 || quote - 1 > money_mul_up(qty, price))
        return refuse(GUARD_QUOTE_RANGE, why);
    return 0;
}

int guard_check_history(const struct symbol_rules *r, const struct order_state *o,
                        enum guard_kind *why)
{
    if (o->price < 0 || o->orig_qty < 0 || o->executed_qty < 0 || o->cum_quote < 0)
        return refuse(GUARD_NEGATIVE, why);
    if (r && (off_grid(o->price, r->tick_size) || off_grid(o->orig_qty, r->step_size) ||
              off_grid(o->executed_qty, r->step_size)))
        return refuse(GUARD_OFF_GRID, why);
    if (o->orig_qty > 0 && o->executed_qty > o->orig_qty)
        return refuse(GUARD_OVERFILL, why);
    if (o->status == ORDER_FILLED && o->executed_qty != o->orig_qty)
        return refuse(GUARD_FILLED_SHORT, why);
    if (o->executed_qty > 0 && o->cum_quote == 0)
        return refuse(GUARD_NO_QUOTE, why);
    /* A market order has no price to bound its quote by. */
    if (!quote_allowed(o->side, o->price, o->executed_qty, o->cum_quote))
        return refuse(GUARD_QUOTE_RANGE, why);
    return 0;
}

/* A crossed book (bid above ask) is not refused: a venue whose resting
 * orders are not matched against its market maker (the simulator's, with
 * several accounts) shows one, and each side prices only its own ladder. */
int guard_check_book(money_t bid, money_t ask, enum guard_kind *why)
{
    if (bid <= 0 || ask <= 0)
        return refuse(GUARD_BAD_BOOK, why);
    return 0;
}

int guard_check_balance(money_t free_amt, money_t locked, enum guard_kind *why)
{
    if (free_amt < 0 || locked < 0)
        return refuse(GUARD_NEGATIVE, why);
    return 0;
}

int guard_count(struct guard_counts *c, enum guard_kind k)
{
    if ((unsigned)k >= GUARD_KINDS)
        return 0;
    if (c->n[k] < UINT32_MAX)
        c->n[k]++;
    return c->n[k] == 1;
}

uint64_t guard_counts_format(const struct guard_counts *c, char *out, size_t size)
{
    uint64_t total = 0;
    size_t used = 0;
    if (size)
        out[0] = '\0';
    for (int k = 0; k < GUARD_KINDS; k++) {
        if (!c->n[k])
            continue;
        total += c->n[k];
        if (used < size) {
            int w = snprintf(out + used, size - used, "%s%u %s", used ? ", " : "",
                             (unsigned)c->n[k], kind_names[k]);
            if (w > 0)
                used += (size_t)w;
        }
    }
    return total;
}
