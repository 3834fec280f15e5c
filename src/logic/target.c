/*
 * target.c - the volume target: its counting window, points <-> quote
 * volume, and what remains to buy.
 *
 * Everything is integer arithmetic on milliseconds and money_t, so the
 * window does not depend on the host's timezone and a points target is
 * reached exactly when the venue would award the points.
 */
#include "looptrader/target.h"

#include <stdint.h>
#include <string.h>

#define DAY_MS 86400000LL

static int parse_rolling(const char *spec, const char *s, int64_t *ms, struct lt_err *err)
{
    int64_t n = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        if (n > (INT64_MAX - 9) / 10)
            return lt_err_set(err, LT_EINVAL, "window \"%s\": duration too large", spec);
        n = n * 10 + (*p++ - '0');
    }
    if (p == s || n <= 0)
        return lt_err_set(err, LT_EINVAL,
                          "window \"%s\": rolling needs a positive whole number, e.g. rolling:24h",
                          spec);
    int64_t unit;
    switch (*p) {
    case 'd': unit = DAY_MS; break;
    case 'h': unit = 3600000LL; break;
    case 'm': unit = 60000LL; break;
    case 's': unit = 1000LL; break;
    default:
        return lt_err_set(err, LT_EINVAL, "window \"%s\": unit must be d, h, m or s", spec);
    }
    if (p[1] != '\0')
        return lt_err_set(err, LT_EINVAL, "window \"%s\": trailing characters", spec);
    if (n > INT64_MAX / unit)
        return lt_err_set(err, LT_EINVAL, "window \"%s\": duration too large", spec);
    *ms = n * unit;
    return 0;
}

int target_window_parse(const char *s, struct window *out, struct lt_err *err)
{
    static const char rolling[] = "rolling:";
    struct window w = { WINDOW_UTC_DAY, 0 };

    if (!s)
        return lt_err_set(err, LT_EINVAL, "window missing");
    if (strcmp(s, "utc-day") == 0) {
        w.kind = WINDOW_UTC_DAY;
    } else if (strcmp(s, "all") == 0) {
        w.kind = WINDOW_ALL;
    } else if (strncmp(s, rolling, sizeof rolling - 1) == 0) {
        w.kind = WINDOW_ROLLING;
        int rc = parse_rolling(s, s + sizeof rolling - 1, &w.rolling_ms, err);
        if (rc)
            return rc;
    } else {
        return lt_err_set(err, LT_EINVAL,
                          "window \"%s\": must be utc-day, all or rolling:<N><d|h|m|s>", s);
    }
    *out = w;
    return 0;
}

int64_t target_window_start(const struct window *w, int64_t now_ms)
{
    switch (w->kind) {
    case WINDOW_UTC_DAY: {
        int64_t r = now_ms % DAY_MS;
        if (r < 0)
            r += DAY_MS;
        return now_ms - r;
    }
    case WINDOW_ROLLING:
        return now_ms > w->rolling_ms ? now_ms - w->rolling_ms : 0;
    case WINDOW_ALL:
        break;
    }
    return 0;
}

money_t target_from_points(int points, int multiplier)
{
    if (points < 0 || points > 62 || multiplier < 1)
        return 0;
    /* Rounded up: the volume must reach 2^points once multiplied, so a
     * multiplier that does not divide 2^points cannot round it short. */
    __int128 num = ((__int128)1 << points) * MONEY_SCALE;
    __int128 q = (num + multiplier - 1) / multiplier;
    return q > INT64_MAX ? INT64_MAX : (money_t)q;
}

int target_points(money_t volume, int multiplier)
{
    if (volume <= 0 || multiplier < 1)
        return 0;
    /* floor(log2(x)) == floor(log2(floor(x))) for x >= 1 */
    __int128 whole = (__int128)volume * multiplier / MONEY_SCALE;
    int p = -1;
    while (whole > 0) {
        whole >>= 1;
        p++;
    }
    return p > 0 ? p : 0;
}

money_t target_remaining(money_t target, money_t done)
{
    return done >= target ? 0 : target - done;
}
