/* Unit tests: the JSON scanner (jscan) and the hot parsers' fast path over it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "looptrader/jscan.h"
#include "looptrader/venue_binance.h"
#include "looptrader/venue_json.h"

#define LEN(s) (sizeof(s) - 1)

static int scan(const char *s, size_t n)
{
    struct jscan_value v;
    return jscan_parse(s, n, &v);
}

#define SCAN(lit) scan(lit, LEN(lit))

static void valid_documents(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}", "[]", " \t\r\n{ } \n", "0", "-0", "1.5", "-1.25e+10", "1E-3", "true", "false",
        "null", "\"\"", "\"a\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u00e9\\uD83D\\uDE00\"",
        "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", "\"\x7f\"",
        "{\"a\":[1,{\"b\":[]},\"c\",null],\"d\":{}}", "[1e308]", "[-1e-400]",
        "[0.0000000000000000000000000000001e330]", "9223372036854775807",
        "-9223372036854775808",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct jscan_value v;
        int rc = jscan_parse(ok[i], strlen(ok[i]), &v);
        if (rc)
            fail_msg("refused %s: %d", ok[i], rc);
    }
}

static void invalid_documents(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " ", "{", "}", "[", "{\"a\"", "{\"a\":", "{\"a\":1", "{\"a\":1,}", "[1,]", "[,1]",
        "{a:1}", "{'a':1}", "{\"a\" 1}", "{1:2}", "[1 2]", "{}{}", "{} x", "tru", "nul",
        "True", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\ud800\"",
        "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"\\u0000\"", "\"a\tb\"", "\"a\nb\"", "01",
        "-", "-a", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "1e309",
        "-1e400", "9223372036854775808", "-9223372036854775809", "123456789012345678901",
        "\"\xc0\xaf\"", "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
        "\"\xff\"", "\"\x80\"", "\"\xc3\"", "[1]\xef\xbb\xbf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = scan(bad[i], strlen(bad[i]));
        if (rc != JSCAN_EINVAL)
            fail_msg("accepted or misjudged %s: %d", bad[i], rc);
    }
}

static void truncation_at_every_byte(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"subscriptionId\":1,\"event\":{\"e\":\"executionReport\",\"c\":\"a\\u00e9\","
        "\"z\":\"0.5\",\"i\":-12,\"r\":1.5e3,\"w\":true,\"n\":null,\"B\":[{\"a\":\"X\"}]}}";
    assert_int_equal(SCAN(doc), 0);
    for (size_t n = 0; n < LEN(doc); n++)
        assert_int_equal(scan(doc, n), JSCAN_EINVAL);
}

static void nul_bytes(void **state)
{
    (void)state;
    static const char in_string[] = "{\"a\":\"x\0y\"}";
    static const char outside[] = "{\"a\":1}\0";
    static const char in_key[] = "{\"a\0\":1}";
    assert_int_equal(SCAN(in_string), JSCAN_EINVAL);
    assert_int_equal(SCAN(outside), JSCAN_EINVAL);
    assert_int_equal(SCAN(in_key), JSCAN_EINVAL);
}

static void depth_bound(void **state)
{
    (void)state;
    char doc[2 * JSCAN_DEPTH_MAX + 4];
    size_t n = 0;
    for (int i = 0; i < JSCAN_DEPTH_MAX; i++)
        doc[n++] = '[';
    for (int i = 0; i < JSCAN_DEPTH_MAX; i++)
        doc[n++] = ']';
    assert_int_equal(scan(doc, n), 0);
    n = 0;
    for (int i = 0; i <= JSCAN_DEPTH_MAX; i++)
        doc[n++] = '[';
    for (int i = 0; i <= JSCAN_DEPTH_MAX; i++)
        doc[n++] = ']';
    assert_int_equal(scan(doc, n), JSCAN_EDEPTH);
    /* An unbalanced pile is refused at the bound, not recursed into. */
    static char pile[100000];
    memset(pile, '[', sizeof pile);
    assert_int_equal(scan(pile, sizeof pile), JSCAN_EDEPTH);
}

static void numbers(void **state)
{
    (void)state;
    static const struct { const char *s; int64_t v; } ints[] = {
        { "0", 0 }, { "-0", 0 }, { "42", 42 }, { "-7", -7 },
        { "9223372036854775807", INT64_MAX }, { "-9223372036854775808", INT64_MIN },
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        struct jscan_value v;
        assert_int_equal(jscan_parse(ints[i].s, strlen(ints[i].s), &v), 0);
        assert_int_equal(v.type, JSCAN_INTEGER);
        assert_true(jscan_int64(&v) == ints[i].v);
    }
    struct jscan_value v;
    assert_int_equal(jscan_parse("-1.5e2", 6, &v), 0);
    assert_int_equal(v.type, JSCAN_REAL);
    assert_int_equal(v.len, 6);
    /* Right at 10^308 strtod decides, as jansson's check does. */
    assert_int_equal(SCAN("1.7976931348623157e308"), 0);
    assert_int_equal(SCAN("1.7976931348623159e308"), JSCAN_EINVAL);
    assert_int_equal(SCAN("0.01e310"), 0);
    assert_int_equal(SCAN("10e307"), 0);
    assert_int_equal(SCAN("100e307"), JSCAN_EINVAL);
    assert_int_equal(SCAN("1e99999999999999999999999"), JSCAN_EINVAL);
    assert_int_equal(SCAN("0e99999999999999999999999"), 0);
    assert_int_equal(SCAN("1e-99999999999999999999999"), 0);
}

static void spans_and_members(void **state)
{
    (void)state;
    static const char doc[] =
        " {\"s\":\"ab\\\"c\",\"n\":-12,\"r\":2.5,\"o\":{\"x\":[1,2]},\"a\":[true,false,null],"
        "\"s\":\"last\",\"\\u0061\":1} ";
    struct jscan_value root, k, v;
    assert_int_equal(SCAN(doc), 0);
    assert_int_equal(jscan_parse(doc, LEN(doc), &root), 0);
    assert_int_equal(root.type, JSCAN_OBJECT);
    assert_ptr_equal(root.ptr, doc + 1);
    assert_int_equal(root.len, LEN(doc) - 2);
    struct jscan_iter it;
    jscan_iter_init(&it, &root);
    static const struct { const char *key; int type; const char *span; int escaped; } want[] = {
        { "s", JSCAN_STRING, "ab\\\"c", 1 },  { "n", JSCAN_INTEGER, "-12", 0 },
        { "r", JSCAN_REAL, "2.5", 0 },        { "o", JSCAN_OBJECT, "{\"x\":[1,2]}", 0 },
        { "a", JSCAN_ARRAY, "[true,false,null]", 0 }, { "s", JSCAN_STRING, "last", 0 },
        { "\\u0061", JSCAN_INTEGER, "1", 0 },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(jscan_iter_next(&it, &k, &v), 1);
        assert_int_equal(k.len, strlen(want[i].key));
        assert_memory_equal(k.ptr, want[i].key, k.len);
        assert_int_equal(k.escaped, i == 6);
        assert_int_equal(v.type, want[i].type);
        assert_int_equal(v.len, strlen(want[i].span));
        assert_memory_equal(v.ptr, want[i].span, v.len);
        assert_int_equal(v.escaped, want[i].escaped);
    }
    assert_int_equal(jscan_iter_next(&it, &k, &v), 0);

    /* An array's elements; the nested object walked in turn. */
    jscan_iter_init(&it, &root);
    for (int i = 0; i < 4; i++)
        assert_int_equal(jscan_iter_next(&it, &k, &v), 1);
    struct jscan_iter in;
    jscan_iter_init(&in, &v);
    assert_int_equal(jscan_iter_next(&in, &k, &v), 1);
    assert_int_equal(v.type, JSCAN_ARRAY);
    jscan_iter_init(&in, &v);
    assert_int_equal(jscan_iter_next(&in, NULL, &v), 1);
    assert_true(jscan_int64(&v) == 1);
    assert_int_equal(jscan_iter_next(&in, NULL, &v), 1);
    assert_true(jscan_int64(&v) == 2);
    assert_int_equal(jscan_iter_next(&in, NULL, &v), 0);
}

/* m[0..n) are the members the iterator walks in obj, in order. */
static void members_are(const struct jscan_value *obj, const struct jscan_member *m, size_t n)
{
    struct jscan_iter it;
    struct jscan_value k, v;
    size_t i = 0;
    for (jscan_iter_init(&it, obj); jscan_iter_next(&it, &k, &v) > 0; i++) {
        assert_true(i < n);
        assert_ptr_equal(m[i].key.ptr, k.ptr);
        assert_int_equal(m[i].key.len, k.len);
        assert_ptr_equal(m[i].val.ptr, v.ptr);
        assert_int_equal(m[i].val.len, v.len);
        assert_int_equal(m[i].val.type, v.type);
    }
    assert_int_equal(i, n);
}

/* jscan_parse_object's list: the root's members, and those of the objects
 * that are their values (not deeper, not an array's, not an array root's),
 * an object that does not fit left out whole. */
static void listed_members(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"a\":1,\"o\":{\"x\":{\"deep\":1},\"y\":[{\"z\":2}]},\"e\":{},"
        "\"l\":[{\"q\":1}],\"p\":{\"k\":true,\"j\":null}}";
    struct jscan_member m[8], inner[8];
    struct jscan_list l = { m, 8, 0, inner, 8, 0 };
    struct jscan_value root;
    assert_int_equal(jscan_parse_object(doc, LEN(doc), &root, &l), 0);
    assert_int_equal(l.n, 5);
    members_are(&root, m, l.n);
    assert_int_equal(l.inner_n, 4);
    static const uint32_t first[] = { 0, 0, 2, 0, 2 }, n[] = { 0, 2, 0, 0, 2 };
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(m[i].inner_n, n[i]);
        if (n[i]) {
            assert_int_equal(m[i].inner_first, first[i]);
            members_are(&m[i].val, inner + first[i], n[i]);
        }
    }
    for (size_t i = 0; i < l.inner_n; i++)
        assert_int_equal(inner[i].inner_n, 0);

    /* Room for three inner members: "o" fits, "p" (two more) does not. */
    l = (struct jscan_list){ m, 8, 0, inner, 3, 0 };
    assert_int_equal(jscan_parse_object(doc, LEN(doc), &root, &l), 0);
    assert_int_equal(l.inner_n, 2);
    assert_int_equal(m[1].inner_n, 2);
    assert_int_equal(m[4].inner_n, 0);

    /* More root members than m holds: counted, not written past it. */
    l = (struct jscan_list){ m, 2, 0, inner, 8, 0 };
    assert_int_equal(jscan_parse_object(doc, LEN(doc), &root, &l), 0);
    assert_int_equal(l.n, 5);

    /* An array root lists nothing, not its objects' members either. */
    static const char arr[] = "[{\"a\":{\"b\":1}},{\"c\":2}]";
    l = (struct jscan_list){ m, 8, 7, inner, 8, 7 };
    assert_int_equal(jscan_parse_object(arr, LEN(arr), &root, &l), 0);
    assert_int_equal(root.type, JSCAN_ARRAY);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.inner_n, 0);

    /* A refused document lists nothing. */
    l = (struct jscan_list){ m, 8, 0, inner, 8, 0 };
    assert_int_equal(jscan_parse_object(doc, LEN(doc) - 1, &root, &l), JSCAN_EINVAL);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.inner_n, 0);
}

/* jscan_iter_next_listed: an object element's members in the walk that
 * passes it; other values none; more than m holds counted. */
static void iter_listed_members(void **state)
{
    (void)state;
    static const char doc[] = "[{\"a\":1,\"b\":{\"c\":[2]}}, 3 ,{},\"s\",{\"x\":1,\"y\":2,\"z\":3}]";
    struct jscan_value root, v;
    struct jscan_iter it;
    struct jscan_member m[2];
    size_t n = 7;
    static const size_t want_n[] = { 2, 0, 0, 0, 3 };
    static const int want_type[] = { JSCAN_OBJECT, JSCAN_INTEGER, JSCAN_OBJECT, JSCAN_STRING,
                                     JSCAN_OBJECT };
    assert_int_equal(jscan_parse(doc, LEN(doc), &root), 0);
    jscan_iter_init(&it, &root);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(jscan_iter_next_listed(&it, NULL, &v, m, 2, &n), 1);
        assert_int_equal(v.type, want_type[i]);
        assert_int_equal(n, want_n[i]);
        if (i == 0)
            members_are(&v, m, n);
    }
    assert_int_equal(v.len, strlen("{\"x\":1,\"y\":2,\"z\":3}"));
    assert_int_equal(jscan_iter_next_listed(&it, NULL, &v, m, 2, &n), 0);
    assert_int_equal(n, 0);
}

/* ---------------------------------------------------------------- the fast path */

static const char EXEC[] =
    "{\"subscriptionId\":3,\"event\":{\"e\":\"executionReport\",\"E\":1499405658658,"
    "\"s\":\"ALPHAUSDT\",\"c\":\"lt.k3j9x2.3.17.b2\",\"S\":\"BUY\",\"o\":\"LIMIT\","
    "\"f\":\"GTC\",\"q\":\"1.50000000\",\"p\":\"10.25000000\",\"P\":\"0.00000000\","
    "\"F\":\"0.00000000\",\"g\":-1,\"C\":\"\",\"x\":\"TRADE\",\"X\":\"PARTIALLY_FILLED\","
    "\"r\":\"NONE\",\"i\":4293153,\"l\":\"0.50000000\",\"z\":\"0.50000000\","
    "\"L\":\"10.25000000\",\"n\":\"0.00051250\",\"N\":\"USDT\",\"T\":1499405658657,"
    "\"t\":56,\"v\":3,\"I\":8641984,\"w\":false,\"m\":false,\"M\":true,"
    "\"O\":1499405658600,\"Z\":\"5.12500000\",\"Y\":\"5.12500000\",\"Q\":\"0.00000000\","
    "\"W\":1499405658600,\"V\":\"NONE\"}}";

static const char ORDER[] =
    "{\"symbol\":\"ALPHAUSDT\",\"orderId\":28,\"orderListId\":-1,"
    "\"clientOrderId\":\"lt.k3j9x2.3.17.b2\",\"transactTime\":1767225600123,"
    "\"price\":\"10.25000000\",\"origQty\":\"1.50000000\",\"executedQty\":\"0.50000000\","
    "\"origQuoteOrderQty\":\"0.00000000\",\"cummulativeQuoteQty\":\"5.12500000\","
    "\"status\":\"PARTIALLY_FILLED\",\"timeInForce\":\"GTC\",\"type\":\"LIMIT\","
    "\"side\":\"BUY\",\"workingTime\":1767225600123,\"selfTradePreventionMode\":\"NONE\","
    "\"fills\":[{\"price\":\"10.25000000\",\"qty\":\"0.50000000\","
    "\"commission\":\"0.00051250\",\"commissionAsset\":\"USDT\",\"tradeId\":56}]}";

/* The scanner reads s itself (no decline) and gives what jansson gives. */
static void push_fast(const char *s, size_t n, struct venue_push *out)
{
    struct venue_push j;
    struct lt_err e1 = { 0 }, e2 = { 0 };
    assert_int_equal(venue_binance_parse_push_scan(s, n, out, &e1), 0);
    assert_int_equal(venue_binance_parse_push_json(s, n, &j, &e2), 0);
    assert_memory_equal(out, &j, sizeof j);
}

static void fast_path_reads_the_hot_shapes(void **state)
{
    (void)state;
    struct venue_push p;
    push_fast(EXEC, LEN(EXEC), &p);
    assert_int_equal(p.kind, PUSH_EXECUTION);
    assert_int_equal(p.subscription_id, 3);
    assert_string_equal(p.u.exec.order.client_id, "lt.k3j9x2.3.17.b2");
    assert_int_equal(p.u.exec.order.status, ORDER_PARTIALLY_FILLED);
    assert_true(p.u.exec.order.executed_qty == 50000000);
    assert_true(p.u.exec.trade_id == 56);
    assert_true(p.u.exec.last_quote == 512500000);
    assert_string_equal(p.u.exec.commission_asset, "USDT");

    static const char book[] = "{\"stream\":\"alphausdt@bookTicker\",\"data\":{\"u\":400900217,"
                               "\"s\":\"ALPHAUSDT\",\"b\":\"25.35190000\",\"B\":\"31.21\","
                               "\"a\":\"25.36520000\",\"A\":\"40.66\"}}";
    push_fast(book, LEN(book), &p);
    assert_int_equal(p.kind, PUSH_BOOK_TICKER);
    assert_true(p.u.book.ask == 2536520000);

    static const char acct[] =
        "{\"subscriptionId\":1,\"event\":{\"e\":\"outboundAccountPosition\",\"E\":15,"
        "\"u\":15,\"B\":[{\"a\":\"ETH\",\"f\":\"10.5\",\"l\":\"0\"},{\"a\":\"USDT\","
        "\"f\":\"3\",\"l\":\"1\"}]}}";
    push_fast(acct, LEN(acct), &p);
    assert_int_equal(p.kind, PUSH_ACCOUNT);
    assert_int_equal(p.u.account.n, 2);
    assert_string_equal(p.u.account.asset[1], "USDT");

    static const char resp[] = "{\"id\":2,\"status\":400,\"error\":{\"code\":-1022,"
                               "\"msg\":\"Signature for this request is not valid.\"}}";
    push_fast(resp, LEN(resp), &p);
    assert_int_equal(p.kind, PUSH_RESPONSE);
    assert_int_equal(p.u.response.error_code, -1022);
    assert_string_equal(p.u.response.error_msg, "Signature for this request is not valid.");

    struct order_state o, j;
    struct lt_err e1 = { 0 }, e2 = { 0 };
    assert_int_equal(venue_binance_parse_order_scan(ORDER, LEN(ORDER), &o, &e1), 0);
    assert_int_equal(venue_binance_parse_order_json(ORDER, LEN(ORDER), &j, &e2), 0);
    assert_memory_equal(&o, &j, sizeof o);
    assert_true(o.order_id == 28);
    assert_true(o.update_ms == 1767225600123);
}

/* What the scanner does not read exactly goes to jansson, and the public
 * parser's answer is jansson's. */
static void fast_path_declines(void **state)
{
    (void)state;
    static const char *const declined[] = {
        /* an escaped string where a value is read */
        ("{\"e\":\"executionReport\",\"c\":\"lt.\\u0061\",\"S\":\"BUY\",\"X\":\"NEW\","
         "\"i\":1,\"z\":\"0\"}"),
        /* an escaped key, which might decode to one read */
        "{\"e\":\"bookTicker\",\"s\":\"A\",\"b\":\"1\",\"a\":\"2\",\"\\u0062\":\"9\"}",
        /* not an object, not JSON, too deep */
        "[1]", "{\"e\":", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    };
    for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++) {
        const char *s = declined[i];
        struct venue_push a, b;
        struct lt_err e1 = { 0 }, e2 = { 0 };
        assert_int_equal(venue_binance_parse_push_scan(s, strlen(s), &a, &e1),
                         VENUE_JSON_DECLINE);
        int ra = venue_binance_parse_push(s, strlen(s), &a, &e1);
        assert_int_equal(ra, venue_binance_parse_push_json(s, strlen(s), &b, &e2));
        assert_memory_equal(&a, &b, sizeof a);
        assert_string_equal(e1.msg, e2.msg);
    }
    /* The escaped client id decoded by jansson. */
    struct venue_push p;
    struct lt_err err = { 0 };
    assert_int_equal(venue_binance_parse_push(declined[0], strlen(declined[0]), &p, &err), 0);
    assert_string_equal(p.u.exec.order.client_id, "lt.a");
}

/* Duplicate keys: the last one counts, in both paths. */
static void duplicate_keys(void **state)
{
    (void)state;
    static const char doc[] =
        "{\"e\":\"bookTicker\",\"s\":\"A\",\"b\":\"1\",\"a\":\"2\",\"b\":\"3\",\"s\":\"BB\"}";
    struct venue_push p;
    push_fast(doc, LEN(doc), &p);
    assert_string_equal(p.u.book.symbol, "BB");
    assert_true(p.u.book.bid == 300000000);
}

/* A field check fails the same way in both paths (it is one check). */
static void field_errors_match(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"e\":\"executionReport\",\"c\":\"x\",\"S\":\"HOLD\",\"X\":\"NEW\",\"i\":1,\"z\":\"0\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1.5,\"z\":\"0\"}",
        "{\"e\":\"executionReport\",\"c\":\"x\",\"S\":\"BUY\",\"X\":\"NEW\",\"i\":1}",
        "{\"e\":\"bookTicker\",\"s\":\"A\",\"b\":\"1e3\",\"a\":\"2\"}",
        "{\"subscriptionId\":-1,\"event\":{\"e\":\"x\"}}",
        "{\"e\":\"outboundAccountPosition\",\"B\":[1]}",
        "{\"e\":\"bookTicker\",\"s\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\",\"b\":\"1\",\"a\":\"2\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct venue_push a, b;
        struct lt_err e1 = { 0 }, e2 = { 0 };
        assert_int_equal(venue_binance_parse_push_scan(bad[i], strlen(bad[i]), &a, &e1),
                         LT_EPARSE);
        assert_int_equal(venue_binance_parse_push_json(bad[i], strlen(bad[i]), &b, &e2),
                         LT_EPARSE);
        assert_memory_equal(&a, &b, sizeof a);
        assert_string_equal(e1.msg, e2.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_documents),
        cmocka_unit_test(invalid_documents),
        cmocka_unit_test(truncation_at_every_byte),
        cmocka_unit_test(nul_bytes),
        cmocka_unit_test(depth_bound),
        cmocka_unit_test(numbers),
        cmocka_unit_test(spans_and_members),
        cmocka_unit_test(listed_members),
        cmocka_unit_test(iter_listed_members),
        cmocka_unit_test(fast_path_reads_the_hot_shapes),
        cmocka_unit_test(fast_path_declines),
        cmocka_unit_test(duplicate_keys),
        cmocka_unit_test(field_errors_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
