/*
 * accounts.c - a simulated account's storage (see accounts.h).
 */
#include "looptrader/sim/accounts.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/error.h"

int account_init(struct account *a, const struct simconf_account *conf, size_t n_assets,
                 size_t n_symbols)
{
    memset(a, 0, sizeof(*a));
    a->conf = conf;
    a->n_symbols = n_symbols;
    a->free = calloc(n_assets ? n_assets : 1, sizeof(money_t));
    a->locked = calloc(n_assets ? n_assets : 1, sizeof(money_t));
    a->held = calloc(n_assets ? n_assets : 1, 1);
    a->sym = calloc(n_symbols ? n_symbols : 1, sizeof(*a->sym));
    a->cid_cap = 64;
    a->cids = calloc(a->cid_cap, sizeof(*a->cids));
    if (!a->free || !a->locked || !a->held || !a->sym || !a->cids) {
        account_free(a);
        return LT_ENOMEM;
    }
    return 0;
}

void account_free(struct account *a)
{
    if (a->sym) {
        for (size_t s = 0; s < a->n_symbols; s++) {
            for (size_t i = 0; i < a->sym[s].n_orders; i++)
                free(a->sym[s].orders[i]);
            free(a->sym[s].orders);
            free(a->sym[s].trades);
        }
    }
    free(a->sym);
    free(a->free);
    free(a->locked);
    free(a->held);
    free(a->cids);
    memset(a, 0, sizeof(*a));
}

struct sim_order_rec *account_order_new(struct account *a, int symbol, int64_t order_id)
{
    struct account_symbol *s = &a->sym[symbol];
    struct sim_order_rec *r;

    if (s->n_orders == s->cap_orders) {
        size_t cap = s->cap_orders ? s->cap_orders * 2 : 64;
        struct sim_order_rec **v = realloc(s->orders, cap * sizeof(*v));
        if (!v)
            return NULL;
        s->orders = v;
        s->cap_orders = cap;
    }
    if (!(r = calloc(1, sizeof(*r))))
        return NULL;
    r->v.symbol = symbol;
    r->v.order_id = order_id;
    r->bo.owner = r;
    r->first_trade = s->n_trades;
    s->orders[s->n_orders++] = r;
    return r;
}

/*
 * Orders and trades are appended in id order and in time order both, so every
 * search by id or time is one bisection: the first index whose key is not
 * below v, or with upper, not at or below v.
 */
enum bisect_key { ORDER_ID, ORDER_TIME, TRADE_ID, TRADE_TIME };

static int64_t key_at(const struct account_symbol *s, enum bisect_key k, size_t i)
{
    switch (k) {
    case ORDER_ID: return s->orders[i]->v.order_id;
    case ORDER_TIME: return s->orders[i]->v.time_ms;
    case TRADE_ID: return s->trades[i].id;
    default: return s->trades[i].time_ms;
    }
}

static size_t bisect(const struct account_symbol *s, enum bisect_key k, int64_t v, bool upper)
{
    size_t lo = 0, hi = k == ORDER_ID || k == ORDER_TIME ? s->n_orders : s->n_trades;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int64_t x = key_at(s, k, mid);
        if (x < v || (upper && x == v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t account_order_lower_id(const struct account_symbol *s, int64_t id)
{
    return bisect(s, ORDER_ID, id, false);
}

size_t account_order_lower_time(const struct account_symbol *s, int64_t t)
{
    return bisect(s, ORDER_TIME, t, false);
}

size_t account_order_upper_time(const struct account_symbol *s, int64_t t)
{
    return bisect(s, ORDER_TIME, t, true);
}

struct sim_order_rec *account_order_by_id(const struct account *a, int symbol, int64_t id)
{
    const struct account_symbol *s = &a->sym[symbol];
    size_t i = account_order_lower_id(s, id);
    return i < s->n_orders && s->orders[i]->v.order_id == id ? s->orders[i] : NULL;
}

static size_t cid_hash(int symbol, const char *cid)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)symbol;
    for (; *cid; cid++)
        h = (h ^ (unsigned char)*cid) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

static struct sim_order_rec **cid_slot(struct sim_order_rec **tab, size_t cap, int symbol,
                                       const char *cid)
{
    size_t i = cid_hash(symbol, cid) & (cap - 1);
    while (tab[i] && (tab[i]->v.symbol != symbol || strcmp(tab[i]->v.client_order_id, cid)))
        i = (i + 1) & (cap - 1);
    return &tab[i];
}

struct sim_order_rec *account_cid_get(const struct account *a, int symbol, const char *cid)
{
    return *cid_slot(a->cids, a->cid_cap, symbol, cid);
}

int account_cid_put(struct account *a, struct sim_order_rec *r)
{
    struct sim_order_rec **slot;

    if ((a->cid_len + 1) * 2 > a->cid_cap) {
        size_t cap = a->cid_cap * 2;
        struct sim_order_rec **tab = calloc(cap, sizeof(*tab));
        if (!tab)
            return LT_ENOMEM;
        for (size_t i = 0; i < a->cid_cap; i++)
            if (a->cids[i])
                *cid_slot(tab, cap, a->cids[i]->v.symbol, a->cids[i]->v.client_order_id) =
                    a->cids[i];
        free(a->cids);
        a->cids = tab;
        a->cid_cap = cap;
    }
    slot = cid_slot(a->cids, a->cid_cap, r->v.symbol, r->v.client_order_id);
    if (!*slot)
        a->cid_len++;
    *slot = r;
    return 0;
}

void account_open_add(struct account *a, struct sim_order_rec *r)
{
    r->open_prev = NULL;
    r->open_next = a->open_head;
    if (a->open_head)
        a->open_head->open_prev = r;
    a->open_head = r;
    a->n_open++;
}

void account_open_remove(struct account *a, struct sim_order_rec *r)
{
    if (r->open_prev)
        r->open_prev->open_next = r->open_next;
    else
        a->open_head = r->open_next;
    if (r->open_next)
        r->open_next->open_prev = r->open_prev;
    r->open_prev = r->open_next = NULL;
    a->n_open--;
}

int account_trade_push(struct account *a, const struct sim_account_trade *t)
{
    struct account_symbol *s = &a->sym[t->symbol];

    if (s->n_trades == s->cap_trades) {
        size_t cap = s->cap_trades ? s->cap_trades * 2 : 64;
        struct sim_account_trade *v = realloc(s->trades, cap * sizeof(*v));
        if (!v)
            return LT_ENOMEM;
        s->trades = v;
        s->cap_trades = cap;
    }
    s->trades[s->n_trades++] = *t;
    return 0;
}

size_t account_trade_lower_id(const struct account_symbol *s, int64_t id)
{
    return bisect(s, TRADE_ID, id, false);
}

size_t account_trade_lower_time(const struct account_symbol *s, int64_t t)
{
    return bisect(s, TRADE_TIME, t, false);
}

size_t account_trade_upper_time(const struct account_symbol *s, int64_t t)
{
    return bisect(s, TRADE_TIME, t, true);
}
