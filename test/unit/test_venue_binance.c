/* Unit tests: the Binance dialect's parsers on real-shaped and hostile JSON. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/sign.h"
#include "looptrader/venue_binance.h"

#define M(s) money_of(s)

static money_t money_of(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

#define LEN(s) (sizeof(s) - 1)

static const char EXCHANGE_INFO[] =
    "{\"timezone\":\"UTC\",\"serverTime\":1700000000000,\"rateLimits\":[],"
    "\"symbols\":[{\"symbol\":\"BETAUSDT\",\"status\":\"BREAK\",\"baseAsset\":\"BETA\","
    "\"baseAssetPrecision\":8,\"quoteAsset\":\"USDT\",\"quotePrecision\":8,"
    "\"quoteAssetPrecision\":8,\"filters\":[{\"filterType\":\"PRICE_FILTER\","
    "\"minPrice\":\"0.01\",\"maxPrice\":\"100\",\"tickSize\":\"0.01\"},"
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"1\",\"maxQty\":\"1000\",\"stepSize\":\"1\"}]},"
    "{\"symbol\":\"ALPHAUSDT\",\"status\":\"TRADING\",\"baseAsset\":\"ALPHA\","
    "\"baseAssetPrecision\":8,\"quoteAsset\":\"USDT\",\"quotePrecision\":8,"
    "\"quoteAssetPrecision\":8,\"orderTypes\":[\"LIMIT\",\"MARKET\"],\"permissions\":[\"SPOT\"],"
    "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.00010000\","
    "\"maxPrice\":\"1000.00000000\",\"tickSize\":\"0.00010000\"},"
    "{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.10000000\",\"maxQty\":\"9000000.00000000\","
    "\"stepSize\":\"0.10000000\"},"
    "{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0\",\"maxQty\":\"100000\",\"stepSize\":\"0\"},"
    "{\"filterType\":\"NOTIONAL\",\"minNotional\":\"5.00000000\",\"applyMinToMarket\":true,"
    "\"maxNotional\":\"9000000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5}]}]}";

static void exchange_info_filters(void **state)
{
    (void)state;
    struct symbol_rules r;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_exchange_info(EXCHANGE_INFO, LEN(EXCHANGE_INFO),
                                                       "alphausdt", &r, &err), 0);
    assert_string_equal(r.symbol, "ALPHAUSDT");
    assert_string_equal(r.base, "ALPHA");
    assert_string_equal(r.quote, "USDT");
    assert_true(r.trading);
    assert_int_equal(r.base_precision, 8);
    assert_true(r.tick_size == M("0.0001"));
    assert_true(r.step_size == M("0.1"));
    assert_true(r.min_qty == M("0.1"));
    assert_true(r.min_notional == M("5"));
    assert_true(r.max_notional == M("9000000"));
    assert_true(r.max_price == M("1000"));

    assert_int_equal(venue_binance_parse_exchange_info(EXCHANGE_INFO, LEN(EXCHANGE_INFO),
                                                       "BETAUSDT", &r, &err), 0);
    assert_false(r.trading);
    assert_true(r.min_notional == 0);

    assert_int_equal(venue_binance_parse_exchange_info(EXCHANGE_INFO, LEN(EXCHANGE_INFO),
                                                       "NOPEUSDT", &r, &err), LT_ENOTFOUND);
    assert_non_null(strstr(err.msg, "NOPEUSDT"));
}

static void exchange_info_rate_limits(void **state)
{
    (void)state;
    struct venue_limits l;
    struct lt_err err;
    const char full[] =
        "{\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
        "\"intervalNum\":1,\"limit\":6000},{\"rateLimitType\":\"ORDERS\",\"interval\":"
        "\"SECOND\",\"intervalNum\":10,\"limit\":100},{\"rateLimitType\":\"ORDERS\","
        "\"interval\":\"DAY\",\"intervalNum\":1,\"limit\":200000},{\"rateLimitType\":"
        "\"RAW_REQUESTS\",\"interval\":\"MINUTE\",\"intervalNum\":5,\"limit\":61000},"
        "{\"rateLimitType\":\"ORDERS\",\"interval\":\"MINUTE\",\"intervalNum\":1,"
        "\"limit\":7},\"junk\",{\"rateLimitType\":\"ORDERS\"}],\"symbols\":[]}";
    assert_int_equal(venue_binance_parse_rate_limits(full, LEN(full), &l, &err), 0);
    assert_true(l.weight_per_minute == 6000);
    assert_true(l.orders_per_10s == 100);
    assert_true(l.orders_per_day == 200000);
    assert_int_equal(venue_binance_parse_rate_limits(EXCHANGE_INFO, LEN(EXCHANGE_INFO), &l, &err),
                     0);
    assert_true(l.weight_per_minute == 0 && l.orders_per_10s == 0 && l.orders_per_day == 0);
    const char absurd[] = "{\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\","
                          "\"interval\":\"MINUTE\",\"intervalNum\":1,\"limit\":-5}]}";
    assert_int_equal(venue_binance_parse_rate_limits(absurd, LEN(absurd), &l, &err), 0);
    assert_true(l.weight_per_minute == 0);
    const char *bad[] = {
        "[]",
        "{\"rateLimits\":{}}",
        "{\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\","
        "\"intervalNum\":\"1\",\"limit\":5}]}",
        "{\"rateLimits\":[{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\","
        "\"intervalNum\":1}]}",
        "{\"rateLimits\":[",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(venue_binance_parse_rate_limits(bad[i], strlen(bad[i]), &l, &err),
                         LT_EPARSE);
}

static void exchange_info_min_notional_legacy_and_bad(void **state)
{
    (void)state;
    struct symbol_rules r;
    struct lt_err err;
    const char legacy[] =
        "{\"symbols\":[{\"symbol\":\"X\",\"status\":\"TRADING\",\"baseAsset\":\"A\","
        "\"quoteAsset\":\"B\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.5\"},"
        "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"0.001\"},"
        "{\"filterType\":\"MIN_NOTIONAL\",\"minNotional\":\"10\"}]}]}";
    assert_int_equal(venue_binance_parse_exchange_info(legacy, LEN(legacy), "X", &r, &err), 0);
    assert_true(r.min_notional == M("10"));
    assert_true(r.tick_size == M("0.5"));

    const char no_lot[] =
        "{\"symbols\":[{\"symbol\":\"X\",\"status\":\"TRADING\",\"baseAsset\":\"A\","
        "\"quoteAsset\":\"B\",\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"0.5\"}]}]}";
    assert_int_equal(venue_binance_parse_exchange_info(no_lot, LEN(no_lot), "X", &r, &err),
                     LT_EPARSE);
    const char num_tick[] =
        "{\"symbols\":[{\"symbol\":\"X\",\"baseAsset\":\"A\",\"quoteAsset\":\"B\","
        "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"tickSize\":0.5}]}]}";
    assert_int_equal(venue_binance_parse_exchange_info(num_tick, LEN(num_tick), "X", &r, &err),
                     LT_EPARSE);
    const char not_list[] = "{\"symbols\":{}}";
    assert_int_equal(venue_binance_parse_exchange_info(not_list, LEN(not_list), "X", &r, &err),
                     LT_EPARSE);
}

static const char ORDER_FULL[] =
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":28,\"orderListId\":-1,"
    "\"clientOrderId\":\"lt.k3j9x2.3.17.b2\",\"transactTime\":1507725176595,"
    "\"price\":\"1.25010000\",\"origQty\":\"40.00000000\",\"executedQty\":\"10.50000000\","
    "\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"13.12605000\","
    "\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\","
    "\"workingTime\":1507725176595,\"selfTradePreventionMode\":\"NONE\","
    "\"fills\":[{\"price\":\"1.25010000\",\"qty\":\"10.50000000\",\"commission\":\"0.01312605\","
    "\"commissionAsset\":\"USDT\",\"tradeId\":56}]}";

static void order_full_response(void **state)
{
    (void)state;
    struct order_state o;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_order(ORDER_FULL, LEN(ORDER_FULL), &o, &err), 0);
    assert_string_equal(o.client_id, "lt.k3j9x2.3.17.b2");
    assert_int_equal(o.order_id, 28);
    assert_int_equal(o.side, SIDE_BUY);
    assert_int_equal(o.status, ORDER_PARTIALLY_FILLED);
    assert_true(o.price == M("1.2501"));
    assert_true(o.orig_qty == M("40"));
    assert_true(o.executed_qty == M("10.5"));
    assert_true(o.cum_quote == M("13.12605"));
    assert_int_equal(o.time_ms, 1507725176595LL);
    assert_int_equal(o.update_ms, 1507725176595LL);
}

static void cancel_and_query_responses(void **state)
{
    (void)state;
    struct order_state o;
    struct lt_err err;
    const char cancel[] =
        "{\"symbol\":\"ALPHAUSDT\",\"origClientOrderId\":\"lt.k3j9x2.3.17.s4\",\"orderId\":4,"
        "\"orderListId\":-1,\"clientOrderId\":\"cancelMyOrder1\",\"transactTime\":1684804350068,"
        "\"price\":\"2.00000000\",\"origQty\":\"1.00000000\",\"executedQty\":\"0.00000000\","
        "\"cummulativeQuoteQty\":\"0.00000000\",\"status\":\"CANCELED\",\"timeInForce\":\"GTC\","
        "\"type\":\"LIMIT\",\"side\":\"SELL\",\"selfTradePreventionMode\":\"NONE\"}";
    assert_int_equal(venue_binance_parse_order(cancel, LEN(cancel), &o, &err), 0);
    assert_string_equal(o.client_id, "lt.k3j9x2.3.17.s4");
    assert_int_equal(o.status, ORDER_CANCELED);
    assert_int_equal(o.side, SIDE_SELL);
    assert_true(order_status_is_final(o.status));

    const char query[] =
        "{\"symbol\":\"ALPHAUSDT\",\"orderId\":1,\"orderListId\":-1,\"clientOrderId\":\"myOrder1\","
        "\"price\":\"0.1\",\"origQty\":\"1.0\",\"executedQty\":\"1.0\","
        "\"cummulativeQuoteQty\":\"0.1\",\"status\":\"FILLED\",\"timeInForce\":\"IOC\","
        "\"type\":\"LIMIT\",\"side\":\"BUY\",\"stopPrice\":\"0.0\",\"icebergQty\":\"0.0\","
        "\"time\":1499827319559,\"updateTime\":1499827319600,\"isWorking\":true,"
        "\"workingTime\":1499827319559,\"origQuoteOrderQty\":\"0.000000\"}";
    assert_int_equal(venue_binance_parse_order(query, LEN(query), &o, &err), 0);
    assert_int_equal(o.status, ORDER_FILLED);
    assert_int_equal(o.time_ms, 1499827319559LL);
    assert_int_equal(o.update_ms, 1499827319600LL);

    const char expired_in_match[] =
        "{\"orderId\":1,\"clientOrderId\":\"a\",\"status\":\"EXPIRED_IN_MATCH\",\"side\":\"BUY\","
        "\"executedQty\":\"0\"}";
    assert_int_equal(venue_binance_parse_order(expired_in_match, LEN(expired_in_match), &o, &err),
                     0);
    assert_int_equal(o.status, ORDER_EXPIRED);
    const char odd_status[] =
        "{\"orderId\":1,\"clientOrderId\":\"a\",\"status\":\"WEIRD\",\"side\":\"BUY\","
        "\"executedQty\":\"0\"}";
    assert_int_equal(venue_binance_parse_order(odd_status, LEN(odd_status), &o, &err), 0);
    assert_int_equal(o.status, ORDER_STATUS_UNKNOWN);
    assert_false(order_status_is_final(o.status));
    assert_string_equal(order_status_name(ORDER_PARTIALLY_FILLED), "PARTIALLY_FILLED");
}

static void all_orders_list(void **state)
{
    (void)state;
    struct order_state *o = NULL;
    size_t n = 99;
    struct lt_err err;
    char buf[4096];
    snprintf(buf, sizeof buf, "[%s,%s]", ORDER_FULL, ORDER_FULL);
    assert_int_equal(venue_binance_parse_orders(buf, strlen(buf), &o, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(o[1].order_id, 28);
    free(o);
    assert_int_equal(venue_binance_parse_orders("[]", 2, &o, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(o);
    /* One bad element fails the whole list; nothing leaks. */
    snprintf(buf, sizeof buf, "[%s,{\"orderId\":\"x\"}]", ORDER_FULL);
    assert_int_equal(venue_binance_parse_orders(buf, strlen(buf), &o, &n, &err), LT_EPARSE);
    assert_null(o);
    assert_int_equal(n, 0);
    assert_int_equal(venue_binance_parse_orders("{}", 2, &o, &n, &err), LT_EPARSE);
}

static void my_trades_list(void **state)
{
    (void)state;
    const char trades[] =
        "[{\"symbol\":\"ALPHAUSDT\",\"id\":28457,\"orderId\":100234,\"orderListId\":-1,"
        "\"price\":\"1.2500\",\"qty\":\"12.0\",\"quoteQty\":\"15.0\",\"commission\":\"0.015\","
        "\"commissionAsset\":\"USDT\",\"time\":1499865549590,\"isBuyer\":true,\"isMaker\":false,"
        "\"isBestMatch\":true},"
        "{\"symbol\":\"ALPHAUSDT\",\"id\":28458,\"orderId\":100235,\"price\":\"2\",\"qty\":\"3\","
        "\"commission\":\"0\",\"commissionAsset\":\"USDT\",\"time\":1,\"isBuyer\":false}]";
    struct trade_fill *t = NULL;
    size_t n = 0;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_trades(trades, LEN(trades), &t, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(t[0].trade_id, 28457);
    assert_int_equal(t[0].order_id, 100234);
    assert_int_equal(t[0].side, SIDE_BUY);
    assert_true(t[0].quote_qty == M("15"));
    assert_true(t[0].commission == M("0.015"));
    assert_string_equal(t[0].commission_asset, "USDT");
    assert_int_equal(t[1].side, SIDE_SELL);
    assert_true(t[1].quote_qty == M("6")); /* computed when absent */
    free(t);
    const char bad[] = "[{\"id\":1,\"orderId\":2,\"price\":\"1\",\"qty\":\"1\"}]";
    assert_int_equal(venue_binance_parse_trades(bad, LEN(bad), &t, &n, &err), LT_EPARSE);
    assert_null(t);
}

static void account_balance(void **state)
{
    (void)state;
    const char acct[] =
        "{\"makerCommission\":15,\"canTrade\":true,\"accountType\":\"SPOT\","
        "\"balances\":[{\"asset\":\"USDT\",\"free\":\"4723.84\",\"locked\":\"12.5\"},"
        "{\"asset\":\"ALPHA\",\"free\":\"0.10000000\",\"locked\":\"0.00000000\"}],"
        "\"permissions\":[\"SPOT\"],\"uid\":354937868}";
    money_t f = -1, l = -1;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_balance(acct, LEN(acct), "USDT", &f, &l, &err), 0);
    assert_true(f == M("4723.84") && l == M("12.5"));
    assert_int_equal(venue_binance_parse_balance(acct, LEN(acct), "ALPHA", &f, &l, &err), 0);
    assert_true(f == M("0.1") && l == 0);
    assert_int_equal(venue_binance_parse_balance(acct, LEN(acct), "BTC", &f, &l, &err), 0);
    assert_true(f == 0 && l == 0);
    const char bad[] = "{\"balances\":[{\"asset\":\"USDT\",\"free\":1}]}";
    assert_int_equal(venue_binance_parse_balance(bad, LEN(bad), "USDT", &f, &l, &err),
                     LT_EPARSE);
}

static void rest_book_ticker(void **state)
{
    (void)state;
    const char bt[] = "{\"symbol\":\"ALPHAUSDT\",\"bidPrice\":\"1.2499\",\"bidQty\":\"31.21\","
                      "\"askPrice\":\"1.2501\",\"askQty\":\"40.66\"}";
    money_t b, a;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_book_ticker(bt, LEN(bt), &b, &a, &err), 0);
    assert_true(b == M("1.2499") && a == M("1.2501"));
    assert_int_equal(venue_binance_parse_book_ticker("[]", 2, &b, &a, &err), LT_EPARSE);
}

static void error_mapping(void **state)
{
    (void)state;
    struct lt_err err;
    const char e2010[] = "{\"code\":-2010,\"msg\":\"Account has insufficient balance for "
                         "requested action.\"}";
    assert_int_equal(venue_binance_parse_error(400, e2010, LEN(e2010), -1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2010);
    assert_int_equal(err.http_status, 400);
    assert_string_equal(err.msg,
                        "binance -2010: Account has insufficient balance for requested action.");

    const char e2011[] = "{\"code\":-2011,\"msg\":\"Unknown order sent.\"}";
    assert_int_equal(venue_binance_parse_error(400, e2011, LEN(e2011), -1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2011);

    const char e1021[] = "{\"code\":-1021,\"msg\":\"Timestamp for this request is outside of "
                         "the recvWindow.\"}";
    assert_int_equal(venue_binance_parse_error(400, e1021, LEN(e1021), -1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1021);

    const char e1007[] = "{\"code\":-1007,\"msg\":\"Timeout waiting for response from backend "
                         "server. Send status unknown; execution status unknown.\"}";
    assert_int_equal(venue_binance_parse_error(408, e1007, LEN(e1007), -1, &err), LT_EUNKNOWN);
    assert_int_equal(err.venue_code, -1007);
    assert_int_equal(venue_binance_parse_error(503, "", 0, -1, &err), LT_EUNKNOWN);
    assert_int_equal(venue_binance_parse_error(502, "<html>bad gateway</html>", 24, -1, &err),
                     LT_EUNKNOWN);
    assert_int_equal(err.venue_code, 0);

    const char e1003[] = "{\"code\":-1003,\"msg\":\"Too many requests.\"}";
    assert_int_equal(venue_binance_parse_error(429, e1003, LEN(e1003), 7, &err), LT_ERATELIMIT);
    assert_non_null(strstr(err.msg, "retry after 7 s"));
    assert_int_equal(venue_binance_parse_error(418, "", 0, 120, &err), LT_ERATELIMIT);
    assert_int_equal(err.http_status, 418);

    /* Hostile error text: control bytes neutralised, length bounded. */
    char big[2048];
    int n = snprintf(big, sizeof big, "{\"code\":-1100,\"msg\":\"a\\nb\\u0007");
    memset(big + n, 'x', 1500);
    strcpy(big + n + 1500, "\"}");
    assert_int_equal(venue_binance_parse_error(400, big, strlen(big), -1, &err), LT_EEXCHANGE);
    assert_null(strchr(err.msg, '\n'));
    assert_true(strlen(err.msg) < sizeof err.msg);
    const char huge_code[] = "{\"code\":-99999999999,\"msg\":\"x\"}";
    assert_int_equal(venue_binance_parse_error(400, huge_code, LEN(huge_code), -1, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, 0);
    assert_int_equal(venue_binance_parse_error(401, "{\"code\":", 8, -1, &err), LT_EEXCHANGE);
    assert_int_equal(err.http_status, 401);
}

static const char EXEC_REPORT[] =
    "{\"e\":\"executionReport\",\"E\":1499405658658,\"s\":\"ALPHAUSDT\","
    "\"c\":\"lt.k3j9x2.3.17.b2\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\","
    "\"q\":\"40.00000000\",\"p\":\"1.25010000\",\"P\":\"0.00000000\",\"F\":\"0.00000000\","
    "\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\",\"i\":4293153,"
    "\"l\":\"4.00000000\",\"z\":\"14.50000000\",\"L\":\"1.25000000\",\"n\":\"0.00500000\","
    "\"N\":\"USDT\",\"T\":1499405658657,\"t\":77,\"v\":3,\"I\":8641984,\"w\":false,\"m\":false,"
    "\"M\":true,\"O\":1499405658000,\"Z\":\"18.12500000\",\"Y\":\"5.00000000\","
    "\"Q\":\"0.00000000\",\"W\":1499405658657,\"V\":\"NONE\"}";

static void execution_report_plain_and_wrapped(void **state)
{
    (void)state;
    struct venue_push p;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_push(EXEC_REPORT, LEN(EXEC_REPORT), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_EXECUTION);
    assert_int_equal(p.subscription_id, -1);
    assert_string_equal(p.u.exec.order.client_id, "lt.k3j9x2.3.17.b2");
    assert_int_equal(p.u.exec.order.order_id, 4293153);
    assert_int_equal(p.u.exec.order.status, ORDER_PARTIALLY_FILLED);
    assert_true(p.u.exec.order.executed_qty == M("14.5"));
    assert_true(p.u.exec.order.cum_quote == M("18.125"));
    assert_true(p.u.exec.order.price == M("1.2501"));
    assert_int_equal(p.u.exec.trade_id, 77);
    assert_true(p.u.exec.last_qty == M("4"));
    assert_true(p.u.exec.last_price == M("1.25"));
    assert_true(p.u.exec.last_quote == M("5"));
    assert_true(p.u.exec.commission == M("0.005"));
    assert_string_equal(p.u.exec.commission_asset, "USDT");
    assert_int_equal(p.u.exec.event_ms, 1499405658658LL);
    assert_int_equal(p.u.exec.order.time_ms, 1499405658000LL);
    assert_int_equal(p.u.exec.order.update_ms, 1499405658657LL);

    char wrapped[4096];
    snprintf(wrapped, sizeof wrapped, "{\"subscriptionId\":3,\"event\":%s}", EXEC_REPORT);
    assert_int_equal(venue_binance_parse_push(wrapped, strlen(wrapped), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_EXECUTION);
    assert_int_equal(p.subscription_id, 3);
    assert_int_equal(p.u.exec.trade_id, 77);

    /* A cancel: c is the cancel's own id, C the order's. No trade (t = -1). */
    const char cancel[] =
        "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":2,\"s\":\"ALPHAUSDT\","
        "\"c\":\"web_cancel_1\",\"S\":\"SELL\",\"q\":\"1\",\"p\":\"2\",\"C\":\"lt.a.1.1.s1\","
        "\"x\":\"CANCELED\",\"X\":\"CANCELED\",\"i\":9,\"l\":\"0\",\"z\":\"0\",\"L\":\"0\","
        "\"n\":\"0\",\"N\":null,\"T\":2,\"t\":-1,\"O\":1,\"Z\":\"0\"}}";
    assert_int_equal(venue_binance_parse_push(cancel, LEN(cancel), &p, &err), 0);
    assert_int_equal(p.subscription_id, 0);
    assert_string_equal(p.u.exec.order.client_id, "lt.a.1.1.s1");
    assert_int_equal(p.u.exec.order.status, ORDER_CANCELED);
    assert_int_equal(p.u.exec.trade_id, -1);
    assert_string_equal(p.u.exec.commission_asset, "");
}

static void other_user_events(void **state)
{
    (void)state;
    struct venue_push p;
    struct lt_err err;
    const char acct[] =
        "{\"subscriptionId\":1,\"event\":{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":1,"
        "\"B\":[{\"a\":\"USDT\",\"f\":\"1\",\"l\":\"0\"}]}}";
    assert_int_equal(venue_binance_parse_push(acct, LEN(acct), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_ACCOUNT);
    assert_int_equal(p.subscription_id, 1);
    assert_int_equal(p.u.account.n, 1);
    assert_string_equal(p.u.account.asset[0], "USDT");
    assert_true(p.u.account.free_amt[0] == 100000000 && p.u.account.locked[0] == 0);
    assert_true(p.u.account.event_ms == 1);
    const char many[] =
        "{\"e\":\"outboundAccountPosition\",\"E\":7,\"u\":7,\"B\":["
        "{\"a\":\"A\",\"f\":\"1\",\"l\":\"2\"},{\"a\":\"B\",\"f\":\"0.5\",\"l\":\"0\"},"
        "{\"a\":\"C\",\"f\":\"1\",\"l\":\"0\"},{\"a\":\"D\",\"f\":\"1\",\"l\":\"0\"},"
        "{\"a\":\"E\",\"f\":\"1\",\"l\":\"0\"}]}";
    assert_int_equal(venue_binance_parse_push(many, LEN(many), &p, &err), 0);
    assert_int_equal(p.u.account.n, PUSH_ASSETS_MAX);
    assert_string_equal(p.u.account.asset[1], "B");
    assert_true(p.u.account.free_amt[1] == 50000000 && p.u.account.locked[0] == 200000000);
    const char neg0[] = "{\"e\":\"outboundAccountPosition\",\"E\":7,\"u\":7,\"B\":["
                        "{\"a\":\"A\",\"f\":\"-0.000\",\"l\":\"0\"}]}";
    assert_int_equal(venue_binance_parse_push(neg0, LEN(neg0), &p, &err), 0);
    assert_true(p.u.account.free_amt[0] < 0);
    const char nolist[] = "{\"e\":\"outboundAccountPosition\",\"E\":7,\"u\":7}";
    assert_int_equal(venue_binance_parse_push(nolist, LEN(nolist), &p, &err), LT_EPARSE);
    const char badnum[] = "{\"e\":\"outboundAccountPosition\",\"E\":7,\"u\":7,\"B\":["
                          "{\"a\":\"A\",\"f\":\"NaN\",\"l\":\"0\"}]}";
    assert_int_equal(venue_binance_parse_push(badnum, LEN(badnum), &p, &err), LT_EPARSE);
    const char term[] = "{\"subscriptionId\":1,\"event\":{\"e\":\"eventStreamTerminated\",\"E\":5}}";
    assert_int_equal(venue_binance_parse_push(term, LEN(term), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_STREAM_END);
    assert_int_equal(p.subscription_id, 1);
    const char expired[] = "{\"e\":\"listenKeyExpired\",\"E\":5,\"listenKey\":\"abc\"}";
    assert_int_equal(venue_binance_parse_push(expired, LEN(expired), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_STREAM_END);
    const char bal[] = "{\"e\":\"balanceUpdate\",\"E\":1,\"a\":\"USDT\",\"d\":\"1\",\"T\":1}";
    assert_int_equal(venue_binance_parse_push(bal, LEN(bal), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_IGNORED);
    assert_int_equal(venue_binance_parse_push("{}", 2, &p, &err), 0);
    assert_int_equal(p.kind, PUSH_IGNORED);
}

/* Amounts that are not plain decimals are malformed answers; "-0" is
 * read as negative so that the guard refuses it. */
static void hostile_amounts(void **state)
{
    (void)state;
    struct order_state o;
    struct lt_err err;
    static const char *const bad[] = { "\"NaN\"", "\"inf\"", "\"-inf\"", "\"1e400\"",
                                       "\"1e-3\"", "1.5", "\"\"", "\"0x10\"",
                                       "\"99999999999999999999\"" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[256];
        int n = snprintf(buf, sizeof buf,
                         "{\"symbol\":\"ALPHAUSDT\",\"orderId\":1,\"clientOrderId\":\"c\","
                         "\"price\":\"1\",\"origQty\":\"1\",\"executedQty\":%s,"
                         "\"cummulativeQuoteQty\":\"0\",\"status\":\"FILLED\","
                         "\"side\":\"BUY\"}", bad[i]);
        assert_int_not_equal(venue_binance_parse_order(buf, (size_t)n, &o, &err), 0);
    }
    const char neg0[] = "{\"symbol\":\"ALPHAUSDT\",\"orderId\":1,\"clientOrderId\":\"c\","
                        "\"price\":\"1\",\"origQty\":\"1\",\"executedQty\":\"-0.00000000\","
                        "\"cummulativeQuoteQty\":\"-0\",\"status\":\"FILLED\",\"side\":\"BUY\"}";
    assert_int_equal(venue_binance_parse_order(neg0, LEN(neg0), &o, &err), 0);
    assert_true(o.executed_qty < 0 && o.cum_quote < 0);
    const char zero[] = "{\"symbol\":\"ALPHAUSDT\",\"orderId\":1,\"clientOrderId\":\"c\","
                        "\"price\":\"1\",\"origQty\":\"1\",\"executedQty\":\"+0\","
                        "\"cummulativeQuoteQty\":\"0.0\",\"status\":\"NEW\",\"side\":\"BUY\"}";
    assert_int_equal(venue_binance_parse_order(zero, LEN(zero), &o, &err), 0);
    assert_true(o.executed_qty == 0 && o.cum_quote == 0);
    struct venue_push p;
    const char exec[] =
        "{\"e\":\"executionReport\",\"E\":1,\"s\":\"ALPHAUSDT\",\"c\":\"c\",\"S\":\"BUY\","
        "\"q\":\"1\",\"p\":\"1\",\"X\":\"FILLED\",\"i\":1,\"l\":\"-0\",\"z\":\"1\","
        "\"L\":\"1\",\"t\":5,\"Z\":\"1\"}";
    assert_int_equal(venue_binance_parse_push(exec, LEN(exec), &p, &err), 0);
    assert_true(p.u.exec.last_qty < 0);
}

static void book_ticker_plain_and_combined(void **state)
{
    (void)state;
    struct venue_push p;
    struct lt_err err;
    const char plain[] = "{\"u\":400900217,\"s\":\"ALPHAUSDT\",\"b\":\"1.24990000\","
                         "\"B\":\"31.21000000\",\"a\":\"1.25010000\",\"A\":\"40.66000000\"}";
    assert_int_equal(venue_binance_parse_push(plain, LEN(plain), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_BOOK_TICKER);
    assert_string_equal(p.u.book.symbol, "ALPHAUSDT");
    assert_true(p.u.book.bid == M("1.2499") && p.u.book.ask == M("1.2501"));
    assert_true(p.u.book.bid_qty == M("31.21") && p.u.book.ask_qty == M("40.66"));
    assert_int_equal(p.u.book.update_id, 400900217);

    char combined[512];
    snprintf(combined, sizeof combined, "{\"stream\":\"alphausdt@bookTicker\",\"data\":%s}", plain);
    assert_int_equal(venue_binance_parse_push(combined, strlen(combined), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_BOOK_TICKER);
    assert_true(p.u.book.ask == M("1.2501"));

    const char with_e[] = "{\"e\":\"bookTicker\",\"u\":1,\"s\":\"X\",\"b\":\"1\",\"B\":\"1\","
                          "\"a\":\"2\",\"A\":\"1\"}";
    assert_int_equal(venue_binance_parse_push(with_e, LEN(with_e), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_BOOK_TICKER);
}

static void ws_api_responses(void **state)
{
    (void)state;
    struct venue_push p;
    struct lt_err err;
    const char ok[] = "{\"id\":7,\"status\":200,\"result\":{\"subscriptionId\":2},"
                      "\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":"
                      "\"MINUTE\",\"intervalNum\":1,\"limit\":6000,\"count\":2}]}";
    assert_int_equal(venue_binance_parse_push(ok, LEN(ok), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_RESPONSE);
    assert_int_equal(p.u.response.id, 7);
    assert_int_equal(p.u.response.status, 200);
    assert_int_equal(p.u.response.subscription_id, 2);

    const char bad[] = "{\"id\":8,\"status\":400,\"error\":{\"code\":-1022,"
                       "\"msg\":\"Signature for this request is not valid.\"}}";
    assert_int_equal(venue_binance_parse_push(bad, LEN(bad), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_RESPONSE);
    assert_int_equal(p.u.response.id, 8);
    assert_int_equal(p.u.response.status, 400);
    assert_int_equal(p.u.response.subscription_id, -1);
    assert_int_equal(p.u.response.error_code, -1022);
    assert_string_equal(p.u.response.error_msg, "Signature for this request is not valid.");

    const char market_reply[] = "{\"result\":null,\"id\":1}";
    assert_int_equal(venue_binance_parse_push(market_reply, LEN(market_reply), &p, &err), 0);
    assert_int_equal(p.kind, PUSH_RESPONSE);
    assert_int_equal(p.u.response.status, 200);
    const char string_id[] = "{\"id\":\"abc\",\"status\":200,\"result\":{}}";
    assert_int_equal(venue_binance_parse_push(string_id, LEN(string_id), &p, &err), 0);
    assert_int_equal(p.u.response.id, -1);
}

static void hostile_pushes(void **state)
{
    (void)state;
    static const char *bad[] = {
        "",
        "{",
        "[]",
        "null",
        "42",
        "{\"e\":\"executionReport\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"BUY\",\"i\":\"1\",\"z\":\"0\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"HOLD\",\"i\":1,\"z\":\"0\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"BUY\",\"i\":1,\"z\":0.5}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"BUY\",\"i\":1,"
        "\"z\":\"99999999999999999999\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"BUY\","
        "\"i\":123456789012345678901234567890,\"z\":\"1\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"BUY\",\"i\":1,\"z\":\"1e5\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"X\":\"NEW\",\"S\":\"BUY\",\"i\":1,\"z\":\"1\","
        "\"N\":\"AVERYVERYLONGASSETNAME\"}",
        "{\"u\":1,\"s\":\"X\",\"b\":1.5,\"a\":\"2\"}",
        "{\"u\":1,\"s\":\"X\",\"b\":\"1.5\",\"a\":\"2\",\"B\":\"1\",\"A\":\"1\"",
        "{\"u\":1,\"s\":\"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX\",\"b\":\"1\",\"a\":\"2\"}",
        "{\"subscriptionId\":-5,\"event\":{\"e\":\"executionReport\"}}",
        "{\"subscriptionId\":99999999999,\"event\":{}}",
        "{\"id\":1,\"status\":200,\"result\":{\"subscriptionId\":\"1\"}}",
        "{\"stream\":\"x\",\"data\":{\"s\":\"X\",\"b\":\"nan\",\"a\":\"2\"}}",
        "{\"u\":1e999,\"s\":\"X\",\"b\":\"1\",\"a\":\"2\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct venue_push p;
        struct lt_err err;
        lt_err_clear(&err);
        int rc = venue_binance_parse_push(bad[i], strlen(bad[i]), &p, &err);
        if (rc != LT_EPARSE)
            fail_msg("case %zu (%s) returned %d", i, bad[i], rc);
        assert_true(err.msg[0] != '\0');
        assert_true(p.kind == PUSH_IGNORED);
    }
    /* Deep nesting and a truncated copy of every prefix of a real report. */
    char deep[20001];
    memset(deep, '[', 20000);
    deep[20000] = '\0';
    struct venue_push p;
    struct lt_err err;
    assert_int_equal(venue_binance_parse_push(deep, 20000, &p, &err), LT_EPARSE);
    for (size_t n = 0; n < LEN(EXEC_REPORT); n++)
        assert_int_equal(venue_binance_parse_push(EXEC_REPORT, n, &p, &err), LT_EPARSE);
    /* Embedded NUL: jansson refuses it by default. */
    const char nul[] = "{\"e\":\"x\0y\"}";
    assert_int_equal(venue_binance_parse_push(nul, LEN(nul), &p, &err), LT_EPARSE);
}

static void hostile_rest_bodies(void **state)
{
    (void)state;
    struct order_state o;
    struct symbol_rules r;
    struct lt_err err;
    for (size_t n = 0; n < LEN(ORDER_FULL); n++)
        assert_int_equal(venue_binance_parse_order(ORDER_FULL, n, &o, &err), LT_EPARSE);
    for (size_t n = 0; n < LEN(EXCHANGE_INFO); n += 7)
        assert_int_equal(
            venue_binance_parse_exchange_info(EXCHANGE_INFO, n, "ALPHAUSDT", &r, &err),
            LT_EPARSE);
    const char long_id[] = "{\"orderId\":1,\"clientOrderId\":"
                           "\"0123456789012345678901234567890123456789\",\"status\":\"NEW\","
                           "\"side\":\"BUY\",\"executedQty\":\"0\"}";
    assert_int_equal(venue_binance_parse_order(long_id, LEN(long_id), &o, &err), 0);
    assert_string_equal(o.client_id, ""); /* never truncated into one of ours */
}

/* The venue keeps each account's HMAC key keyed once: every signature
 * must still be the one-shot HMAC under that auth's own secret, also for
 * a second auth that shares the API key but not the secret. */
static void prekeyed_hmac_per_account(void **state)
{
    (void)state;
    struct venue *v;
    struct lt_err err;
    struct venue_config cfg = { .dialect = "binance", .rest_url = "http://127.0.0.1:1/", .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 0, .order_ws_api = 0 };
    assert_int_equal(venue_new(&cfg, &v, &err), 0);
    char s1[] = "first-secret-0123456789", s2[] = "second-secret-9876543210";
    struct venue_auth a = { .api_key = "shared-key", .api_secret = s1 };
    struct venue_auth b = { .api_key = "shared-key", .api_secret = s2 };
    struct venue_auth c = { .api_key = "other-key", .api_secret = s2 };
    const struct venue_auth *who[] = { &a, &b, &a, &c, &b, &c };
    for (size_t i = 0; i < sizeof who / sizeof *who; i++) {
        char data[64], got[SIGN_HEX_LEN + 1], want[SIGN_HEX_LEN + 1];
        snprintf(data, sizeof data, "symbol=X&timestamp=%zu", i);
        assert_int_equal(venue_sign_hmac(v, who[i], data, strlen(data), got), 0);
        sign_hmac_sha256_hex(who[i]->api_secret, strlen(who[i]->api_secret), data, strlen(data),
                             want);
        assert_string_equal(got, want);
    }
    venue_free(v);
}

static void market_path_and_subscribe_msg(void **state)
{
    (void)state;
    struct venue *v;
    struct lt_err err;
    struct venue_config cfg = { .dialect = "binance", .rest_url = "http://127.0.0.1:1/", .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 0, .order_ws_api = 0 };
    assert_int_equal(venue_new(&cfg, &v, &err), 0);
    assert_string_equal(venue_rest_url(v), "http://127.0.0.1:1");
    const struct venue_ops *ops = venue_ops(v);
    struct strbuf sb = STRBUF_INIT;
    assert_int_equal(ops->market_stream_path(v, "ALPHAUSDT", &sb), 0);
    assert_string_equal(sb.buf, "/ws/alphausdt@bookTicker");
    strbuf_reset(&sb);
    assert_int_equal(ops->market_stream_path(v, "ALPHA/USDT", &sb), LT_EINVAL);
    strbuf_reset(&sb);

    struct venue_auth a = { .api_key = "demo-alice-key", .api_secret = "demo-alice-secret-7f3a9c" };
    assert_int_equal(ops->user_subscribe_msg(v, &a, 42, &sb, &err), 0);
    assert_null(strstr(sb.buf, "demo-alice-secret"));
    long long ts = 0;
    const char *t = strstr(sb.buf, "\"timestamp\":");
    assert_non_null(t);
    ts = atoll(t + 12);
    char payload[128], sig[SIGN_HEX_LEN + 1], want[256];
    snprintf(payload, sizeof payload, "apiKey=demo-alice-key&timestamp=%lld", ts);
    sign_hmac_sha256_hex(a.api_secret, strlen(a.api_secret), payload, strlen(payload), sig);
    snprintf(want, sizeof want,
             "{\"id\":42,\"method\":\"userDataStream.subscribe.signature\",\"params\":"
             "{\"apiKey\":\"demo-alice-key\",\"timestamp\":%lld,\"signature\":\"%s\"}}",
             ts, sig);
    assert_string_equal(sb.buf, want);
    strbuf_reset(&sb);

    struct venue_auth session = { .cookies = "session=x" };
    assert_int_equal(ops->user_subscribe_msg(v, &session, 1, &sb, &err), LT_EINVAL);
    assert_int_equal(venue_binance_unsubscribe_msg(5, 2, &sb), 0);
    assert_string_equal(sb.buf, "{\"id\":5,\"method\":\"userDataStream.unsubscribe\","
                                "\"params\":{\"subscriptionId\":2}}");
    strbuf_free(&sb);

    venue_set_clock_offset(v, 60000);
    int64_t a1 = venue_now_ms(v);
    venue_set_clock_offset(v, 0);
    int64_t a2 = venue_now_ms(v);
    assert_true(a1 - a2 > 59000 && a1 - a2 < 61000);
    venue_free(v);

    cfg.dialect = "kraken";
    assert_int_equal(venue_new(&cfg, &v, &err), LT_ECONFIG);
}

/* order.place over the WebSocket API: every param, apiKey and the
 * timestamp sorted by name, the HMAC over exactly "k=v&..." of them. */
static void ws_order_msg_signed(void **state)
{
    (void)state;
    struct venue *v;
    struct lt_err err;
    struct venue_config cfg = { .dialect = "binance", .rest_url = "http://127.0.0.1:1", .ws_url = "ws://127.0.0.1:1", .recv_window_ms = 0, .timeout_ms = 0, .order_ws_api = 1 };
    assert_int_equal(venue_new(&cfg, &v, &err), 0);
    assert_true(venue_orders_ws_api(v));
    struct venue_auth a = { .api_key = "demo-alice-key", .api_secret = "demo-alice-secret-7f3a9c" };
    struct order_request req = { .symbol = "ALPHAUSDT", .side = SIDE_BUY, .tif = TIF_IOC,
                                 .price = M("1.2523"), .qty = M("39.9"),
                                 .client_id = "lt.qzztt9.0.1.b1" };
    struct strbuf sb = STRBUF_INIT;
    assert_int_equal(venue_binance_ws_order_msg(v, &a, 77, &req, &sb, &err), 0);
    const char *t = strstr(sb.buf, "\"timestamp\":");
    assert_non_null(t);
    long long ts = atoll(t + 12);
    char payload[512], sig[SIGN_HEX_LEN + 1], want[1024];
    snprintf(payload, sizeof payload,
             "apiKey=demo-alice-key&newClientOrderId=lt.qzztt9.0.1.b1&newOrderRespType=RESULT&"
             "price=1.2523&quantity=39.9&recvWindow=5000&side=BUY&symbol=ALPHAUSDT&"
             "timeInForce=IOC&timestamp=%lld&type=LIMIT",
             ts);
    sign_hmac_sha256_hex(a.api_secret, strlen(a.api_secret), payload, strlen(payload), sig);
    snprintf(want, sizeof want,
             "{\"id\":77,\"method\":\"order.place\",\"params\":{\"apiKey\":\"demo-alice-key\","
             "\"newClientOrderId\":\"lt.qzztt9.0.1.b1\",\"newOrderRespType\":\"RESULT\","
             "\"price\":\"1.2523\",\"quantity\":\"39.9\",\"recvWindow\":5000,\"side\":\"BUY\","
             "\"symbol\":\"ALPHAUSDT\",\"timeInForce\":\"IOC\",\"timestamp\":%lld,"
             "\"type\":\"LIMIT\",\"signature\":\"%s\"}}",
             ts, sig);
    assert_string_equal(sb.buf, want);
    assert_null(strstr(sb.buf, "secret"));

    /* a value that would need escaping is not sent this way at all */
    strbuf_reset(&sb);
    req.client_id = "a\"b";
    assert_int_equal(venue_binance_ws_order_msg(v, &a, 78, &req, &sb, &err), LT_EINVAL);
    struct venue_auth session = { .cookies = "session=x" };
    req.client_id = "lt.x";
    assert_int_equal(venue_binance_ws_order_msg(v, &session, 79, &req, &sb, &err), LT_EINVAL);
    strbuf_free(&sb);
    venue_free(v);
}

/* A WS API answer: the result through the order parser, errors mapped as
 * REST's, anything else (another id, no status, no result) refused. */
static void ws_order_answer(void **state)
{
    (void)state;
    struct order_state o;
    struct lt_err err;
    const char *ok = "{\"id\":9,\"status\":200,\"result\":{\"symbol\":\"ALPHAUSDT\","
                     "\"orderId\":12,\"clientOrderId\":\"lt.a.1\",\"transactTime\":1700000000000,"
                     "\"price\":\"1.25\",\"origQty\":\"40\",\"executedQty\":\"10\","
                     "\"cummulativeQuoteQty\":\"12.5\",\"status\":\"PARTIALLY_FILLED\","
                     "\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"fills\":[]},"
                     "\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"count\":3}]}";
    assert_int_equal(venue_binance_parse_ws_order_answer(ok, strlen(ok), 9, &o, NULL, &err), 0);
    assert_int_equal(o.order_id, 12);
    assert_string_equal(o.client_id, "lt.a.1");
    assert_int_equal(o.status, ORDER_PARTIALLY_FILLED);
    assert_true(o.executed_qty == M("10") && o.price == M("1.25"));
    assert_int_equal(venue_binance_parse_ws_order_answer(ok, strlen(ok), 10, &o, NULL, &err),
                     LT_EPARSE);
    /* its rateLimits as REST's count headers: what it lists, -1 for the rest */
    const char *counted = "{\"id\":9,\"status\":200,\"result\":{\"symbol\":\"ALPHAUSDT\","
                          "\"orderId\":12,\"clientOrderId\":\"lt.a.1\",\"price\":\"1.25\","
                          "\"origQty\":\"40\",\"executedQty\":\"0\",\"cummulativeQuoteQty\":\"0\","
                          "\"status\":\"NEW\",\"side\":\"BUY\"},\"rateLimits\":["
                          "{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
                          "\"intervalNum\":1,\"limit\":6000,\"count\":321},"
                          "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\","
                          "\"intervalNum\":10,\"limit\":100,\"count\":7},"
                          "{\"rateLimitType\":\"ORDERS\",\"interval\":\"SECOND\","
                          "\"intervalNum\":1,\"limit\":10,\"count\":99},7,"
                          "{\"rateLimitType\":\"ORDERS\",\"interval\":\"DAY\","
                          "\"intervalNum\":1,\"count\":-5}]}";
    struct http_response counts;
    http_response_init(&counts);
    assert_int_equal(
        venue_binance_parse_ws_order_answer(counted, strlen(counted), 9, &o, &counts, &err), 0);
    assert_int_equal(counts.used_weight_1m, 321);
    assert_int_equal(counts.order_count_10s, 7);
    assert_int_equal(counts.order_count_1d, -1);
    http_response_release(&counts);

    const char *rej = "{\"id\":9,\"status\":400,\"error\":{\"code\":-2010,"
                      "\"msg\":\"Account has insufficient balance.\"}}";
    assert_int_equal(venue_binance_parse_ws_order_answer(rej, strlen(rej), 9, &o, NULL, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -2010);
    assert_int_equal(err.http_status, 400);
    const char *esc = "{\"id\":9,\"status\":400,\"error\":{\"code\":-1021,"
                      "\"msg\":\"Timestamp \\\"ahead\\\"\"}}";
    assert_int_equal(venue_binance_parse_ws_order_answer(esc, strlen(esc), 9, &o, NULL, &err),
                     LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1021);
    const char *lim = "{\"id\":9,\"status\":429,\"error\":{\"code\":-1003,\"msg\":\"Too many\"}}";
    assert_int_equal(venue_binance_parse_ws_order_answer(lim, strlen(lim), 9, &o, NULL, &err),
                     LT_ERATELIMIT);
    /* Binance's rate-limited answer: when to retry in error.data, as
     * seconds rounded up (REST's Retry-After); without it -1 */
    const char *lim_at = "{\"id\":9,\"status\":429,\"error\":{\"code\":-1003,\"msg\":\"Too many\","
                         "\"data\":{\"serverTime\":1659142907531,\"retryAfter\":1659142909000}},"
                         "\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":"
                         "\"MINUTE\",\"intervalNum\":1,\"limit\":6000,\"count\":6001}]}";
    http_response_init(&counts);
    assert_int_equal(
        venue_binance_parse_ws_order_answer(lim_at, strlen(lim_at), 9, &o, &counts, &err),
        LT_ERATELIMIT);
    assert_int_equal(counts.retry_after_s, 2);
    assert_int_equal(counts.used_weight_1m, 6001);
    assert_int_equal(err.venue_code, -1003);
    http_response_release(&counts);
    const char *lim_bad[] = {
        "{\"id\":9,\"status\":429,\"error\":{\"code\":-1003,\"msg\":\"x\","
        "\"data\":{\"serverTime\":5000,\"retryAfter\":4000}}}",
        "{\"id\":9,\"status\":429,\"error\":{\"code\":-1003,\"msg\":\"x\","
        "\"data\":{\"retryAfter\":4000}}}",
        "{\"id\":9,\"status\":429,\"error\":{\"code\":-1003,\"msg\":\"x\","
        "\"data\":{\"serverTime\":-9223372036854775807,\"retryAfter\":9223372036854775807}}}",
        "{\"id\":9,\"status\":429,\"error\":{\"code\":-1003,\"msg\":\"x\",\"data\":7}}",
    };
    for (size_t i = 0; i < sizeof lim_bad / sizeof lim_bad[0]; i++) {
        http_response_init(&counts);
        assert_int_equal(venue_binance_parse_ws_order_answer(lim_bad[i], strlen(lim_bad[i]), 9, &o,
                                                             &counts, &err),
                         LT_ERATELIMIT);
        assert_int_equal(counts.retry_after_s, -1);
        http_response_release(&counts);
    }
    const char *far = "{\"id\":9,\"status\":418,\"error\":{\"code\":-1003,\"msg\":\"banned\","
                      "\"data\":{\"serverTime\":0,\"retryAfter\":9223372036854775807}}}";
    http_response_init(&counts);
    assert_int_equal(venue_binance_parse_ws_order_answer(far, strlen(far), 9, &o, &counts, &err),
                     LT_ERATELIMIT);
    assert_int_equal(counts.retry_after_s, HTTP_RETRY_AFTER_MAX_S);
    http_response_release(&counts);
    const char *down = "{\"id\":9,\"status\":503,\"error\":{\"code\":-1008,\"msg\":\"busy\"}}";
    assert_int_equal(venue_binance_parse_ws_order_answer(down, strlen(down), 9, &o, NULL, &err),
                     LT_EUNKNOWN);
    const char *bad[] = { "{\"id\":9,\"result\":{}}", "{\"id\":9,\"status\":200}",
                          "{\"id\":9,\"status\":200,\"result\":{\"orderId\":\"x\"}}",
                          "{\"id\":\"9\",\"status\":200,\"result\":{}}", "[9]", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(
            venue_binance_parse_ws_order_answer(bad[i], strlen(bad[i]), 9, &o, NULL, &err),
            LT_EPARSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exchange_info_filters),
        cmocka_unit_test(exchange_info_rate_limits),
        cmocka_unit_test(exchange_info_min_notional_legacy_and_bad),
        cmocka_unit_test(order_full_response),
        cmocka_unit_test(cancel_and_query_responses),
        cmocka_unit_test(all_orders_list),
        cmocka_unit_test(my_trades_list),
        cmocka_unit_test(account_balance),
        cmocka_unit_test(rest_book_ticker),
        cmocka_unit_test(error_mapping),
        cmocka_unit_test(execution_report_plain_and_wrapped),
        cmocka_unit_test(other_user_events),
        cmocka_unit_test(hostile_amounts),
        cmocka_unit_test(book_ticker_plain_and_combined),
        cmocka_unit_test(ws_api_responses),
        cmocka_unit_test(hostile_pushes),
        cmocka_unit_test(hostile_rest_bodies),
        cmocka_unit_test(market_path_and_subscribe_msg),
        cmocka_unit_test(ws_order_msg_signed),
        cmocka_unit_test(ws_order_answer),
        cmocka_unit_test(prekeyed_hmac_per_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
