/* decimal.c - integers as decimal text (see decimal.h). */
#include "looptrader/decimal.h"

/* u's digits and a NUL at out (room for 21 bytes): their count. */
static size_t digits(uint64_t u, char *out)
{
    char rev[DECIMAL_MAX];
    size_t n = 0;
    do {
        rev[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (size_t i = 0; i < n; i++)
        out[i] = rev[n - 1 - i];
    out[n] = '\0';
    return n;
}

size_t decimal_u64(uint64_t u, char out[DECIMAL_MAX])
{
    return digits(u, out);
}

size_t decimal_i64(int64_t v, char out[DECIMAL_MAX])
{
    if (v >= 0)
        return digits((uint64_t)v, out);
    out[0] = '-';
    /* 0 - (uint64_t)v: INT64_MIN's magnitude does not fit int64_t, and
     * takes 19 digits, which leave room for the sign */
    return 1 + digits(0 - (uint64_t)v, out + 1);
}
