/* Unit tests: the simulator's JSON rendering (render.c).  The answers and
 * pushes of an order are compared byte for byte with what the printf-based
 * rendering wrote before it was replaced (the golden text below was
 * produced by it), and amounts with money_format. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/money.h"
#include "looptrader/sim/render.h"

/* Renders every answer and push an order produces, with values at the edges
 * of their types (negative amounts, the extreme integers, escapes). */
static void render_cases(struct strbuf *sb)
{
    static const struct symbol_rules rules = { .symbol = "ALPHAUSDT", .base = "ALPHA",
                                               .quote = "USDT" };
    struct sim_order o = { .rules = &rules, .order_id = 9223372036854775807LL,
                           .client_order_id = "lt.a\"b\\c\x01.d", .side = SIDE_BUY,
                           .type = SIM_LIMIT, .tif = SIM_GTC, .status = SIM_PARTIALLY_FILLED,
                           .price = 125000000, .orig_qty = 1, .orig_quote_qty = 0,
                           .executed_qty = 99999999, .cumm_quote_qty = 1234567890123456789LL,
                           .time_ms = 1700000000000LL, .update_ms = 1700000000001LL,
                           .working_ms = 1700000000002LL, .is_working = 1 };
    struct sim_fill fills[2] = {
        { .price = 125000000, .qty = 50000000, .commission = 5, .commission_asset = "USDT",
          .trade_id = 0 },
        { .price = -1, .qty = INT64_MIN, .commission = INT64_MAX, .commission_asset = "BNB",
          .trade_id = -9223372036854775807LL - 1 },
    };
    struct sim_place_result pr = { .order = o, .fills = fills, .n_fills = 2 };
    struct sim_exec_report er = { .event_ms = 1700000000003LL, .order = &o, .client_id = "c1",
                                  .orig_client_id = NULL, .exec_type = SIM_X_TRADE,
                                  .reject_reason = NULL, .last_qty = 50000000,
                                  .last_price = 125000000, .last_quote_qty = 62500000,
                                  .commission = 62500, .commission_asset = "USDT",
                                  .transact_ms = 1700000000003LL, .trade_id = 42,
                                  .exec_id = 7, .is_maker = 0 };
    struct sim_balance b[2] = { { "ALPHA", 100000000, 0 }, { "US\"DT", -5, 123 } };

    for (int t = SIM_RESP_ACK; t <= SIM_RESP_FULL; t++) {
        render_place(sb, &pr, (enum sim_resp_type)t);
        strbuf_addch(sb, '\n');
    }
    render_order(sb, &o);
    strbuf_addch(sb, '\n');
    render_cancel(sb, &o, "cancel-1", -1);
    strbuf_addch(sb, '\n');
    render_exec_report(sb, &er);
    strbuf_addch(sb, '\n');
    o.working_ms = 0;
    o.is_working = 0;
    er.commission_asset = NULL;
    er.orig_client_id = "orig";
    er.reject_reason = "NONE";
    er.is_maker = 1;
    render_exec_report(sb, &er);
    strbuf_addch(sb, '\n');
    render_account_position(sb, 1700000000004LL, b, 2);
    strbuf_addch(sb, '\n');
    render_order(sb, &o);
}

static const char golden[] =
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":9223372036854775807,\"orderListId\":-1,\"clientOrderId\":\"lt.a\\\"b\\\\c\\u0001.d\",\"transactTime\":1700000000000}\n"
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":9223372036854775807,\"orderListId\":-1,\"clientOrderId\":\"lt.a\\\"b\\\\c\\u0001.d\",\"transactTime\":1700000000000,\"price\":\"1.25000000\",\"origQty\":\"0.00000001\",\"executedQty\":\"0.99999999\",\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"12345678901.23456789\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"workingTime\":1700000000002,\"selfTradePreventionMode\":\"NONE\"}\n"
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":9223372036854775807,\"orderListId\":-1,\"clientOrderId\":\"lt.a\\\"b\\\\c\\u0001.d\",\"transactTime\":1700000000000,\"price\":\"1.25000000\",\"origQty\":\"0.00000001\",\"executedQty\":\"0.99999999\",\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"12345678901.23456789\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"workingTime\":1700000000002,\"selfTradePreventionMode\":\"NONE\",\"fills\":[{\"price\":\"1.25000000\",\"qty\":\"0.50000000\",\"commission\":\"0.00000005\",\"commissionAsset\":\"USDT\",\"tradeId\":0},{\"price\":\"-0.00000001\",\"qty\":\"-92233720368.54775808\",\"commission\":\"92233720368.54775807\",\"commissionAsset\":\"BNB\",\"tradeId\":-9223372036854775808}]}\n"
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":9223372036854775807,\"orderListId\":-1,\"clientOrderId\":\"lt.a\\\"b\\\\c\\u0001.d\",\"price\":\"1.25000000\",\"origQty\":\"0.00000001\",\"executedQty\":\"0.99999999\",\"cummulativeQuoteQty\":\"12345678901.23456789\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"stopPrice\":\"0.00000000\",\"icebergQty\":\"0.00000000\",\"time\":1700000000000,\"updateTime\":1700000000001,\"isWorking\":true,\"workingTime\":1700000000002,\"origQuoteOrderQty\":\"0.00000000\",\"selfTradePreventionMode\":\"NONE\"}\n"
    "{\"symbol\":\"ALPHAUSDT\",\"origClientOrderId\":\"lt.a\\\"b\\\\c\\u0001.d\",\"orderId\":9223372036854775807,\"orderListId\":-1,\"clientOrderId\":\"cancel-1\",\"transactTime\":-1,\"price\":\"1.25000000\",\"origQty\":\"0.00000001\",\"executedQty\":\"0.99999999\",\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"12345678901.23456789\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"selfTradePreventionMode\":\"NONE\"}\n"
    "{\"e\":\"executionReport\",\"E\":1700000000003,\"s\":\"ALPHAUSDT\",\"c\":\"c1\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"0.00000001\",\"p\":\"1.25000000\",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\",\"i\":9223372036854775807,\"l\":\"0.50000000\",\"z\":\"0.99999999\",\"L\":\"1.25000000\",\"n\":\"0.00062500\",\"N\":\"USDT\",\"T\":1700000000003,\"t\":42,\"I\":7,\"w\":true,\"m\":false,\"M\":false,\"O\":1700000000000,\"Z\":\"12345678901.23456789\",\"Y\":\"0.62500000\",\"Q\":\"0.00000000\",\"W\":1700000000002,\"V\":\"NONE\"}\n"
    "{\"e\":\"executionReport\",\"E\":1700000000003,\"s\":\"ALPHAUSDT\",\"c\":\"c1\",\"S\":\"BUY\",\"o\":\"LIMIT\",\"f\":\"GTC\",\"q\":\"0.00000001\",\"p\":\"1.25000000\",\"P\":\"0.00000000\",\"F\":\"0.00000000\",\"g\":-1,\"C\":\"orig\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\",\"r\":\"NONE\",\"i\":9223372036854775807,\"l\":\"0.50000000\",\"z\":\"0.99999999\",\"L\":\"1.25000000\",\"n\":\"0.00062500\",\"N\":null,\"T\":1700000000003,\"t\":42,\"I\":7,\"w\":false,\"m\":true,\"M\":false,\"O\":1700000000000,\"Z\":\"12345678901.23456789\",\"Y\":\"0.62500000\",\"Q\":\"0.00000000\",\"V\":\"NONE\"}\n"
    "{\"e\":\"outboundAccountPosition\",\"E\":1700000000004,\"u\":1700000000004,\"B\":[{\"a\":\"ALPHA\",\"f\":\"1.00000000\",\"l\":\"0.00000000\"},{\"a\":\"US\\\"DT\",\"f\":\"-0.00000005\",\"l\":\"0.00000123\"}]}\n"
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":9223372036854775807,\"orderListId\":-1,\"clientOrderId\":\"lt.a\\\"b\\\\c\\u0001.d\",\"price\":\"1.25000000\",\"origQty\":\"0.00000001\",\"executedQty\":\"0.99999999\",\"cummulativeQuoteQty\":\"12345678901.23456789\",\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\",\"stopPrice\":\"0.00000000\",\"icebergQty\":\"0.00000000\",\"time\":1700000000000,\"updateTime\":1700000000001,\"isWorking\":false,\"workingTime\":-1,\"origQuoteOrderQty\":\"0.00000000\",\"selfTradePreventionMode\":\"NONE\"}";

static void order_answers_and_pushes(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    render_cases(&sb);
    assert_string_equal(sb.buf, golden);
    strbuf_free(&sb);
}

static void money_as_money_format(void **state)
{
    (void)state;
    static const money_t v[] = { 0, 1, -1, 99999999, 100000000, -100000000, 123456789012,
                                 INT64_MAX, INT64_MIN, INT64_MIN + 1, 10, -10000000 };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct strbuf sb = STRBUF_INIT;
        char want[MONEY_STR_MAX + 2], b[MONEY_STR_MAX];
        snprintf(want, sizeof want, "\"%s\"", money_format(v[i], MONEY_DECIMALS, b));
        render_money(&sb, v[i]);
        assert_string_equal(sb.buf, want);
        strbuf_free(&sb);
    }
}

static void integers_as_printf(void **state)
{
    (void)state;
    static const long long v[] = { 0, 7, -1, 10, -10, 1700000000000LL, LLONG_MAX, LLONG_MIN };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct strbuf sb = STRBUF_INIT;
        char want[32];
        snprintf(want, sizeof want, ",\"k\":%lld", v[i]);
        render_int_field(&sb, "k", v[i]);
        assert_string_equal(sb.buf, want);
        strbuf_free(&sb);
    }
}

static void string_escapes(void **state)
{
    (void)state;
    struct strbuf sb = STRBUF_INIT;
    render_str(&sb, "a\"b\\c\x01\x1f\n end");
    assert_string_equal(sb.buf, "\"a\\\"b\\\\c\\u0001\\u001f\\u000a end\"");
    strbuf_reset(&sb);
    render_str(&sb, NULL);
    render_str(&sb, "");
    assert_string_equal(sb.buf, "\"\"\"\"");
    strbuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_answers_and_pushes),
        cmocka_unit_test(money_as_money_format),
        cmocka_unit_test(integers_as_printf),
        cmocka_unit_test(string_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
