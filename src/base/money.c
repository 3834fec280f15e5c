/* money.c - fixed-point decimal amounts (see money.h for why). */
#include "looptrader/money.h"
#include "looptrader/decimal.h"
#include "looptrader/error.h"

#include <math.h>
#include <string.h>

/* 64 bits, not __int128 (every exchange amount comes through here): v
 * never exceeds INT64_MAX, so v * 10 + 9 cannot wrap while v is at most
 * INT64_MAX / 10, and above that the product is out of range anyway. */
#define TIMES10_MAX ((uint64_t)INT64_MAX / 10)

/* v * 10 + d, or 0 when it would pass INT64_MAX. */
static int times10_add(uint64_t *v, unsigned d)
{
    if (*v > TIMES10_MAX)
        return 0;
    *v = *v * 10 + d;
    return *v <= (uint64_t)INT64_MAX;
}

/* The integer part's digits, then the fraction's: each a tight loop (an
 * amount is parsed some forty times an order), the first error met from
 * the left decides, as one loop over every character would. */
int money_parse_n(const char *s, unsigned long len, money_t *out)
{
    const char *p = s, *end = s + len;
    if (p == end)
        return LT_EPARSE;
    int neg = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    const char *digits_at = p;
    uint64_t v = 0;
    for (unsigned d; p < end && (d = (unsigned)(*p - '0')) <= 9; p++)
        if (!times10_add(&v, d))
            return LT_ERANGE;
    size_t n_digits = (size_t)(p - digits_at);
    int frac = 0;
    if (p < end && *p == '.') {
        const char *f = ++p;
        for (unsigned d; p < end && (d = (unsigned)(*p - '0')) <= 9; p++) {
            if (frac == MONEY_DECIMALS) {
                if (d != 0)
                    return LT_ERANGE;
                continue;
            }
            frac++;
            if (!times10_add(&v, d))
                return LT_ERANGE;
        }
        n_digits += (size_t)(p - f);
    }
    if (p != end || n_digits == 0)
        return LT_EPARSE; /* a byte that is not a digit, a second '.', or no digit */
    for (; frac < MONEY_DECIMALS; frac++) {
        if (v > TIMES10_MAX)
            return LT_ERANGE;
        v *= 10;
    }
    *out = neg ? -(money_t)v : (money_t)v;
    return 0;
}

int money_parse(const char *s, money_t *out)
{
    if (!s)
        return LT_EPARSE;
    return money_parse_n(s, strlen(s), out);
}

/* Built by hand, not by snprintf: amounts are formatted several times per
 * order (requests, journal lines, log lines), and printf's machinery was
 * most of the cost.  At most 1 + 11 + 1 + 8 characters and the NUL. */
char *money_format(money_t v, int decimals, char out[MONEY_STR_MAX])
{
    unsigned long long a = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    unsigned long long ip = a / (unsigned long long)MONEY_SCALE;
    unsigned long long fp = a % (unsigned long long)MONEY_SCALE;

    if (decimals < 0)
        decimals = 0;
    if (decimals > MONEY_DECIMALS)
        decimals = MONEY_DECIMALS;
    size_t n = 0;
    if (v < 0)
        out[n++] = '-';
    n += decimal_u64(ip, out + n);
    if (decimals > 0) {
        for (int i = decimals; i < MONEY_DECIMALS; i++)
            fp /= 10;
        out[n++] = '.';
        for (int i = decimals - 1; i >= 0; i--, fp /= 10)
            out[n + (size_t)i] = (char)('0' + fp % 10);
        n += (size_t)decimals;
    }
    out[n] = '\0';
    return out;
}

char *money_format_min(money_t v, char out[MONEY_STR_MAX])
{
    money_format(v, MONEY_DECIMALS, out);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
    return out;
}

money_t money_from_double(double d)
{
    return (money_t)llround(d * (double)MONEY_SCALE);
}

double money_to_double(money_t v)
{
    return (double)v / (double)MONEY_SCALE;
}

static money_t clamp128(__int128 v)
{
    if (v > INT64_MAX)
        return INT64_MAX;
    if (v < INT64_MIN)
        return INT64_MIN;
    return (money_t)v;
}

money_t money_mul(money_t a, money_t b)
{
    return clamp128((__int128)a * b / MONEY_SCALE);
}

money_t money_mul_up(money_t a, money_t b)
{
    __int128 p = (__int128)a * b;
    __int128 q = p / MONEY_SCALE;
    if (p % MONEY_SCALE != 0)
        q += p > 0 ? 1 : -1;
    return clamp128(q);
}

money_t money_add_sat(money_t a, money_t b)
{
    money_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

money_t money_div(money_t a, money_t b)
{
    return clamp128((__int128)a * MONEY_SCALE / b);
}

money_t money_floor_to(money_t v, money_t unit)
{
    money_t r = v % unit;
    if (r < 0)
        r += unit;
    return v - r;
}

/* f + unit, saturating: a multiple past INT64_MAX (a venue's huge minimum
 * over a tiny price) becomes INT64_MAX, which the filters then judge. */
static money_t next_multiple(money_t f, money_t unit)
{
    money_t r;
    return __builtin_add_overflow(f, unit, &r) ? INT64_MAX : r;
}

money_t money_ceil_to(money_t v, money_t unit)
{
    money_t f = money_floor_to(v, unit);
    return f == v ? v : next_multiple(f, unit);
}

money_t money_round_to(money_t v, money_t unit)
{
    money_t f = money_floor_to(v, unit);
    return v - f >= unit - (v - f) ? next_multiple(f, unit) : f;
}

int money_decimals_of(money_t unit)
{
    int d = MONEY_DECIMALS;
    while (d > 0 && unit % 10 == 0) {
        unit /= 10;
        d--;
    }
    return d;
}
