/*
 * simconf.c - parses the simulator's libconfig file (see simconf.h and the
 * documented example etc/sim.conf).
 *
 * Amounts may be written as strings ("0.0001", parsed exactly) or numbers
 * (converted once, rounded to 1e-8); the exact form is preferred for
 * filters.  Every error names file, line and field.
 */
#include "looptrader/sim/simconf.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ctx {
    const char *file;
    struct lt_err *err;
};

static int fail(const struct ctx *c, const config_setting_t *s, const char *field,
                const char *what)
{
    return lt_err_set(c->err, LT_ECONFIG, "%s:%d: %s: %s", c->file,
                      s ? config_setting_source_line(s) : 0, field, what);
}

/* fail for member `name` of the group at path: "<path>.<name>: <what>". */
static int fail_member(const struct ctx *c, const config_setting_t *s, const char *path,
                       const char *name, const char *what)
{
    char field[320];
    snprintf(field, sizeof(field), "%s.%s", path, name);
    return fail(c, s, field, what);
}

/* Optional member `name` of group g as money: 1 found, 0 absent, <0 error. */
static int get_money(const struct ctx *c, const config_setting_t *g, const char *path,
                     const char *name, money_t *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);

    if (!s)
        return 0;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_STRING:
        if (money_parse(config_setting_get_string(s), out) < 0)
            return fail_member(c, s, path, name, "not a decimal amount with at most 8 decimals");
        return 1;
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        if (config_setting_get_int64(s) > 90000000000LL || config_setting_get_int64(s) < -90000000000LL)
            return fail_member(c, s, path, name, "out of range");
        *out = (money_t)config_setting_get_int64(s) * MONEY_SCALE;
        return 1;
    case CONFIG_TYPE_FLOAT:
        if (config_setting_get_float(s) > 9e10 || config_setting_get_float(s) < -9e10)
            return fail_member(c, s, path, name, "out of range");
        *out = money_from_double(config_setting_get_float(s));
        return 1;
    default:
        return fail_member(c, s, path, name, "must be a number or a decimal string");
    }
}

static int get_double(const struct ctx *c, const config_setting_t *g, const char *path,
                      const char *name, double *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);

    if (!s)
        return 0;
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        *out = (double)config_setting_get_int64(s);
        return 1;
    case CONFIG_TYPE_FLOAT:
        *out = config_setting_get_float(s);
        return 1;
    default:
        return fail_member(c, s, path, name, "must be a number");
    }
}

static int get_int(const struct ctx *c, const config_setting_t *g, const char *path,
                   const char *name, int lo, int hi, int *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    char what[80];
    long long v;

    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
        return fail_member(c, s, path, name, "must be an integer");
    v = config_setting_get_int64(s);
    if (v < lo || v > hi) {
        snprintf(what, sizeof(what), "must be in %d..%d", lo, hi);
        return fail_member(c, s, path, name, what);
    }
    *out = (int)v;
    return 1;
}

static int get_bool(const struct ctx *c, const config_setting_t *g, const char *path,
                    const char *name, int *out)
{
    const config_setting_t *s = config_setting_get_member(g, name);

    if (!s)
        return 0;
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return fail_member(c, s, path, name, "must be true or false");
    *out = config_setting_get_bool(s);
    return 1;
}

/* String member into buf; required when req. */
static int get_str(const struct ctx *c, const config_setting_t *g, const char *path,
                   const char *name, char *buf, size_t size, int req)
{
    const config_setting_t *s = config_setting_get_member(g, name);
    const char *v;

    if (!s)
        return req ? fail_member(c, g, path, name, "missing") : 0;
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail_member(c, s, path, name, "must be a string");
    v = config_setting_get_string(s);
    if (strlen(v) >= size)
        return fail_member(c, s, path, name, "too long");
    if (req && !*v)
        return fail_member(c, s, path, name, "must not be empty");
    snprintf(buf, size, "%s", v);
    return 1;
}

static int need_positive(const struct ctx *c, const config_setting_t *g, const char *path,
                         const char *name, money_t *out, int req)
{
    int rc = get_money(c, g, path, name, out);

    if (rc < 0)
        return rc;
    if (!rc && req)
        return fail_member(c, g, path, name, "missing");
    if (rc && *out <= 0)
        return fail_member(c, config_setting_get_member(g, name), path, name, "must be > 0");
    return rc;
}

static int parse_symbol(const struct ctx *c, const config_setting_t *g, int i,
                        struct simconf_symbol *y)
{
    struct symbol_rules *r = &y->rules;
    char path[48], status[32] = "TRADING";
    int rc;

    snprintf(path, sizeof(path), "symbols[%d]", i);
    if (!config_setting_is_group(g))
        return fail(c, g, path, "must be a group { ... }");
    if ((rc = get_str(c, g, path, "symbol", r->symbol, sizeof(r->symbol), 1)) < 0 ||
        (rc = get_str(c, g, path, "base", r->base, sizeof(r->base), 1)) < 0 ||
        (rc = get_str(c, g, path, "quote", r->quote, sizeof(r->quote), 1)) < 0 ||
        (rc = get_str(c, g, path, "status", status, sizeof(status), 0)) < 0)
        return rc;
    for (char *p = r->symbol; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    r->trading = !strcmp(status, "TRADING");
    r->base_precision = r->quote_precision = 8;
    y->spread_ticks = 2;
    y->level_gap_ticks = 1;
    y->levels = 20;
    y->volatility = 0.0005;
    y->trade_rate = 0.3;
    if ((rc = get_int(c, g, path, "base_precision", 0, 8, &r->base_precision)) < 0 ||
        (rc = get_int(c, g, path, "quote_precision", 0, 8, &r->quote_precision)) < 0 ||
        (rc = need_positive(c, g, path, "tick_size", &r->tick_size, 1)) < 0 ||
        (rc = need_positive(c, g, path, "step_size", &r->step_size, 1)) < 0 ||
        (rc = need_positive(c, g, path, "start_price", &y->start_price, 1)) < 0 ||
        (rc = need_positive(c, g, path, "level_qty", &y->level_qty, 1)) < 0)
        return rc;
    r->min_price = r->tick_size;
    r->max_price = 1000000 * MONEY_SCALE;
    r->min_qty = r->step_size;
    r->max_qty = 90000000LL * MONEY_SCALE;
    if ((rc = need_positive(c, g, path, "min_price", &r->min_price, 0)) < 0 ||
        (rc = need_positive(c, g, path, "max_price", &r->max_price, 0)) < 0 ||
        (rc = need_positive(c, g, path, "min_qty", &r->min_qty, 0)) < 0 ||
        (rc = need_positive(c, g, path, "max_qty", &r->max_qty, 0)) < 0 ||
        (rc = get_money(c, g, path, "min_notional", &r->min_notional)) < 0 ||
        (rc = get_money(c, g, path, "max_notional", &r->max_notional)) < 0 ||
        (rc = get_double(c, g, path, "volatility", &y->volatility)) < 0 ||
        (rc = get_double(c, g, path, "trade_rate", &y->trade_rate)) < 0 ||
        (rc = get_int(c, g, path, "spread_ticks", 1, 1000000, &y->spread_ticks)) < 0 ||
        (rc = get_int(c, g, path, "level_gap_ticks", 1, 1000000, &y->level_gap_ticks)) < 0 ||
        (rc = get_int(c, g, path, "levels", 1, 1000, &y->levels)) < 0)
        return rc;
    if (y->volatility < 0 || y->volatility > 0.1)
        return fail(c, config_setting_get_member(g, "volatility"), "volatility",
                    "must be in 0..0.1");
    if (y->trade_rate < 0 || y->trade_rate > 1)
        return fail(c, config_setting_get_member(g, "trade_rate"), "trade_rate",
                    "must be in 0..1");
    if (y->start_price % r->tick_size)
        return fail_member(c, config_setting_get_member(g, "start_price"), path, "start_price",
                           "must be a multiple of tick_size");
    if (r->min_notional < 0 || r->max_notional < 0)
        return fail_member(c, g, path, "min_notional", "must be >= 0");
    return 0;
}

static int parse_history(const struct ctx *c, const struct simconf *conf,
                         const config_setting_t *g, const char *apath, int j,
                         struct simconf_history *h)
{
    char path[160], sym[32], side[8];
    double hours = 0, minutes = 0;
    int rc;

    snprintf(path, sizeof(path), "%s.history[%d]", apath, j);
    h->line = config_setting_source_line(g);
    if (!config_setting_is_group(g))
        return fail(c, g, path, "must be a group { ... }");
    if ((rc = get_str(c, g, path, "symbol", sym, sizeof(sym), 1)) < 0 ||
        (rc = get_str(c, g, path, "side", side, sizeof(side), 1)) < 0 ||
        (rc = need_positive(c, g, path, "quote", &h->quote, 1)) < 0 ||
        (rc = need_positive(c, g, path, "price", &h->price, 0)) < 0 ||
        (rc = get_bool(c, g, path, "today", &h->today)) < 0 ||
        (rc = get_double(c, g, path, "ago_hours", &hours)) < 0 ||
        (rc = get_double(c, g, path, "ago_minutes", &minutes)) < 0)
        return rc;
    if ((h->symbol = simconf_symbol_index(conf, sym)) < 0)
        return fail_member(c, config_setting_get_member(g, "symbol"), path, "symbol",
                           "no such symbol");
    if (!strcmp(side, "BUY")) {
        h->side = SIDE_BUY;
    } else if (!strcmp(side, "SELL")) {
        h->side = SIDE_SELL;
    } else {
        return fail_member(c, config_setting_get_member(g, "side"), path, "side",
                           "must be BUY or SELL");
    }
    if (hours < 0 || minutes < 0 || hours > 24 * 365)
        return fail_member(c, g, path, "ago_hours", "must be in 0..8760");
    h->ago_ms = (int64_t)(hours * 3600000.0 + minutes * 60000.0);
    return 0;
}

static int parse_session(const struct ctx *c, const config_setting_t *g, const char *apath,
                         struct simconf_account *a)
{
    char path[120], header[320];
    char *colon;
    int rc;

    snprintf(path, sizeof(path), "%s.session", apath);
    if (!config_setting_is_group(g))
        return fail(c, g, path, "must be a group { cookie = ...; header = ...; }");
    if ((rc = get_str(c, g, path, "cookie", a->session_cookie, sizeof(a->session_cookie), 1)) < 0 ||
        (rc = get_str(c, g, path, "header", header, sizeof(header), 1)) < 0)
        return rc;
    if (!strchr(a->session_cookie, '='))
        return fail_member(c, config_setting_get_member(g, "cookie"), path, "cookie",
                           "must be name=value");
    if (!(colon = strchr(header, ':')) || colon == header ||
        (size_t)(colon - header) >= sizeof(a->session_header))
        return fail_member(c, config_setting_get_member(g, "header"), path, "header",
                           "must be \"Name: value\"");
    *colon++ = '\0';
    while (*colon == ' ')
        colon++;
    if (!*colon)
        return fail_member(c, config_setting_get_member(g, "header"), path, "header",
                           "has no value");
    memcpy(a->session_header, header, (size_t)(colon - 1 - header) + 1);
    snprintf(a->session_token, sizeof(a->session_token), "%s", colon);
    return 0;
}

/* public_key_file: an Ed25519 or RSA public key PEM, the path relative to
 * the configuration file's directory. */
static int parse_public_key(const struct ctx *c, const config_setting_t *g, const char *path,
                            struct simconf_account *a)
{
    char rel[512], full[1024], pem[8192];
    struct lt_err kerr = {0};
    const config_setting_t *s = config_setting_get_member(g, "public_key_file");
    int rc;
    if (!s)
        return 0;
    if ((rc = get_str(c, g, path, "public_key_file", rel, sizeof(rel), 1)) < 0)
        return rc;
    const char *slash = strrchr(c->file, '/');
    if (rel[0] == '/' || !slash)
        snprintf(full, sizeof(full), "%s", rel);
    else
        snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - c->file), c->file, rel);
    FILE *f = fopen(full, "rb");
    size_t n = f ? fread(pem, 1, sizeof(pem), f) : 0;
    if (f)
        fclose(f);
    if (!f)
        return fail_member(c, s, path, "public_key_file", "cannot read");
    if (n == sizeof(pem) || sign_key_public_pem(pem, n, &a->public_key, &kerr))
        return fail_member(c, s, path, "public_key_file",
                           n == sizeof(pem) ? "larger than 8 KiB" : kerr.msg);
    return 0;
}

static int parse_account(const struct ctx *c, const struct simconf *conf,
                         const config_setting_t *g, int i, struct simconf_account *a)
{
    const config_setting_t *bal, *hist, *sess;
    char path[96], field[160];
    int rc;

    snprintf(path, sizeof(path), "accounts[%d]", i);
    if (!config_setting_is_group(g))
        return fail(c, g, path, "must be a group { ... }");
    if ((rc = get_str(c, g, path, "name", a->name, sizeof(a->name), 1)) < 0 ||
        (rc = get_str(c, g, path, "api_key", a->api_key, sizeof(a->api_key), 0)) < 0 ||
        (rc = get_str(c, g, path, "api_secret", a->api_secret, sizeof(a->api_secret), 0)) < 0)
        return rc;
    snprintf(path, sizeof(path), "accounts[%d](%s)", i, a->name);
    if ((sess = config_setting_get_member(g, "session")) &&
        (rc = parse_session(c, sess, path, a)) < 0)
        return rc;
    if ((rc = parse_public_key(c, g, path, a)) < 0)
        return rc;
    if (*a->api_key && !*a->api_secret && !a->public_key)
        return fail_member(c, g, path, "api_secret",
                           "missing (api_key needs api_secret or public_key_file)");
    if (a->public_key && (!*a->api_key || *a->api_secret))
        return fail_member(c, g, path, "public_key_file",
                           "needs api_key and replaces api_secret (give one of them)");
    if (!*a->api_key && !sess)
        return fail_member(c, g, path, "api_key",
                           "missing (or give session = { cookie; header; })");

    if ((bal = config_setting_get_member(g, "balances"))) {
        snprintf(field, sizeof(field), "%s.balances", path);
        if (!config_setting_is_group(bal))
            return fail(c, bal, field, "must be a group { USDT = 5000.0; ... }");
        a->n_balances = (size_t)config_setting_length(bal);
        if (a->n_balances && !(a->balances = calloc(a->n_balances, sizeof(*a->balances))))
            return lt_err_set(c->err, LT_ENOMEM, "out of memory");
        for (size_t k = 0; k < a->n_balances; k++) {
            const config_setting_t *e = config_setting_get_elem(bal, (unsigned)k);
            const char *name = config_setting_name(e);
            if (strlen(name) >= sizeof(a->balances[k].asset))
                return fail(c, e, field, "asset name too long");
            snprintf(a->balances[k].asset, sizeof(a->balances[k].asset), "%s", name);
            if ((rc = get_money(c, bal, field, name, &a->balances[k].amount)) < 0)
                return rc;
            if (a->balances[k].amount < 0)
                return fail_member(c, e, field, name, "must be >= 0");
        }
    }
    if ((hist = config_setting_get_member(g, "history"))) {
        snprintf(field, sizeof(field), "%s.history", path);
        if (!config_setting_is_list(hist))
            return fail(c, hist, field, "must be a list ( { ... }, ... )");
        a->n_history = (size_t)config_setting_length(hist);
        if (a->n_history && !(a->history = calloc(a->n_history, sizeof(*a->history))))
            return lt_err_set(c->err, LT_ENOMEM, "out of memory");
        for (size_t k = 0; k < a->n_history; k++)
            if ((rc = parse_history(c, conf, config_setting_get_elem(hist, (unsigned)k), path,
                                    (int)k, &a->history[k])) < 0)
                return rc;
    }
    return 0;
}

static int parse_root(const struct ctx *c, const config_t *cfg, struct simconf *out)
{
    const config_setting_t *root = config_root_setting(cfg), *s;
    int rc;

    out->tick_ms = 100;
    out->maker_fee = out->taker_fee = MONEY_SCALE / 1000;
    if ((rc = get_int(c, root, "(root)", "tick_ms", 1, 60000, &out->tick_ms)) < 0)
        return rc;
    if ((s = config_setting_get_member(root, "fees"))) {
        if (!config_setting_is_group(s))
            return fail(c, s, "fees", "must be a group { maker = ...; taker = ...; }");
        if ((rc = get_money(c, s, "fees", "maker", &out->maker_fee)) < 0 ||
            (rc = get_money(c, s, "fees", "taker", &out->taker_fee)) < 0 ||
            (rc = get_str(c, s, "fees", "asset", out->fee_asset, sizeof out->fee_asset, 0)) < 0)
            return rc;
        if (out->maker_fee < 0 || out->maker_fee >= MONEY_SCALE / 10)
            return fail(c, s, "fees.maker", "must be in 0..0.1");
        if (out->taker_fee < 0 || out->taker_fee >= MONEY_SCALE / 10)
            return fail(c, s, "fees.taker", "must be in 0..0.1");
    }
    if ((s = config_setting_get_member(root, "limits"))) {
        if (!config_setting_is_group(s))
            return fail(c, s, "limits", "must be a group");
        if ((rc = get_int(c, s, "limits", "weight_per_minute", 0, 100000000,
                          &out->limits.weight_per_minute)) < 0 ||
            (rc = get_int(c, s, "limits", "orders_per_10s", 0, 100000000,
                          &out->limits.orders_per_10s)) < 0 ||
            (rc = get_int(c, s, "limits", "orders_per_day", 0, 2000000000,
                          &out->limits.orders_per_day)) < 0)
            return rc;
    }

    if (!(s = config_setting_get_member(root, "symbols")) || !config_setting_is_list(s) ||
        config_setting_length(s) == 0)
        return fail(c, s, "symbols", "missing or empty (a list of symbol groups)");
    out->n_symbols = (size_t)config_setting_length(s);
    if (!(out->symbols = calloc(out->n_symbols, sizeof(*out->symbols))))
        return lt_err_set(c->err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; i < out->n_symbols; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if ((rc = parse_symbol(c, e, (int)i, &out->symbols[i])) < 0)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(out->symbols[j].rules.symbol, out->symbols[i].rules.symbol))
                return fail(c, e, "symbol", "duplicate symbol");
    }

    if (!(s = config_setting_get_member(root, "accounts")) || !config_setting_is_list(s))
        return fail(c, s, "accounts", "missing (a list of account groups)");
    out->n_accounts = (size_t)config_setting_length(s);
    if (out->n_accounts && !(out->accounts = calloc(out->n_accounts, sizeof(*out->accounts))))
        return lt_err_set(c->err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; i < out->n_accounts; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        struct simconf_account *a = &out->accounts[i];
        if ((rc = parse_account(c, out, e, (int)i, a)) < 0)
            return rc;
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(out->accounts[j].name, a->name))
                return fail(c, e, "name", "duplicate account name");
            if (*a->api_key && !strcmp(out->accounts[j].api_key, a->api_key))
                return fail(c, e, "api_key", "duplicate api_key");
        }
    }
    return 0;
}

static int parse(config_t *cfg, int read_ok, const char *name, struct simconf *out,
                 struct lt_err *err)
{
    struct ctx c = {name, err};

    memset(out, 0, sizeof(*out));
    if (!(out->path = strdup(name)))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    if (!read_ok) {
        if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
            return lt_err_set(err, LT_EIO, "%s: cannot read", name);
        return lt_err_set(err, LT_ECONFIG, "%s:%d: syntax: %s", name, config_error_line(cfg),
                          config_error_text(cfg));
    }
    return parse_root(&c, cfg, out);
}

int simconf_load(const char *path, struct simconf *out, struct lt_err *err)
{
    config_t cfg;
    int rc;

    config_init(&cfg);
    rc = parse(&cfg, config_read_file(&cfg, path) == CONFIG_TRUE, path, out, err);
    config_destroy(&cfg);
    return rc;
}

int simconf_parse_string(const char *text, const char *name, struct simconf *out,
                         struct lt_err *err)
{
    config_t cfg;
    int rc;

    config_init(&cfg);
    rc = parse(&cfg, config_read_string(&cfg, text) == CONFIG_TRUE, name, out, err);
    config_destroy(&cfg);
    return rc;
}

void simconf_free(struct simconf *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_accounts; i++) {
        free(c->accounts[i].balances);
        sign_key_free(c->accounts[i].public_key);
        free(c->accounts[i].history);
    }
    free(c->accounts);
    free(c->symbols);
    free(c->path);
    memset(c, 0, sizeof(*c));
}

int simconf_symbol_index(const struct simconf *c, const char *sym)
{
    for (size_t i = 0; i < c->n_symbols; i++)
        if (!strcasecmp(c->symbols[i].rules.symbol, sym))
            return (int)i;
    return -1;
}
