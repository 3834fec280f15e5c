/*
 * fuzz_venue_pricing.c - exchange data all the way to order prices: the
 * symbol's rules from an exchangeInfo body and best bid/ask from pushed
 * bookTicker events, through the slippage ladder (ladder_price), the
 * quantity for a quote amount and the filter checks, as the strategy
 * prices every rung.
 *
 * Input: the first line is the exchangeInfo body, each further line a
 * pushed message.  A rung never pays more than its slippage bound (a buy
 * at most ref x (1 + frac), a sell at least ref x (1 - frac)), and a
 * quantity bought for a quote amount never costs more than that amount.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/ladder.h"
#include "looptrader/venue_binance.h"

static void venue_pricing_rungs(const struct ladder *l, const struct symbol_rules *r,
                                money_t bid, money_t ask)
{
    const money_t quote = 50 * MONEY_SCALE;
    for (int side = SIDE_BUY; side <= SIDE_SELL; side++) {
        money_t ref = side == SIDE_BUY ? ask : bid;
        for (int k = 0; k <= l->max_tries; k++) {
            money_t p = ladder_price(l, r, (enum order_side)side, ref, k);
            if (p <= 0)
                continue;
            int kk = k < l->max_tries ? k : l->max_tries - 1;
            __int128 frac = (__int128)l->slippage + (__int128)kk * l->slippage_step;
            __int128 bound = (__int128)ref * (side == SIDE_BUY ? MONEY_SCALE + frac
                                                                : MONEY_SCALE - frac);
            if (side == SIDE_BUY)
                FUZZ_CHECK((__int128)p * MONEY_SCALE <= bound);
            else if (p <= INT64_MAX - r->tick_size)
                FUZZ_CHECK((__int128)p * MONEY_SCALE >= bound);
            money_t qty = symbol_qty_for_quote(r, quote, p);
            FUZZ_CHECK(qty >= 0);
            FUZZ_CHECK((__int128)qty * p <= (__int128)quote * MONEY_SCALE);
            struct lt_err err = { 0 };
            (void)symbol_check_order(r, p, qty, &err);
            (void)symbol_check_market(r, p, symbol_round_qty(r, qty), &err);
        }
    }
}

FUZZ_TARGET(venue_pricing)
{
    static const struct ladder ladders[] = {
        { .slippage = MONEY_SCALE / 1000, .slippage_step = MONEY_SCALE / 500, .max_tries = 5 },
        { .slippage = MONEY_SCALE / 2, .slippage_step = MONEY_SCALE / 2, .max_tries = 100 },
    };
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t first = nl ? (size_t)(nl - in) : size;
    struct symbol_rules r;
    if (venue_binance_parse_exchange_info(in, first, "ALPHAUSDT", &r, NULL) != 0)
        return 0;
    for (size_t i = first + 1; i < size;) {
        const char *end = memchr(in + i, '\n', size - i);
        size_t len = end ? (size_t)(end - (in + i)) : size - i;
        struct venue_push p;
        if (venue_binance_parse_push(in + i, len, &p, NULL) == 0 && p.kind == PUSH_BOOK_TICKER)
            for (size_t l = 0; l < sizeof ladders / sizeof ladders[0]; l++)
                venue_pricing_rungs(&ladders[l], &r, p.u.book.bid, p.u.book.ask);
        i += len + 1;
    }
    return 0;
}
