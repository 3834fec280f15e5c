/*
 * book.c - the simulator's per-symbol order book (see book.h).
 *
 * User levels are kept in a sorted array, worst price first, so the best
 * level is at the end: orders arrive near the best price, where inserting
 * and removing moves few entries.  Synthetic levels sit in a fixed array
 * whose index follows from the price, so their quantity is found in O(1).
 */
#include "looptrader/sim/book.h"

#include <stdlib.h>
#include <string.h>

#define JOURNAL_CAP 65536

struct book_level {
    money_t price;
    money_t total;
    struct book_order *head, *tail;
    struct book_level *next_free;
};

/* Sort key in which a larger value is a better price on side. */
static money_t rank(int side, money_t p)
{
    return side == SIDE_BUY ? p : -p;
}

static int better(int side, money_t a, money_t b)
{
    return rank(side, a) > rank(side, b);
}

static money_t min_m(money_t a, money_t b)
{
    return a < b ? a : b;
}

static size_t lv_lower(const struct book *b, int side, money_t price)
{
    money_t r = rank(side, price);
    size_t lo = 0, hi = b->n_lv[side];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rank(side, b->lv[side][mid]->price) < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static struct book_level *lv_find(const struct book *b, int side, money_t price)
{
    size_t i = lv_lower(b, side, price);
    if (i < b->n_lv[side] && b->lv[side][i]->price == price)
        return b->lv[side][i];
    return NULL;
}

static int syn_index(const struct book *b, int side, money_t price)
{
    money_t gap = b->p.gap_ticks * b->p.tick;
    money_t base = b->syn[side][0].price;
    money_t d = side == SIDE_BUY ? base - price : price - base;
    if (d < 0 || d % gap)
        return -1;
    d /= gap;
    return d < b->p.levels ? (int)d : -1;
}

money_t book_qty_at(const struct book *b, enum order_side side, money_t price)
{
    int i = syn_index(b, side, price);
    const struct book_level *l = lv_find(b, side, price);
    return (i >= 0 ? b->syn[side][i].qty : 0) + (l ? l->total : 0);
}

static void journal_push(struct book *b, int side, money_t price)
{
    size_t at;
    if (b->j_len == b->j_cap) {
        if (b->journal[b->j_head].id > b->j_evicted)
            b->j_evicted = b->journal[b->j_head].id;
        b->j_head = (b->j_head + 1) % b->j_cap;
        b->j_len--;
    }
    at = (b->j_head + b->j_len) % b->j_cap;
    b->journal[at].id = b->update_id;
    b->journal[at].price = price;
    b->journal[at].side = side;
    b->j_len++;
}

int book_init(struct book *b, const struct book_params *p, money_t mid, struct lt_err *err)
{
    memset(b, 0, sizeof(*b));
    if (p->tick <= 0 || p->step <= 0 || p->spread_ticks < 1 || p->gap_ticks < 1 ||
        p->levels < 1 || p->level_qty <= 0)
        return lt_err_set(err, LT_EINVAL, "book: bad parameters");
    b->p = *p;
    b->syn[0] = calloc((size_t)p->levels, sizeof(struct sim_level));
    b->syn[1] = calloc((size_t)p->levels, sizeof(struct sim_level));
    b->journal = calloc(JOURNAL_CAP, sizeof(struct book_jentry));
    b->j_cap = JOURNAL_CAP;
    if (!b->syn[0] || !b->syn[1] || !b->journal) {
        book_free(b);
        return lt_err_set(err, LT_ENOMEM, "book: out of memory");
    }
    book_set_mid(b, mid);
    return 0;
}

void book_free(struct book *b)
{
    for (int s = 0; s < 2; s++) {
        for (size_t i = 0; i < b->n_lv[s]; i++)
            free(b->lv[s][i]);
        free(b->lv[s]);
        free(b->syn[s]);
    }
    while (b->free_levels) {
        struct book_level *l = b->free_levels;
        b->free_levels = l->next_free;
        free(l);
    }
    free(b->journal);
    memset(b, 0, sizeof(*b));
}

void book_set_mid(struct book *b, money_t mid)
{
    money_t tick = b->p.tick, gap = b->p.gap_ticks * tick;
    money_t bid0 = money_floor_to(mid, tick) - (b->p.spread_ticks / 2) * tick;
    money_t lowest = (money_t)(b->p.levels - 1) * gap + tick;
    int changed = 0, moved;

    if (bid0 < lowest)
        bid0 = lowest;
    moved = b->syn[SIDE_BUY][0].price != bid0;
    for (int k = 0; k < b->p.levels && !changed; k++)
        changed = b->syn[SIDE_BUY][k].qty != b->p.level_qty ||
                  b->syn[SIDE_SELL][k].qty != b->p.level_qty;
    if (!moved && !changed)
        return;
    b->update_id++;
    for (int s = 0; s < 2; s++) {
        money_t first = s == SIDE_BUY ? bid0 : bid0 + b->p.spread_ticks * tick;
        money_t dir = s == SIDE_BUY ? -gap : gap;
        for (int k = 0; k < b->p.levels; k++) {
            struct sim_level *l = &b->syn[s][k];
            money_t old_price = l->price;
            int differs = moved || l->qty != b->p.level_qty;
            l->price = first + dir * k;
            l->qty = b->p.level_qty;
            if (differs) {
                if (moved && old_price > 0)
                    journal_push(b, s, old_price);
                journal_push(b, s, l->price);
            }
        }
    }
}

int book_add(struct book *b, struct book_order *o)
{
    int s = o->side;
    struct book_level *l = lv_find(b, s, o->price);

    if (!l) {
        size_t i = lv_lower(b, s, o->price);
        if (b->n_lv[s] == b->cap_lv[s]) {
            size_t cap = b->cap_lv[s] ? b->cap_lv[s] * 2 : 16;
            struct book_level **v = realloc(b->lv[s], cap * sizeof(*v));
            if (!v)
                return LT_ENOMEM;
            b->lv[s] = v;
            b->cap_lv[s] = cap;
        }
        if (b->free_levels) {
            l = b->free_levels;
            b->free_levels = l->next_free;
        } else if (!(l = malloc(sizeof(*l)))) {
            return LT_ENOMEM;
        }
        memset(l, 0, sizeof(*l));
        l->price = o->price;
        memmove(&b->lv[s][i + 1], &b->lv[s][i], (b->n_lv[s] - i) * sizeof(l));
        b->lv[s][i] = l;
        b->n_lv[s]++;
    }
    o->level = l;
    o->next = NULL;
    o->prev = l->tail;
    if (l->tail)
        l->tail->next = o;
    else
        l->head = o;
    l->tail = o;
    l->total += o->remaining;
    b->update_id++;
    journal_push(b, s, o->price);
    return 0;
}

/* Takes o out of its level, dropping the level when it empties. */
static void unlink_order(struct book *b, struct book_order *o)
{
    struct book_level *l = o->level;
    int s = o->side;

    if (o->prev)
        o->prev->next = o->next;
    else
        l->head = o->next;
    if (o->next)
        o->next->prev = o->prev;
    else
        l->tail = o->prev;
    l->total -= o->remaining;
    o->level = NULL;
    o->prev = o->next = NULL;
    if (!l->head) {
        size_t i = lv_lower(b, s, l->price);
        memmove(&b->lv[s][i], &b->lv[s][i + 1], (b->n_lv[s] - i - 1) * sizeof(l));
        b->n_lv[s]--;
        l->next_free = b->free_levels;
        b->free_levels = l;
    }
}

void book_remove(struct book *b, struct book_order *o)
{
    if (!o->level)
        return;
    unlink_order(b, o);
    b->update_id++;
    journal_push(b, o->side, o->price);
}

int book_fills_push(struct book_fills *f, money_t price, money_t qty, struct book_order *maker)
{
    if (f->n == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 32;
        struct book_fill *v = realloc(f->v, cap * sizeof(*v));
        if (!v)
            return LT_ENOMEM;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n].price = price;
    f->v[f->n].qty = qty;
    f->v[f->n].maker = maker;
    f->n++;
    return 0;
}

void book_fills_free(struct book_fills *f)
{
    free(f->v);
    memset(f, 0, sizeof(*f));
}

static struct book_order *best_user(const struct book *b, int side, size_t *ui)
{
    *ui = b->n_lv[side];
    return *ui ? b->lv[side][--*ui]->head : NULL;
}

money_t book_plan(const struct book *b, enum order_side side, money_t limit, money_t max_qty,
                  money_t max_quote, struct book_fills *out)
{
    int opp = 1 - side;
    money_t got = 0, spent = 0;
    int si = 0;
    size_t ui;
    struct book_order *uo = best_user(b, opp, &ui);

    while (got < max_qty) {
        money_t price, avail, q;
        int use_syn;

        while (si < b->p.levels && b->syn[opp][si].qty <= 0)
            si++;
        if (si >= b->p.levels && !uo)
            break;
        use_syn = si < b->p.levels &&
                  (!uo || !better(opp, uo->price, b->syn[opp][si].price));
        price = use_syn ? b->syn[opp][si].price : uo->price;
        avail = use_syn ? b->syn[opp][si].qty : min_m(uo->remaining, uo->match_cap);
        if (limit > 0 && (side == SIDE_BUY ? price > limit : price < limit))
            break;
        q = min_m(avail, max_qty - got);
        if (max_quote > 0)
            q = min_m(q, money_floor_to(money_div(max_quote - spent, price), b->p.step));
        if (q <= 0)
            break;
        if (book_fills_push(out, price, q, use_syn ? NULL : uo) < 0)
            return -1;
        got += q;
        spent += money_mul(price, q);
        if (q < avail)
            break;
        if (use_syn) {
            si++;
        } else if (!(uo = uo->next) && ui > 0) {
            uo = b->lv[opp][--ui]->head;
        }
    }
    return got;
}

void book_consume(struct book *b, enum order_side taker_side, const struct book_fill *f,
                  size_t n)
{
    int opp = 1 - taker_side;

    if (!n)
        return;
    b->update_id++;
    for (size_t i = 0; i < n; i++) {
        if (f[i].maker) {
            struct book_order *o = f[i].maker;
            o->remaining -= f[i].qty;
            o->level->total -= f[i].qty;
            if (o->remaining == 0)
                unlink_order(b, o);
        } else {
            int k = syn_index(b, opp, f[i].price);
            if (k >= 0)
                b->syn[opp][k].qty -= f[i].qty;
        }
        journal_push(b, opp, f[i].price);
    }
}

int book_cross(struct book *b, struct book_fills *out)
{
    int bumped = 0;

    for (int s = 0; s < 2; s++) {
        int opp = 1 - s;
        size_t i = b->n_lv[s];
        while (i-- > 0) {
            struct book_level *l = b->lv[s][i];
            money_t lprice = l->price;
            struct book_order *o = l->head;
            int si = 0;

            while (si < b->p.levels && b->syn[opp][si].qty <= 0)
                si++;
            if (si >= b->p.levels || better(opp, lprice, b->syn[opp][si].price))
                break; /* no synthetic liquidity at or through this price */
            if (!bumped) {
                b->update_id++;
                bumped = 1;
            }
            while (o) {
                struct book_order *next = o->next;
                money_t want = min_m(o->remaining, o->match_cap), got = 0;
                while (got < want && si < b->p.levels &&
                       !better(opp, lprice, b->syn[opp][si].price)) {
                    money_t q = min_m(want - got, b->syn[opp][si].qty);
                    b->syn[opp][si].qty -= q;
                    got += q;
                    journal_push(b, opp, b->syn[opp][si].price);
                    if (b->syn[opp][si].qty == 0)
                        si++;
                }
                if (!got)
                    break;
                if (book_fills_push(out, o->price, got, o) < 0)
                    return LT_ENOMEM;
                o->remaining -= got;
                l->total -= got;
                if (o->remaining == 0)
                    unlink_order(b, o);
                o = next;
            }
            journal_push(b, s, lprice);
        }
    }
    return 0;
}

int book_best(const struct book *b, enum order_side side, money_t *price, money_t *qty)
{
    int si = 0, found = 0;
    money_t p = 0;

    while (si < b->p.levels && b->syn[side][si].qty <= 0)
        si++;
    if (si < b->p.levels) {
        p = b->syn[side][si].price;
        found = 1;
    }
    if (b->n_lv[side]) {
        money_t up = b->lv[side][b->n_lv[side] - 1]->price;
        if (!found || better(side, up, p))
            p = up;
        found = 1;
    }
    if (!found) {
        *price = *qty = 0;
        return 0;
    }
    *price = p;
    *qty = book_qty_at(b, side, p);
    return 1;
}

size_t book_depth(const struct book *b, enum order_side side, size_t limit,
                  struct sim_level *out)
{
    size_t n = 0, ui = b->n_lv[side];
    int si = 0;

    while (n < limit) {
        money_t p = 0, q = 0;
        while (si < b->p.levels && b->syn[side][si].qty <= 0)
            si++;
        if (si >= b->p.levels && ui == 0)
            break;
        if (si < b->p.levels &&
            (ui == 0 || !better(side, b->lv[side][ui - 1]->price, b->syn[side][si].price))) {
            p = b->syn[side][si].price;
            q = b->syn[side][si].qty;
            si++;
        } else {
            p = b->lv[side][ui - 1]->price;
        }
        if (ui > 0 && b->lv[side][ui - 1]->price == p) {
            q += b->lv[side][ui - 1]->total;
            ui--;
        }
        out[n].price = p;
        out[n].qty = q;
        n++;
    }
    return n;
}

static int jcmp(const void *a, const void *b)
{
    const struct book_jentry *x = a, *y = b;
    if (x->side != y->side)
        return x->side - y->side;
    if (x->price == y->price)
        return 0;
    /* bids descending, asks ascending */
    return (x->side == SIDE_BUY) == (x->price > y->price) ? -1 : 1;
}

int book_diff(const struct book *b, int64_t since_id,
              void (*fn)(void *ctx, enum order_side side, money_t price, money_t qty),
              void *ctx)
{
    size_t n = 0;
    struct book_jentry *v;

    if (since_id < b->j_evicted)
        return LT_ERANGE;
    while (n < b->j_len &&
           b->journal[(b->j_head + b->j_len - 1 - n) % b->j_cap].id > since_id)
        n++;
    if (!n)
        return 0;
    if (!(v = malloc(n * sizeof(*v))))
        return LT_ENOMEM;
    for (size_t i = 0; i < n; i++)
        v[i] = b->journal[(b->j_head + b->j_len - n + i) % b->j_cap];
    qsort(v, n, sizeof(*v), jcmp);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && v[i].side == v[i - 1].side && v[i].price == v[i - 1].price)
            continue;
        fn(ctx, (enum order_side)v[i].side, v[i].price,
           book_qty_at(b, (enum order_side)v[i].side, v[i].price));
    }
    free(v);
    return 0;
}
