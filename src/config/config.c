/*
 * config.c - the run configuration: the libconfig file, the built-in
 * defaults, the field-by-field merge with user overrides and flags, and
 * validation whose every message names the file, line and field.
 *
 * The loader is split in three: this file (the config file, merging and
 * the load sequence), config_users.c (users, credentials, secret files) and
 * config_args.c (the command line and --help).  Precedence, per field:
 * flag > user's strategy block > global strategy block > default.
 */
#include "config_internal.h"

#include "looptrader/log.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_REST_URL "http://127.0.0.1:8080"
#define DEFAULT_WS_URL "ws://127.0.0.1:8080"
#define DEFAULT_STATE_DIR "state"
#define MONEY_WHOLE_MAX (INT64_MAX / MONEY_SCALE)

/* ---- messages ---------------------------------------------------------- */

static int vfail(struct lt_err *err, const char *file, int line, const char *field,
                 const char *fmt, va_list ap)
{
    char where[200] = "", what[256];
    size_t n = 0;
    if (file && line > 0)
        n = (size_t)snprintf(where, sizeof where, "%s:%d: ", file, line);
    else if (file)
        n = (size_t)snprintf(where, sizeof where, "%s: ", file);
    if (field && n < sizeof where)
        snprintf(where + n, sizeof where - n, "%s: ", field);
    vsnprintf(what, sizeof what, fmt, ap);
    return lt_err_set(err, LT_ECONFIG, "%s%s", where, what);
}

int conf_fail(struct lt_err *err, const char *file, int line, const char *field,
              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(err, file, line, field, fmt, ap);
    va_end(ap);
    return rc;
}

static const char *file_of(const config_setting_t *s, const char *file)
{
    const char *f = s ? config_setting_source_file(s) : NULL;
    return f ? f : file;
}

int conf_fail_at(struct lt_err *err, const config_setting_t *s, const char *file,
                 const char *field, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vfail(err, file_of(s, file), s ? (int)config_setting_source_line(s) : 0, field,
                   fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- unknown settings ---------------------------------------------------- */

/* Levenshtein distance, capped: keys are short, so two rows suffice. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    size_t row[2][64];
    if (la >= 63 || lb >= 63)
        return 64;
    for (size_t j = 0; j <= lb; j++)
        row[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *prev = row[(i - 1) & 1], *cur = row[i & 1];
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    }
    return row[la & 1][lb];
}

const char *conf_suggest(const char *key, const char *const *known)
{
    const char *best = NULL;
    size_t best_d = 0, len = strlen(key);
    /* a third of the key's length, at least 2: "exchang" and "slipage" are
     * one edit away, "frobnicate" is no near miss of anything */
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    for (; *known; known++) {
        size_t d = edit_distance(key, *known);
        if (len >= 4 && strncmp(*known, key, len) == 0 && d > limit)
            d = limit; /* a shortened key: "timeout" for "timeout_ms" */
        if (d <= limit && (!best || d < best_d)) {
            best = *known;
            best_d = d;
        }
    }
    return best;
}

int conf_unknown(struct lt_err *err, const config_setting_t *s, const char *file,
                 const char *field, const char *const *known)
{
    const char *near = conf_suggest(config_setting_name(s), known);
    if (near)
        return conf_fail_at(err, s, file, field, "unknown setting (did you mean \"%s\"?)", near);
    return conf_fail_at(err, s, file, field, "unknown setting");
}

/* ---- typed reads -------------------------------------------------------- */

int conf_read_int(const config_setting_t *s, const char *file, const char *field,
                  long long min, long long max, long long *out, struct lt_err *err)
{
    long long v;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        v = config_setting_get_int64(s);
        break;
    case CONFIG_TYPE_FLOAT: {
        double d = config_setting_get_float(s);
        if (!isfinite(d) || d != floor(d) || fabs(d) > 9e15)
            return conf_fail_at(err, s, file, field, "must be an integer");
        v = (long long)d;
        break;
    }
    default:
        return conf_fail_at(err, s, file, field, "must be a number");
    }
    if (v < min || v > max)
        return conf_fail_at(err, s, file, field, "must be an integer between %lld and %lld",
                            min, max);
    *out = v;
    return 0;
}

int conf_read_bool(const config_setting_t *s, const char *file, const char *field,
                   long long *out, struct lt_err *err)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return conf_fail_at(err, s, file, field, "must be true or false");
    *out = config_setting_get_bool(s);
    return 0;
}

/* Money written as an int or a float: ints convert exactly, floats once
 * through money_from_double (the only place a double becomes money). */
static int read_money(const config_setting_t *s, const char *file, const char *field,
                      money_t *out, struct lt_err *err)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64: {
        long long v = config_setting_get_int64(s);
        if (v > MONEY_WHOLE_MAX || v < -MONEY_WHOLE_MAX)
            return conf_fail_at(err, s, file, field, "out of range");
        *out = (money_t)v * MONEY_SCALE;
        return 0;
    }
    case CONFIG_TYPE_FLOAT: {
        double d = config_setting_get_float(s);
        if (!isfinite(d) || fabs(d) >= (double)MONEY_WHOLE_MAX)
            return conf_fail_at(err, s, file, field, "out of range");
        *out = money_from_double(d);
        return 0;
    }
    default:
        return conf_fail_at(err, s, file, field, "must be a number");
    }
}

int conf_read_str(const config_setting_t *s, const char *file, const char *field,
                  const char **out, struct lt_err *err)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return conf_fail_at(err, s, file, field, "must be a string");
    *out = config_setting_get_string(s);
    return 0;
}

/* ---- strategy fields ---------------------------------------------------- */

const struct conf_field conf_strategy_fields[] = {
    { "symbol", "--symbol", SC_SYMBOL, CK_TEXT },
    { "buy_amount", "--buy-amount", SC_BUY_AMOUNT, CK_MONEY },
    { "target", "--target", SC_TARGET, CK_MONEY },
    { "target_points", "--target-points", SC_TARGET_POINTS, CK_INT },
    { "volume_multiplier", "--volume-multiplier", SC_MULTIPLIER, CK_INT },
    { "max_cost", "--max-cost", SC_MAX_COST, CK_MONEY },
    { "slippage", "--slippage", SC_SLIPPAGE, CK_MONEY },
    { "slippage_step", "--slippage-step", SC_SLIPPAGE_STEP, CK_MONEY },
    { "max_tries", "--max-tries", SC_MAX_TRIES, CK_INT },
    { "fill_timeout_ms", "--fill-timeout-ms", SC_FILL_TIMEOUT, CK_INT },
    { "time_in_force", "--tif", SC_TIF, CK_TEXT },
    { "window", "--window", SC_WINDOW, CK_TEXT },
    { "oto", "--oto", SC_OTO, CK_BOOL },
    { NULL, NULL, 0, CK_TEXT },
};

static int int_in(const struct conf_value *v, long long lo, long long hi, char *why, size_t n)
{
    if (v->num >= lo && v->num <= hi)
        return 0;
    snprintf(why, n, "must be an integer between %lld and %lld", lo, hi);
    return LT_ECONFIG;
}

static int why_is(char *why, size_t n, const char *text)
{
    snprintf(why, n, "%s", text);
    return LT_ECONFIG;
}

int conf_strategy_set(struct strategy_config *sc, const struct conf_field *f,
                      const struct conf_value *v, char *why, size_t why_size)
{
    const money_t half = MONEY_SCALE / 2;
    int rc = 0;

    switch (f->bit) {
    case SC_SYMBOL: {
        size_t len = strlen(v->text);
        if (len == 0 || len >= sizeof sc->symbol)
            return why_is(why, why_size, "must be 1 to 31 letters, digits or _, e.g. ALPHAUSDT");
        for (size_t i = 0; i < len; i++) {
            char c = v->text[i];
            if (c >= 'a' && c <= 'z')
                c = (char)(c - 'a' + 'A');
            else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
                return why_is(why, why_size, "must be 1 to 31 letters, digits or _, e.g. ALPHAUSDT");
            sc->symbol[i] = c;
        }
        sc->symbol[len] = '\0';
        break;
    }
    case SC_BUY_AMOUNT:
    case SC_TARGET:
        if (v->money <= 0)
            return why_is(why, why_size, "must be > 0");
        if (f->bit == SC_BUY_AMOUNT)
            sc->buy_amount = v->money;
        else
            sc->target = v->money;
        break;
    case SC_TARGET_POINTS:
        if ((rc = int_in(v, 1, 62, why, why_size)))
            return rc;
        sc->target_points = (int)v->num;
        break;
    case SC_MULTIPLIER:
        if ((rc = int_in(v, 1, 1024, why, why_size)))
            return rc;
        sc->volume_multiplier = (int)v->num;
        break;
    case SC_MAX_COST:
        if (v->money < 0)
            return why_is(why, why_size, "must be >= 0 (0 = unlimited)");
        sc->max_cost = v->money;
        break;
    case SC_SLIPPAGE:
    case SC_SLIPPAGE_STEP:
        if (v->money < 0 || v->money > half)
            return why_is(why, why_size, "must be between 0 and 0.5");
        if (f->bit == SC_SLIPPAGE)
            sc->slippage = v->money;
        else
            sc->slippage_step = v->money;
        break;
    case SC_MAX_TRIES:
        if ((rc = int_in(v, 1, 100, why, why_size)))
            return rc;
        sc->max_tries = (int)v->num;
        break;
    case SC_FILL_TIMEOUT:
        if ((rc = int_in(v, 10, 600000, why, why_size)))
            return rc;
        sc->fill_timeout_ms = (int)v->num;
        break;
    case SC_TIF:
        if (strcasecmp(v->text, "GTC") == 0)
            sc->tif = TIF_GTC;
        else if (strcasecmp(v->text, "IOC") == 0)
            sc->tif = TIF_IOC;
        else
            return why_is(why, why_size, "must be GTC or IOC");
        break;
    case SC_WINDOW: {
        struct lt_err e = { 0 };
        if (target_window_parse(v->text, &sc->window, &e) != 0)
            return why_is(why, why_size, e.msg);
        break;
    }
    case SC_OTO:
        sc->oto = v->num != 0;
        break;
    default:
        return why_is(why, why_size, "unknown field");
    }
    /* target and target_points are one choice: setting one clears the other */
    if (f->bit == SC_TARGET || f->bit == SC_TARGET_POINTS) {
        if (sc->set & (SC_TARGET | SC_TARGET_POINTS) & ~f->bit)
            return why_is(why, why_size, "give either target or target_points, not both");
        if (f->bit == SC_TARGET)
            sc->target_points = 0;
    }
    sc->set |= f->bit;
    return 0;
}

int conf_strategy_parse(const config_setting_t *grp, const char *file, const char *prefix,
                        struct strategy_config *out, struct lt_err *err)
{
    char field[96], why[200];

    if (!config_setting_is_group(grp))
        return conf_fail_at(err, grp, file, prefix, "must be a group { ... }");
    for (int i = 0; i < config_setting_length(grp); i++) {
        const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        const char *key = config_setting_name(s);
        const struct conf_field *f = conf_strategy_fields;
        while (f->key && strcmp(f->key, key) != 0)
            f++;
        snprintf(field, sizeof field, "%s.%s", prefix, key);
        if (!f->key) {
            const char *known[sizeof conf_strategy_fields / sizeof conf_strategy_fields[0]];
            size_t n = 0;
            for (f = conf_strategy_fields; f->key; f++)
                known[n++] = f->key;
            known[n] = NULL;
            return conf_unknown(err, s, file, field, known);
        }
        struct conf_value v = { 0 };
        int rc = 0;
        if (f->kind == CK_TEXT)
            rc = conf_read_str(s, file, field, &v.text, err);
        else if (f->kind == CK_MONEY)
            rc = read_money(s, file, field, &v.money, err);
        else if (f->kind == CK_BOOL)
            rc = conf_read_bool(s, file, field, &v.num, err);
        else
            rc = conf_read_int(s, file, field, INT32_MIN, INT32_MAX, &v.num, err);
        if (rc)
            return rc;
        if (conf_strategy_set(out, f, &v, why, sizeof why) != 0)
            return conf_fail_at(err, s, file, field, "%s", why);
    }
    return 0;
}

int conf_strategy_finish(struct strategy_config *sc, int need_all, const char *file,
                         int line, const char *prefix, struct lt_err *err)
{
    char field[96];

    if (!(sc->set & SC_SYMBOL)) {
        snprintf(field, sizeof field, "%s.symbol", prefix);
        return conf_fail(err, file, line, field,
                         "missing (e.g. symbol = \"ALPHAUSDT\"; or --symbol)");
    }
    if (sc->set & SC_TARGET_POINTS) {
        sc->target = target_from_points(sc->target_points, sc->volume_multiplier);
        if (sc->target <= 0 || sc->target == INT64_MAX) {
            snprintf(field, sizeof field, "%s.target_points", prefix);
            return conf_fail(err, file, line, field,
                             "2^%d / %d is more quote volume than can be counted",
                             sc->target_points, sc->volume_multiplier);
        }
    }
    if (!need_all)
        return 0;
    if (!(sc->set & SC_BUY_AMOUNT)) {
        snprintf(field, sizeof field, "%s.buy_amount", prefix);
        return conf_fail(err, file, line, field,
                         "missing (quote amount per round, or --buy-amount)");
    }
    if (!(sc->set & (SC_TARGET | SC_TARGET_POINTS))) {
        snprintf(field, sizeof field, "%s.target", prefix);
        return conf_fail(err, file, line, field, "missing (set target or target_points)");
    }
    return 0;
}

void config_strategy_merge(struct strategy_config *dst, const struct strategy_config *base,
                           const struct strategy_config *over)
{
    struct strategy_config r = *base;
    unsigned s = over->set;

    if (s & SC_SYMBOL)
        memcpy(r.symbol, over->symbol, sizeof r.symbol);
    if (s & SC_BUY_AMOUNT)
        r.buy_amount = over->buy_amount;
    /* target and target_points are one choice: an override of either
     * replaces both, so a user's points target is not shadowed by the
     * global quote target. */
    if (s & (SC_TARGET | SC_TARGET_POINTS)) {
        r.target = over->target;
        r.target_points = over->target_points;
        r.set &= ~(unsigned)(SC_TARGET | SC_TARGET_POINTS);
    }
    if (s & SC_MULTIPLIER)
        r.volume_multiplier = over->volume_multiplier;
    if (s & SC_MAX_COST)
        r.max_cost = over->max_cost;
    if (s & SC_SLIPPAGE)
        r.slippage = over->slippage;
    if (s & SC_SLIPPAGE_STEP)
        r.slippage_step = over->slippage_step;
    if (s & SC_MAX_TRIES)
        r.max_tries = over->max_tries;
    if (s & SC_FILL_TIMEOUT)
        r.fill_timeout_ms = over->fill_timeout_ms;
    if (s & SC_TIF)
        r.tif = over->tif;
    if (s & SC_WINDOW)
        r.window = over->window;
    if (s & SC_OTO)
        r.oto = over->oto;
    r.set |= s;
    *dst = r;
}

static void strategy_defaults(struct strategy_config *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->volume_multiplier = 1;
    sc->slippage = MONEY_SCALE / 1000;           /* 0.001 */
    sc->slippage_step = MONEY_SCALE / 500;       /* 0.002 */
    sc->max_tries = 5;
    sc->fill_timeout_ms = 2000;
    sc->tif = TIF_GTC;
    sc->window.kind = WINDOW_UTC_DAY;
}

/* ---- paths -------------------------------------------------------------- */

char *conf_path_near(const char *of, const char *rel)
{
    const char *slash = of ? strrchr(of, '/') : NULL;
    if (rel[0] == '/' || !slash)
        return strdup(rel);
    size_t dl = (size_t)(slash - of) + 1, rl = strlen(rel);
    char *p = malloc(dl + rl + 1);
    if (!p)
        return NULL;
    memcpy(p, of, dl);
    memcpy(p + dl, rel, rl + 1);
    return p;
}

/* ---- the file ----------------------------------------------------------- */

/* Replaces *slot (owned) by a copy of v. */
static int set_str(char **slot, const char *v, struct lt_err *err)
{
    char *c = strdup(v);
    if (!c)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    free(*slot);
    *slot = c;
    return 0;
}

static int check_url(const char *file, int line, const char *field, const char *url,
                     const char *a, const char *b, struct lt_err *err)
{
    if ((strncmp(url, a, strlen(a)) == 0 || strncmp(url, b, strlen(b)) == 0) &&
        strlen(url) > strlen(b) && !strpbrk(url, " \r\n\t"))
        return 0;
    return conf_fail(err, file, line, field, "must start with %s or %s", a, b);
}

/* A CA bundle the TLS clients can use: readable, with a PEM certificate.
 * Checked here, before anything is sent, because neither client says
 * why later: libwebsockets logs and goes on with no CA at all, and every
 * connection then fails its handshake as if the venue's certificate were
 * bad. */
static int check_ca_file(const char *file, int line, const char *field, const char *path,
                         struct lt_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return conf_fail(err, file, line, field, "cannot read %s (%s)", path, strerror(errno));
    char buf[256];
    int found = 0;
    while (!found && fgets(buf, sizeof buf, f))
        found = strncmp(buf, "-----BEGIN CERTIFICATE-----", 27) == 0;
    int bad = ferror(f);
    fclose(f);
    if (bad)
        return conf_fail(err, file, line, field, "cannot read %s", path);
    if (!found)
        return conf_fail(err, file, line, field, "%s holds no PEM certificate", path);
    return 0;
}

/* exchange.ca_file: relative to the directory of the file that sets it,
 * as users_file and key files are. */
static int set_ca_file(struct run_config *rc, const config_setting_t *s, const char *file,
                       const char *field, const char *v, struct lt_err *err)
{
    if (!v[0])
        return conf_fail_at(err, s, file, field, "must not be empty");
    char *path = conf_path_near(file_of(s, file), v);
    if (!path)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    int r = check_ca_file(file_of(s, file), (int)config_setting_source_line(s), field, path, err);
    if (r) {
        free(path);
        return r;
    }
    free(rc->ca_file);
    rc->ca_file = path;
    return 0;
}

static int parse_exchange(struct run_config *rc, const config_setting_t *grp, const char *file,
                          struct lt_err *err)
{
    char field[64];
    const config_setting_t *ws_orders = NULL; /* order_transport = "ws-api" here */

    if (!config_setting_is_group(grp))
        return conf_fail_at(err, grp, file, "exchange", "must be a group { ... }");
    for (int i = 0; i < config_setting_length(grp); i++) {
        const config_setting_t *s = config_setting_get_elem(grp, (unsigned)i);
        const char *key = config_setting_name(s);
        const char *str = NULL;
        long long n = 0;
        int r = 0, line = (int)config_setting_source_line(s);
        snprintf(field, sizeof field, "exchange.%s", key);
        if (strcmp(key, "rest_url") == 0) {
            if (!(r = conf_read_str(s, file, field, &str, err)) &&
                !(r = check_url(file_of(s, file), line, field, str, "http://", "https://", err)))
                r = set_str(&rc->rest_url, str, err);
        } else if (strcmp(key, "ws_url") == 0) {
            if (!(r = conf_read_str(s, file, field, &str, err)) &&
                !(r = check_url(file_of(s, file), line, field, str, "ws://", "wss://", err)))
                r = set_str(&rc->ws_url, str, err);
        } else if (strcmp(key, "ca_file") == 0) {
            if (!(r = conf_read_str(s, file, field, &str, err)))
                r = set_ca_file(rc, s, file, field, str, err);
        } else if (strcmp(key, "user_stream") == 0) {
            if (!(r = conf_read_str(s, file, field, &str, err))) {
                rc->legacy_listen_key = strcmp(str, "listenkey") == 0;
                rc->ws_logon = strcmp(str, "ws-api-logon") == 0;
                if (!rc->legacy_listen_key && !rc->ws_logon && strcmp(str, "ws-api") != 0)
                    r = conf_fail_at(err, s, file, field,
                                     "must be \"ws-api\", \"ws-api-logon\" or \"listenkey\"");
            }
        } else if (strcmp(key, "order_transport") == 0) {
            if (!(r = conf_read_str(s, file, field, &str, err))) {
                rc->order_transport_set = 1;
                rc->exchange.order_ws_api = strcmp(str, "ws-api") == 0;
                ws_orders = rc->exchange.order_ws_api ? s : NULL;
                if (!rc->exchange.order_ws_api && strcmp(str, "rest") != 0)
                    r = conf_fail_at(err, s, file, field, "must be \"rest\" or \"ws-api\"");
            }
        } else if (strcmp(key, "recv_window_ms") == 0) {
            if (!(r = conf_read_int(s, file, field, 1, 60000, &n, err)))
                rc->exchange.recv_window_ms = (long)n;
        } else if (strcmp(key, "timeout_ms") == 0) {
            if (!(r = conf_read_int(s, file, field, 100, 600000, &n, err)))
                rc->exchange.timeout_ms = (long)n;
        } else if (strcmp(key, "users_per_connection") == 0) {
            if (!(r = conf_read_int(s, file, field, 1, 1000, &n, err)))
                rc->users_per_connection = (int)n;
        } else if (strcmp(key, "ws_requests_per_second") == 0) {
            if (!(r = conf_read_int(s, file, field, 1, 1000, &n, err)))
                rc->ws_requests_per_second = (int)n;
        } else if (strcmp(key, "counted_recheck_ms") == 0) {
            if (!(r = conf_read_int(s, file, field, 0, 600000, &n, err)))
                rc->counted_recheck_ms = (long)n;
        } else if (strcmp(key, "oto") == 0) {
            long long b = 0;
            if (!(r = conf_read_bool(s, file, field, &b, err)))
                rc->oto = (int)b;
        } else if (strcmp(key, "dialect") == 0) {
            if (!(r = conf_read_str(s, file, field, &str, err))) {
                if (strcmp(str, "binance") == 0)
                    rc->exchange.dialect = "binance";
                else if (strcmp(str, "binance-alpha") == 0)
                    rc->exchange.dialect = "binance-alpha";
                else
                    r = conf_fail_at(err, s, file, field,
                                     "must be \"binance\" or \"binance-alpha\"");
            }
        } else {
            static const char *const known[] = { "rest_url", "ws_url", "ca_file", "user_stream",
                                                 "recv_window_ms", "timeout_ms",
                                                 "users_per_connection", "dialect",
                                                 "counted_recheck_ms", "oto", "ws_requests_per_second",
                                                 "order_transport", NULL };
            r = conf_unknown(err, s, file, field, known);
        }
        if (r)
            return r;
    }
    /* Orders over the WS API need a WS API connection: the Spot dialect's
     * shared ones (a listenKey stream carries no requests). */
    if (ws_orders && rc->legacy_listen_key)
        return conf_fail_at(err, ws_orders, file, "exchange.order_transport",
                            "\"ws-api\" needs user_stream \"ws-api\" or \"ws-api-logon\", "
                            "not \"listenkey\"");
    if (ws_orders && rc->exchange.dialect && strcmp(rc->exchange.dialect, "binance") != 0)
        return conf_fail_at(err, ws_orders, file, "exchange.order_transport",
                            "\"ws-api\" is for dialect \"binance\" only");
    return 0;
}

/* The top-level settings that are paths, and where each is kept. */
static char **path_slot(struct run_config *rc, const char *key)
{
    if (strcmp(key, "state_dir") == 0)
        return &rc->state_dir;
    if (strcmp(key, "report") == 0)
        return &rc->report_path;
    if (strcmp(key, "trades") == 0)
        return &rc->trades_path;
    if (strcmp(key, "log_file") == 0)
        return &rc->log_file;
    if (strcmp(key, "lock_dir") == 0)
        return &rc->lock_dir;
    if (strcmp(key, "pid_file") == 0)
        return &rc->pid_file;
    return NULL;
}

/* The file's own part of the run: everything except the users, which need
 * the merged global strategy first.  *users_set and *users_file_set point
 * at the file's users list or users_file, if any. */
static int parse_file(struct run_config *rc, const config_t *cf, const char *file,
                      struct strategy_config *global, int *global_line,
                      const config_setting_t **users_set, const config_setting_t **users_file_set,
                      struct lt_err *err)
{
    const config_setting_t *root = config_root_setting(cf);

    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const char *key = config_setting_name(s);
        const char *str = NULL;
        char **slot;
        long long n = 0;
        int r = 0;
        if (strcmp(key, "exchange") == 0) {
            r = parse_exchange(rc, s, file, err);
        } else if (strcmp(key, "strategy") == 0) {
            *global_line = (int)config_setting_source_line(s);
            r = conf_strategy_parse(s, file, "strategy", global, err);
        } else if (strcmp(key, "workers") == 0) {
            if (!(r = conf_read_int(s, file, key, 1, 1024, &n, err)))
                rc->workers = (int)n;
        } else if (strcmp(key, "stop_timeout_ms") == 0) {
            if (!(r = conf_read_int(s, file, key, 100, 600000, &n, err)))
                rc->stop_timeout_ms = (int)n;
        } else if ((slot = path_slot(rc, key)) != NULL) {
            if (!(r = conf_read_str(s, file, key, &str, err))) {
                if (!str[0])
                    r = conf_fail_at(err, s, file, key, "must not be empty");
                else
                    r = set_str(slot, str, err);
            }
        } else if (strcmp(key, "log_level") == 0) {
            if (!(r = conf_read_str(s, file, key, &str, err))) {
                int lvl = log_level_parse(str);
                if (lvl < 0)
                    r = conf_fail_at(err, s, file, key,
                                     "must be debug, info, warn, error or off");
                else
                    rc->log_level = lvl;
            }
        } else if (strcmp(key, "log_format") == 0) {
            if (!(r = conf_read_str(s, file, key, &str, err))) {
                int fmt = log_format_parse(str);
                if (fmt < 0)
                    r = conf_fail_at(err, s, file, key, "must be text or json");
                else
                    rc->log_format = fmt;
            }
        } else if (strcmp(key, "users") == 0) {
            *users_set = s;
        } else if (strcmp(key, "users_file") == 0) {
            if (!(r = conf_read_str(s, file, key, &str, err)) && !str[0])
                r = conf_fail_at(err, s, file, key, "must not be empty");
            *users_file_set = s;
        } else {
            static const char *const known[] = { "exchange", "strategy", "workers",
                                                 "stop_timeout_ms", "state_dir", "report", "trades",
                                                 "log_file", "lock_dir", "pid_file",
                                                 "log_level", "log_format", "users", "users_file",
                                                 NULL };
            r = conf_unknown(err, s, file, key, known);
        }
        if (r)
            return r;
    }
    if (*users_set && *users_file_set)
        return conf_fail_at(err, *users_file_set, file, "users_file",
                            "give either users_file or an inline users list, not both");
    return 0;
}

int conf_file_read(config_t *cf, const char *path, struct lt_err *err)
{
    config_init(cf);
    char *dir = conf_path_near(path, ".");
    if (!dir)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    config_set_include_dir(cf, dir);
    free(dir);
    /* libconfig does not say why a file cannot be read: ask first */
    FILE *probe = fopen(path, "r");
    if (!probe)
        return conf_fail(err, path, 0, NULL, "cannot read the file (%s)", strerror(errno));
    fclose(probe);
    if (config_read_file(cf, path) == CONFIG_TRUE)
        return 0;
    if (config_error_type(cf) == CONFIG_ERR_FILE_IO)
        return conf_fail(err, path, 0, NULL, "cannot read the file (%s)", strerror(errno));
    const char *ef = config_error_file(cf);
    return conf_fail(err, ef ? ef : path, config_error_line(cf), NULL, "%s",
                     config_error_text(cf));
}

/* ---- the flags ---------------------------------------------------------- */

static int apply_flags(struct run_config *rc, const struct conf_flags *f, struct lt_err *err)
{
    int r = 0;
    if (f->rest_url)
        r = check_url(NULL, 0, "--rest-url", f->rest_url, "http://", "https://", err);
    if (!r && f->ws_url)
        r = check_url(NULL, 0, "--ws-url", f->ws_url, "ws://", "wss://", err);
    if (!r && f->ca_file)
        r = check_ca_file(NULL, 0, "--ca-file", f->ca_file, err);
    if (!r && f->rest_url)
        r = set_str(&rc->rest_url, f->rest_url, err);
    if (!r && f->ca_file)
        r = set_str(&rc->ca_file, f->ca_file, err);
    if (!r && f->ws_url)
        r = set_str(&rc->ws_url, f->ws_url, err);
    if (!r && f->report)
        r = set_str(&rc->report_path, f->report, err);
    if (!r && f->trades)
        r = set_str(&rc->trades_path, f->trades, err);
    if (!r && f->metrics_addr)
        r = set_str(&rc->metrics_addr, f->metrics_addr, err);
    if (!r && f->log_file)
        r = set_str(&rc->log_file, f->log_file, err);
    if (!r && f->state_dir)
        r = set_str(&rc->state_dir, f->state_dir, err);
    if (!r && f->lock_dir)
        r = set_str(&rc->lock_dir, f->lock_dir, err);
    if (!r && f->pid_file)
        r = set_str(&rc->pid_file, f->pid_file, err);
    if (r)
        return r;
    if (f->workers)
        rc->workers = f->workers;
    if (f->stop_timeout_ms)
        rc->stop_timeout_ms = f->stop_timeout_ms;
    if (f->log_level >= 0)
        rc->log_level = f->log_level;
    if (f->log_format >= 0)
        rc->log_format = f->log_format;
    rc->allow_insecure_secrets = f->allow_insecure_secrets;
    rc->dry_run = f->dry_run;
    rc->quiet = f->quiet;
    rc->daily = f->daily;
    if (f->progress_interval_s >= 0)
        rc->progress_interval_s = f->progress_interval_s;
    return 0;
}

static int check_only(const struct run_config *rc, struct lt_err *err)
{
    for (char **p = rc->only; p && *p; p++) {
        size_t i = 0;
        while (i < rc->n_users && strcmp(rc->users[i].name, *p) != 0)
            i++;
        if (i == rc->n_users)
            return conf_fail(err, NULL, 0, "--only", "no user named \"%s\"", *p);
    }
    return 0;
}

/* ---- load --------------------------------------------------------------- */

static int load_users(struct run_config *rc, const struct conf_flags *f, const char *file,
                      const config_setting_t *users_set, const config_setting_t *users_file_set,
                      const struct conf_users_ctx *ctx, struct lt_err *err)
{
    if (f->users_path || users_file_set) {
        char *path = f->users_path
                         ? strdup(f->users_path)
                         : conf_path_near(file, config_setting_get_string(users_file_set));
        if (!path)
            return lt_err_set(err, LT_ENOMEM, "out of memory");
        rc->users_path = path;
        return conf_users_load(rc, path, ctx, err);
    }
    if (users_set)
        return conf_users_parse(rc, users_set, file, ctx, err);
    return conf_fail(err, file, 0, "users",
                     "none configured (users = ( ... ), users_file, or --users FILE)");
}

int config_load(int argc, char **argv, struct run_config *out, struct lt_err *err)
{
    struct conf_flags flags;
    struct strategy_config defaults, file_global, base;
    config_t cf;
    int have_file = 0, global_line = 0, rc;
    const config_setting_t *users_set = NULL, *users_file_set = NULL;

    memset(out, 0, sizeof *out);
    strategy_defaults(&defaults);
    memset(&file_global, 0, sizeof file_global);
    if ((rc = conf_args_parse(argc, argv, &flags, err)) != 0)
        return rc;
    out->only = flags.only;
    flags.only = NULL;
    out->show_help = flags.help;
    out->show_version = flags.version;
    if (flags.help || flags.version)
        return 0;

    out->workers = 4;
    out->stop_timeout_ms = 10000;
    out->progress_interval_s = 30;
    out->users_per_connection = 100;
    out->ws_requests_per_second = 200;
    out->log_level = LOG_INFO;
    rc = 0;
    if (!(out->rest_url = strdup(DEFAULT_REST_URL)) || !(out->ws_url = strdup(DEFAULT_WS_URL)) ||
        !(out->state_dir = strdup(DEFAULT_STATE_DIR)))
        return lt_err_set(err, LT_ENOMEM, "out of memory");

    /* Known before the file is read, so a configuration error can still
     * reach the log file and the report the operator asked for. */
    if ((flags.log_file && set_str(&out->log_file, flags.log_file, err)) ||
        (flags.report && set_str(&out->report_path, flags.report, err)))
        return LT_ENOMEM;
    const char *file = flags.config_path;
    if (file) {
        if (!(out->config_path = strdup(file)))
            return lt_err_set(err, LT_ENOMEM, "out of memory");
        rc = conf_file_read(&cf, file, err);
        have_file = 1;
        if (!rc)
            rc = parse_file(out, &cf, file, &file_global, &global_line, &users_set,
                            &users_file_set, err);
    }
    if (!rc)
        rc = apply_flags(out, &flags, err);

    /* exchange.oto is every account's default; a strategy block's oto wins */
    defaults.oto = out->oto;
    config_strategy_merge(&base, &defaults, &file_global);
    config_strategy_merge(&out->global, &base, &flags.sc);
    if (!rc)
        rc = conf_strategy_finish(&out->global, 0, file, global_line, "strategy", err);
    if (!rc) {
        struct conf_users_ctx ctx = { &base, &flags.sc,
                                        out->allow_insecure_secrets };
        rc = load_users(out, &flags, file, users_set, users_file_set, &ctx, err);
    }
    if (!rc)
        rc = check_only(out, err);
    if (have_file)
        config_destroy(&cf);

    if (!out->exchange.dialect)
        out->exchange.dialect = "binance";
    /* Orders over the WS API cost less CPU each than over libcurl; left
     * unsaid, they go there wherever an explicit "ws-api" would be valid. */
    if (!out->order_transport_set)
        out->exchange.order_ws_api =
            !out->legacy_listen_key && strcmp(out->exchange.dialect, "binance") == 0;
    out->exchange.rest_url = out->rest_url;
    out->exchange.ws_url = out->ws_url;
    out->exchange.ca_file = out->ca_file;
    if (!out->exchange.recv_window_ms)
        out->exchange.recv_window_ms = 5000;
    if (!out->exchange.timeout_ms)
        out->exchange.timeout_ms = 10000;
    return rc;
}

int config_file_state_dir(const char *path, char **out, struct lt_err *err)
{
    config_t cf;
    const char *dir = DEFAULT_STATE_DIR;
    int rc = conf_file_read(&cf, path, err);
    if (!rc) {
        const config_setting_t *s = config_lookup(&cf, "state_dir");
        if (s && (rc = conf_read_str(s, path, "state_dir", &dir, err)) == 0 && !dir[0])
            rc = conf_fail_at(err, s, path, "state_dir", "must not be empty");
    }
    if (!rc && !(*out = strdup(dir)))
        rc = lt_err_set(err, LT_ENOMEM, "out of memory");
    config_destroy(&cf);
    return rc;
}

void config_free(struct run_config *c)
{
    for (size_t i = 0; i < c->n_users; i++) {
        struct user_config *u = &c->users[i];
        free(u->name);
        free(u->api_key);
        if (u->api_secret) {
            /* the secret should not outlive its use in freed heap */
            explicit_bzero(u->api_secret, strlen(u->api_secret));
            free(u->api_secret);
        }
        sign_key_free(u->key);
        for (size_t h = 0; h < u->n_headers; h++)
            free(u->headers[h]);
        free(u->headers);
        free(u->cookies);
    }
    free(c->users);
    free(c->only);
    free(c->config_path);
    free(c->users_path);
    free(c->rest_url);
    free(c->ws_url);
    free(c->ca_file);
    free(c->report_path);
    free(c->trades_path);
    free(c->metrics_addr);
    free(c->log_file);
    free(c->state_dir);
    free(c->lock_dir);
    free(c->pid_file);
    memset(c, 0, sizeof *c);
}
