/* Unit tests: the simulator's query/form parameter parsing and checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/sim/params.h"

static void query_fragments(void **state)
{
    (void)state;
    struct params p;
    params_init(&p);
    assert_int_equal(params_add_fragment(&p, "symbol=ALPHAUSDT", 16, PARAMS_QUERY), 0);
    assert_int_equal(params_add_fragment(&p, "", 0, PARAMS_QUERY), 0);
    assert_int_equal(params_add_fragment(&p, "x=a=b", 5, PARAMS_QUERY), 0);
    assert_int_equal(params_add_fragment(&p, "flag", 4, PARAMS_QUERY), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(params_get(&p, "symbol"), "ALPHAUSDT");
    assert_string_equal(params_get(&p, "x"), "a=b");
    assert_null(params_get(&p, "flag")); /* empty counts as not sent */
    assert_null(params_get(&p, "sym"));
    assert_int_equal(params_validate(&p, NULL), 0);
    params_release(&p);
}

static void form_body(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    params_init(&p);
    const char *body = "symbol=ALPHAUSDT&newClientOrderId=a%2Bb+c&price=1.2500&&\r\n";
    assert_int_equal(params_parse_form(&p, body, strlen(body), &err), 0);
    assert_int_equal(p.n, 3);
    assert_string_equal(params_get(&p, "newClientOrderId"), "a+b c");
    money_t m = 0;
    int present = 0;
    assert_int_equal(params_money(&p, "price", &m, &present, &err), 0);
    assert_true(present);
    assert_int_equal(m, 125000000);
    assert_int_equal(p.item[0].origin, PARAMS_BODY);
    params_release(&p);
}

/* Escapes at the ends of a key and of a value, and one cut by the '&'. */
static void escapes_at_the_edges(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    params_init(&p);
    const char *body = "%7Ek=%41%42&v=x%2";
    assert_int_equal(params_parse_form(&p, body, strlen(body), &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1100);
    params_reset(&p);
    body = "%7Ek=%41%42&+=%2b";
    assert_int_equal(params_parse_form(&p, body, strlen(body), &err), 0);
    assert_string_equal(params_get(&p, "~k"), "AB");
    assert_string_equal(params_get(&p, " "), "+");
    params_release(&p);
}

static void bad_escapes(void **state)
{
    (void)state;
    const char *bad[] = { "a=%", "a=%4", "a=%zz", "%g1=2" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct params p;
        struct lt_err err = { 0 };
        params_init(&p);
        assert_int_equal(params_parse_form(&p, bad[i], strlen(bad[i]), &err), LT_EEXCHANGE);
        assert_int_equal(err.venue_code, -1100);
        assert_int_equal(err.http_status, 400);
        params_release(&p);
    }
}

static void duplicates_and_names(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    params_init(&p);
    params_add_fragment(&p, "symbol=A", 8, PARAMS_QUERY);
    assert_int_equal(params_parse_form(&p, "symbol=B", 8, &err), 0);
    assert_int_equal(params_validate(&p, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1101);
    params_reset(&p);
    params_add_fragment(&p, "sym bol=A", 9, PARAMS_QUERY);
    assert_int_equal(params_validate(&p, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1100);
    params_reset(&p);
    for (int i = 0; i < PARAMS_MAX + 3; i++) {
        char f[16];
        int n = snprintf(f, sizeof(f), "k%d=1", i);
        params_add_fragment(&p, f, (size_t)n, PARAMS_QUERY);
    }
    assert_int_equal(params_validate(&p, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1101);
    params_release(&p);
}

static void typed_values(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    int64_t v = 7;
    params_init(&p);
    assert_int_equal(params_need_int(&p, "timestamp", &v, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1102);
    assert_string_equal(err.msg, "Mandatory parameter 'timestamp' was not sent, was "
                                 "empty/null, or malformed.");
    params_add_fragment(&p, "timestamp=12a", 13, PARAMS_QUERY);
    params_add_fragment(&p, "limit=500", 9, PARAMS_QUERY);
    params_add_fragment(&p, "price=-1", 8, PARAMS_QUERY);
    params_add_fragment(&p, "big=99999999999999999999", 24, PARAMS_QUERY);
    assert_int_equal(params_need_int(&p, "timestamp", &v, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1100);
    assert_int_equal(params_need_int(&p, "limit", &v, &err), 0);
    assert_int_equal(v, 500);
    assert_int_equal(params_int(&p, "big", &v, NULL, &err), LT_EEXCHANGE);
    money_t m;
    assert_int_equal(params_money(&p, "price", &m, NULL, &err), LT_EEXCHANGE);
    const char *s;
    assert_int_equal(params_need(&p, "symbol", &s, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1102);
    params_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_fragments),   cmocka_unit_test(form_body),
        cmocka_unit_test(escapes_at_the_edges), cmocka_unit_test(bad_escapes),       cmocka_unit_test(duplicates_and_names),
        cmocka_unit_test(typed_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
