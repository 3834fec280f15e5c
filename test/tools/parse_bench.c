/*
 * parse_bench - what parsing the venue's messages of one order costs,
 * alone: the five WebSocket messages a filled order brings in the steady
 * state (two executionReports, NEW and TRADE; the outboundAccountPosition;
 * the WS API answer; the bookTicker; as looptrader-sim sends them, and
 * Binance's are the same shape), parsed N times with the parsers the WS
 * thread and the workers call.  Prints the time per order's messages, so
 * a change to the scanner can be measured without the network and its
 * noise (docs/performance.md).
 *
 *   parse_bench [N]      (N orders' messages, default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "looptrader/error.h"
#include "looptrader/venue.h"
#include "looptrader/venue_binance.h"

static const char execution_new[] =
    "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1796685249385,"
    "\"s\":\"ALPHAUSDT\",\"c\":\"lt.l11k5u.0.13.b1\",\"S\":\"BUY\",\"o\":\"LIMIT\","
    "\"f\":\"GTC\",\"q\":\"7.90000000\",\"p\":\"1.25180000\",\"P\":\"0.00000000\","
    "\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"NEW\",\"X\":\"NEW\",\"r\":\"NONE\","
    "\"i\":25,\"l\":\"0.00000000\",\"z\":\"0.00000000\",\"L\":\"0.00000000\","
    "\"n\":\"0.00000000\",\"N\":null,\"T\":1796685249385,\"t\":-1,\"I\":49,\"w\":true,"
    "\"m\":false,\"M\":false,\"O\":1796685249385,\"Z\":\"0.00000000\",\"Y\":\"0.00000000\","
    "\"Q\":\"0.00000000\",\"W\":1796685249385,\"V\":\"NONE\"}}";
static const char execution_trade[] =
    "{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\",\"E\":1796685249385,"
    "\"s\":\"ALPHAUSDT\",\"c\":\"lt.l11k5u.0.13.b1\",\"S\":\"BUY\",\"o\":\"LIMIT\","
    "\"f\":\"GTC\",\"q\":\"7.90000000\",\"p\":\"1.25180000\",\"P\":\"0.00000000\","
    "\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"FILLED\",\"r\":\"NONE\","
    "\"i\":25,\"l\":\"7.90000000\",\"z\":\"7.90000000\",\"L\":\"1.25060000\","
    "\"n\":\"0.00987974\",\"N\":\"USDT\",\"T\":1796685249385,\"t\":26,\"I\":50,\"w\":false,"
    "\"m\":false,\"M\":false,\"O\":1796685249385,\"Z\":\"9.87974000\",\"Y\":\"9.87974000\","
    "\"Q\":\"0.00000000\",\"W\":1796685249385,\"V\":\"NONE\"}}";
static const char account_position[] =
    "{\"subscriptionId\":0,\"event\":{\"e\":\"outboundAccountPosition\",\"E\":1796685249385,"
    "\"u\":1796685249385,\"B\":[{\"a\":\"ALPHA\",\"f\":\"7.90000000\",\"l\":\"0.00000000\"},"
    "{\"a\":\"USDT\",\"f\":\"99999989.85432546\",\"l\":\"0.00000000\"}]}}";
static const char book_ticker[] =
    "{\"u\":28,\"s\":\"ALPHAUSDT\",\"b\":\"1.25040000\",\"B\":\"999897.30000000\","
    "\"a\":\"1.25060000\",\"A\":\"999897.30000000\"}";

static const char *const pushes[] = { execution_new, execution_trade, account_position,
                                      book_ticker };

static const char answer[] =
    "{\"id\":26,\"status\":200,\"result\":{\"symbol\":\"ALPHAUSDT\",\"orderId\":25,"
    "\"orderListId\":-1,\"clientOrderId\":\"lt.l11k5u.0.13.b1\",\"transactTime\":1796685249385,"
    "\"price\":\"1.25180000\",\"origQty\":\"7.90000000\",\"executedQty\":\"7.90000000\","
    "\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"9.87974000\","
    "\"status\":\"FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\",\"side\":\"BUY\","
    "\"workingTime\":1796685249385,\"selfTradePreventionMode\":\"NONE\"},"
    "\"rateLimits\":[{\"rateLimitType\":\"REQUEST_WEIGHT\",\"interval\":\"MINUTE\","
    "\"intervalNum\":1,\"limit\":100000000,\"count\":94}]}";

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    size_t npush = sizeof pushes / sizeof pushes[0], bytes = sizeof answer - 1;
    for (size_t k = 0; k < npush; k++)
        bytes += strlen(pushes[k]);
    /* every message parses, or the figure would time an error path */
    long kinds = 0;
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        for (size_t k = 0; k < npush; k++) {
            struct venue_push p;
            struct lt_err e;
            if (venue_binance_parse_push_scan(pushes[k], strlen(pushes[k]), &p, &e) != 0) {
                fprintf(stderr, "parse_bench: push %zu: %s\n", k, e.msg);
                return 1;
            }
            kinds += p.kind;
        }
        struct order_state st;
        struct lt_err e;
        if (venue_binance_parse_ws_order_answer(answer, sizeof answer - 1, 26, &st, NULL, &e)) {
            fprintf(stderr, "parse_bench: answer: %s\n", e.msg);
            return 1;
        }
        kinds += st.status;
    }
    double dt = now_s() - t0;
    printf("{\"orders\": %ld, \"bytes_per_order\": %zu, \"ns_per_order\": %.0f, "
           "\"ns_per_byte\": %.2f, \"check\": %ld}\n",
           n, bytes, dt * 1e9 / (double)n, dt * 1e9 / (double)n / (double)bytes, kinds);
    return 0;
}
