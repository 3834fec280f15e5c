/* Unit tests: the coordinator's pure parts (flags, fair share, redaction). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/coord.h"
#include "looptrader/error.h"

static void args_taken_out(void **state)
{
    (void)state;
    char *argv[] = { "looptrader", "--config", "x.conf", "--coordinator", "postgresql://h/db",
                     "--ip-group=eu1", "--lease-ms", "6000", "--workers", "2", NULL };
    int argc = 10, has = 0;
    struct coord_config cc = { 0 };
    struct lt_err err = { 0 };
    assert_int_equal(coord_args_take(&argc, argv, &cc, &has, &err), 0);
    assert_int_equal(has, 1);
    assert_string_equal(cc.url, "postgresql://h/db");
    assert_string_equal(cc.ip_group, "eu1");
    assert_int_equal(cc.lease_ms, 6000);
    assert_int_equal(argc, 5);
    assert_string_equal(argv[1], "--config");
    assert_string_equal(argv[2], "x.conf");
    assert_string_equal(argv[3], "--workers");
    assert_string_equal(argv[4], "2");
    assert_null(argv[5]);
}

static void args_defaults_and_errors(void **state)
{
    (void)state;
    struct lt_err err = { 0 };
    int has = 1;
    char *plain[] = { "looptrader", "--only", "alice", NULL };
    int argc = 3;
    struct coord_config cc = { 0 };
    assert_int_equal(coord_args_take(&argc, plain, &cc, &has, &err), 0);
    assert_int_equal(has, 0);
    assert_int_equal(argc, 3);
    assert_string_equal(cc.ip_group, "default");
    assert_int_equal(cc.lease_ms, COORD_LEASE_MS_DEFAULT);

    char *missing[] = { "looptrader", "--coordinator", NULL };
    argc = 2;
    assert_int_equal(coord_args_take(&argc, missing, &cc, &has, &err), LT_ECONFIG);
    char *short_lease[] = { "looptrader", "--lease-ms", "500", NULL };
    argc = 3;
    assert_int_equal(coord_args_take(&argc, short_lease, &cc, &has, &err), LT_ECONFIG);
    char *empty_group[] = { "looptrader", "--ip-group=", NULL };
    argc = 2;
    assert_int_equal(coord_args_take(&argc, empty_group, &cc, &has, &err), LT_ECONFIG);
    /* a longer flag with the same beginning is not ours */
    char *other[] = { "looptrader", "--coordinators", "x", NULL };
    argc = 3;
    assert_int_equal(coord_args_take(&argc, other, &cc, &has, &err), 0);
    assert_int_equal(argc, 3);
}

static void fair_share(void **state)
{
    (void)state;
    assert_int_equal(coord_fair_share(30, 3), 10);
    assert_int_equal(coord_fair_share(31, 3), 11);
    assert_int_equal(coord_fair_share(12, 2), 6);
    assert_int_equal(coord_fair_share(5, 0), 5);
    assert_int_equal(coord_fair_share(0, 4), 0);
    assert_int_equal(coord_fair_share(2, 5), 1);
}

static void url_redacted(void **state)
{
    (void)state;
    char out[256];
    coord_url_redact("postgresql://lt:s3cret@db.example:5432/lt", out, sizeof out);
    assert_string_equal(out, "postgresql://lt:***@db.example:5432/lt");
    coord_url_redact("postgresql://lt@db/lt?sslmode=require&password=s3cret&x=1", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    assert_non_null(strstr(out, "password=***&x=1"));
    coord_url_redact("host=db password=s3cret dbname=lt", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    coord_url_redact("postgresql:///lt?host=/tmp/s", out, sizeof out);
    assert_string_equal(out, "postgresql:///lt?host=/tmp/s");
    coord_url_redact("postgres://lt:s3cret@db/lt", out, sizeof out);
    assert_string_equal(out, "postgres://lt:***@db/lt");
}

/* The three ways a password used to come through, and their neighbours. */
static void url_redacted_hard_cases(void **state)
{
    (void)state;
    char out[256];
    /* an unencoded '@' in the password: the userinfo ends at the last one */
    coord_url_redact("postgresql://u:p@ss@host:5432/lt", out, sizeof out);
    assert_string_equal(out, "postgresql://u:***@host:5432/lt");
    coord_url_redact("postgresql://u:a@b@c@h1,h2/lt?sslmode=require", out, sizeof out);
    assert_string_equal(out, "postgresql://u:***@h1,h2/lt?sslmode=require");
    /* an unencoded '/' in it is cut too, not taken for the path */
    coord_url_redact("postgresql://u:p/ss@host/lt", out, sizeof out);
    assert_string_equal(out, "postgresql://u:***@host/lt");
    /* an unencoded '?' in it: libpq still reads up to the '@' */
    coord_url_redact("postgresql://u:p?ss@host/lt?sslmode=require", out, sizeof out);
    assert_string_equal(out, "postgresql://u:***@host/lt?sslmode=require");
    /* no '/' before the query: libpq would take "host?user=a" for userinfo;
     * the password parameter after it is cut either way */
    coord_url_redact("postgresql://host?user=a@b&password=s3cret", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    coord_url_redact("postgresql://host:5432?user=a@b&password=s3cret", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    coord_url_redact("postgresql://db/lt?application_name=a?password=s3cret", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    /* a query value with an '@' is not taken for userinfo */
    coord_url_redact("postgresql://db/lt?user=me@corp&password=s3cret", out, sizeof out);
    assert_string_equal(out, "postgresql://db/lt?user=me@corp&password=***");
    /* a percent-encoded key, in any case, and sslpassword */
    coord_url_redact("postgresql://db/lt?pass%77ord=s3cret", out, sizeof out);
    assert_string_equal(out, "postgresql://db/lt?pass%77ord=***");
    coord_url_redact("postgresql://db/lt?%70%61%73%73%77%6F%72%64=s3cret&x=1", out, sizeof out);
    assert_string_equal(out, "postgresql://db/lt?%70%61%73%73%77%6F%72%64=***&x=1");
    coord_url_redact("postgresql://db/lt?PassWord=s3cret&sslpassword=k3y", out, sizeof out);
    assert_string_equal(out, "postgresql://db/lt?PassWord=***&sslpassword=***");
    /* a malformed escape in a key: its value is hidden */
    coord_url_redact("postgresql://db/lt?pass%7word=s3cret", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    /* every occurrence, not only the first */
    coord_url_redact("postgresql://db/lt?password=one&sslmode=disable&password=two", out,
                     sizeof out);
    assert_string_equal(out, "postgresql://db/lt?password=***&sslmode=disable&password=***");
    /* all at once */
    coord_url_redact("postgresql://u:p@w@db/lt?password=a&pass%77ord=b", out, sizeof out);
    assert_string_equal(out, "postgresql://u:***@db/lt?password=***&pass%77ord=***");
    /* harmless keys and no userinfo stay as written */
    coord_url_redact("postgresql://u@db/lt?passfile=/x&application_name=lt", out, sizeof out);
    assert_string_equal(out, "postgresql://u@db/lt?passfile=/x&application_name=lt");
    /* key=value strings: any mention hides the whole string */
    coord_url_redact("host=db PASSWORD=s3cret", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
    /* "://" inside a key=value string does not make it a URL */
    coord_url_redact("host=db password=x://s3cret@y", out, sizeof out);
    assert_null(strstr(out, "s3cret"));
}

/* A short buffer truncates and stays terminated; never an overflow. */
static void url_redacted_truncated(void **state)
{
    (void)state;
    char out[16];
    memset(out, 'x', sizeof out);
    coord_url_redact("postgresql://u:s3cret@db/lt?password=s3cret", out, sizeof out);
    assert_int_equal(strlen(out), sizeof out - 1);
    assert_null(strstr(out, "s3cret"));
    char one[1] = { 'x' };
    coord_url_redact("postgresql://u:s3cret@db/lt", one, sizeof one);
    assert_int_equal(one[0], '\0');
}

/* 20 accounts, 2 processes at 10 each, a third joins: share 7.  Handing
 * over starts above share + 1, at most COORD_HANDOVER_MAX outstanding,
 * and goes on down to the share; no flapping within one of it. */
static void rebalance_hysteresis(void **state)
{
    (void)state;
    int dr = 0;
    assert_int_equal(coord_rebalance(10, 0, 20, 2, &dr), 0); /* at share */
    assert_int_equal(dr, 0);
    assert_int_equal(coord_rebalance(10, 0, 20, 3, &dr), 2); /* capped */
    assert_int_equal(dr, 1);
    assert_int_equal(coord_rebalance(10, 2, 20, 3, &dr), 0); /* 2 under way */
    assert_int_equal(coord_rebalance(8, 0, 20, 3, &dr), 1);  /* on down to 7 */
    assert_int_equal(coord_rebalance(8, 1, 20, 3, &dr), 0);
    assert_int_equal(coord_rebalance(7, 0, 20, 3, &dr), 0);
    assert_int_equal(dr, 0);
    /* share + 1 alone does not start it */
    assert_int_equal(coord_rebalance(8, 0, 20, 3, &dr), 0);
    assert_int_equal(dr, 0);
    /* a lone process keeps everything; no accounts, nothing held */
    assert_int_equal(coord_rebalance(20, 0, 20, 1, &dr), 0);
    assert_int_equal(coord_rebalance(0, 0, 0, 3, &dr), 0);
}

static void state_compared(void **state)
{
    (void)state;
    char why[256];
    struct coord_acct_state saved = { .window_start = 86400000, .bought = 300 * MONEY_SCALE,
                                      .inventory = 1000, .target = 400 * MONEY_SCALE },
                            venue = saved;
    assert_int_equal(coord_state_compare(&saved, &venue, 0, 10000, why, sizeof why), 0);
    assert_string_equal(why, "");
    venue.inventory = 5000; /* within a step */
    assert_int_equal(coord_state_compare(&saved, &venue, 0, 10000, why, sizeof why), 0);
    venue.bought = 350 * MONEY_SCALE;
    venue.inventory = 2 * MONEY_SCALE;
    assert_int_equal(coord_state_compare(&saved, &venue, 0, 10000, why, sizeof why), 1);
    assert_non_null(strstr(why, "bought 300 saved, 350 at the venue"));
    assert_non_null(strstr(why, "; inventory 0.00001 saved, 2 at the venue"));
    /* another window: no disagreement, the venue's figures start it */
    venue.window_start = 2 * 86400000;
    assert_int_equal(coord_state_compare(&saved, &venue, 0, 10000, why, sizeof why), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(args_taken_out),
        cmocka_unit_test(args_defaults_and_errors),
        cmocka_unit_test(fair_share),
        cmocka_unit_test(rebalance_hysteresis),
        cmocka_unit_test(state_compared),
        cmocka_unit_test(url_redacted),
        cmocka_unit_test(url_redacted_hard_cases),
        cmocka_unit_test(url_redacted_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
