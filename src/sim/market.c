/*
 * market.c - a simulated symbol's price path, tape, klines and 24 h stats
 * (see market.h).
 *
 * The PRNG is splitmix64, seeded from --seed and the symbol's name, so each
 * symbol's path is reproducible on its own whatever else is configured.
 */
#include "looptrader/sim/market.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TAPE_CAP 5000
#define K1S_CAP 3600   /* one hour of 1 s buckets */
#define K1M_CAP 10080  /* one week of 1 m buckets */
#define DAY_MS 86400000LL

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * 0x1.0p-53;
}

static double rng_gauss(uint64_t *s)
{
    double u1 = rng_uniform(s), u2 = rng_uniform(s);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

static void kring_clear(struct sim_kline *r, size_t cap)
{
    for (size_t i = 0; i < cap; i++)
        r[i].open_ms = -1;
}

int market_init(struct market *m, const struct simconf_symbol *c, uint64_t seed, int64_t now_ms,
                struct lt_err *err)
{
    struct book_params bp = {
        .tick = c->rules.tick_size, .step = c->rules.step_size,
        .spread_ticks = c->spread_ticks, .gap_ticks = c->level_gap_ticks,
        .levels = c->levels, .level_qty = money_floor_to(c->level_qty, c->rules.step_size),
    };
    uint64_t h = 1469598103934665603ULL;
    int rc;

    memset(m, 0, sizeof(*m));
    for (const char *p = c->rules.symbol; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    m->conf = c;
    m->rng = seed ^ h;
    m->mid = money_round_to(c->start_price, c->rules.tick_size);
    m->log_px = m->log_start = log(money_to_double(m->mid));
    m->start_ms = now_ms;
    m->next_trade_id = 1;
    m->last_price = m->mid;
    m->tape_cap = TAPE_CAP;
    m->k1s_cap = K1S_CAP;
    m->k1m_cap = K1M_CAP;
    m->tape = calloc(TAPE_CAP, sizeof(*m->tape));
    m->k1s = malloc(K1S_CAP * sizeof(*m->k1s));
    m->k1m = malloc(K1M_CAP * sizeof(*m->k1m));
    if (!m->tape || !m->k1s || !m->k1m) {
        market_free(m);
        return lt_err_set(err, LT_ENOMEM, "market: out of memory");
    }
    kring_clear(m->k1s, K1S_CAP);
    kring_clear(m->k1m, K1M_CAP);
    if ((rc = book_init(&m->book, &bp, m->mid, err)) < 0) {
        market_free(m);
        return rc;
    }
    return 0;
}

void market_free(struct market *m)
{
    if (m->book.syn[0] || m->book.journal)
        book_free(&m->book);
    free(m->tape);
    free(m->k1s);
    free(m->k1m);
    memset(m, 0, sizeof(*m));
}

void market_walk(struct market *m)
{
    money_t tick = m->conf->rules.tick_size, mid;

    /* A faint pull toward the start price keeps long runs in range. */
    m->log_px += m->conf->volatility * rng_gauss(&m->rng) - 0.0005 * (m->log_px - m->log_start);
    mid = money_round_to(money_from_double(exp(m->log_px)), tick);
    if (mid < tick)
        mid = tick;
    m->mid = mid;
    book_set_mid(&m->book, mid);
}

static void kput(struct sim_kline *ring, size_t cap, int64_t iv, int64_t t,
                 const struct sim_trade *tr)
{
    int64_t open = t - t % iv;
    struct sim_kline *e = &ring[(size_t)(open / iv) % cap];

    if (e->open_ms != open) {
        memset(e, 0, sizeof(*e));
        e->open_ms = open;
        e->close_ms = open + iv - 1;
        e->open = e->high = e->low = tr->price;
        e->first_id = tr->id;
    }
    if (tr->price > e->high)
        e->high = tr->price;
    if (tr->price < e->low)
        e->low = tr->price;
    e->close = tr->price;
    e->volume += tr->qty;
    e->quote_volume += tr->quote_qty;
    if (!tr->buyer_is_maker) {
        e->taker_buy_volume += tr->qty;
        e->taker_buy_quote_volume += tr->quote_qty;
    }
    e->count++;
    e->last_id = tr->id;
}

void market_record(struct market *m, money_t price, money_t qty, int buyer_is_maker,
                   int64_t now_ms, struct sim_trade *out)
{
    struct sim_trade t = {
        .id = m->next_trade_id++, .price = price, .qty = qty,
        .quote_qty = money_mul(price, qty), .time_ms = now_ms,
        .buyer_is_maker = buyer_is_maker,
    };
    size_t at;

    if (m->tape_len == m->tape_cap) {
        m->tape_head = (m->tape_head + 1) % m->tape_cap;
        m->tape_len--;
    }
    at = (m->tape_head + m->tape_len) % m->tape_cap;
    m->tape[at] = t;
    m->tape_len++;
    m->last_price = price;
    m->last_qty = qty;
    if (now_ms >= 0) {
        kput(m->k1s, m->k1s_cap, 1000, now_ms, &t);
        kput(m->k1m, m->k1m_cap, 60000, now_ms, &t);
    }
    if (out)
        *out = t;
}

int market_random_trade(struct market *m, int64_t now_ms, struct sim_trade *out)
{
    money_t price, qty, step = m->conf->rules.step_size;
    int buyer_is_maker;
    double u;

    if (rng_uniform(&m->rng) >= m->conf->trade_rate)
        return 0;
    buyer_is_maker = rng_uniform(&m->rng) < 0.5;
    u = rng_uniform(&m->rng);
    qty = money_floor_to(money_from_double(money_to_double(m->conf->level_qty) *
                                           (0.02 + 0.18 * u)), step);
    if (qty < step)
        qty = step;
    price = buyer_is_maker ? m->book.syn[SIDE_BUY][0].price : m->book.syn[SIDE_SELL][0].price;
    market_record(m, price, qty, buyer_is_maker, now_ms, out);
    return 1;
}

int64_t market_take_trade_id(struct market *m)
{
    return m->next_trade_id++;
}

static const struct sim_trade *tape_at(const struct market *m, size_t i)
{
    return &m->tape[(m->tape_head + i) % m->tape_cap];
}

void market_trades(const struct market *m, const struct sim_query *q,
                   void (*fn)(void *ctx, const struct sim_trade *t), void *ctx)
{
    size_t limit = (size_t)sim_query_limit(q), i = 0, n = m->tape_len, end = n;

    if (q->end_ms >= 0)
        while (end > 0 && tape_at(m, end - 1)->time_ms > q->end_ms)
            end--;
    if (q->from_id >= 0) {
        while (i < end && tape_at(m, i)->id < q->from_id)
            i++;
    } else if (q->start_ms >= 0) {
        while (i < end && tape_at(m, i)->time_ms < q->start_ms)
            i++;
    } else {
        i = end > limit ? end - limit : 0;
    }
    for (size_t k = 0; i < end && k < limit; i++, k++)
        fn(ctx, tape_at(m, i));
}

static const struct sim_kline *kfind(const struct sim_kline *ring, size_t cap, int64_t iv,
                                     int64_t open)
{
    const struct sim_kline *e = &ring[(size_t)(open / iv) % cap];
    return e->open_ms == open ? e : NULL;
}

/* Sums the base buckets of [open, open + iv); 0 when none traded. */
static int kaggregate(const struct market *m, int64_t iv, int64_t open, struct sim_kline *k)
{
    const struct sim_kline *ring = iv == 1000 ? m->k1s : m->k1m;
    size_t cap = iv == 1000 ? m->k1s_cap : m->k1m_cap;
    int64_t g = iv == 1000 ? 1000 : 60000;
    int found = 0;

    memset(k, 0, sizeof(*k));
    k->open_ms = open;
    k->close_ms = open + iv - 1;
    k->first_id = k->last_id = -1;
    for (int64_t t = open; t < open + iv; t += g) {
        const struct sim_kline *e = kfind(ring, cap, g, t);
        if (!e)
            continue;
        if (!found) {
            k->open = e->open;
            k->high = e->high;
            k->low = e->low;
            k->first_id = e->first_id;
            found = 1;
        }
        if (e->high > k->high)
            k->high = e->high;
        if (e->low < k->low)
            k->low = e->low;
        k->close = e->close;
        k->volume += e->volume;
        k->quote_volume += e->quote_volume;
        k->taker_buy_volume += e->taker_buy_volume;
        k->taker_buy_quote_volume += e->taker_buy_quote_volume;
        k->count += e->count;
        k->last_id = e->last_id;
    }
    return found;
}

/* Close of the last traded base bucket before t, else the start price. */
static money_t close_before(const struct market *m, int64_t g, int64_t t)
{
    const struct sim_kline *ring = g == 1000 ? m->k1s : m->k1m;
    size_t cap = g == 1000 ? m->k1s_cap : m->k1m_cap;
    int64_t b = t - t % g - g;

    for (size_t n = 0; n < cap && b >= m->start_ms - g; n++, b -= g) {
        const struct sim_kline *e = kfind(ring, cap, g, b);
        if (e)
            return e->close;
    }
    return money_round_to(m->conf->start_price, m->conf->rules.tick_size);
}

int market_klines(const struct market *m, int64_t iv, const struct sim_query *q, int64_t now_ms,
                  void (*fn)(void *ctx, const struct sim_kline *k), void *ctx)
{
    int64_t g, lo, last, first, horizon, end;
    int64_t limit = sim_query_limit(q), n = 0;
    money_t prev;

    if (iv != 1000 && (iv <= 0 || iv % 60000 || iv > DAY_MS))
        return LT_EINVAL;
    g = iv == 1000 ? 1000 : 60000;
    end = q->end_ms >= 0 && q->end_ms < now_ms ? q->end_ms : now_ms;
    horizon = now_ms - (int64_t)((g == 1000 ? m->k1s_cap : m->k1m_cap) - 1) * g;
    lo = (m->start_ms > horizon ? m->start_ms : horizon);
    lo -= lo % iv;
    last = end - end % iv;
    if (q->start_ms >= 0)
        first = q->start_ms % iv ? q->start_ms - q->start_ms % iv + iv : q->start_ms;
    else
        first = last - (limit - 1) * iv;
    if (first < lo)
        first = lo;
    prev = close_before(m, g, first);
    for (int64_t b = first; b <= last && n < limit; b += iv, n++) {
        struct sim_kline k;
        if (!kaggregate(m, iv, b, &k))
            k.open = k.high = k.low = k.close = prev;
        prev = k.close;
        fn(ctx, &k);
    }
    return 0;
}

void market_ticker24(const struct market *m, int64_t now_ms, struct sim_ticker24 *out)
{
    int64_t from = now_ms - DAY_MS, b = from - from % 60000;
    int found = 0;

    memset(out, 0, sizeof(*out));
    out->open_ms = from;
    out->close_ms = now_ms;
    out->first_id = out->last_id = -1;
    out->prev_close = close_before(m, 60000, b);
    for (; b <= now_ms; b += 60000) {
        const struct sim_kline *e = kfind(m->k1m, m->k1m_cap, 60000, b);
        if (!e)
            continue;
        if (!found) {
            out->open = e->open;
            out->high = e->high;
            out->low = e->low;
            out->first_id = e->first_id;
            found = 1;
        }
        if (e->high > out->high)
            out->high = e->high;
        if (e->low < out->low)
            out->low = e->low;
        out->volume += e->volume;
        out->quote_volume += e->quote_volume;
        out->count += e->count;
        out->last_id = e->last_id;
    }
    out->last = m->last_price;
    out->last_qty = m->last_qty;
    if (!found)
        out->open = out->high = out->low = m->last_price;
    out->weighted_avg = out->volume > 0 ? money_div(out->quote_volume, out->volume)
                                        : m->last_price;
    book_best(&m->book, SIDE_BUY, &out->bid, &out->bid_qty);
    book_best(&m->book, SIDE_SELL, &out->ask, &out->ask_qty);
}
