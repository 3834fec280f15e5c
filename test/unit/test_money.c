/* Unit tests: money (fixed-point parsing, formatting, rounding) and strbuf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/strbuf.h"

static void parse_valid(void **state)
{
    (void)state;
    money_t v;
    assert_int_equal(money_parse("12", &v), 0);
    assert_true(v == 12 * MONEY_SCALE);
    assert_int_equal(money_parse("0.00000001", &v), 0);
    assert_true(v == 1);
    assert_int_equal(money_parse("-1.5", &v), 0);
    assert_true(v == -150000000);
    assert_int_equal(money_parse(".5", &v), 0);
    assert_true(v == 50000000);
    assert_int_equal(money_parse("1.1000000000", &v), 0);
    assert_true(v == 110000000);
}

static void parse_invalid(void **state)
{
    (void)state;
    money_t v;
    assert_int_equal(money_parse("", &v), LT_EPARSE);
    assert_int_equal(money_parse("-", &v), LT_EPARSE);
    assert_int_equal(money_parse("1.2.3", &v), LT_EPARSE);
    assert_int_equal(money_parse("1e5", &v), LT_EPARSE);
    assert_int_equal(money_parse("abc", &v), LT_EPARSE);
    assert_int_equal(money_parse("0.000000001", &v), LT_ERANGE);
    assert_int_equal(money_parse("99999999999999999999", &v), LT_ERANGE);
    assert_int_equal(money_parse(NULL, &v), LT_EPARSE);
}

/* The definition, one character at a time from the left: a sign, digits
 * with at most one '.', at most 8 decimals unless the rest are zeros, no
 * more than int64 holds; the first character that breaks a rule decides
 * between LT_EPARSE and LT_ERANGE. */
static int parse_by_definition(const char *s, size_t len, money_t *out)
{
    size_t i = 0;
    int neg = 0, digits = 0, frac = 0, dot = 0;
    uint64_t v = 0;
    if (len == 0)
        return LT_EPARSE;
    if (s[0] == '-' || s[0] == '+')
        neg = s[i++] == '-';
    for (; i < len; i++) {
        if (s[i] == '.' && !dot) {
            dot = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return LT_EPARSE;
        digits++;
        if (dot && frac == 8) {
            if (s[i] != '0')
                return LT_ERANGE;
            continue;
        }
        frac += dot;
        if (v > (uint64_t)INT64_MAX / 10 || v * 10 + (uint64_t)(s[i] - '0') > (uint64_t)INT64_MAX)
            return LT_ERANGE;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!digits)
        return LT_EPARSE;
    for (; frac < 8; frac++) {
        if (v > (uint64_t)INT64_MAX / 10)
            return LT_ERANGE;
        v *= 10;
    }
    *out = neg ? -(money_t)v : (money_t)v;
    return 0;
}

/* Random strings of digits, dots, signs and others (long runs of 9s and
 * 0s, to reach the bounds) against the definition. */
static void parse_matches_definition(void **state)
{
    (void)state;
    const char alpha[] = "0123456789.-+x 0000099999";
    char buf[40];
    srand(5);
    for (int it = 0; it < 300000; it++) {
        size_t n = (size_t)(rand() % 32);
        for (size_t i = 0; i < n; i++)
            buf[i] = alpha[rand() % (int)(sizeof alpha - 1)];
        money_t want = 7, got = 7;
        int rw = parse_by_definition(buf, n, &want), rg = money_parse_n(buf, n, &got);
        if (rw != rg || want != got) {
            buf[n] = '\0';
            fail_msg("'%s': %d %lld, the definition %d %lld", buf, rg, (long long)got, rw,
                     (long long)want);
        }
    }
}

static void format(void **state)
{
    (void)state;
    char b[MONEY_STR_MAX];
    assert_string_equal(money_format(150000000, 2, b), "1.50");
    assert_string_equal(money_format(-150000000, 0, b), "-1");
    assert_string_equal(money_format(123456789, 8, b), "1.23456789");
    assert_string_equal(money_format(123456789, 3, b), "1.234");
    assert_string_equal(money_format_min(150000000, b), "1.5");
    assert_string_equal(money_format_min(2 * MONEY_SCALE, b), "2");
    assert_string_equal(money_format_min(1, b), "0.00000001");
    assert_string_equal(money_format_min(0, b), "0");
}

static void arithmetic(void **state)
{
    (void)state;
    money_t p = 150000000, q = 3 * MONEY_SCALE; /* 1.5 * 3 */
    assert_true(money_mul(p, q) == 450000000);
    assert_true(money_mul(1, 1) == 0);
    assert_true(money_mul_up(1, 1) == 1);
    assert_true(money_div(450000000, p) == q);
    /* large values do not overflow the intermediate */
    assert_true(money_mul(100000 * MONEY_SCALE, 1000000 * MONEY_SCALE) ==
                INT64_MAX); /* 1e11 does not fit 1e-8 units: clamps */
    assert_true(money_mul(1000 * MONEY_SCALE, 1000000 * MONEY_SCALE) ==
                (money_t)1000000000 * MONEY_SCALE);
}

static void rounding(void **state)
{
    (void)state;
    money_t tick = 1000; /* 0.00001 */
    assert_true(money_floor_to(123456, tick) == 123000);
    assert_true(money_ceil_to(123456, tick) == 124000);
    assert_true(money_ceil_to(123000, tick) == 123000);
    assert_true(money_round_to(123500, tick) == 124000);
    assert_true(money_round_to(123499, tick) == 123000);
    assert_true(money_floor_to(-1, tick) == -1000);
    /* past the last multiple below INT64_MAX: saturated, never wrapped
     * (fuzz_plan: a venue's huge minimum over a tiny price) */
    assert_true(money_ceil_to(INT64_MAX - 5, 10000001) == INT64_MAX);
    assert_true(money_round_to(INT64_MAX, INT64_MAX / 2 + 1) == INT64_MAX);
    assert_true(money_round_to(INT64_MAX / 4, INT64_MAX / 2 + 1) == 0);
    assert_int_equal(money_decimals_of(1000), 5);
    assert_int_equal(money_decimals_of(MONEY_SCALE), 0);
    assert_int_equal(money_decimals_of(1), 8);
}

/* The hand-built formatting writes what printf writes for the same
 * integer and fraction: the extremes, signs, every width and a spread of
 * values, decimals out of range clamped. */
static void format_matches_printf(void **state)
{
    (void)state;
    money_t vals[] = { 0, 1, -1, 9, 10, 99999999, 100000000, -100000000, 123456789012345678,
                       INT64_MAX, INT64_MIN, INT64_MIN + 1, 5000000, -7 };
    char b[MONEY_STR_MAX], want[64];
    uint64_t x = 88172645463325252ULL;
    for (int k = 0; k < 2000 + (int)(sizeof vals / sizeof vals[0]); k++) {
        money_t v;
        if (k < (int)(sizeof vals / sizeof vals[0])) {
            v = vals[k];
        } else {
            x ^= x << 13; /* xorshift: a fixed spread of magnitudes */
            x ^= x >> 7;
            x ^= x << 17;
            v = (money_t)(x >> (x % 60));
            if (x & 1)
                v = -v;
        }
        unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
        for (int d = -1; d <= MONEY_DECIMALS + 1; d++) {
            int dd = d < 0 ? 0 : d > MONEY_DECIMALS ? MONEY_DECIMALS : d;
            unsigned long long fp = a % 100000000ULL;
            for (int i = dd; i < MONEY_DECIMALS; i++)
                fp /= 10;
            if (dd == 0)
                snprintf(want, sizeof want, "%s%llu", v < 0 ? "-" : "", a / 100000000ULL);
            else
                snprintf(want, sizeof want, "%s%llu.%0*llu", v < 0 ? "-" : "", a / 100000000ULL,
                         dd, fp);
            assert_string_equal(money_format(v, d, b), want);
        }
    }
}

static void strbuf_basics(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    assert_int_equal(strbuf_add(&sb, NULL, 0), 0); /* an empty append of nothing */
    assert_string_equal(sb.buf, "");
    assert_int_equal(strbuf_addf(&sb, "%s=%d", "a", 1), 0);
    assert_int_equal(strbuf_addstr(&sb, "&b="), 0);
    assert_int_equal(strbuf_addurlenc(&sb, "x y/+z~"), 0);
    assert_string_equal(sb.buf, "a=1&b=x%20y%2F%2Bz~");
    for (int i = 0; i < 1000; i++)
        assert_int_equal(strbuf_addch(&sb, 'q'), 0);
    assert_int_equal((int)sb.len, 19 + 1000);
    strbuf_free(&sb);
    assert_int_equal((int)sb.len, 0);

    struct strbuf lim;
    strbuf_init(&lim, 8);
    assert_int_equal(strbuf_addstr(&lim, "12345678"), 0);
    assert_int_equal(strbuf_addch(&lim, '9'), LT_ERANGE);
    assert_string_equal(lim.buf, "12345678");
    assert_int_equal(strbuf_addf(&lim, "%d", 5), LT_ERANGE);
    assert_string_equal(lim.buf, "12345678");
    strbuf_free(&lim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_valid), cmocka_unit_test(parse_invalid),
        cmocka_unit_test(format),      cmocka_unit_test(arithmetic),
        cmocka_unit_test(rounding),    cmocka_unit_test(strbuf_basics),
        cmocka_unit_test(format_matches_printf), cmocka_unit_test(parse_matches_definition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
