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

/* WebSocket events: the letters that are times only in some events */
static void events(void **state)
{
    (void)state;
    /* executionReport: E, T, O, W scaled; t (trade id), i, I untouched */
    micro("{\"e\":\"executionReport\",\"E\":1,\"t\":7,\"i\":8,\"I\":9,\"T\":2,\"O\":3,\"W\":4}", 0,
          "{\"e\":\"executionReport\",\"E\":1000,\"t\":7,\"i\":8,\"I\":9,\"T\":2000,"
          "\"O\":3000,\"W\":4000}");
    /* wrapped for a WS API subscription */
    micro("{\"subscriptionId\":0,\"event\":{\"e\":\"outboundAccountPosition\",\"E\":1,\"u\":2}}", 0,
          "{\"subscriptionId\":0,\"event\":{\"e\":\"outboundAccountPosition\",\"E\":1000,"
          "\"u\":2000}}");
    /* u is an update id in a depth event, t a trade id in a trade */
    micro("{\"e\":\"depthUpdate\",\"E\":1,\"U\":5,\"u\":6}", 0,
          "{\"e\":\"depthUpdate\",\"E\":1000,\"U\":5,\"u\":6}");
    micro("{\"stream\":\"x@trade\",\"data\":{\"e\":\"trade\",\"E\":1,\"t\":5,\"T\":2}}", 0,
          "{\"stream\":\"x@trade\",\"data\":{\"e\":\"trade\",\"E\":1000,\"t\":5,\"T\":2000}}");
    /* a kline event's k: its start t and close T */
    micro("{\"e\":\"kline\",\"E\":1,\"k\":{\"t\":2,\"T\":3,\"f\":4}}", 0,
          "{\"e\":\"kline\",\"E\":1000,\"k\":{\"t\":2000,\"T\":3000,\"f\":4}}");
    micro("{\"e\":\"24hrTicker\",\"E\":1,\"O\":2,\"C\":3,\"F\":4}", 0,
          "{\"e\":\"24hrTicker\",\"E\":1000,\"O\":2000,\"C\":3000,\"F\":4}");
    /* outside an event those letters are left alone (a REST answer) */
    micro("{\"u\":2,\"O\":3,\"t\":4}", 0, "{\"u\":2,\"O\":3,\"t\":4}");
    /* session.status */
    micro("{\"authorizedSince\":1,\"connectedSince\":2,\"serverTime\":3}", 0,
          "{\"authorizedSince\":1000,\"connectedSince\":2000,\"serverTime\":3000}");
}

static void klines(void **state)
{
    (void)state;
    micro("[[1000,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",1999,\"15\",3,\"5\",\"7\",\"0\"]]", 1,
          "[[1000000,\"1\",\"2\",\"0.5\",\"1.5\",\"10\",1999000,\"15\",3,\"5\",\"7\",\"0\"]]");
    /* without the klines flag an array of numbers is not a kline */
    micro("[[1000,2,3,4,5,6,7]]", 0, "[[1000,2,3,4,5,6,7]]");
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
    const struct CMUnitTest tests[] = { cmocka_unit_test(fields), cmocka_unit_test(events),
                                        cmocka_unit_test(klines),
                                        cmocka_unit_test(parse) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
