/* Unit tests: timeUnit=MICROSECOND rewrites exactly the time fields. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/sim/timeunit.h"

static void micro(const char *in, int klines, const char *want)
{
    struct strbuf sb = STRBUF_INIT;
    assert_int_equal(strbuf_addstr(&sb, in), 0);
    assert_int_equal(time_unit_micro(&sb, klines), 0);
    assert_string_equal(sb.buf, want);
    strbuf_free(&sb);
}

static void fields(void **state)
{
    (void)state;
    micro("{\"serverTime\":1700000000123}", 0, "{\"serverTime\":1700000000123000}");
    /* an order: its times scaled, ids, prices and quantities untouched */
    micro("{\"orderId\":42,\"price\":\"1.25\",\"time\":1,\"updateTime\":2,\"workingTime\":3,"
          "\"transactTime\":4,\"origQty\":\"10\"}",
          0,
          "{\"orderId\":42,\"price\":\"1.25\",\"time\":1000,\"updateTime\":2000,"
          "\"workingTime\":3000,\"transactTime\":4000,\"origQty\":\"10\"}");
    /* nested lists of objects (allOrders, aggTrades) */
    micro("[{\"a\":7,\"T\":5,\"p\":\"1\"},{\"a\":8,\"T\":6}]", 0,
          "[{\"a\":7,\"T\":5000,\"p\":\"1\"},{\"a\":8,\"T\":6000}]");
    /* a time field that is not an integer is left as it is */
    micro("{\"time\":\"soon\",\"E\":null}", 0, "{\"time\":\"soon\",\"E\":null}");
    /* past the microsecond range: kept, never overflowed (found by fuzzing) */
    micro("{\"time\":9223372036854775807}", 0, "{\"time\":9223372036854775807}");
}

static void klines(void **state)
{
    (void)state;
    micro("[[1000,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",1999,\"15\",3,\"5\",\"7\",\"0\"]]", 1,
          "[[1000000,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",1999000,\"15\",3,\"5\",\"7\",\"0\"]]");
    /* without the klines flag an array of numbers is not a kline */
    micro("[[1000,2,3,4,5,6,7]]", 0, "[[1000,2,3,4,5,6,7]]");
}

static void micro_ws(const char *in, const char *want)
{
    struct strbuf sb = STRBUF_INIT;
    assert_int_equal(strbuf_addstr(&sb, in), 0);
    assert_int_equal(time_unit_micro_ws(&sb), 0);
    assert_string_equal(sb.buf, want);
    strbuf_free(&sb);
}

static void websocket(void **state)
{
    (void)state;
    /* a WS API response: the REST fields of its result, rateLimits untouched */
    micro_ws("{\"id\":1,\"status\":200,\"result\":{\"orderId\":9,\"transactTime\":4},"
             "\"rateLimits\":[{\"intervalNum\":1,\"count\":7}]}",
             "{\"id\":1,\"status\":200,\"result\":{\"orderId\":9,\"transactTime\":4000},"
             "\"rateLimits\":[{\"intervalNum\":1,\"count\":7}]}");
    /* a session's times */
    micro_ws("{\"result\":{\"apiKey\":null,\"authorizedSince\":null,\"connectedSince\":5,"
             "\"serverTime\":6}}",
             "{\"result\":{\"apiKey\":null,\"authorizedSince\":null,\"connectedSince\":5000,"
             "\"serverTime\":6000}}");
    /* executionReport wrapped by its subscription: O, W, T, E are times; I, t, u are not */
    micro_ws("{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1,\"t\":3,"
             "\"I\":4,\"O\":5,\"W\":6,\"T\":7}}",
             "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1000,\"t\":3,"
             "\"I\":4,\"O\":5000,\"W\":6000,\"T\":7000}}");
    micro_ws("{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":2,\"B\":[]}",
             "{\"e\":\"outboundAccountPosition\",\"E\":1000,\"u\":2000,\"B\":[]}");
    /* a bookTicker's u is its update id; a trade's t its id */
    micro_ws("{\"u\":12,\"s\":\"X\"}", "{\"u\":12,\"s\":\"X\"}");
    micro_ws("{\"stream\":\"x@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"t\":2,\"T\":3}}",
             "{\"stream\":\"x@trade\",\"data\":{\"e\":\"trade\",\"E\":1000,\"t\":2,\"T\":3000}}");
    /* a kline's candle: t and T; its ids f and L untouched */
    micro_ws("{\"e\":\"kline\",\"E\":1,\"k\":{\"t\":2,\"T\":3,\"f\":4,\"L\":5}}",
             "{\"e\":\"kline\",\"E\":1000,\"k\":{\"t\":2000,\"T\":3000,\"f\":4,\"L\":5}}");
    micro_ws("{\"e\":\"24hrTicker\",\"E\":1,\"O\":2,\"C\":3,\"F\":4,\"n\":5}",
             "{\"e\":\"24hrTicker\",\"E\":1000,\"O\":2000,\"C\":3000,\"F\":4,\"n\":5}");
    /* the WS API's klines method: arrays of candles */
    micro_ws("{\"result\":[[1,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",2,\"15\",3]]}",
             "{\"result\":[[1000,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",2000,\"15\",3]]}");
}

static void parse(void **state)
{
    (void)state;
    enum time_unit u;
    assert_int_equal(time_unit_parse("MICROSECOND", &u), 0);
    assert_int_equal(u, TIME_UNIT_US);
    assert_int_equal(time_unit_parse("microsecond", &u), 0);
    assert_int_equal(u, TIME_UNIT_US);
    assert_int_equal(time_unit_parse("MILLISECOND", &u), 0);
    assert_int_equal(u, TIME_UNIT_MS);
    assert_int_equal(time_unit_parse(NULL, &u), 0);
    assert_int_equal(u, TIME_UNIT_MS);
    assert_int_equal(time_unit_parse("NANOSECOND", &u), -1);
    struct strbuf sb = STRBUF_INIT;
    assert_int_equal(strbuf_addstr(&sb, "{not json"), 0);
    assert_int_equal(time_unit_micro(&sb, 0), -1);
    assert_string_equal(sb.buf, "{not json");
    strbuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(fields), cmocka_unit_test(klines),
                                        cmocka_unit_test(websocket), cmocka_unit_test(parse) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
