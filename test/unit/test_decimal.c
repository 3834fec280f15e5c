/* Unit tests: integers as decimal text (decimal.h), against printf's. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/decimal.h"

/* u written by decimal_u64, or as an int64_t by decimal_i64, against
 * printf's text of it; the count too. */
static void check(uint64_t u, int as_signed)
{
    char got[DECIMAL_MAX], want[32];
    memset(got, 'x', sizeof got);
    size_t n = as_signed ? decimal_i64((int64_t)u, got) : decimal_u64(u, got);
    if (as_signed)
        snprintf(want, sizeof want, "%" PRId64, (int64_t)u);
    else
        snprintf(want, sizeof want, "%" PRIu64, u);
    assert_string_equal(got, want);
    assert_int_equal(n, strlen(want));
}

static void check_u64(uint64_t u)
{
    check(u, 0);
}

static void check_i64(int64_t v)
{
    check((uint64_t)v, 1);
}

static void edges(void **state)
{
    (void)state;
    const uint64_t u[] = { 0, 1, 9, 10, 99, 100, 4294967295u, 4294967296u,
                           1796685249385u, UINT64_MAX / 10, UINT64_MAX - 1, UINT64_MAX };
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        check_u64(u[i]);
    const int64_t v[] = { 0, 1, -1, 9, -9, 10, -10, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                          -1796685249385 };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        check_i64(v[i]);
}

/* Every power of ten and its neighbours, and random values of every
 * length. */
static void powers_and_random(void **state)
{
    (void)state;
    for (uint64_t p = 1; p <= UINT64_MAX / 10; p *= 10) {
        check_u64(p - 1);
        check_u64(p);
        check_u64(p + 1);
        check_i64(-(int64_t)p);
        check_i64((int64_t)p - 1);
    }
    srand(11);
    for (int i = 0; i < 20000; i++) {
        uint64_t r = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
        r >>= rand() % 64;
        check_u64(r);
        check_i64((int64_t)r);
        check_i64(-(int64_t)(r >> 1));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(edges),
        cmocka_unit_test(powers_and_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
