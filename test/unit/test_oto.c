/* Unit tests: the start-up check of oto = true against the venue's dialect
 * (oto.h): refused where the dialect has no place_oto, naming the account
 * and the dialect; accepted on Alpha; disabled accounts do not count. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "looptrader/oto.h"
#include "looptrader/venue_alpha.h"
#include "looptrader/venue_binance.h"

static void check(void **state)
{
    (void)state;
    struct user_config u[2];
    memset(u, 0, sizeof u);
    u[0].name = "plain";
    u[0].enabled = 1;
    u[1].name = "carol";
    u[1].enabled = 1;
    u[1].strategy.oto = 1;
    struct run_config cfg = { .users = u, .n_users = 2 };
    struct lt_err e = { 0 };
    assert_int_equal(oto_check(&cfg, &venue_binance_ops, &e), LT_ECONFIG);
    assert_non_null(strstr(e.msg, "carol: oto = true"));
    assert_non_null(strstr(e.msg, "binance dialect offers no OTO orders"));
    lt_err_clear(&e);
    assert_int_equal(oto_check(&cfg, &venue_alpha_ops, &e), 0);
    u[1].enabled = 0;
    assert_int_equal(oto_check(&cfg, &venue_binance_ops, &e), 0);
    u[1].enabled = 1;
    u[1].strategy.oto = 0;
    assert_int_equal(oto_check(&cfg, &venue_binance_ops, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(check) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
