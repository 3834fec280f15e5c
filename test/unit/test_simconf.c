/* Unit tests: the simulator's configuration file (the demo file as
 * shipped, defaults, and errors that name file, line and field). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/sim/simconf.h"

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static void demo_file(void **state)
{
    struct simconf c;
    struct lt_err err;
    (void)state;

    assert_int_equal(simconf_load("etc/sim-demo.conf", &c, &err), 0);
    assert_int_equal(c.tick_ms, 100);
    assert_true(c.maker_fee == M("0.001") && c.taker_fee == M("0.001"));
    assert_int_equal(c.n_symbols, 3);
    const struct symbol_rules *a = &c.symbols[0].rules;
    assert_string_equal(a->symbol, "ALPHAUSDT");
    assert_true(a->tick_size == M("0.0001") && a->step_size == M("0.1"));
    assert_true(a->min_qty == M("0.1") && a->max_qty == M("9000000"));
    assert_true(a->min_notional == M("5") && a->trading);
    assert_true(c.symbols[0].start_price == M("1.25"));
    assert_true(c.symbols[1].rules.tick_size == M("0.01"));
    assert_true(c.symbols[1].rules.step_size == M("0.001"));
    assert_true(c.symbols[1].start_price == M("25"));
    assert_int_equal(simconf_symbol_index(&c, "betausdt"), 1);
    assert_int_equal(c.n_accounts, 7);
    assert_string_equal(c.accounts[0].api_key, "demo-alice-key");
    assert_string_equal(c.accounts[2].api_secret, "demo-carol-secret-c0ffee");
    assert_string_equal(c.accounts[3].name, "dave");
    assert_int_equal(c.accounts[3].n_history, 8);
    assert_int_equal(c.accounts[3].history[2].today, 1);
    assert_true(c.accounts[3].history[2].ago_ms == 50 * 60000);
    assert_true(c.accounts[3].history[0].ago_ms == 72LL * 3600000);
    const struct simconf_account *e = &c.accounts[4];
    assert_string_equal(e->api_key, "");
    assert_string_equal(e->session_cookie, "session=erin-session-cookie-55aa");
    assert_string_equal(e->session_header, "X-Session-Token");
    assert_string_equal(e->session_token, "erin-token-99bb");
    assert_int_equal(c.limits.orders_per_10s, 0);
    simconf_free(&c);
}

static void example_file(void **state)
{
    struct simconf c;
    struct lt_err err;
    (void)state;
    assert_int_equal(simconf_load("etc/sim.conf", &c, &err), 0);
    assert_int_equal(c.n_accounts, 2);
    assert_int_equal(c.limits.orders_per_10s, 100);
    assert_int_equal(c.limits.weight_per_minute, 6000);
    simconf_free(&c);
}

static const char *base =
    "symbols = ( { symbol = \"XUSDT\"; base = \"X\"; quote = \"USDT\";\n" /* 1 */
    "  tick_size = \"0.01\"; step_size = \"0.1\";\n"                      /* 2 */
    "  start_price = \"2.00\"; level_qty = \"5\"; } );\n"                  /* 3 */
    "accounts = (\n"                                                       /* 4 */
    "  { name = \"a\"; api_key = \"k\"; api_secret = \"s\"; } );\n";       /* 5 */

static void defaults(void **state)
{
    struct simconf c;
    struct lt_err err;
    (void)state;
    assert_int_equal(simconf_parse_string(base, "t.conf", &c, &err), 0);
    assert_int_equal(c.tick_ms, 100);
    assert_true(c.taker_fee == M("0.001"));
    assert_true(c.symbols[0].rules.min_qty == M("0.1"));
    assert_true(c.symbols[0].rules.min_price == M("0.01"));
    assert_int_equal(c.symbols[0].rules.base_precision, 8);
    assert_int_equal(c.symbols[0].levels, 20);
    assert_int_equal(c.limits.weight_per_minute, 0);
    assert_string_equal(c.fee_asset, ""); /* fees in the quote */
    simconf_free(&c);
    /* fees.asset: charged in that asset (BNB) */
    char text[1024];
    snprintf(text, sizeof text, "fees = { maker = \"0.001\"; taker = \"0.002\"; asset = \"BNB\"; };\n%s",
             base);
    assert_int_equal(simconf_parse_string(text, "t.conf", &c, &err), 0);
    assert_string_equal(c.fee_asset, "BNB");
    assert_true(c.taker_fee == M("0.002"));
    simconf_free(&c);
    snprintf(text, sizeof text, "fees = { maker = \"0.001\"; taker = \"0.001\"; asset = 5; };\n%s", base);
    assert_int_equal(simconf_parse_string(text, "t.conf", &c, &err), LT_ECONFIG);
    simconf_free(&c);
}

/* Parses text, expects failure, and returns the message. */
static const char *fails(const char *text)
{
    static struct lt_err err;
    struct simconf c;
    assert_int_equal(simconf_parse_string(text, "t.conf", &c, &err), LT_ECONFIG);
    simconf_free(&c);
    return err.msg;
}

static void errors_name_file_line_field(void **state)
{
    (void)state;
    assert_string_equal(
        fails("symbols = ( { symbol = \"XUSDT\"; base = \"X\"; quote = \"USDT\";\n"
              "  tick_size = \"abc\"; step_size = \"0.1\";\n"
              "  start_price = \"2.00\"; level_qty = \"5\"; } );\naccounts = ();\n"),
        "t.conf:2: symbols[0].tick_size: not a decimal amount with at most 8 decimals");
    assert_string_equal(
        fails("symbols = ( { symbol = \"XUSDT\"; base = \"X\"; quote = \"USDT\";\n"
              "  tick_size = \"0.01\"; step_size = \"0.1\";\n"
              "  start_price = \"2.005\"; level_qty = \"5\"; } );\naccounts = ();\n"),
        "t.conf:3: symbols[0].start_price: must be a multiple of tick_size");
    char text[1024];
    snprintf(text, sizeof(text), "%.*s  { name = \"a\"; api_key = \"k\"; } );\n",
             (int)(strstr(base, "  { name") - base), base);
    assert_string_equal(fails(text), "t.conf:5: accounts[0](a).api_secret: missing "
                                      "(api_key needs api_secret or public_key_file)");
    snprintf(text, sizeof(text),
             "%.*s  { name = \"a\"; api_key = \"k\"; api_secret = \"s\";\n"
             "    history = ( { symbol = \"NOPE\"; side = \"BUY\"; quote = 1.0; } ); } );\n",
             (int)(strstr(base, "  { name") - base), base);
    assert_string_equal(fails(text), "t.conf:6: accounts[0](a).history[0].symbol: no such symbol");
    snprintf(text, sizeof(text),
             "%.*s  { name = \"e\"; session = { cookie = \"c=1\"; header = \"NoColon\"; }; } );\n",
             (int)(strstr(base, "  { name") - base), base);
    assert_string_equal(fails(text),
                        "t.conf:5: accounts[0](e).session.header: must be \"Name: value\"");
    assert_true(strncmp(fails("tick_ms = ;\n"), "t.conf:1: syntax: ", 18) == 0);
    assert_string_equal(fails("accounts = ();\n"),
                        "t.conf:0: symbols: missing or empty (a list of symbol groups)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(demo_file),
        cmocka_unit_test(example_file),
        cmocka_unit_test(defaults),
        cmocka_unit_test(errors_name_file_line_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
