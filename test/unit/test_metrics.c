/* Unit tests: the metrics endpoint's address check and text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>

#include "looptrader/metrics.h"

static void addr(void **state)
{
    (void)state;
    struct sockaddr_in sa;
    struct lt_err e = { 0 };
    assert_int_equal(metrics_parse_addr("127.0.0.1:9464", &sa, &e), 0);
    assert_int_equal(ntohs(sa.sin_port), 9464);
    assert_int_equal(metrics_parse_addr("localhost:1", &sa, &e), 0);
    assert_int_equal(metrics_parse_addr("127.9.9.9:65535", &sa, &e), 0);
    assert_int_equal(metrics_parse_addr("127.0.0.1:0", &sa, &e), 0); /* a free port */
    assert_int_equal(ntohs(sa.sin_port), 0);
    const char *bad[] = { "0.0.0.0:9464", "10.0.0.1:80", "127.0.0.1", "127.0.0.1:", "127.0.0.1:-1",
                          "127.0.0.1:65536", "127.0.0.1:9x", ":9464", "[::1]:9464", "" };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(metrics_parse_addr(bad[i], &sa, &e), LT_ECONFIG);
    assert_non_null(strstr((metrics_parse_addr("0.0.0.0:1", &sa, &e), e.msg), "loopback"));
}

static void text(void **state)
{
    (void)state;
    struct report_user u[2] = { { .name = "alice", .status = USER_PENDING },
                                { .name = "bob", .status = USER_FAILED } };
    assert_int_equal(money_parse("300", &u[0].target), 0);
    assert_int_equal(money_parse("150", &u[0].window_after), 0);
    u[0].s.rounds = 3;
    u[0].s.orders = 7;
    struct strbuf sb;
    strbuf_init(&sb, 0);
    struct metrics_venue mv = { .weight_used = 120, .weight_waits = 2, .wait_ms = 61500 };
    metrics_format(u, 2, 0, &mv, &sb);
    const char *t = sb.buf;
    assert_non_null(strstr(t, "looptrader_stopping 0\n"));
    assert_non_null(strstr(t, "looptrader_weight_used 120\n"));
    assert_non_null(strstr(t, "looptrader_ratelimit_waits_total{limit=\"weight\"} 2\n"));
    assert_non_null(strstr(t, "looptrader_ratelimit_wait_seconds_total 61.500\n"));
    assert_non_null(strstr(t, "looptrader_accounts{status=\"running\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_accounts{status=\"failed\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_account_status{account=\"bob\",status=\"failed\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_account_window_quote{account=\"alice\"} 150\n"));
    assert_non_null(strstr(t, "looptrader_account_progress_ratio{account=\"alice\"} 0.5\n"));
    assert_non_null(strstr(t, "looptrader_account_progress_ratio{account=\"bob\"} 0\n"));
    assert_non_null(strstr(t, "looptrader_account_rounds_total{account=\"alice\"} 3\n"));
    assert_non_null(strstr(t, "looptrader_account_orders_total{account=\"alice\"} 7\n"));
    assert_non_null(strstr(t, "# TYPE looptrader_account_orders_total counter\n"));
    /* the live figures: steps, orders by side and result, the histogram */
    assert_non_null(strstr(t, "looptrader_account_step{account=\"bob\",step=\"failed\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_orders_total{side=\"buy\",result=\"partially_filled\"} 0\n"));
    assert_non_null(strstr(t, "# TYPE looptrader_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(t, "looptrader_ws_reconnects_total 0\n"));
    /* every sample line is NAME{labels} VALUE or NAME VALUE */
    for (const char *l = t; *l; l = strchr(l, '\n') + 1)
        if (*l != '#')
            assert_non_null(memchr(l, ' ', (size_t)(strchr(l, '\n') - l)));
    strbuf_free(&sb);
}

static void live_text(void **state)
{
    (void)state;
    struct report_user u = { .name = "alice", .status = USER_PENDING, .step = "buying", .rung = 2 };
    u.s.fees_other = 5 * MONEY_SCALE / 1000;
    u.s.fees_other_quote = 3 * MONEY_SCALE;
    struct metrics_venue mv = { .weight_limit = 6000 };
    snprintf(mv.quote, sizeof mv.quote, "USDT");
    snprintf(mv.base, sizeof mv.base, "ALPHA");
    snprintf(mv.fee_asset, sizeof mv.fee_asset, "BNB");
    mv.live.orders[0][LIVE_FILLED] = 4;
    mv.live.orders[1][LIVE_UNKNOWN] = 1;
    mv.live.fills[0] = 4;
    mv.live.ws_reconnects = 2;
    mv.live.http_count[LIVE_HTTP_ORDER] = 3;
    mv.live.http_sum_us[LIVE_HTTP_ORDER] = 1500000;
    for (int b = 0; b < LIVE_HTTP_BUCKETS; b++)
        mv.live.http_bucket[LIVE_HTTP_ORDER][b] = b < 5 ? 1 : 3;
    struct strbuf sb;
    strbuf_init(&sb, 0);
    metrics_format(&u, 1, 0, &mv, &sb);
    const char *t = sb.buf;
    assert_non_null(strstr(t, "looptrader_weight_limit 6000\n"));
    assert_non_null(strstr(t, "looptrader_account_step{account=\"alice\",step=\"buying\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_account_rung{account=\"alice\"} 2\n"));
    assert_non_null(strstr(t, "looptrader_orders_total{side=\"buy\",result=\"filled\"} 4\n"));
    assert_non_null(strstr(t, "looptrader_orders_total{side=\"sell\",result=\"unknown\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_fills_total{side=\"buy\"} 4\n"));
    assert_non_null(strstr(t, "looptrader_fees_total{asset=\"BNB\"} 0.005\n"));
    assert_non_null(strstr(t, "looptrader_account_fees_other_quote{account=\"alice\"} 3\n"));
    assert_non_null(strstr(t, "looptrader_account_cost_quote{account=\"alice\"} 3\n"));
    assert_non_null(strstr(t, "looptrader_ws_reconnects_total 2\n"));
    assert_non_null(strstr(t, "looptrader_http_request_duration_seconds_bucket{class=\"order\",le=\"0.025\"} 1\n"));
    assert_non_null(strstr(t, "looptrader_http_request_duration_seconds_bucket{class=\"order\",le=\"0.05\"} 3\n"));
    assert_non_null(strstr(t, "looptrader_http_request_duration_seconds_bucket{class=\"order\",le=\"+Inf\"} 3\n"));
    assert_non_null(strstr(t, "looptrader_http_request_duration_seconds_sum{class=\"order\"} 1.500000\n"));
    assert_non_null(strstr(t, "looptrader_http_request_duration_seconds_count{class=\"query\"} 0\n"));
    strbuf_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(addr), cmocka_unit_test(text),
                                        cmocka_unit_test(live_text) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
