/* Unit tests: the simulator's order book (synthetic levels, price-time
 * matching, crossing on a mid move, aggregated depth, the diff journal). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/sim/book.h"

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

/* Mid 1.0000, tick 0.0001, spread 2: bids 0.9999.., asks 1.0001.., 10 each. */
static int setup(void **state)
{
    static struct book b;
    struct book_params p = {.tick = M("0.0001"), .step = M("0.1"), .spread_ticks = 2,
                            .gap_ticks = 1, .levels = 3, .level_qty = M("10")};
    assert_int_equal(book_init(&b, &p, M("1"), NULL), 0);
    *state = &b;
    return 0;
}

static int teardown(void **state)
{
    book_free(*state);
    return 0;
}

static struct book_order order(enum order_side side, const char *price, const char *qty)
{
    struct book_order o;
    memset(&o, 0, sizeof(o));
    o.side = side;
    o.price = M(price);
    o.remaining = M(qty);
    o.match_cap = INT64_MAX;
    return o;
}

static void synthetic_levels(void **state)
{
    struct book *b = *state;
    money_t p, q;
    assert_true(book_best(b, SIDE_BUY, &p, &q));
    assert_true(p == M("0.9999") && q == M("10"));
    assert_true(book_best(b, SIDE_SELL, &p, &q));
    assert_true(p == M("1.0001") && q == M("10"));
    assert_true(book_qty_at(b, SIDE_SELL, M("1.0003")) == M("10"));
    assert_true(book_qty_at(b, SIDE_SELL, M("1.0004")) == 0);
}

static void plan_walks_levels_without_changing(void **state)
{
    struct book *b = *state;
    struct book_fills f = {0};
    int64_t id = b->update_id;

    assert_true(book_plan(b, SIDE_BUY, M("1.0002"), M("25"), 0, &f) == M("20"));
    assert_int_equal(f.n, 2);
    assert_true(f.v[0].price == M("1.0001") && f.v[1].price == M("1.0002"));
    assert_int_equal(b->update_id, id);
    assert_true(book_qty_at(b, SIDE_SELL, M("1.0001")) == M("10"));
    book_consume(b, SIDE_BUY, f.v, f.n);
    assert_int_equal(b->update_id, id + 1);
    assert_true(book_qty_at(b, SIDE_SELL, M("1.0001")) == 0);
    /* quote-limited: 5 quote buys floor(5 / 1.0003, 0.1) = 4.9 */
    f.n = 0;
    assert_true(book_plan(b, SIDE_BUY, 0, INT64_MAX / 4, M("5"), &f) == M("4.9"));
    book_fills_free(&f);
}

static void price_time_priority(void **state)
{
    struct book *b = *state;
    struct book_order a = order(SIDE_SELL, "1.0001", "2");
    struct book_order c = order(SIDE_SELL, "1.0001", "2");
    struct book_order better = order(SIDE_SELL, "1.0000", "1");
    struct book_fills f = {0};

    assert_int_equal(book_add(b, &a), 0);
    assert_int_equal(book_add(b, &c), 0);
    assert_int_equal(book_add(b, &better), 0);
    assert_true(book_plan(b, SIDE_BUY, M("1.0001"), M("14"), 0, &f) == M("14"));
    assert_int_equal(f.n, 4);
    /* the better price first, then at 1.0001 the synthetic level (there
     * first), then the user orders in arrival order */
    assert_ptr_equal(f.v[0].maker, &better);
    assert_null(f.v[1].maker);
    assert_true(f.v[1].qty == M("10"));
    assert_ptr_equal(f.v[2].maker, &a);
    assert_ptr_equal(f.v[3].maker, &c);
    assert_true(f.v[3].qty == M("1"));
    book_consume(b, SIDE_BUY, f.v, f.n);
    assert_null(a.level);                /* filled: off the book */
    assert_non_null(c.level);
    assert_true(c.remaining == M("1"));
    assert_true(book_qty_at(b, SIDE_SELL, M("1.0001")) == M("1"));
    book_remove(b, &c);
    assert_true(book_qty_at(b, SIDE_SELL, M("1.0001")) == 0);
    book_fills_free(&f);
}

static void depth_aggregates(void **state)
{
    struct book *b = *state;
    struct book_order o = order(SIDE_BUY, "0.9999", "3");
    struct book_order in = order(SIDE_BUY, "1.0000", "1");
    struct sim_level lv[5];

    assert_int_equal(book_add(b, &o), 0);
    assert_int_equal(book_add(b, &in), 0);
    assert_int_equal(book_depth(b, SIDE_BUY, 5, lv), 4);
    assert_true(lv[0].price == M("1.0000") && lv[0].qty == M("1"));
    assert_true(lv[1].price == M("0.9999") && lv[1].qty == M("13"));
    assert_true(lv[3].price == M("0.9997"));
    book_remove(b, &o);
    book_remove(b, &in);
}

static void cross_on_mid_move(void **state)
{
    struct book *b = *state;
    struct book_order bid = order(SIDE_BUY, "0.9990", "4");
    struct book_order capped = order(SIDE_SELL, "1.0010", "5");
    struct book_fills f = {0};

    capped.match_cap = M("2");
    assert_int_equal(book_add(b, &bid), 0);
    assert_int_equal(book_add(b, &capped), 0);
    /* the market drops: asks now start at 0.9989, under the bid */
    book_set_mid(b, M("0.9988"));
    assert_int_equal(book_cross(b, &f), 0);
    assert_int_equal(f.n, 1);
    assert_ptr_equal(f.v[0].maker, &bid);
    assert_true(f.v[0].price == M("0.9990") && f.v[0].qty == M("4"));
    assert_null(bid.level);
    /* the market rises through the capped sell: at most 2 per match */
    book_set_mid(b, M("1.0020"));
    f.n = 0;
    assert_int_equal(book_cross(b, &f), 0);
    assert_int_equal(f.n, 1);
    assert_true(f.v[0].qty == M("2") && capped.remaining == M("3"));
    book_remove(b, &capped);
    book_fills_free(&f);
}

struct seen {
    int n;
    money_t last_price;
};

static void seen_cb(void *ctx, enum order_side side, money_t price, money_t qty)
{
    struct seen *s = ctx;
    (void)side, (void)qty;
    s->n++;
    s->last_price = price;
}

static void diff_journal(void **state)
{
    struct book *b = *state;
    int64_t id = b->update_id;
    struct book_order o = order(SIDE_BUY, "0.9000", "1");
    struct seen s = {0};

    assert_int_equal(book_add(b, &o), 0);
    book_remove(b, &o);
    assert_int_equal(book_add(b, &o), 0);
    assert_int_equal(b->update_id, id + 3);
    assert_int_equal(book_diff(b, id, seen_cb, &s), 0);
    assert_int_equal(s.n, 1);                 /* one level, reported once */
    assert_true(s.last_price == M("0.9"));
    book_remove(b, &o);
    /* a journal that no longer reaches back says so */
    for (int i = 0; i < 40000; i++) {
        assert_int_equal(book_add(b, &o), 0);
        book_remove(b, &o);
    }
    assert_int_equal(book_diff(b, id, seen_cb, &s), LT_ERANGE);
    s.n = 0;
    assert_int_equal(book_diff(b, b->update_id - 2, seen_cb, &s), 0);
    assert_int_equal(s.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(synthetic_levels, setup, teardown),
        cmocka_unit_test_setup_teardown(plan_walks_levels_without_changing, setup, teardown),
        cmocka_unit_test_setup_teardown(price_time_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(depth_aggregates, setup, teardown),
        cmocka_unit_test_setup_teardown(cross_on_mid_move, setup, teardown),
        cmocka_unit_test_setup_teardown(diff_journal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
