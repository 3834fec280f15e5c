/*
 * fuzz_money.c - money_parse_n, the decimal reader every exchange amount
 * (price, quantity, balance, fee) goes through.
 *
 * Beyond not crashing: an accepted amount formats back (money_format_min)
 * to a string that parses to the same value, and parsing never reads past
 * len (the input is not NUL-terminated).
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/error.h"
#include "looptrader/money.h"

FUZZ_TARGET(money)
{
    money_t v = 0;
    int rc = money_parse_n((const char *)data, size, &v);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE || rc == LT_ERANGE);
    if (rc)
        return 0;
    char txt[MONEY_STR_MAX], fixed[MONEY_STR_MAX];
    money_t back = 0;
    FUZZ_CHECK(money_parse(money_format_min(v, txt), &back) == 0);
    FUZZ_CHECK(back == v);
    money_format(v, MONEY_DECIMALS, fixed);
    FUZZ_CHECK(money_parse(fixed, &back) == 0 && back == v);
    return 0;
}
