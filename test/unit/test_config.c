/* Unit tests: configuration loading, merging, flags and validation.
 * Fixture files are written to a fresh temporary directory per run. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "looptrader/config.h"
#include "looptrader/log.h"

static char dir[64];

/* Writes dir/name with the given mode; returns its path (a ring of static
 * buffers, so the paths of one test stay alive together). */
static const char *fixture(const char *name, mode_t mode, const char *text)
{
    static char paths[16][256];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, 256, "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(chmod(p, mode), 0);
    return p;
}

/* config_load over a NULL-terminated argument list. */
static int load(struct run_config *c, struct lt_err *e, ...)
{
    char *argv[64] = { "looptrader" };
    int argc = 1;
    va_list ap;
    va_start(ap, e);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) {
        assert_true(argc + 1 < (int)(sizeof argv / sizeof *argv));
        argv[argc++] = a;
    }
    va_end(ap);
    lt_err_clear(e);
    return config_load(argc, argv, c, e);
}

#define LOAD(c, e, ...) load(c, e, __VA_ARGS__, (char *)NULL)

/* Expects config_load to fail with a message containing every needle. */
#define FAILS(needles, ...)                                                                  \
    do {                                                                                     \
        struct run_config c_;                                                                \
        struct lt_err e_;                                                                    \
        int rc_ = LOAD(&c_, &e_, __VA_ARGS__);                                               \
        if (rc_ != LT_ECONFIG)                                                               \
            fail_msg("rc %d, message \"%s\"", rc_, e_.msg);                                  \
        const char *const *n_ = needles;                                                     \
        for (; *n_; n_++)                                                                    \
            if (!strstr(e_.msg, *n_))                                                        \
                fail_msg("message \"%s\" lacks \"%s\"", e_.msg, *n_);                        \
        config_free(&c_);                                                                    \
    } while (0)

#define NEEDLES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char base_conf[] =
    "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 1000.0; };\n"
    "users = ( { name = \"alice\"; api_key = \"ak\"; api_secret = \"alice-secret-1\"; } );\n";

static money_t M(const char *s)
{
    money_t v = 0;
    assert_int_equal(money_parse(s, &v), 0);
    return v;
}

static void defaults(void **state)
{
    (void)state;
    const char *p = fixture("defaults.conf", 0644, base_conf);
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    const struct strategy_config *s = &c.users[0].strategy;
    assert_string_equal(s->symbol, "ALPHAUSDT");
    assert_true(s->buy_amount == M("50") && s->target == M("1000"));
    assert_true(s->slippage == M("0.001") && s->slippage_step == M("0.002"));
    assert_int_equal(s->max_tries, 5);
    assert_int_equal(s->fill_timeout_ms, 2000);
    assert_int_equal(s->tif, TIF_GTC);
    assert_int_equal(s->window.kind, WINDOW_UTC_DAY);
    assert_int_equal(s->volume_multiplier, 1);
    assert_int_equal(s->target_points, 0);
    assert_true(s->max_cost == 0);
    assert_int_equal(c.workers, 4);
    assert_int_equal(c.stop_timeout_ms, 10000);
    assert_string_equal(c.rest_url, "http://127.0.0.1:8080");
    assert_string_equal(c.ws_url, "ws://127.0.0.1:8080");
    assert_ptr_equal(c.exchange.rest_url, c.rest_url);
    assert_ptr_equal(c.exchange.ws_url, c.ws_url);
    assert_string_equal(c.exchange.dialect, "binance");
    assert_int_equal(c.exchange.recv_window_ms, 5000);
    assert_int_equal(c.exchange.timeout_ms, 10000);
    assert_int_equal(c.users_per_connection, 100);
    assert_int_equal(c.legacy_listen_key, 0);
    assert_int_equal(c.ws_logon, 0);
    assert_int_equal(c.order_transport_set, 0);
    assert_int_equal(c.exchange.order_ws_api, 1); /* binance, user_stream "ws-api" */
    assert_int_equal(c.ws_requests_per_second, 200);
    assert_string_equal(c.state_dir, "state");
    assert_null(c.report_path);
    assert_null(c.log_file);
    assert_null(c.only);
    assert_int_equal(c.log_level, LOG_INFO);
    assert_int_equal(c.dry_run, 0);
    assert_string_equal(c.config_path, p);
    assert_int_equal(c.n_users, 1);
    assert_int_equal(c.users[0].enabled, 1);
    /* auth views point at the user's own strings */
    assert_ptr_equal(c.users[0].auth.api_key, c.users[0].api_key);
    assert_string_equal(c.users[0].auth.api_secret, "alice-secret-1");
    assert_null(c.users[0].auth.cookies);
    assert_int_equal(c.users[0].auth.n_headers, 0);
    config_free(&c);
}

static void full_file(void **state)
{
    (void)state;
    const char *p = fixture("full.conf", 0644,
        "exchange = { rest_url = \"https://api.example.com\"; ws_url = \"wss://ws.example.com\";\n"
        "             user_stream = \"listenkey\"; recv_window_ms = 3000; timeout_ms = 2500;\n"
        "             users_per_connection = 20; };\n"
        "strategy = { symbol = \"alphausdt\"; buy_amount = 50; target_points = 16;\n"
        "             volume_multiplier = 4; max_cost = 2.5; slippage = 0; slippage_step = 0.001;\n"
        "             max_tries = 7.0; fill_timeout_ms = 1500; time_in_force = \"ioc\";\n"
        "             window = \"rolling:24h\"; };\n"
        "workers = 16; state_dir = \"st\"; report = \"r.json\"; log_file = \"l.log\";\n"
        "log_level = \"debug\"; lock_dir = \"locks\"; pid_file = \"lt.pid\";\n"
        "users = ( { name = \"a\"; api_key = \"k\"; api_secret = \"secret-a-1\"; } );\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    const struct strategy_config *s = &c.users[0].strategy;
    assert_string_equal(c.rest_url, "https://api.example.com");
    assert_string_equal(c.ws_url, "wss://ws.example.com");
    assert_int_equal(c.legacy_listen_key, 1);
    assert_int_equal(c.ws_logon, 0);
    assert_int_equal(c.exchange.recv_window_ms, 3000);
    assert_int_equal(c.exchange.timeout_ms, 2500);
    assert_int_equal(c.users_per_connection, 20);
    assert_string_equal(s->symbol, "ALPHAUSDT");
    assert_true(s->buy_amount == M("50"));
    /* points: 2^16 / 4 = 16384 quote */
    assert_int_equal(s->target_points, 16);
    assert_int_equal(s->volume_multiplier, 4);
    assert_true(s->target == M("16384"));
    assert_true(c.global.target == M("16384"));
    assert_true(s->max_cost == M("2.5"));
    assert_true(s->slippage == 0 && s->slippage_step == M("0.001"));
    assert_int_equal(s->max_tries, 7);
    assert_int_equal(s->fill_timeout_ms, 1500);
    assert_int_equal(s->tif, TIF_IOC);
    assert_int_equal(s->window.kind, WINDOW_ROLLING);
    assert_true(s->window.rolling_ms == 86400000LL);
    assert_int_equal(c.workers, 16);
    assert_string_equal(c.state_dir, "st");
    assert_string_equal(c.report_path, "r.json");
    assert_string_equal(c.log_file, "l.log");
    assert_string_equal(c.lock_dir, "locks");
    assert_string_equal(c.pid_file, "lt.pid");
    assert_int_equal(c.log_level, LOG_DEBUG);
    config_free(&c);
}

static void user_stream_logon(void **state)
{
    (void)state;
    const char *p = fixture("logon.conf", 0644,
        "exchange = { user_stream = \"ws-api-logon\"; ws_requests_per_second = 100; };\n"
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50; target = 100; };\n"
        "users = ( { name = \"a\"; api_key = \"k\"; api_secret = \"secret-a-1\"; } );\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.ws_logon, 1);
    assert_int_equal(c.ws_requests_per_second, 100);
    assert_int_equal(c.legacy_listen_key, 0);
    assert_int_equal(c.exchange.order_ws_api, 1); /* "ws-api" by default here */
    config_free(&c);
    p = fixture("wsorders.conf", 0644,
        "exchange = { user_stream = \"ws-api-logon\"; order_transport = \"ws-api\"; };\n"
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50; target = 100; };\n"
        "users = ( { name = \"a\"; api_key = \"k\"; api_secret = \"secret-a-1\"; } );\n");
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.exchange.order_ws_api, 1);
    config_free(&c);
}

/* order_transport left out: "ws-api" where an explicit one would be valid,
 * "rest" (silently) where it would be an error; an explicit one as given. */
static void order_transport_default(void **state)
{
    (void)state;
    static const struct {
        const char *exchange;
        int ws_api;
    } cases[] = {
        { "exchange = { user_stream = \"ws-api\"; };\n", 1 },
        { "exchange = { user_stream = \"ws-api-logon\"; };\n", 1 },
        { "exchange = { dialect = \"binance\"; };\n", 1 },
        { "exchange = { user_stream = \"listenkey\"; };\n", 0 },
        { "exchange = { dialect = \"binance-alpha\"; };\n", 0 },
        { "exchange = { order_transport = \"rest\"; };\n", 0 },
        { "exchange = { user_stream = \"ws-api-logon\"; order_transport = \"rest\"; };\n", 0 },
        { "exchange = { order_transport = \"ws-api\"; };\n", 1 },
    };
    char text[512];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(text, sizeof text, "%s%s", cases[i].exchange, base_conf);
        const char *p = fixture("transport.conf", 0644, text);
        struct run_config c;
        struct lt_err e;
        if (LOAD(&c, &e, "--config", p) != 0)
            fail_msg("case %zu: %s", i, e.msg);
        if (c.exchange.order_ws_api != cases[i].ws_api)
            fail_msg("case %zu (%s): order_ws_api %d", i, cases[i].exchange,
                     c.exchange.order_ws_api);
        config_free(&c);
    }
}

static void merge_field_by_field(void **state)
{
    (void)state;
    const char *p = fixture("merge.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0;\n"
        "             max_tries = 3; };\n"
        "users = (\n"
        "  { name = \"alice\"; api_key = \"k1\"; api_secret = \"secret-1\"; },\n"
        "  { name = \"bob\"; api_key = \"k2\"; api_secret = \"secret-2\";\n"
        "    strategy = { buy_amount = 75.0; slippage = 0.002; }; },\n"
        "  { name = \"carol\"; api_key = \"k3\"; api_secret = \"secret-3\";\n"
        "    strategy = { time_in_force = \"IOC\"; target_points = 10; volume_multiplier = 2;\n"
        "                 symbol = \"BETAUSDT\"; }; }\n"
        ");\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.n_users, 3);
    const struct strategy_config *a = &c.users[0].strategy, *b = &c.users[1].strategy,
                                 *k = &c.users[2].strategy;
    assert_true(a->buy_amount == M("50") && a->slippage == M("0.001") && a->max_tries == 3);
    /* bob overrides two fields and keeps the rest */
    assert_true(b->buy_amount == M("75") && b->slippage == M("0.002"));
    assert_true(b->target == M("300") && b->max_tries == 3 && b->slippage_step == M("0.002"));
    assert_int_equal(b->tif, TIF_GTC);
    /* carol's points target replaces the global quote target */
    assert_int_equal(k->tif, TIF_IOC);
    assert_int_equal(k->target_points, 10);
    assert_true(k->target == M("512"));
    assert_true(k->buy_amount == M("50"));
    /* the token is a per-user setting too */
    assert_string_equal(k->symbol, "BETAUSDT");
    assert_string_equal(b->symbol, "ALPHAUSDT");
    /* the global view is untouched by user overrides */
    assert_true(c.global.buy_amount == M("50") && c.global.target == M("300"));
    config_free(&c);
}

static void merge_function(void **state)
{
    (void)state;
    struct strategy_config base, over, out;
    memset(&base, 0, sizeof base);
    memset(&over, 0, sizeof over);
    strcpy(base.symbol, "ALPHAUSDT");
    base.buy_amount = 5;
    base.target = 100;
    base.max_tries = 5;
    base.set = SC_SYMBOL | SC_BUY_AMOUNT | SC_TARGET | SC_MAX_TRIES;
    over.max_tries = 9;
    over.buy_amount = 777; /* not flagged as set: ignored */
    over.set = SC_MAX_TRIES;
    config_strategy_merge(&out, &base, &over);
    assert_int_equal(out.max_tries, 9);
    assert_true(out.buy_amount == 5 && out.target == 100);
    assert_string_equal(out.symbol, "ALPHAUSDT");
    assert_int_equal(out.set, base.set);
    /* target and target_points replace each other */
    over.set = SC_TARGET_POINTS;
    over.target_points = 12;
    over.target = 0;
    config_strategy_merge(&out, &base, &over);
    assert_int_equal(out.target_points, 12);
    assert_true((out.set & (SC_TARGET | SC_TARGET_POINTS)) == SC_TARGET_POINTS);
    /* dst may alias base */
    config_strategy_merge(&base, &base, &over);
    assert_int_equal(base.target_points, 12);
}

static void flags_win(void **state)
{
    (void)state;
    const char *p = fixture("flags.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "workers = 8;\n"
        "stop_timeout_ms = 5000;\n"
        "users = (\n"
        "  { name = \"alice\"; api_key = \"k1\"; api_secret = \"secret-1\";\n"
        "    strategy = { slippage = 0.002; max_tries = 2; buy_amount = 20.0; }; },\n"
        "  { name = \"bob\"; api_key = \"k2\"; api_secret = \"secret-2\";\n"
        "    strategy = { target_points = 12; }; }\n"
        ");\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p, "--slippage", "0.003", "--max-tries=7",
                          "--workers", "2", "--rest-url=http://127.0.0.1:9999", "--ws-url",
                          "ws://127.0.0.1:9999", "--target", "400", "--tif", "IOC",
                          "--window=all", "--fill-timeout-ms", "100", "--report", "out.json",
                          "--log-file=x.log", "--log-level", "warn", "--state-dir", "sd",
                          "--dry-run", "--volume-multiplier", "2", "--max-cost", "1.5",
                          "--slippage-step", "0.004", "--stop-timeout-ms", "2500"),
                     0);
    const struct strategy_config *a = &c.users[0].strategy, *b = &c.users[1].strategy;
    /* a flag beats the user's override; the user's other overrides stay */
    assert_true(a->slippage == M("0.003") && a->max_tries == 7);
    assert_true(a->buy_amount == M("20"));
    /* --target beats bob's target_points */
    assert_true(b->target == M("400") && b->target_points == 0);
    assert_int_equal(b->tif, TIF_IOC);
    assert_int_equal(b->window.kind, WINDOW_ALL);
    assert_int_equal(b->fill_timeout_ms, 100);
    assert_int_equal(b->volume_multiplier, 2);
    assert_true(b->max_cost == M("1.5") && b->slippage_step == M("0.004"));
    assert_true(c.global.slippage == M("0.003"));
    assert_int_equal(c.workers, 2);
    assert_int_equal(c.stop_timeout_ms, 2500);
    assert_string_equal(c.rest_url, "http://127.0.0.1:9999");
    assert_string_equal(c.exchange.ws_url, "ws://127.0.0.1:9999");
    assert_string_equal(c.report_path, "out.json");
    assert_string_equal(c.log_file, "x.log");
    assert_string_equal(c.state_dir, "sd");
    assert_int_equal(c.log_level, LOG_WARN);
    assert_int_equal(c.dry_run, 1);
    config_free(&c);

    /* --target-points beats a file's target; --symbol beats the file's */
    assert_int_equal(LOAD(&c, &e, "--config", p, "--target-points", "16",
                          "--volume-multiplier=4", "--symbol", "ALPHAUSDT"), 0);
    assert_true(c.users[0].strategy.target == M("16384"));
    assert_true(c.users[1].strategy.target == M("16384"));
    config_free(&c);
}

static void flags_only(void **state)
{
    (void)state;
    /* no config file: everything from flags and a users file */
    const char *u = fixture("flagusers.conf", 0600,
        "users = ( { name = \"zed\"; api_key = \"kz\"; api_secret = \"secret-z\"; } );\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--users", u, "--symbol", "ALPHAUSDT", "--buy-amount", "10",
                          "--target", "100"), 0);
    assert_null(c.config_path);
    assert_string_equal(c.users_path, u);
    assert_true(c.users[0].strategy.buy_amount == M("10"));
    config_free(&c);
    FAILS(NEEDLES("strategy.symbol: missing"), "--users", u);
    FAILS(NEEDLES("users[0].strategy.buy_amount: missing"), "--users", u, "--symbol", "ALPHAUSDT");
    FAILS(NEEDLES("users[0].strategy.target: missing"), "--users", u, "--symbol", "ALPHAUSDT",
          "--buy-amount", "5");
    FAILS(NEEDLES("users: none configured"), "--symbol", "ALPHAUSDT");
}

static void users_file(void **state)
{
    (void)state;
    fixture("team.users", 0600,
        "# the team\n"
        "users = (\n"
        "  { name = \"alice\"; api_key = \"k1\"; api_secret = \"secret-1\"; },\n"
        "  { name = \"bob\"; api_key = \"k2\"; api_secret_file = \"bob.secret\"; },\n"
        "  { name = \"old\"; enabled = false; }\n"
        ");\n");
    fixture("bob.secret", 0600, "bob-secret-from-file\n");
    const char *p = fixture("withfile.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "users_file = \"team.users\";\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.n_users, 3);
    char want[256];
    snprintf(want, sizeof want, "%s/team.users", dir);
    assert_string_equal(c.users_path, want);
    assert_string_equal(c.users[1].api_secret, "bob-secret-from-file");
    assert_string_equal(c.users[1].auth.api_secret, "bob-secret-from-file");
    assert_int_equal(c.users[2].enabled, 0);
    assert_null(c.users[2].api_key);
    config_free(&c);

    /* insecure users file: refused, with the way out named */
    fixture("team.users", 0644,
        "users = ( { name = \"alice\"; api_key = \"k1\"; api_secret = \"secret-1\"; } );\n");
    FAILS(NEEDLES("team.users", "readable by group or others", "chmod 600",
                  "--allow-insecure-secrets"),
          "--config", p);
    assert_int_equal(LOAD(&c, &e, "--config", p, "--allow-insecure-secrets"), 0);
    assert_int_equal(c.allow_insecure_secrets, 1);
    config_free(&c);

    /* an insecure secret file is refused the same way */
    fixture("team.users", 0600,
        "users = ( { name = \"bob\"; api_key = \"k2\"; api_secret_file = \"bob.secret\"; } );\n");
    fixture("bob.secret", 0640, "bob-secret-from-file\n");
    FAILS(NEEDLES("bob.secret", "chmod 600"), "--config", p);
    assert_int_equal(LOAD(&c, &e, "--config", p, "--allow-insecure-secrets"), 0);
    config_free(&c);

    /* --users wins over the file's users_file */
    const char *u2 = fixture("other.users", 0600,
        "users = ( { name = \"carol\"; api_key = \"k3\"; api_secret = \"secret-3\"; } );\n");
    assert_int_equal(LOAD(&c, &e, "--config", p, "--users", u2), 0);
    assert_int_equal(c.n_users, 1);
    assert_string_equal(c.users[0].name, "carol");
    config_free(&c);

    /* missing users file, users list missing from it */
    const char *p2 = fixture("nofile.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "users_file = \"absent.users\";\n");
    FAILS(NEEDLES("absent.users", "cannot read"), "--config", p2);
    const char *empty = fixture("empty.users", 0600, "# nobody yet\n");
    FAILS(NEEDLES("empty.users: users: missing"), "--config", p, "--users", empty);
    const char *typo = fixture("typo.users", 0600, "user = ();\n");
    FAILS(NEEDLES("typo.users:1: user: unknown setting (did you mean \"users\"?)"), "--config",
          p, "--users", typo);
}

static void secrets_env_and_session(void **state)
{
    (void)state;
    const char *p = fixture("env.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "users = (\n"
        "  { name = \"envy\"; api_key = \"k1\"; api_secret_env = \"LT_TEST_SECRET\"; },\n"
        "  { name = \"erin\"; cookies = \"session=erin-cookie-55aa; theme=dark/mode-x\";\n"
        "    headers = [ \"X-Session-Token: erin-token-99bb\", \"X-Other:  spaced-value\",\n"
        "                \"Authorization: Bearer  tok/en-4242\" ]; }\n"
        ");\n");
    setenv("LT_TEST_SECRET", "secret-from-env-42", 1);
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_string_equal(c.users[0].api_secret, "secret-from-env-42");
    const struct user_config *erin = &c.users[1];
    assert_null(erin->api_key);
    assert_null(erin->auth.api_secret);
    assert_string_equal(erin->auth.cookies, "session=erin-cookie-55aa; theme=dark/mode-x");
    assert_int_equal(erin->auth.n_headers, 3);
    assert_string_equal(erin->auth.headers[0], "X-Session-Token: erin-token-99bb");

    /* every secret, cookie value and header value is redacted by the log */
    char out[512];
    log_redact("a secret-from-env-42 b erin-cookie-55aa c erin-token-99bb d spaced-value e "
               "dark/mode-x f session=erin-cookie-55aa; theme=dark/mode-x",
               out, sizeof out);
    assert_null(strstr(out, "secret-from-env-42"));
    assert_null(strstr(out, "erin-cookie-55aa"));
    assert_null(strstr(out, "erin-token-99bb"));
    assert_null(strstr(out, "spaced-value"));
    assert_null(strstr(out, "mode-x"));
    /* as a venue's answer may echo them: the token of "Bearer <token>"
     * alone, and the cookies JSON-escaped, whole or one value */
    log_redact("{\"token\":\"tok\\/en-4242\",\"raw\":\"tok/en-4242\","
               "\"cookie\":\"session=erin-cookie-55aa; theme=dark\\/mode-x\"}",
               out, sizeof out);
    assert_null(strstr(out, "en-4242"));
    assert_null(strstr(out, "mode-x"));
    assert_null(strstr(out, "erin-cookie"));
    assert_non_null(strstr(out, "theme="));
    config_free(&c);

    unsetenv("LT_TEST_SECRET");
    FAILS(NEEDLES("env.conf:3: users[0].api_secret_env", "LT_TEST_SECRET", "is not set", "envy"),
          "--config", p);
    log_secrets_clear();
}

static void validation_errors(void **state)
{
    (void)state;
    struct {
        const char *text;
        const char *needle;
    } cases[] = {
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0;\n"
          "  slippage = 0.6; };\n", "bad.conf:2: strategy.slippage: must be between 0 and 0.5" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0;\n"
          "  slippage_step = -0.1; };\n", "bad.conf:2: strategy.slippage_step: must be between 0 and 0.5" },
        { "strategy = {\n symbol = \"ALPHAUSDT\";\n buy_amount = 0;\n target = 300.0; };\n",
          "bad.conf:3: strategy.buy_amount: must be > 0" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 300.0;\n"
          "  target_points = 4; };\n", "bad.conf:2: strategy.target_points: give either target or target_points" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0;\n target_points = 63; };\n",
          "bad.conf:2: strategy.target_points: must be an integer between 1 and 62" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0;\n target_points = 62; };\n",
          "strategy.target_points: 2^62 / 1 is more" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target_points = 8;\n"
          " volume_multiplier = 2048; };\n", "bad.conf:2: strategy.volume_multiplier: must be an integer between 1 and 1024" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0;\n max_tries = 0; };\n",
          "bad.conf:2: strategy.max_tries: must be an integer between 1 and 100" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0;\n max_tries = 2.5; };\n",
          "bad.conf:2: strategy.max_tries: must be an integer" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0;\n"
          " fill_timeout_ms = 5; };\n", "bad.conf:2: strategy.fill_timeout_ms: must be an integer between 10 and 600000" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0;\n"
          " time_in_force = \"FOK\"; };\n", "bad.conf:2: strategy.time_in_force: must be GTC or IOC" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0;\n"
          " window = \"weekly\"; };\n", "bad.conf:2: strategy.window: window \"weekly\"" },
        { "strategy = { symbol = \"ALPHA USDT\"; buy_amount = 5.0; target = 9.0; };\n",
          "bad.conf:1: strategy.symbol: must be 1 to 31 letters, digits or _" },
        { "strategy = { buy_amount = 5.0; target = 9.0; };\n", "bad.conf:1: strategy.symbol: missing" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = \"5\"; target = 9.0; };\n",
          "bad.conf:1: strategy.buy_amount: must be a number" },
        { "strategy = { symbol = 5; };\n", "bad.conf:1: strategy.symbol: must be a string" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 1e300; };\n", "strategy.buy_amount: out of range" },
        { "strategy = ( 1 );\n", "bad.conf:1: strategy: must be a group" },
        { "workers = 0;\n", "bad.conf:1: workers: must be an integer between 1 and 1024" },
        { "workers = 5000;\n", "bad.conf:1: workers: must be an integer between 1 and 1024" },
        { "log_level = \"loud\";\n", "bad.conf:1: log_level: must be debug, info, warn, error or off" },
        { "state_dir = \"\";\n", "bad.conf:1: state_dir: must not be empty" },
        { "exchange = {\n rest_url = \"ftp://x\"; };\n", "bad.conf:2: exchange.rest_url: must start with http:// or https://" },
        { "exchange = { ws_url = \"http://x\"; };\n", "bad.conf:1: exchange.ws_url: must start with ws:// or wss://" },
        { "exchange = { user_stream = \"poll\"; };\n", "bad.conf:1: exchange.user_stream: must be \"ws-api\", \"ws-api-logon\" or \"listenkey\"" },
        { "exchange = { order_transport = \"grpc\"; };\n", "bad.conf:1: exchange.order_transport: must be \"rest\" or \"ws-api\"" },
        { "exchange = { user_stream = \"listenkey\";\n order_transport = \"ws-api\"; };\n", "bad.conf:2: exchange.order_transport: \"ws-api\" needs user_stream \"ws-api\" or \"ws-api-logon\", not \"listenkey\"" },
        { "exchange = { dialect = \"binance-alpha\"; order_transport = \"ws-api\"; };\n", "bad.conf:1: exchange.order_transport: \"ws-api\" is for dialect \"binance\" only" },
        { "exchange = { recv_window_ms = 70000; };\n", "bad.conf:1: exchange.recv_window_ms: must be an integer between 1 and 60000" },
        { "exchange = { users_per_connection = 0; };\n", "exchange.users_per_connection: must be an integer" },
        { "exchange = { ws_requests_per_second = 0; };\n", "exchange.ws_requests_per_second: must be an integer" },
        { "users_file = \"x\";\nusers = ();\n", "bad.conf:1: users_file: give either users_file or an inline users list" },
        { "users = ();\n", "bad.conf:1: users: the list is empty" },
        { "users = 5;\n", "bad.conf:1: users: must be a list" },
        { "exchange = { oto = 1; };\n", "bad.conf:1: exchange.oto: must be true or false" },
        { "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0;\n"
          " oto = \"yes\"; };\n", "bad.conf:2: strategy.oto: must be true or false" },
    };
    char text[1024];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        /* a valid strategy and user first, so only the case's error fires */
        snprintf(text, sizeof text, "%s", cases[i].text);
        if (!strstr(text, "strategy ="))
            snprintf(text, sizeof text, "%s%s", cases[i].text,
                     "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0; };\n");
        if (!strstr(text, "users"))
            strncat(text, "users = ( { name = \"u\"; api_key = \"k\"; api_secret = \"s3cr3t-x\"; } );\n",
                    sizeof text - strlen(text) - 1);
        const char *p = fixture("bad.conf", 0644, text);
        struct run_config c;
        struct lt_err e;
        int rc = LOAD(&c, &e, "--config", p);
        if (rc != LT_ECONFIG || !strstr(e.msg, cases[i].needle))
            fail_msg("case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc, e.msg, cases[i].needle);
        assert_null(strstr(e.msg, "s3cr3t-x"));
        config_free(&c);
    }
}

/* oto: off by default; exchange.oto is every account's default, a
 * strategy block (global or the account's) beats it, --oto beats all. */
static void oto_levels(void **state)
{
    (void)state;
    struct run_config c;
    struct lt_err e;
    const char *p = fixture("oto.conf", 0644,
        "exchange = { oto = true; };\n"
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 9.0; };\n"
        "users = ( { name = \"a\"; api_key = \"k1\"; api_secret = \"secret-1\"; },\n"
        "          { name = \"b\"; api_key = \"k2\"; api_secret = \"secret-2\";\n"
        "            strategy = { oto = false; }; } );\n");
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.oto, 1);
    assert_int_equal(c.users[0].strategy.oto, 1);
    assert_int_equal(c.users[1].strategy.oto, 0);
    config_free(&c);
    assert_int_equal(LOAD(&c, &e, "--config", p, "--oto", "false"), 0);
    assert_int_equal(c.users[0].strategy.oto, 0);
    config_free(&c);
    p = fixture("oto2.conf", 0644, base_conf);
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.users[0].strategy.oto, 0);
    config_free(&c);
    assert_int_equal(LOAD(&c, &e, "--config", p, "--oto=true"), 0);
    assert_int_equal(c.users[0].strategy.oto, 1);
    config_free(&c);
    FAILS(NEEDLES("--oto", "true or false"), "--config", p, "--oto", "1");
}

static void user_errors(void **state)
{
    (void)state;
    static const char head[] =
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "users = (\n"
        "  { name = \"ok\"; api_key = \"k0\"; api_secret = \"secret-ok\"; },\n";
    struct {
        const char *user;
        const char *needle;
    } cases[] = {
        { "  { api_key = \"k\"; api_secret = \"hidden-1\"; }\n", "u.conf:4: users[1].name: missing" },
        { "  { name = \"ok\"; api_key = \"k\"; api_secret = \"hidden-1\"; }\n",
          "u.conf:4: users[1].name: \"ok\" is already used by users[0]" },
        { "  { name = \"b\"; api_key = \"kb\"; api_secret = \"hidden-1\"; },\n"
          "  { name = \"ok\"; api_key = \"k\"; api_secret = \"hidden-1\"; }\n",
          "u.conf:5: users[2].name: \"ok\" is already used by users[0]" },
        { "  { name = \"../etc\"; api_key = \"k\"; api_secret = \"hidden-1\"; }\n", "users[1].name: must be" },
        { "  { name = \"b\"; api_secret = \"hidden-1\"; }\n", "u.conf:4: users[1].api_key: missing for user b" },
        { "  { name = \"b\"; }\n", "u.conf:4: users[1].api_key: missing for user b (or session auth" },
        { "  { name = \"b\"; api_key = \"k\"; }\n", "u.conf:4: users[1].api_secret: missing for user b" },
        { "  { name = \"b\"; api_key = \"k\"; api_secret = \"hidden-1\"; api_secret_env = \"X\"; }\n",
          "u.conf:4: users[1].api_secret: give one of" },
        { "  { name = \"b\"; api_key = \"has space\"; api_secret = \"hidden-1\"; }\n",
          "u.conf:4: users[1].api_key: must be non-empty" },
        { "  { name = \"b\";\n    api_key = \"k\"; api_secret_file = \"nope.secret\"; }\n",
          "u.conf:5: users[1].api_secret_file: cannot read" },
        { "  { name = \"b\"; headers = [ \"NoColonhidden-1\" ]; }\n",
          "u.conf:4: users[1].headers[0]: must be \"Name: value\"" },
        { "  { name = \"b\"; headers = [ \"X-A: hidden-1\\r\\nX-B: y\" ]; }\n",
          "users[1].headers[0]: must be \"Name: value\" on one line" },
        { "  { name = \"b\"; headers = \"X-A: hidden-1\"; }\n", "users[1].headers: must be a list" },
        { "  { name = \"b\"; cookies = \"a=hidden-1\\n\"; }\n", "users[1].cookies: must be" },
        { "  { name = \"b\"; enabled = 1; api_key = \"k\"; api_secret = \"hidden-1\"; }\n",
          "users[1].enabled: must be true or false" },
        { "  { name = \"b\"; api_key = \"k\"; api_secret = \"hidden-1\";\n"
          "    strategy = { slippage = 0.9; }; }\n", "u.conf:5: users[1].strategy.slippage: must be between 0 and 0.5" },
        { "  5\n", "u.conf:4: users[1]: must be a group" },
    };
    char text[1024];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(text, sizeof text, "%s%s);\n", head, cases[i].user);
        const char *p = fixture("u.conf", 0644, text);
        struct run_config c;
        struct lt_err e;
        int rc = LOAD(&c, &e, "--config", p);
        if (rc != LT_ECONFIG || !strstr(e.msg, cases[i].needle))
            fail_msg("case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc, e.msg, cases[i].needle);
        if (strstr(e.msg, "hidden-1"))
            fail_msg("case %zu: secret in \"%s\"", i, e.msg);
        config_free(&c);
    }
    /* the per-user missing-field message points at the user */
    const char *p = fixture("u2.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; target = 300.0; };\n"
        "users = (\n"
        "  { name = \"a\"; api_key = \"k\"; api_secret = \"secret-a\";\n"
        "    strategy = { buy_amount = 10.0; }; },\n"
        "  { name = \"b\"; api_key = \"k\"; api_secret = \"secret-b\"; }\n"
        ");\n");
    FAILS(NEEDLES("u2.conf:5: users[1].strategy.buy_amount: missing"), "--config", p);
    /* a disabled user needs no credentials, but somebody must be enabled */
    p = fixture("u3.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5.0; target = 300.0; };\n"
        "users = ( { name = \"a\"; enabled = false; api_secret_env = \"LT_NOT_SET_ANYWHERE\"; } );\n");
    FAILS(NEEDLES("u3.conf:2: users: no user is enabled"), "--config", p);
}

/* A test-only PEM from test/data, copied into dir with mode. */
static void pem_fixture(const char *src, const char *name, mode_t mode)
{
    char path[512], text[8192];
    const char *root = getenv("LT_ROOT");
    snprintf(path, sizeof path, "%s/test/data/%s", root ? root : ".", src);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    fixture(name, mode, text);
}

static void key_files(void **state)
{
    (void)state;
    static const char head[] =
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "users = (\n";
    char text[1024];
    struct run_config c;
    struct lt_err e;
    pem_fixture("test_ed25519.pem", "ed.pem", 0600);
    pem_fixture("test_rsa.pem", "rsa.pem", 0600);
    snprintf(text, sizeof text, "%s%s", head,
             "  { name = \"e\"; api_key = \"k1\"; key_type = \"ed25519\"; private_key_file = \"ed.pem\"; },\n"
             "  { name = \"r\"; private_key_file = \"rsa.pem\"; key_type = \"rsa\"; api_key = \"k2\"; },\n"
             "  { name = \"h\"; api_key = \"k3\"; key_type = \"hmac\"; api_secret = \"secret-h\"; },\n"
             "  { name = \"off\"; enabled = false; key_type = \"rsa\"; }\n);\n");
    const char *p = fixture("k.conf", 0644, text);
    assert_int_equal(LOAD(&c, &e, "--config", p), 0);
    assert_int_equal(c.users[0].key_type, SIGN_KEY_ED25519);
    assert_non_null(c.users[0].key);
    assert_ptr_equal(c.users[0].auth.key, c.users[0].key);
    assert_null(c.users[0].auth.api_secret);
    assert_int_equal(sign_key_type_of(c.users[1].auth.key), SIGN_KEY_RSA);
    assert_null(c.users[2].auth.key);
    assert_string_equal(c.users[2].auth.api_secret, "secret-h");
    /* a disabled user needs no key file, as it needs no secret */
    assert_null(c.users[3].key);
    config_free(&c);

    struct {
        const char *user;
        const char *needle;
    } cases[] = {
        { "  { name = \"b\"; api_key = \"k\"; key_type = \"ed25519\"; private_key_file = \"rsa.pem\"; }\n",
          "users[0].private_key_file: rsa.pem for user b: the key is rsa, not ed25519" },
        { "  { name = \"b\"; api_key = \"k\"; key_type = \"ed25519\"; }\n",
          "users[0].private_key_file: missing for user b" },
        { "  { name = \"b\"; api_key = \"k\"; key_type = \"rsa\"; private_key_file = \"rsa.pem\";"
          " api_secret = \"hidden-1\"; }\n", "give private_key_file, not api_secret" },
        { "  { name = \"b\"; api_key = \"k\"; private_key_file = \"rsa.pem\"; api_secret = \"hidden-1\"; }\n",
          "users[0].private_key_file: needs key_type" },
        { "  { name = \"b\"; api_key = \"k\"; key_type = \"Ed25519\"; }\n",
          "users[0].key_type: must be \"hmac\", \"ed25519\" or \"rsa\"" },
        { "  { name = \"b\"; key_type = \"rsa\"; private_key_file = \"rsa.pem\"; }\n",
          "users[0].api_key: missing for user b" },
        { "  { name = \"b\"; api_key = \"k\"; key_type = \"rsa\"; private_key_file = \"k.conf\"; }\n",
          "not an unencrypted PEM private key" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(text, sizeof text, "%s%s);\n", head, cases[i].user);
        p = fixture("k.conf", 0600, text);
        int rc = LOAD(&c, &e, "--config", p);
        if (rc != LT_ECONFIG || !strstr(e.msg, cases[i].needle))
            fail_msg("case %zu: rc %d, message \"%s\", wanted \"%s\"", i, rc, e.msg,
                     cases[i].needle);
        if (strstr(e.msg, "hidden-1") || strstr(e.msg, "MII") || strstr(e.msg, "MC4"))
            fail_msg("case %zu: secret in \"%s\"", i, e.msg);
        config_free(&c);
    }

    /* a key file others can read is refused like any secret file */
    pem_fixture("test_ed25519.pem", "ed.pem", 0640);
    snprintf(text, sizeof text, "%s%s", head,
             "  { name = \"e\"; api_key = \"k1\"; key_type = \"ed25519\"; private_key_file = \"ed.pem\"; }\n);\n");
    p = fixture("k.conf", 0644, text);
    FAILS(NEEDLES("ed.pem", "chmod 600"), "--config", p);
    assert_int_equal(LOAD(&c, &e, "--config", p, "--allow-insecure-secrets"), 0);
    config_free(&c);
}

static void syntax_and_io(void **state)
{
    (void)state;
    const char *p = fixture("syntax.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\";\n"
        "  buy_amount = 50.0\n"
        "  target = ;\n"
        "};\n");
    FAILS(NEEDLES("syntax.conf:3: "), "--config", p);
    FAILS(NEEDLES("no-such.conf", "cannot read the file"), "--config", "/nonexistent/no-such.conf");
    /* an included file's error names the included file */
    fixture("inc.part", 0644, "workers = 0;\n");
    p = fixture("inc.conf", 0644, "@include \"inc.part\"\n");
    FAILS(NEEDLES("inc.part:1: workers: must be"), "--config", p);
}

static void only_filter(void **state)
{
    (void)state;
    const char *p = fixture("only.conf", 0644,
        "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 300.0; };\n"
        "users = (\n"
        "  { name = \"alice\"; api_key = \"k1\"; api_secret = \"secret-1\"; },\n"
        "  { name = \"bob\"; api_key = \"k2\"; api_secret = \"secret-2\"; },\n"
        "  { name = \"carol\"; api_key = \"k3\"; api_secret = \"secret-3\"; }\n"
        ");\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p, "--only", "alice,carol", "--only=bob"), 0);
    assert_non_null(c.only);
    assert_string_equal(c.only[0], "alice");
    assert_string_equal(c.only[1], "carol");
    assert_string_equal(c.only[2], "bob");
    assert_null(c.only[3]);
    /* every user stays in the list (their index is part of order ids) */
    assert_int_equal(c.n_users, 3);
    config_free(&c);
    FAILS(NEEDLES("--only: no user named \"dave\""), "--config", p, "--only", "alice,dave");
    FAILS(NEEDLES("--only: must be USER"), "--config", p, "--only", "alice,,bob");
    FAILS(NEEDLES("--only: must be USER"), "--config", p, "--only=");
}

static void bad_flags(void **state)
{
    (void)state;
    const char *p = fixture("ok.conf", 0644, base_conf);
    FAILS(NEEDLES("--max-tries: must be an integer"), "--config", p, "--max-tries", "5x");
    FAILS(NEEDLES("--max-tries: must be an integer between 1 and 100"), "--max-tries", "0");
    FAILS(NEEDLES("--max-tries: must be an integer"), "--max-tries", "");
    FAILS(NEEDLES("--max-tries: must be an integer"), "--max-tries", "99999999999999999999999");
    FAILS(NEEDLES("--slippage: must be a decimal number"), "--slippage", "abc");
    FAILS(NEEDLES("--slippage: must be a decimal number"), "--slippage", "1e-3");
    FAILS(NEEDLES("--slippage: must be between 0 and 0.5"), "--slippage", "0.51");
    FAILS(NEEDLES("--target: must be > 0"), "--target=0");
    FAILS(NEEDLES("--target-points: give either target or target_points"), "--target", "5",
          "--target-points", "3");
    FAILS(NEEDLES("--workers: must be an integer between 1 and 1024"), "--workers", "0");
    FAILS(NEEDLES("--workers: must be an integer"), "--workers", "4.0");
    FAILS(NEEDLES("--stop-timeout-ms: must be an integer between 100 and 600000"), "--stop-timeout-ms", "5");
    FAILS(NEEDLES("--log-level: must be"), "--log-level", "chatty");
    FAILS(NEEDLES("--tif: must be GTC or IOC"), "--tif", "FOK");
    FAILS(NEEDLES("--window: window \"x\""), "--window", "x");
    FAILS(NEEDLES("--symbol: needs a value"), "--symbol");
    FAILS(NEEDLES("--dry-run: takes no value"), "--dry-run=yes");
    FAILS(NEEDLES("unknown option --no-such-flag"), "--no-such-flag");
    FAILS(NEEDLES("unknown option --config-file"), "--config-file=x");
    FAILS(NEEDLES("unexpected argument \"stray\""), "stray");
    FAILS(NEEDLES("--report: must not be empty"), "--report=");
    FAILS(NEEDLES("--rest-url: must start with http://"), "--config", p, "--rest-url", "127.0.0.1:80");
    FAILS(NEEDLES("--ws-url: must start with ws://"), "--config", p, "--ws-url", "http://x");
}

static void help_and_version(void **state)
{
    (void)state;
    struct run_config c;
    struct lt_err e;
    /* no file is read for --help, even a broken one */
    assert_int_equal(LOAD(&c, &e, "--config", "/nonexistent", "--help"), 0);
    assert_int_equal(c.show_help, 1);
    config_free(&c);
    assert_int_equal(LOAD(&c, &e, "--version"), 0);
    assert_int_equal(c.show_version, 1);
    config_free(&c);
    const char *flags[] = { "--config", "--users", "--symbol", "--target", "--target-points",
                            "--volume-multiplier", "--buy-amount", "--max-cost", "--slippage",
                            "--slippage-step", "--max-tries", "--fill-timeout-ms", "--tif",
                            "--window", "--workers", "--rest-url", "--ws-url", "--only",
                            "--report", "--log-file", "--log-level", "--state-dir",
                            "--allow-insecure-secrets", "--dry-run", "--version", "--help" };
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        if (!strstr(config_usage(), flags[i]))
            fail_msg("--help lacks %s", flags[i]);
}

static void demo_conf(void **state)
{
    (void)state;
    struct run_config c;
    struct lt_err e;
    if (access("etc/demo.conf", R_OK) != 0)
        skip(); /* run from another directory */
    assert_int_equal(LOAD(&c, &e, "--config", "etc/demo.conf"), 0);
    assert_int_equal(c.n_users, 5);
    assert_true(c.users[1].strategy.buy_amount == M("75"));
    assert_true(c.users[1].strategy.slippage == M("0.002"));
    assert_int_equal(c.users[2].strategy.tif, TIF_IOC);
    assert_true(c.users[2].strategy.target == M("250"));
    assert_true(c.users[0].strategy.target == M("300"));
    assert_null(c.users[4].api_key);
    assert_int_equal(c.users[4].n_headers, 1);
    config_free(&c);
    log_secrets_clear();
}

/* An unknown key is an error at every level, with file:line and the near
 * miss it most likely was; a far-off key gets no suggestion. */
static void unknown_keys(void **state)
{
    (void)state;
    const char *users = "users = ( { name = \"a\"; api_key = \"k\"; api_secret = \"secret-a-1\"; } );\n";
    char text[1024];
    snprintf(text, sizeof text, "exchang = { rest_url = \"http://127.0.0.1:1\"; };\n"
             "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5; target = 10; };\n%s", users);
    FAILS(NEEDLES("top.conf:1: exchang: unknown setting (did you mean \"exchange\"?)"),
          "--config", fixture("top.conf", 0600, text));
    snprintf(text, sizeof text, "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5;\n"
             "  target = 10;\n  slipage = 0.01; };\n%s", users);
    FAILS(NEEDLES("strat.conf:3: strategy.slipage: unknown setting (did you mean \"slippage\"?)"),
          "--config", fixture("strat.conf", 0600, text));
    snprintf(text, sizeof text, "exchange = { rest_url = \"http://127.0.0.1:1\";\n"
             "  timeout = 100; };\n"
             "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5; target = 10; };\n%s", users);
    FAILS(NEEDLES("ex.conf:2: exchange.timeout: unknown setting (did you mean \"timeout_ms\"?)"),
          "--config", fixture("ex.conf", 0600, text));
    FAILS(NEEDLES("usr.conf:2: users[0].api_secert: unknown setting (did you mean \"api_secret\"?)"),
          "--config", fixture("usr.conf", 0600,
          "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5; target = 10; };\n"
          "users = ( { name = \"a\"; api_key = \"k\"; api_secert = \"s\"; } );\n"));
    snprintf(text, sizeof text, "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 5; target = 10; };\n"
             "frobnicate = 1;\n%s", users);
    const char *far = fixture("far.conf", 0600, text);
    FAILS(NEEDLES("far.conf:2: frobnicate: unknown setting"), "--config", far);
    struct run_config c;
    struct lt_err e;
    assert_int_not_equal(LOAD(&c, &e, "--config", far), 0);
    assert_null(strstr(e.msg, "did you mean"));
    config_free(&c);
}

/* The log file and report named by flags survive a configuration error, so
 * main can write the error there. */
static void error_keeps_outputs(void **state)
{
    (void)state;
    const char *p = fixture("bad.conf", 0600, "workers = 0;\n");
    struct run_config c;
    struct lt_err e;
    assert_int_equal(LOAD(&c, &e, "--config", p, "--log-file", "x.log", "--report", "r.json"),
                     LT_ECONFIG);
    assert_string_equal(c.log_file, "x.log");
    assert_string_equal(c.report_path, "r.json");
    config_free(&c);
    FAILS(NEEDLES("nothere.conf", "cannot read the file (No such file or directory)"),
          "--config", "/nonexistent/nothere.conf");
}

static int nuke(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lt-test-config-XXXXXX");
    log_set_level(LOG_ERROR); /* the unknown-key warnings are expected */
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    log_secrets_clear();
    return nftw(dir, nuke, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(full_file),
        cmocka_unit_test(user_stream_logon),
        cmocka_unit_test(order_transport_default),
        cmocka_unit_test(unknown_keys),
        cmocka_unit_test(error_keeps_outputs),
        cmocka_unit_test(merge_field_by_field),
        cmocka_unit_test(oto_levels),
        cmocka_unit_test(merge_function),
        cmocka_unit_test(flags_win),
        cmocka_unit_test(flags_only),
        cmocka_unit_test(users_file),
        cmocka_unit_test(secrets_env_and_session),
        cmocka_unit_test(validation_errors),
        cmocka_unit_test(user_errors), cmocka_unit_test(key_files),
        cmocka_unit_test(syntax_and_io),
        cmocka_unit_test(only_filter),
        cmocka_unit_test(bad_flags),
        cmocka_unit_test(help_and_version),
        cmocka_unit_test(demo_conf),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
