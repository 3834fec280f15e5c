/* Unit tests: the Binance Alpha web dialect's parsers on answers shaped as
 * the web API's (and the simulator's), and on hostile ones. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/venue_alpha.h"

#define LEN(s) (sizeof(s) - 1)

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

#define OK(data) "{\"code\":\"000000\",\"message\":null,\"messageDetail\":null,\"data\":" data \
                 ",\"success\":true}"

static void test_envelope_ok_and_errors(void **state)
{
    (void)state;
    struct lt_err e = { 0 };
    static const char ok[] = OK("\"1\"");
    assert_int_equal(venue_alpha_parse_envelope(200, ok, LEN(ok), ALPHA_CALL_OTHER, &e), 0);

    static const char bal[] = "{\"code\":\"481020\",\"message\":\"Insufficient balance.\","
                              "\"data\":null,\"success\":false}";
    assert_int_equal(venue_alpha_parse_envelope(200, bal, LEN(bal), ALPHA_CALL_OTHER, &e),
                     LT_EEXCHANGE);
    assert_int_equal(e.venue_code, -2010);
    assert_non_null(strstr(e.msg, "481020"));

    static const char minn[] = "{\"code\":\"481013\",\"message\":\"below\",\"success\":false}";
    venue_alpha_parse_envelope(200, minn, LEN(minn), ALPHA_CALL_OTHER, &e);
    assert_int_equal(e.venue_code, -1013);

    static const char gone[] = "{\"code\":\"481006\",\"message\":\"no\",\"success\":false}";
    venue_alpha_parse_envelope(200, gone, LEN(gone), ALPHA_CALL_CANCEL, &e);
    assert_int_equal(e.venue_code, -2011);
    venue_alpha_parse_envelope(200, gone, LEN(gone), ALPHA_CALL_QUERY, &e);
    assert_int_equal(e.venue_code, -2013);

    /* code 000000 with success false is not a success */
    static const char odd[] = "{\"code\":\"000000\",\"message\":null,\"success\":false}";
    assert_int_equal(venue_alpha_parse_envelope(200, odd, LEN(odd), ALPHA_CALL_OTHER, &e),
                     LT_EEXCHANGE);
}

static void test_envelope_session(void **state)
{
    (void)state;
    struct lt_err e = { 0 };
    static const char exp[] = "{\"code\":\"100002001\",\"message\":\"Login state expired, "
                              "please log in again.\",\"success\":false}";
    assert_int_equal(venue_alpha_parse_envelope(200, exp, LEN(exp), ALPHA_CALL_OTHER, &e),
                     LT_EEXCHANGE);
    assert_int_equal(e.http_status, 401); /* the run's "credentials rejected": one account */
    assert_non_null(strstr(e.msg, "refresh this account's cookies and csrftoken"));

    /* a step-up is recognised by its words too, whatever its code */
    static const char up[] = "{\"code\":\"999999\",\"message\":\"Supplementary authentication "
                             "failed, you must complete this verification\",\"success\":false}";
    venue_alpha_parse_envelope(200, up, LEN(up), ALPHA_CALL_OTHER, &e);
    assert_int_equal(e.http_status, 403);
    assert_non_null(strstr(e.msg, "step-up"));
}

static void test_envelope_transport(void **state)
{
    (void)state;
    struct lt_err e = { 0 };
    assert_int_equal(venue_alpha_parse_envelope(429, "", 0, ALPHA_CALL_OTHER, &e), LT_ERATELIMIT);
    assert_int_equal(venue_alpha_parse_envelope(502, "<html>", 6, ALPHA_CALL_OTHER, &e),
                     LT_EUNKNOWN);
    assert_int_equal(venue_alpha_parse_envelope(404, "nope", 4, ALPHA_CALL_OTHER, &e),
                     LT_EUNKNOWN);
    /* 200 without an envelope: not a success, and not a refusal either */
    assert_int_equal(venue_alpha_parse_envelope(200, "{}", 2, ALPHA_CALL_OTHER, &e), LT_EPARSE);
    assert_int_equal(venue_alpha_parse_envelope(200, "[1]", 3, ALPHA_CALL_OTHER, &e), LT_EPARSE);
    /* venue text is cleaned: no control bytes reach our messages */
    static const char ctl[] = "{\"code\":\"1\",\"message\":\"a\\nb\\u0007c\",\"success\":false}";
    venue_alpha_parse_envelope(200, ctl, LEN(ctl), ALPHA_CALL_OTHER, &e);
    assert_null(strchr(e.msg, '\n'));
    assert_null(strchr(e.msg, '\a'));
}

static const char EXINFO[] = OK(
    "{\"timezone\":\"UTC\",\"symbols\":[{\"symbol\":\"ALPHA_118USDT\",\"status\":\"TRADING\","
    "\"baseAsset\":\"ALPHA_118\",\"quoteAsset\":\"USDT\",\"filters\":[{\"filterType\":"
    "\"PRICE_FILTER\",\"tickSize\":\"0.0001\"},{\"filterType\":\"LOT_SIZE\",\"stepSize\":"
    "\"0.001\"}]},{\"symbol\":\"ALPHA_971USDT\",\"status\":\"TRADING\",\"baseAsset\":"
    "\"ALPHA_971\",\"quoteAsset\":\"USDT\",\"baseAssetPrecision\":8,\"quotePrecision\":6,"
    "\"orderTypes\":[\"LIMIT\"],\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":"
    "\"0.00001000\",\"maxPrice\":\"1000\",\"tickSize\":\"0.00001000\"},{\"filterType\":"
    "\"LOT_SIZE\",\"minQty\":\"0.01\",\"maxQty\":\"9000000\",\"stepSize\":\"0.01\"},"
    "{\"filterType\":\"MIN_NOTIONAL\",\"minNotional\":\"0.1\"}]}]}");

static void test_exchange_info(void **state)
{
    (void)state;
    struct symbol_rules r;
    struct lt_err e = { 0 };
    assert_int_equal(venue_alpha_parse_exchange_info(EXINFO, LEN(EXINFO), "ALPHA_971USDT", &r, &e), 0);
    assert_string_equal(r.base, "ALPHA_971");
    assert_string_equal(r.quote, "USDT");
    assert_true(r.trading);
    assert_int_equal(r.quote_precision, 6);
    assert_true(r.tick_size == M("0.00001") && r.step_size == M("0.01"));
    assert_true(r.min_notional == M("0.1") && r.max_price == M("1000"));
    assert_int_equal(venue_alpha_parse_exchange_info(EXINFO, LEN(EXINFO), "ALPHA_5USDT", &r, &e),
                     LT_ENOTFOUND);
    static const char zero_tick[] = OK("{\"symbols\":[{\"symbol\":\"X\",\"baseAsset\":\"B\","
                                       "\"quoteAsset\":\"USDT\",\"filters\":[{\"filterType\":"
                                       "\"PRICE_FILTER\",\"tickSize\":\"0\"},{\"filterType\":"
                                       "\"LOT_SIZE\",\"stepSize\":\"1\"}]}]}");
    assert_int_equal(venue_alpha_parse_exchange_info(zero_tick, LEN(zero_tick), "X", &r, &e),
                     LT_EPARSE);
    static const char no_data[] = "{\"code\":\"000000\",\"data\":null,\"success\":true}";
    assert_int_equal(venue_alpha_parse_exchange_info(no_data, LEN(no_data), "X", &r, &e), LT_EPARSE);
}

static void test_token_and_counted(void **state)
{
    (void)state;
    static const char tokens[] = OK(
        "[{\"alphaId\":\"ALPHA_1\",\"symbol\":\"A\",\"mulPoint\":1},"
        "{\"alphaId\":\"ALPHA_971\",\"symbol\":\"KOGE\",\"mulPoint\":4}]");
    struct lt_err e = { 0 };
    int mul = 0;
    char name[16];
    assert_int_equal(venue_alpha_parse_token(tokens, LEN(tokens), "ALPHA_971", &mul, name,
                                             sizeof name, &e), 0);
    assert_int_equal(mul, 4);
    assert_string_equal(name, "KOGE");
    assert_int_equal(venue_alpha_parse_token(tokens, LEN(tokens), "ALPHA_2", &mul, name,
                                             sizeof name, &e), LT_ENOTFOUND);
    static const char bad_mul[] = OK("[{\"alphaId\":\"ALPHA_1\",\"symbol\":\"A\",\"mulPoint\":0}]");
    assert_int_equal(venue_alpha_parse_token(bad_mul, LEN(bad_mul), "ALPHA_1", &mul, name,
                                             sizeof name, &e), LT_EPARSE);

    static const char vol[] = OK("{\"totalVolume\":\"180.5\",\"tradeVolumeInfoList\":["
                                 "{\"tokenName\":\"ZKJ\",\"volume\":\"0.5\"},"
                                 "{\"tokenName\":\"KOGE\",\"volume\":\"180\"}]}");
    money_t c = 1;
    assert_int_equal(venue_alpha_parse_counted(vol, LEN(vol), "KOGE", &c, &e), 0);
    assert_true(c == M("180"));
    assert_int_equal(venue_alpha_parse_counted(vol, LEN(vol), "B2", &c, &e), 0);
    assert_true(c == 0); /* nothing counted yet */
    static const char neg[] = OK("{\"tradeVolumeInfoList\":[{\"tokenName\":\"K\",\"volume\":\"-1\"}]}");
    assert_int_equal(venue_alpha_parse_counted(neg, LEN(neg), "K", &c, &e), LT_EPARSE);
    static const char num[] = OK("{\"tradeVolumeInfoList\":[{\"tokenName\":\"K\",\"volume\":1}]}");
    assert_int_equal(venue_alpha_parse_counted(num, LEN(num), "K", &c, &e), LT_EPARSE);
}

static const char ORDER_ROW[] =
    "{\"orderId\":\"42\",\"clientOrderId\":\"lt.abc.0.1.b1\",\"symbol\":\"ALPHA_971USDT\","
    "\"side\":\"BUY\",\"type\":\"LIMIT\",\"status\":\"PARTIALLY_FILLED\",\"price\":\"0.45\","
    "\"origQty\":\"100\",\"executedQty\":\"40\",\"cumQuote\":\"18\",\"avgPrice\":\"0.45\","
    "\"time\":1700000000000,\"updateTime\":1700000000500,\"contingencyType\":null}";

static void test_orders(void **state)
{
    (void)state;
    char buf[2048];
    snprintf(buf, sizeof buf, OK("[%s,%s]"), ORDER_ROW, ORDER_ROW);
    struct order_state *o = NULL;
    size_t n = 0;
    int64_t total = 0;
    struct lt_err e = { 0 };
    assert_int_equal(venue_alpha_parse_orders(buf, strlen(buf), &o, &n, &total, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(total, 2);
    assert_int_equal(o[0].order_id, 42);
    assert_string_equal(o[0].client_id, "lt.abc.0.1.b1");
    assert_int_equal(o[0].status, ORDER_PARTIALLY_FILLED);
    assert_true(o[0].executed_qty == M("40") && o[0].cum_quote == M("18"));
    assert_int_equal(o[0].update_ms, 1700000000500LL);
    free(o);

    snprintf(buf, sizeof buf, OK("{\"total\":7,\"list\":[%s]}"), ORDER_ROW);
    assert_int_equal(venue_alpha_parse_orders(buf, strlen(buf), &o, &n, &total, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(total, 7);
    free(o);

    static const char empty[] = OK("[]");
    assert_int_equal(venue_alpha_parse_orders(empty, LEN(empty), &o, &n, NULL, &e), 0);
    assert_int_equal(n, 0);
    assert_null(o);

    /* hostile rows: a numeric amount, an id that is not one, no side */
    static const char *bad[] = {
        OK("[{\"orderId\":\"1\",\"side\":\"BUY\",\"executedQty\":1,\"cumQuote\":\"0\"}]"),
        OK("[{\"orderId\":\"1x\",\"side\":\"BUY\",\"executedQty\":\"1\",\"cumQuote\":\"0\"}]"),
        OK("[{\"orderId\":\"-5\",\"side\":\"BUY\",\"executedQty\":\"1\",\"cumQuote\":\"0\"}]"),
        OK("[{\"orderId\":\"1\",\"executedQty\":\"1\",\"cumQuote\":\"0\"}]"),
        OK("{\"list\":[]}"),
        OK("7"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = (struct order_state *)1;
        assert_int_equal(venue_alpha_parse_orders(bad[i], strlen(bad[i]), &o, &n, &total, &e),
                         LT_EPARSE);
        assert_null(o);
        assert_int_equal(n, 0);
    }
}

static void test_order_id_trades_balance(void **state)
{
    (void)state;
    struct lt_err e = { 0 };
    int64_t id = 0;
    static const char placed[] = OK("\"123456789\"");
    assert_int_equal(venue_alpha_parse_order_id(placed, LEN(placed), &id, &e), 0);
    assert_int_equal(id, 123456789);
    static const char placed_bad[] = OK("\"12345678901234567890\"");
    assert_int_equal(venue_alpha_parse_order_id(placed_bad, LEN(placed_bad), &id, &e), LT_EPARSE);

    static const char trades[] = OK(
        "[{\"symbol\":\"ALPHA_971USDT\",\"id\":7,\"orderId\":\"42\",\"price\":\"0.45\","
        "\"qty\":\"40\",\"quoteQty\":\"18\",\"commission\":\"0.0018\",\"commissionAsset\":"
        "\"USDT\",\"time\":1700000000100,\"isBuyer\":true,\"isMaker\":false}]");
    struct trade_fill *t = NULL;
    size_t n = 0;
    assert_int_equal(venue_alpha_parse_trades(trades, LEN(trades), &t, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].trade_id, 7);
    assert_int_equal(t[0].order_id, 42);
    assert_int_equal(t[0].side, SIDE_BUY);
    assert_true(t[0].quote_qty == M("18") && t[0].commission == M("0.0018"));
    assert_string_equal(t[0].commission_asset, "USDT");
    free(t);
    static const char no_buyer[] = OK("[{\"id\":7,\"orderId\":\"42\",\"price\":\"1\",\"qty\":"
                                      "\"1\",\"quoteQty\":\"1\"}]");
    assert_int_equal(venue_alpha_parse_trades(no_buyer, LEN(no_buyer), &t, &n, &e), LT_EPARSE);
    assert_null(t);

    static const char wallet[] = OK("{\"list\":[{\"tokenId\":\"USDT\",\"free\":\"900\","
                                    "\"freeze\":\"100\"},{\"tokenId\":\"ALPHA_971\",\"free\":"
                                    "\"40\",\"freeze\":\"0\"}]}");
    money_t f = 0, l = 0;
    assert_int_equal(venue_alpha_parse_balance(wallet, LEN(wallet), "USDT", &f, &l, &e), 0);
    assert_true(f == M("900") && l == M("100"));
    assert_int_equal(venue_alpha_parse_balance(wallet, LEN(wallet), "ALPHA_5", &f, &l, &e), 0);
    assert_true(f == 0 && l == 0);
}

static void test_depth(void **state)
{
    (void)state;
    struct lt_err e = { 0 };
    money_t b = 0, a = 0;
    static const char d[] = OK("{\"lastUpdateId\":9,\"bids\":[[\"0.44998\",\"400\"]],"
                               "\"asks\":[[\"0.45\",\"400\"],[\"0.45001\",\"1\"]]}");
    assert_int_equal(venue_alpha_parse_depth_top(d, LEN(d), &b, &a, &e), 0);
    assert_true(b == M("0.44998") && a == M("0.45"));
    static const char one_side[] = OK("{\"bids\":[],\"asks\":[[\"2\",\"1\"]]}");
    assert_int_equal(venue_alpha_parse_depth_top(one_side, LEN(one_side), &b, &a, &e), 0);
    assert_true(b == 0 && a == M("2"));
    static const char bad[] = OK("{\"bids\":[[2,1]],\"asks\":[]}");
    assert_int_equal(venue_alpha_parse_depth_top(bad, LEN(bad), &b, &a, &e), LT_EPARSE);
}

static void test_oto(void **state)
{
    (void)state;
    struct lt_err e = { 0 };
    struct oto_placed p;
    static const char waiting[] = OK(
        "{\"orderListId\":7,\"workingOrderId\":\"101\",\"pendingOrderId\":null}");
    assert_int_equal(venue_alpha_parse_oto(waiting, LEN(waiting), &p, &e), 0);
    assert_int_equal(p.list_id, 7);
    assert_int_equal(p.buy_id, 101);
    assert_int_equal(p.sell_id, 0);
    /* ids as integers too; the sell placed at once; no list id */
    static const char placed[] = OK("{\"workingOrderId\":101,\"pendingOrderId\":\"102\"}");
    assert_int_equal(venue_alpha_parse_oto(placed, LEN(placed), &p, &e), 0);
    assert_int_equal(p.list_id, 0);
    assert_int_equal(p.buy_id, 101);
    assert_int_equal(p.sell_id, 102);
    static const char *bad[] = {
        OK("{\"pendingOrderId\":\"102\"}"),                              /* no buy */
        OK("{\"workingOrderId\":null}"),
        OK("{\"workingOrderId\":\"0\"}"),
        OK("{\"workingOrderId\":\"-5\"}"),
        OK("{\"workingOrderId\":\"12a\"}"),
        OK("{\"workingOrderId\":\"12345678901234567890\"}"),             /* past int64 */
        OK("{\"workingOrderId\":\"5\",\"pendingOrderId\":\"5\"}"),       /* one order twice */
        OK("{\"workingOrderId\":\"5\",\"pendingOrderId\":true}"),
        OK("{\"workingOrderId\":\"5\",\"orderListId\":-1}"),
        OK("{\"workingOrderId\":\"5\",\"orderListId\":\"x\"}"),
        OK("[\"5\"]"),
        OK("\"5\""),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p.buy_id = 99;
        assert_int_equal(venue_alpha_parse_oto(bad[i], strlen(bad[i]), &p, &e), LT_EPARSE);
        assert_int_equal(p.buy_id, 99); /* nothing half-filled */
    }
}

static void test_garbage(void **state)
{
    (void)state;
    static const char *inputs[] = { "", "{", "null", "[]", "{\"data\":\"x\"}", "\"x\"",
                                    "{\"code\":\"000000\",\"data\":{\"list\":{}}}" };
    struct lt_err e = { 0 };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        const char *s = inputs[i];
        struct symbol_rules r;
        struct order_state *o = NULL;
        struct trade_fill *t = NULL;
        size_t n = 0;
        money_t x, y;
        int mul;
        char name[8];
        int64_t id;
        assert_int_not_equal(venue_alpha_parse_exchange_info(s, strlen(s), "A", &r, &e), 0);
        assert_int_not_equal(venue_alpha_parse_orders(s, strlen(s), &o, &n, NULL, &e), 0);
        assert_int_not_equal(venue_alpha_parse_trades(s, strlen(s), &t, &n, &e), 0);
        assert_int_not_equal(venue_alpha_parse_balance(s, strlen(s), "A", &x, &y, &e), 0);
        assert_int_not_equal(venue_alpha_parse_depth_top(s, strlen(s), &x, &y, &e), 0);
        assert_int_not_equal(venue_alpha_parse_token(s, strlen(s), "A", &mul, name, sizeof name, &e), 0);
        assert_int_not_equal(venue_alpha_parse_order_id(s, strlen(s), &id, &e), 0);
        assert_int_not_equal(venue_alpha_parse_counted(s, strlen(s), "A", &x, &e), 0);
        struct oto_placed p;
        assert_int_not_equal(venue_alpha_parse_oto(s, strlen(s), &p, &e), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_envelope_ok_and_errors),
        cmocka_unit_test(test_envelope_session),
        cmocka_unit_test(test_envelope_transport),
        cmocka_unit_test(test_exchange_info),
        cmocka_unit_test(test_token_and_counted),
        cmocka_unit_test(test_orders),
        cmocka_unit_test(test_order_id_trades_balance),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_oto),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
