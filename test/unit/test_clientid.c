/* Unit tests: client order id format, parse, run tags. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/clientid.h"
#include "looptrader/error.h"

/* Binance's documented pattern for newClientOrderId. */
static int binance_ok(const char *s)
{
    regex_t re;
    assert_int_equal(regcomp(&re, "^[.A-Z:/a-z0-9_-]{1,36}$", REG_EXTENDED | REG_NOSUB), 0);
    int ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

static void round_trip(void **state)
{
    (void)state;
    struct clientid id = { "k3j9x2", 3, 17, 'b', 2, 0 }, back;
    char s[CLIENTID_MAX];
    assert_int_equal(clientid_format(&id, s), 0);
    assert_string_equal(s, "lt.k3j9x2.3.17.b2");
    assert_true(binance_ok(s));
    assert_int_equal(clientid_parse(s, &back), 0);
    assert_string_equal(back.run, "k3j9x2");
    assert_int_equal(back.user, 3);
    assert_int_equal(back.round, 17);
    assert_int_equal(back.side, 'b');
    assert_int_equal(back.seq, 2);
    assert_true(clientid_is_ours(s));

    struct clientid z = { "000000", 0, 0, 'f', 0, 0 };
    assert_int_equal(clientid_format(&z, s), 0);
    assert_string_equal(s, "lt.000000.0.0.f0");
    assert_int_equal(clientid_parse(s, &back), 0);
    assert_int_equal(back.side, 'f');
}

/* With a coordinator the lease epoch rides along; "e0" and a leading
 * zero are not canonical, so they are not ours. */
static void epoch_field(void **state)
{
    (void)state;
    char s[CLIENTID_MAX];
    struct clientid id = { "k3j9x2", 3, 17, 's', 2, 41 }, back;
    assert_int_equal(clientid_format(&id, s), 0);
    assert_string_equal(s, "lt.k3j9x2.3.17.s2e41");
    assert_true(binance_ok(s));
    assert_int_equal(clientid_parse(s, &back), 0);
    assert_int_equal(back.seq, 2);
    assert_int_equal(back.epoch, 41);
    assert_int_equal(clientid_parse("lt.k3j9x2.3.17.b2", &back), 0);
    assert_int_equal(back.epoch, 0);
    assert_int_equal(clientid_parse("lt.k3j9x2.3.17.b2e0", &back), LT_EPARSE);
    assert_int_equal(clientid_parse("lt.k3j9x2.3.17.b2e07", &back), LT_EPARSE);
    assert_int_equal(clientid_parse("lt.k3j9x2.3.17.b2e", &back), LT_EPARSE);
    assert_int_equal(clientid_parse("lt.k3j9x2.3.17.b2e4x", &back), LT_EPARSE);
    /* the longest realistic id still fits Binance's 36 characters */
    struct clientid big = { "zzzzzz", 99999, 999999, 's', 999, 999999 };
    assert_int_equal(clientid_format(&big, s), 0);
    assert_true(binance_ok(s));
    struct clientid max = { "zzzzzz", 0xffffffffu, 0xffffffffu, 's', 1, 0xffffffffu };
    assert_int_equal(clientid_format(&max, s), LT_ERANGE);
}

static void field_limits(void **state)
{
    (void)state;
    char s[CLIENTID_MAX];
    struct clientid back;
    /* large but realistic values fit in 36 chars */
    struct clientid big = { "zzzzzz", 99999, 9999999, 's', 99999, 0 };
    assert_int_equal(clientid_format(&big, s), 0);
    assert_true(strlen(s) <= 36 && binance_ok(s));
    assert_int_equal(clientid_parse(s, &back), 0);
    assert_int_equal(back.round, 9999999);
    /* all fields at their maximum do not fit: refused, not truncated */
    struct clientid max = { "zzzzzz", 0xffffffffu, 0xffffffffu, 's', 0xffffffffu, 0 };
    assert_int_equal(clientid_format(&max, s), LT_ERANGE);
    assert_string_equal(s, "");
    /* two maximal fields still fit (3+6+1+10+1+10+1+1+1 = 34) */
    struct clientid two = { "abc123", 0xffffffffu, 0xffffffffu, 'b', 1, 0 };
    assert_int_equal(clientid_format(&two, s), 0);
    assert_int_equal(clientid_parse(s, &back), 0);
    assert_true(back.user == 0xffffffffu && back.round == 0xffffffffu);
    /* malformed structs are refused */
    struct clientid bad_run = { "ABC123", 1, 1, 'b', 1, 0 };
    assert_int_equal(clientid_format(&bad_run, s), LT_EINVAL);
    struct clientid short_run = { "abc", 1, 1, 'b', 1, 0 };
    assert_int_equal(clientid_format(&short_run, s), LT_EINVAL);
    struct clientid bad_side = { "abc123", 1, 1, 'x', 1, 0 };
    assert_int_equal(clientid_format(&bad_side, s), LT_EINVAL);
}

static void garbage_refused(void **state)
{
    (void)state;
    const char *bad[] = {
        "", "lt.", "lt.k3j9x2", "lt.k3j9x2.3.17", "lt.k3j9x2.3.17.b", "lt.k3j9x2.3.17.x2",
        "LT.k3j9x2.3.17.b2", "lt.K3J9X2.3.17.b2", "lt.k3j9x.3.17.b2", "lt.k3j9x22.3.17.b2",
        "lt.k3j9x2.-3.17.b2", "lt.k3j9x2.+3.17.b2", "lt.k3j9x2.03.17.b2", "lt.k3j9x2.3..b2",
        "lt.k3j9x2.3.17.b2.", "lt.k3j9x2.3.17.b2x", "lt.k3j9x2.3.17.b 2",
        "lt.k3j9x2.4294967296.1.b1", "lt.k3j9x2.1.1.b99999999999999999999",
        "web_8f9a0c1d2e", "x-lt.k3j9x2.3.17.b2",
        "lt.k3j9x2.1.1.b1000000000000000000000000000000", /* > 36 chars */
    };
    struct clientid out;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (clientid_parse(bad[i], &out) != LT_EPARSE)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(clientid_parse(NULL, &out), LT_EPARSE);
    assert_false(clientid_is_ours("web_8f9a0c1d2e"));
    assert_false(clientid_is_ours(NULL));
    assert_false(clientid_is_ours("l"));
}

static void run_tags(void **state)
{
    (void)state;
    char a[8], b[8], s[CLIENTID_MAX];
    clientid_new_run(a, 1);
    clientid_new_run(b, 2);
    assert_int_equal(strlen(a), 6);
    assert_string_not_equal(a, b);
    for (uint64_t e = 0; e < 1000; e++) {
        clientid_new_run(a, e * 7919);
        struct clientid id = { "", 1, 1, 'b', 1, 0 }, back;
        memcpy(id.run, a, sizeof a);
        assert_int_equal(clientid_format(&id, s), 0);
        assert_int_equal(clientid_parse(s, &back), 0);
        assert_string_equal(back.run, a);
    }
    /* deterministic for one entropy value */
    clientid_new_run(a, 42);
    clientid_new_run(b, 42);
    assert_string_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(epoch_field),
        cmocka_unit_test(field_limits),
        cmocka_unit_test(garbage_refused),
        cmocka_unit_test(run_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
