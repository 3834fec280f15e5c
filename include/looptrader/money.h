/*
 * money.h - exact decimal amounts for prices, quantities and quote volumes.
 *
 * Every amount is an int64 count of 1e-8 units (Binance quotes all numbers
 * with at most 8 decimals), so no floating point ever reaches an order or a
 * balance.  Products and quotients go through 128-bit intermediates.
 */
#ifndef LOOPTRADER_MONEY_H
#define LOOPTRADER_MONEY_H

#include <stdint.h>

typedef int64_t money_t;

#define MONEY_SCALE ((money_t)100000000)
#define MONEY_DECIMALS 8
#define MONEY_STR_MAX 32 /* enough for any money_t formatted, with NUL */

/* Parses a plain decimal ("12", "-0.015", "1e-3" is refused) into *out.
 * More than 8 decimals are refused unless the extra digits are zeros.
 * Returns 0, LT_EPARSE or LT_ERANGE. */
int money_parse(const char *s, money_t *out);

/* Like money_parse, but over s[0..len) (no NUL needed). */
int money_parse_n(const char *s, unsigned long len, money_t *out);

/* Formats with exactly `decimals` digits after the point (0..8), truncating
 * further digits.  Returns out. */
char *money_format(money_t v, int decimals, char out[MONEY_STR_MAX]);

/* Formats with trailing zeros (and a bare point) removed: "0.5", "12". */
char *money_format_min(money_t v, char out[MONEY_STR_MAX]);

/* Converts a double (config values only, never exchange data) rounding to
 * the nearest unit. */
money_t money_from_double(double d);
double money_to_double(money_t v);

/* a*b, rounded toward zero / toward +inf (of the magnitude). */
money_t money_mul(money_t a, money_t b);
money_t money_mul_up(money_t a, money_t b);
/* a+b, saturating at the int64 bounds (sums of amounts a venue sent). */
money_t money_add_sat(money_t a, money_t b);

/* a/b rounded toward zero; b must not be 0. */
money_t money_div(money_t a, money_t b);

/* Rounds v down / up / to nearest to a multiple of unit (unit > 0); up
 * saturates at INT64_MAX. */
money_t money_floor_to(money_t v, money_t unit);
money_t money_ceil_to(money_t v, money_t unit);
money_t money_round_to(money_t v, money_t unit);

/* Number of decimals needed to print unit exactly ("0.0010" -> 3). */
int money_decimals_of(money_t unit);

#endif
