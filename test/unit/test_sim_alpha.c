/* Unit tests: the simulator's Alpha dialect, its pure pieces (envelope,
 * error mapping, counted volume, the lag, session clocks) and its
 * configuration group. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "looptrader/sim/alpha.h"

#define DAY 86400000LL
#define T0 (20000 * DAY + 12 * 3600000LL) /* noon UTC */

static void test_envelopes(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    alpha_render_ok(&sb, "\"7\"");
    assert_string_equal(sb.buf, "{\"code\":\"000000\",\"message\":null,\"messageDetail\":null,"
                                "\"data\":\"7\",\"success\":true}");
    strbuf_reset(&sb);
    alpha_render_error(&sb, ALPHA_E_BALANCE, "say \"no\"");
    assert_string_equal(sb.buf, "{\"code\":\"481020\",\"message\":\"say \\\"no\\\"\","
                                "\"messageDetail\":null,\"data\":null,\"success\":false}");
    strbuf_free(&sb);
}

static void test_error_map(void **state)
{
    (void)state;
    const char *code, *msg;
    alpha_map_error(-2010, "Account has insufficient balance for requested action.", &code, &msg);
    assert_string_equal(code, ALPHA_E_BALANCE);
    alpha_map_error(-1013, "Filter failure: NOTIONAL", &code, &msg);
    assert_string_equal(code, ALPHA_E_MIN_NOTIONAL);
    alpha_map_error(-1013, "Filter failure: LOT_SIZE", &code, &msg);
    assert_string_equal(code, ALPHA_E_PARAM);
    alpha_map_error(-2011, "Unknown order sent.", &code, &msg);
    assert_string_equal(code, ALPHA_E_NO_ORDER);
    alpha_map_error(-2010, "Duplicate order sent.", &code, &msg);
    assert_string_equal(code, ALPHA_E_REJECTED);
    assert_non_null(msg);
}

static void test_counted_and_lag(void **state)
{
    (void)state;
    assert_true(alpha_counted(45 * MONEY_SCALE, 4) == 180 * MONEY_SCALE);
    assert_true(alpha_counted(45 * MONEY_SCALE, 1) == 45 * MONEY_SCALE);
    assert_true(alpha_counted(INT64_MAX / 2, 4) == INT64_MAX); /* saturates */
    assert_true(alpha_trade_counts(T0 - 5000, T0, 3000));
    assert_false(alpha_trade_counts(T0 - 2000, T0, 3000));  /* still lagging */
    assert_false(alpha_trade_counts(T0 - 13 * 3600000LL, T0, 0)); /* yesterday */
    assert_true(alpha_trade_counts(T0 - 12 * 3600000LL, T0, 0));  /* 00:00 UTC today */
}

static void test_sessions(void **state)
{
    (void)state;
    const char *msg = NULL;
    struct alpha_session s = { .account = 0, .expire_ms = T0 + 1000, .step_up_ms = 0 };
    assert_null(alpha_session_state(NULL, T0, &msg));
    assert_null(alpha_session_state(&s, T0 + 999, &msg));
    assert_string_equal(alpha_session_state(&s, T0 + 1000, &msg), ALPHA_E_LOGIN_EXPIRED);
    assert_non_null(strstr(msg, "log in again"));
    s = (struct alpha_session){ .step_up_ms = T0 };
    assert_string_equal(alpha_session_state(&s, T0, &msg), ALPHA_E_STEP_UP);
    assert_non_null(strstr(msg, "verification"));
}

static const char SIM[] =
    "symbols = ( { symbol = \"ALPHA_1USDT\"; base = \"ALPHA_1\"; quote = \"USDT\";\n"
    "  tick_size = \"0.001\"; step_size = \"0.1\"; min_notional = \"0.1\"; start_price = \"1\"; level_qty = \"10\"; } );\n"
    "accounts = ( { name = \"f\"; session = { cookie = \"p=1\"; header = \"csrftoken: c\"; };\n"
    "  balances = { USDT = \"10\"; }; } );\n";

static int alpha_from(const char *group, struct alpha *a, struct lt_err *err)
{
    static char text[4096];
    static struct simconf conf;
    static struct sim_exchange *ex;
    struct lt_err e = { 0 };
    if (ex) {
        sim_exchange_free(ex);
        simconf_free(&conf);
        ex = NULL;
    }
    snprintf(text, sizeof text, "%s%s", SIM, group);
    assert_int_equal(simconf_parse_string(text, "t.conf", &conf, &e), 0);
    struct sim_options opt = { .seed = 1 };
    assert_int_equal(sim_exchange_create(&conf, &opt, T0, &ex, &e), 0);
    return alpha_init_string(a, text, "t.conf", ex, NULL, NULL, T0, err);
}

static void test_config(void **state)
{
    (void)state;
    struct alpha a;
    struct lt_err e = { 0 };
    assert_int_equal(alpha_from("", &a, &e), 0);
    assert_int_equal(a.n_tokens, 0);
    assert_int_equal(a.volume_lag_ms, 60000); /* the real venue's order of magnitude */
    alpha_free(&a);

    assert_int_equal(alpha_from("alpha = { volume_lag_ms = 500; tokens = ( { alpha_id = "
                                "\"ALPHA_1\"; name = \"ONE\"; mul_point = 2; } ); sessions = "
                                "( { account = \"f\"; expire_after_s = 2.5; } ); };", &a, &e), 0);
    assert_int_equal(a.n_tokens, 1);
    assert_int_equal(a.tokens[0].mul_point, 2);
    assert_int_equal(a.volume_lag_ms, 500);
    assert_int_equal(a.sessions[0].expire_ms, T0 + 2500);
    assert_int_equal(a.sessions[0].step_up_ms, 0);
    alpha_free(&a);

    static const struct { const char *group, *msg; } bad[] = {
        { "alpha = { tokens = ( { alpha_id = \"ALPHA_2\"; name = \"T\"; } ); };",
          "t.conf:5: alpha.tokens.alpha_id: its symbol (alpha_id + USDT) is not in symbols" },
        { "alpha = { tokens = ( { alpha_id = \"ALPHA_1\"; name = \"T\"; mul_point = 0; } ); };",
          "alpha.tokens.mul_point: must be an integer 1..16" },
        { "alpha = { tokens = ( { alpha_id = \"ALPHA_1\"; } ); };", "alpha.tokens.name: missing" },
        { "alpha = { sessions = ( { account = \"zed\"; } ); };", "alpha.sessions.account: no such account" },
        { "alpha = { sessions = ( { account = \"f\"; expire_after_s = -1.0; } ); };", "alpha.sessions: times" },
        { "alpha = { volume_lag_ms = \"1\"; };", "alpha.volume_lag_ms: must be an integer" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lt_err_clear(&e);
        assert_int_equal(alpha_from(bad[i].group, &a, &e), LT_ECONFIG);
        if (!strstr(e.msg, bad[i].msg))
            fail_msg("%s: got '%s'", bad[i].group, e.msg);
    }
    alpha_from("", &a, &e);
    alpha_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelopes),
        cmocka_unit_test(test_error_map),
        cmocka_unit_test(test_counted_and_lag),
        cmocka_unit_test(test_sessions),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
