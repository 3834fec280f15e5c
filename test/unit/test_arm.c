/* Unit tests: arm (the bounds of a pre-armed intent: a buy's from its
 * reference price and the buy cap's headroom, a sell's from its
 * inventory; which exact orders fit them; how many rounds are armed
 * ahead; which rounds armed ahead a restart knows never started). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/arm.h"
#include "looptrader/error.h"

#define M(x) ((money_t)((x) * 100000000LL))

static struct symbol_rules alpha(void)
{
    struct symbol_rules r;
    memset(&r, 0, sizeof r);
    strcpy(r.symbol, "ALPHAUSDT");
    r.trading = 1;
    r.tick_size = 10000; /* 0.0001 */
    r.min_price = 10000;
    r.max_price = M(1000);
    r.step_size = M(1) / 10; /* 0.1 */
    r.min_qty = M(1) / 10;
    r.max_qty = M(9000000);
    r.min_notional = M(5);
    return r;
}

static void buy_bounds(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct arm_bounds b;
    /* 100 USDT at 2.0: 50; plus 1/8: 56.25, to the step: 56.2 */
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), M(400), &b), 0);
    assert_int_equal(b.side, SIDE_BUY);
    assert_true(b.max_qty == M(562) / 10);
    assert_true(b.max_quote == M(400));
    /* the exact order at the reference price fits; a price that fell
     * by a little still fits, by more than the slack not */
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(2), M(50)), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(19) / 10, M(526) / 10), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(17) / 10, M(588) / 10), LT_ERANGE);
    /* nothing to bound: no price, no headroom, nothing to buy */
    assert_int_equal(arm_buy_bounds(&r, 0, M(100), 0, M(3), M(400), &b), LT_ERANGE);
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), 0, &b), LT_ERANGE);
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), -M(1), &b), LT_ERANGE);
    assert_int_equal(arm_buy_bounds(&r, M(2), 0, M(5), M(3), M(400), &b), LT_ERANGE);
}

static void notional_bound(void **state)
{
    (void)state;
    struct symbol_rules r = alpha();
    struct arm_bounds b;
    /* the buy cap leaves 101 USDT: 50 at 2.0 fits, 50 at 2.03 does not */
    assert_int_equal(arm_buy_bounds(&r, M(2), M(100), 0, M(3), M(101), &b), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(2), M(50)), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(203) / 100, M(50)), LT_ERANGE);
    /* exactly at the bound fits */
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(202) / 100, M(50)), 0);
}

static void sell_bounds(void **state)
{
    (void)state;
    struct arm_bounds b;
    assert_int_equal(arm_sell_bounds(M(40), &b), 0);
    assert_int_equal(b.side, SIDE_SELL);
    assert_true(b.max_quote == 0);
    /* any price (a sell's notional is not bounded), at most the inventory */
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), M(40)), 0);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1000), M(40)), 0);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), M(40) + 1), LT_ERANGE);
    assert_int_equal(arm_sell_bounds(0, &b), LT_ERANGE);
}

static void wrong_side_or_empty(void **state)
{
    (void)state;
    struct arm_bounds b;
    assert_int_equal(arm_sell_bounds(M(40), &b), 0);
    assert_int_equal(arm_fits(&b, SIDE_BUY, M(1), M(1)), LT_ERANGE);
    assert_int_equal(arm_fits(&b, SIDE_SELL, 0, M(1)), LT_ERANGE);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), 0), LT_ERANGE);
    assert_int_equal(arm_fits(&b, SIDE_SELL, M(1), -M(1)), LT_ERANGE);
}

static void ahead_rounds(void **state)
{
    (void)state;
    /* an empty ring arms ARM_AHEAD rounds, one left arms the rest */
    assert_int_equal(arm_ahead_rounds(M(10), M(1000), 0), ARM_AHEAD);
    assert_int_equal(arm_ahead_rounds(M(10), M(1000), 1), ARM_AHEAD - 1);
    /* more than one left: not yet */
    assert_int_equal(arm_ahead_rounds(M(10), M(1000), 2), 0);
    /* each round only while the goals before it leave it a whole goal */
    assert_int_equal(arm_ahead_rounds(M(10), M(25), 0), 2);
    assert_int_equal(arm_ahead_rounds(M(10), M(20), 0), 2);
    assert_int_equal(arm_ahead_rounds(M(10), M(25), 1), 1);
    assert_int_equal(arm_ahead_rounds(M(10), M(15), 1), 0);
    /* the last round's remainder is its goal: that round alone */
    assert_int_equal(arm_ahead_rounds(M(7), M(7), 0), 1);
    assert_int_equal(arm_ahead_rounds(0, M(7), 0), 0);
}

/* rounds 2..4 of run r1 armed ahead (buy, sell each), and a round 1
 * order of r1 and one of r0 with their intent lines */
static void pending_rounds(struct arm_pending *v)
{
    const struct arm_pending a[] = {
        { "r0", 5, SIDE_BUY, 0, 0 },  { "r1", 1, SIDE_SELL, 0, 0 },
        { "r1", 2, SIDE_BUY, 1, 0 },  { "r1", 2, SIDE_SELL, 1, 0 },
        { "r1", 3, SIDE_BUY, 1, 0 },  { "r1", 3, SIDE_SELL, 1, 0 },
        { "r1", 4, SIDE_BUY, 1, 0 },  { "r1", 4, SIDE_SELL, 1, 0 },
    };
    memcpy(v, a, sizeof a);
}

static void unstarted_not_found(void **state)
{
    (void)state;
    struct arm_pending v[8];
    unsigned char skip[8] = { 0 };
    pending_rounds(v);
    /* round 2's buy unknown: rounds 2..4 never started, 6 orders unasked */
    assert_int_equal(arm_unstarted(v, 8, 2, skip), 6);
    const unsigned char want[8] = { 0, 0, 1, 1, 1, 1, 1, 1 };
    assert_memory_equal(skip, want, 8);
    /* round 3's buy unknown, round 2's found by the query: rounds 3, 4 */
    const unsigned char want3[8] = { 0, 0, 0, 0, 1, 1, 1, 1 };
    memset(skip, 0, sizeof skip);
    v[2].placed = 1;
    assert_int_equal(arm_unstarted(v, 8, 4, skip), 4);
    assert_memory_equal(skip, want3, 8);
    /* the same with round 2's exact lines read back (not armed only) */
    memset(skip, 0, sizeof skip);
    v[2].placed = 0;
    v[2].ahead = v[3].ahead = 0;
    assert_int_equal(arm_unstarted(v, 8, 4, skip), 4);
    assert_memory_equal(skip, want3, 8);
}

static void unstarted_sent(void **state)
{
    (void)state;
    struct arm_pending v[8];
    unsigned char skip[8] = { 0 };
    const unsigned char none[8] = { 0 };
    pending_rounds(v);
    /* a later round's order the venue holds: rounds ran, ask them all */
    v[6].placed = 1;
    assert_int_equal(arm_unstarted(v, 8, 2, skip), 0);
    assert_memory_equal(skip, none, 8);
    /* only a buy armed ahead decides; a sell or an own armed line not */
    pending_rounds(v);
    assert_int_equal(arm_unstarted(v, 8, 3, skip), 0);
    assert_int_equal(arm_unstarted(v, 8, 1, skip), 0);
    assert_int_equal(arm_unstarted(v, 8, 8, skip), 0);
    assert_memory_equal(skip, none, 8);
}

static void unstarted_later_intent(void **state)
{
    (void)state;
    struct arm_pending v[9];
    unsigned char skip[9] = { 0 };
    const unsigned char none[9] = { 0 };
    pending_rounds(v);
    /* a later round's intent line: that round started, ask everything */
    v[8] = (struct arm_pending){ "r1", 3, SIDE_BUY, 0, 0 };
    assert_int_equal(arm_unstarted(v, 9, 2, skip), 0);
    assert_memory_equal(skip, none, 9);
    /* round 2 armed twice (a closed batch's never_placed lines lost): the
     * second may have been sent */
    v[8] = (struct arm_pending){ "r1", 2, SIDE_BUY, 1, 0 };
    assert_int_equal(arm_unstarted(v, 9, 2, skip), 0);
    assert_memory_equal(skip, none, 9);
    /* a later round armed twice: its second buy may have been sent */
    v[8] = (struct arm_pending){ "r1", 4, SIDE_BUY, 1, 0 };
    assert_int_equal(arm_unstarted(v, 9, 2, skip), 0);
    assert_memory_equal(skip, none, 9);
    /* another run's orders change nothing */
    v[8] = (struct arm_pending){ "r2", 3, SIDE_BUY, 0, 0 };
    assert_int_equal(arm_unstarted(v, 9, 2, skip), 6);
    assert_int_equal(skip[0] + skip[1] + skip[8], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buy_bounds),
        cmocka_unit_test(notional_bound),
        cmocka_unit_test(sell_bounds),
        cmocka_unit_test(wrong_side_or_empty),
        cmocka_unit_test(ahead_rounds),
        cmocka_unit_test(unstarted_not_found),
        cmocka_unit_test(unstarted_sent),
        cmocka_unit_test(unstarted_later_intent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
