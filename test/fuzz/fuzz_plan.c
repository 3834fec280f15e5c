/*
 * fuzz_plan.c - a round's sizing and the dry run's plan (plan_compute,
 * which calls plan_min_sellable_qty, plan_buy_qty and the ladder) over what
 * the venue may send: any filter values the exchange-info parser accepts
 * (>= 0, tick and step >= one unit), any book (0, crossed), any balance,
 * with a strategy the configuration accepts.  UBSan reports any overflow
 * in the arithmetic; beyond that, a plan that can trade with quote still to
 * buy buys a positive quantity, in at least one round.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/plan.h"

/* The next 8 bytes as a value in [lo, hi] (0 past the input's end). */
static money_t take(const uint8_t **p, size_t *left, money_t lo, money_t hi)
{
    uint64_t v = 0;
    for (int i = 0; i < 8 && *left > 0; i++, (*p)++, (*left)--)
        v = v << 8 | **p;
    uint64_t span = (uint64_t)(hi - lo);
    return span == UINT64_MAX ? (money_t)v : lo + (money_t)(v % (span + 1));
}

FUZZ_TARGET(plan)
{
    const uint8_t *p = data;
    size_t left = size;
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    strcpy(r.symbol, "ALPHAUSDT");
    strcpy(r.base, "ALPHA");
    strcpy(r.quote, "USDT");
    r.trading = 1;
    r.base_precision = r.quote_precision = 8;
    r.tick_size = take(&p, &left, 1, INT64_MAX);
    r.min_price = take(&p, &left, 0, INT64_MAX);
    r.max_price = take(&p, &left, 0, INT64_MAX);
    r.step_size = take(&p, &left, 1, INT64_MAX);
    r.min_qty = take(&p, &left, 0, INT64_MAX);
    r.max_qty = take(&p, &left, 0, INT64_MAX);
    r.min_notional = take(&p, &left, 0, INT64_MAX);
    r.max_notional = take(&p, &left, 0, INT64_MAX);

    struct strategy_config sc;
    memset(&sc, 0, sizeof sc);
    strcpy(sc.symbol, "ALPHAUSDT");
    sc.buy_amount = take(&p, &left, 1, INT64_MAX);
    sc.target = take(&p, &left, 1, INT64_MAX);
    sc.slippage = take(&p, &left, 0, MONEY_SCALE / 2);
    sc.slippage_step = take(&p, &left, 0, MONEY_SCALE / 2);
    sc.max_tries = (int)take(&p, &left, 1, 100);

    struct plan_input in = { .rules = &r, .sc = &sc };
    in.window_total = take(&p, &left, 0, INT64_MAX);
    in.bid = take(&p, &left, 0, INT64_MAX);
    in.ask = take(&p, &left, 0, INT64_MAX);
    in.free_quote = take(&p, &left, 0, INT64_MAX);

    struct plan pl;
    plan_compute(&in, &pl);
    FUZZ_CHECK(FUZZ_TERMINATED(pl.why));
    FUZZ_CHECK(pl.remaining >= 0 && pl.rounds >= 0);
    /* (a round worth less than 1e-8 quote has round_quote 0: no rounds) */
    if (pl.can_trade && pl.remaining > 0)
        FUZZ_CHECK(pl.qty > 0 && (pl.round_quote == 0 || pl.rounds >= 1));
    return 0;
}
