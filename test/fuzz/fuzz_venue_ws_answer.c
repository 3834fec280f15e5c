/*
 * fuzz_venue_ws_answer.c - a WebSocket API answer to order.place,
 * order.cancel or order.status (order_transport "ws-api"), through
 * venue_binance_parse_ws_order_answer: the venue's bytes decide the
 * order's state or its error, so whatever they are the parser returns a
 * known code, a terminated message, an order that passes the same checks
 * as a REST answer's, and rate-limit counts within their bounds.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/http.h"
#include "looptrader/venue_binance.h"

FUZZ_TARGET(venue_ws_answer)
{
    const char *buf = (const char *)data;
    struct order_state o;
    struct http_response counts;
    memset(&o, 0, sizeof o);
    memset(&counts, 0, sizeof counts);
    counts.used_weight_1m = counts.order_count_10s = counts.order_count_1d = -1;
    struct lt_err err = { 0 };
    int rc = venue_binance_parse_ws_order_answer(buf, size, 7, &o, &counts, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE || rc == LT_EEXCHANGE || rc == LT_ERATELIMIT ||
               rc == LT_EUNKNOWN || rc == LT_ENOMEM);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc == 0) {
        FUZZ_CHECK(FUZZ_TERMINATED(o.client_id));
        FUZZ_CHECK(o.side == SIDE_BUY || o.side == SIDE_SELL);
        FUZZ_CHECK(o.status >= ORDER_NEW && o.status <= ORDER_STATUS_UNKNOWN);
    }
    FUZZ_CHECK(counts.used_weight_1m >= -1 && counts.used_weight_1m <= 1000000000);
    FUZZ_CHECK(counts.order_count_10s >= -1 && counts.order_count_10s <= 1000000000);
    FUZZ_CHECK(counts.order_count_1d >= -1 && counts.order_count_1d <= 1000000000);
    return 0;
}
