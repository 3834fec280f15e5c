/*
 * report.c - the JSON report and the human summary table (see report.h).
 *
 * The JSON is built by hand so amounts stay exact decimals (jansson would
 * route them through double); strings go through jansson for escaping.
 */
#include "looptrader/report.h"
#include "looptrader/log.h"
#include "looptrader/strbuf.h"
#include "looptrader/target.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *user_status_name(enum user_status s)
{
    switch (s) {
    case USER_PENDING: return "pending";
    case USER_DONE: return "done";
    case USER_SKIPPED: return "skipped";
    case USER_STOPPED: return "stopped";
    case USER_FAILED: return "failed";
    }
    return "?";
}

money_t report_cost(const struct user_stats *s)
{
    return s->fees_quote + s->fees_other_quote + s->bought_quote - s->sold_quote;
}

int64_t report_cost_bps_x100(const struct user_stats *s)
{
    if (s->bought_quote <= 0)
        return 0;
    __int128 num = (__int128)report_cost(s) * 1000000;
    return (int64_t)(num / s->bought_quote);
}

int report_exit_code(const struct report_user *users, size_t n, int stopped)
{
    int cut_short = 0;
    for (size_t i = 0; i < n; i++) {
        if (users[i].status == USER_FAILED)
            return 1;
        if (users[i].status == USER_STOPPED || users[i].status == USER_PENDING)
            cut_short = 1;
    }
    return (cut_short || stopped) ? 3 : 0;
}

static void add_str(struct strbuf *sb, const char *s)
{
    char clean[512];
    log_redact(s ? s : "", clean, sizeof(clean));
    json_t *j = json_string(clean);
    char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    strbuf_addstr(sb, t ? t : "\"\"");
    free(t);
    json_decref(j);
}

static void add_money(struct strbuf *sb, const char *key, money_t v)
{
    char b[MONEY_STR_MAX];
    strbuf_addf(sb, "\"%s\": %s", key, money_format_min(v, b));
}

static void add_bps(struct strbuf *sb, int64_t x100)
{
    int64_t a = x100 < 0 ? -x100 : x100;
    strbuf_addf(sb, "%s%lld.%02lld", x100 < 0 ? "-" : "", (long long)(a / 100),
                (long long)(a % 100));
}

/* The third-asset fees and how they entered the cost: valued, or left
 * out for want of a price (never a silent 0). */
static void add_other_fees(struct strbuf *sb, const struct user_stats *s, const char *asset)
{
    if (s->fees_other <= 0)
        return;
    char b[MONEY_STR_MAX];
    const char *a = asset && asset[0] && strcmp(asset, "*") != 0 ? asset : "other";
    strbuf_addstr(sb, ", ");
    add_money(sb, "fees_other", s->fees_other);
    strbuf_addstr(sb, ", \"fees_other_asset\": ");
    add_str(sb, a);
    if (!s->fees_unpriced) {
        strbuf_addstr(sb, ", ");
        add_money(sb, "fees_other_quote", s->fees_other_quote);
        return;
    }
    char note[160];
    snprintf(note, sizeof note, "cost leaves out %s %s of fees: no price to value them",
             money_format_min(s->fees_other, b), a);
    strbuf_addstr(sb, ", \"fees_other_quote\": null, \"cost_note\": ");
    add_str(sb, note);
}

static void add_user(struct strbuf *sb, const struct report_user *u, const char *fee_asset)
{
    const struct user_stats *s = &u->s;
    int mult = u->multiplier > 0 ? u->multiplier : 1;
    strbuf_addstr(sb, "    {\"name\": ");
    add_str(sb, u->name);
    strbuf_addf(sb, ", \"status\": \"%s\", \"step\": ", user_status_name(u->status));
    add_str(sb, u->step ? u->step : user_status_name(u->status));
    if (u->rung >= 0 && u->step)
        strbuf_addf(sb, ", \"rung\": %d", u->rung);
    strbuf_addstr(sb, ", ");
    add_money(sb, "last_fill_price", u->last_fill_price);
    strbuf_addstr(sb, ", ");
    if (u->error[0]) {
        strbuf_addstr(sb, "\"error\": ");
        add_str(sb, u->error);
        strbuf_addstr(sb, ", ");
    }
    strbuf_addstr(sb, "\n     ");
    add_money(sb, "target", u->target);
    strbuf_addstr(sb, ", ");
    add_money(sb, "window_buy_before", u->window_before);
    strbuf_addstr(sb, ", ");
    add_money(sb, "window_buy_after", u->window_after);
    if (u->target_points > 0)
        strbuf_addf(sb, ", \"target_points\": %d, \"volume_multiplier\": %d, "
                        "\"points_before\": %d, \"points_after\": %d",
                    u->target_points, mult, target_points(u->window_before, mult),
                    target_points(u->window_after, mult));
    strbuf_addstr(sb, ",\n     ");
    add_money(sb, "bought_base", s->bought_base);
    strbuf_addstr(sb, ", ");
    add_money(sb, "bought_quote", s->bought_quote);
    strbuf_addstr(sb, ", ");
    add_money(sb, "sold_base", s->sold_base);
    strbuf_addstr(sb, ", ");
    add_money(sb, "sold_quote", s->sold_quote);
    strbuf_addstr(sb, ",\n     ");
    add_money(sb, "fees_quote", s->fees_quote);
    strbuf_addstr(sb, ", ");
    add_money(sb, "fees_base", s->fees_base);
    add_other_fees(sb, s, fee_asset);
    strbuf_addstr(sb, ", ");
    add_money(sb, "cost_quote", report_cost(s));
    strbuf_addstr(sb, ", \"avg_cost_bps\": ");
    add_bps(sb, report_cost_bps_x100(s));
    strbuf_addstr(sb, ",\n     ");
    strbuf_addf(sb, "\"rounds\": %u, \"orders\": %u, ", s->rounds, s->orders);
    add_money(sb, "residual_base", s->residual_base);
    strbuf_addstr(sb, ", ");
    add_money(sb, "recovered_base", s->recovered_base);
    strbuf_addstr(sb, "}");
}

char *report_json(const struct report_run *run)
{
    struct strbuf sb;
    strbuf_init(&sb, 0);
    strbuf_addstr(&sb, "{\n  \"run\": ");
    add_str(&sb, run->run_id);
    strbuf_addstr(&sb, ", \"symbol\": ");
    add_str(&sb, run->symbol);
    strbuf_addf(&sb, ",\n  \"started_ms\": %lld, \"finished_ms\": %lld, \"stopped\": %s, "
                     "\"exit_code\": %d, \"quote_decimals\": %d, \"base_decimals\": %d,",
                (long long)run->started_ms, (long long)run->finished_ms,
                run->stopped ? "true" : "false", run->exit_code, run->quote_decimals,
                run->base_decimals);
    if (run->error) {
        strbuf_addstr(&sb, " \"error\": ");
        add_str(&sb, run->error);
        strbuf_addstr(&sb, ",");
    }
    strbuf_addstr(&sb, "\n  \"users\": [\n");
    struct user_stats tot = { 0 };
    for (size_t i = 0; i < run->n_users; i++) {
        const struct user_stats *s = &run->users[i].s;
        add_user(&sb, &run->users[i], run->fee_asset);
        strbuf_addstr(&sb, i + 1 < run->n_users ? ",\n" : "\n");
        tot.bought_base += s->bought_base;
        tot.bought_quote += s->bought_quote;
        tot.sold_base += s->sold_base;
        tot.sold_quote += s->sold_quote;
        tot.fees_quote += s->fees_quote;
        tot.fees_base += s->fees_base;
        tot.fees_other += s->fees_other;
        tot.fees_other_quote += s->fees_other_quote;
        tot.fees_unpriced |= s->fees_unpriced;
        tot.residual_base += s->residual_base;
        tot.rounds += s->rounds;
        tot.orders += s->orders;
    }
    strbuf_addstr(&sb, "  ],\n  \"totals\": {");
    add_money(&sb, "bought_quote", tot.bought_quote);
    strbuf_addstr(&sb, ", ");
    add_money(&sb, "sold_quote", tot.sold_quote);
    strbuf_addstr(&sb, ", ");
    add_money(&sb, "fees_quote", tot.fees_quote);
    add_other_fees(&sb, &tot, run->fee_asset);
    strbuf_addstr(&sb, ", ");
    add_money(&sb, "cost_quote", report_cost(&tot));
    strbuf_addstr(&sb, ", ");
    add_money(&sb, "residual_base", tot.residual_base);
    strbuf_addstr(&sb, ", \"avg_cost_bps\": ");
    add_bps(&sb, report_cost_bps_x100(&tot));
    strbuf_addf(&sb, ", \"rounds\": %u, \"orders\": %u}\n}\n", tot.rounds, tot.orders);
    if (sb.alloc == 0) /* every append failed: out of memory */
        return NULL;
    return strbuf_detach(&sb, NULL);
}

int report_write_json(const struct report_run *run, const char *path, struct lt_err *err)
{
    char *text = report_json(run);
    if (!text)
        return lt_err_set(err, LT_ENOMEM, "report: out of memory");
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
        free(text);
        return lt_err_set(err, LT_EINVAL, "report: path too long");
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        free(text);
        return lt_err_set(err, LT_EIO, "report: cannot write %s (%s)", tmp, strerror(errno));
    }
    int bad = fputs(text, f) < 0;
    bad |= fclose(f) != 0;
    free(text);
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return lt_err_set(err, LT_EIO, "report: cannot write %s (%s)", path, strerror(e));
    }
    return 0;
}

char *report_format_amount(money_t v, int decimals, char out[MONEY_STR_MAX])
{
    if (decimals < 0)
        decimals = 0;
    if (decimals > MONEY_DECIMALS)
        decimals = MONEY_DECIMALS;
    money_t unit = 1;
    for (int i = decimals; i < MONEY_DECIMALS; i++)
        unit *= 10;
    /* half away from zero on the magnitude, saturating at the range's end */
    int neg = v < 0;
    money_t m = neg ? (v == INT64_MIN ? INT64_MAX : -v) : v, half = unit / 2;
    money_t r = m > INT64_MAX - half ? money_floor_to(m, unit) : money_floor_to(m + half, unit);
    if (neg)
        r = -r;
    return money_format(r, decimals, out);
}

void report_print_table(const struct report_run *run, FILE *out)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX], c[MONEY_STR_MAX], d[MONEY_STR_MAX],
        e[MONEY_STR_MAX], f[MONEY_STR_MAX];
    int qd = run->quote_decimals, bd = run->base_decimals;
    fprintf(out, "\n%-12s %-8s %16s %16s %16s %16s %14s %6s %6s %9s %16s\n", "user", "status",
            "before", "after", "target", "bought", "fees", "rounds", "orders", "cost_bps",
            "residual");
    for (size_t i = 0; i < run->n_users; i++) {
        const struct report_user *u = &run->users[i];
        int64_t bps = report_cost_bps_x100(&u->s);
        int64_t abps = bps < 0 ? -bps : bps;
        fprintf(out, "%-12.12s %-8s %16s %16s %16s %16s %14s %6u %6u %s%5lld.%02lld %16s\n",
                u->name, user_status_name(u->status), report_format_amount(u->window_before, qd, a),
                report_format_amount(u->window_after, qd, b), report_format_amount(u->target, qd, c),
                report_format_amount(u->s.bought_quote, qd, d),
                report_format_amount(u->s.fees_quote, qd, e), u->s.rounds, u->s.orders,
                bps < 0 ? "-" : " ", (long long)(abps / 100), (long long)(abps % 100),
                report_format_amount(u->s.residual_base, bd, f));
        if (u->error[0]) {
            char clean[300];
            log_redact(u->error, clean, sizeof(clean));
            fprintf(out, "    %s: %s\n", u->name, clean);
        }
        if (u->s.fees_other > 0) {
            const char *fa = run->fee_asset && run->fee_asset[0] ? run->fee_asset : "other";
            if (u->s.fees_unpriced)
                fprintf(out, "    %s: fees %s %s left out of the cost: no price to value them\n",
                        u->name, money_format_min(u->s.fees_other, a), fa);
            else
                fprintf(out, "    %s: fees %s %s valued %s in the cost\n", u->name,
                        money_format_min(u->s.fees_other, a), fa,
                        report_format_amount(u->s.fees_other_quote, qd, b));
        }
    }
    if (run->error) {
        char clean[300];
        log_redact(run->error, clean, sizeof(clean));
        fprintf(out, "not started: %s\n", clean);
    }
    fprintf(out, "exit code %d%s\n", run->exit_code, run->stopped ? " (stopped)" : "");
}

static money_t jmoney(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? money_from_double(json_number_value(v)) : 0;
}

static int jint(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int)json_integer_value(v) : 0;
}

int report_print_file(const char *path, FILE *out, struct lt_err *err)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root)
        return lt_err_set(err, LT_EPARSE, "report %s: %s (line %d)", path, je.text, je.line);
    json_t *users = json_object_get(root, "users");
    if (!json_is_object(root) || !json_is_array(users)) {
        json_decref(root);
        return lt_err_set(err, LT_EPARSE, "report %s: not a looptrader report", path);
    }
    size_t n = json_array_size(users);
    struct report_user *us = calloc(n ? n : 1, sizeof(*us));
    if (!us) {
        json_decref(root);
        return lt_err_set(err, LT_ENOMEM, "report: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        json_t *u = json_array_get(users, i);
        struct report_user *ru = &us[i];
        const char *st = json_string_value(json_object_get(u, "status"));
        ru->name = json_string_value(json_object_get(u, "name"));
        if (!ru->name)
            ru->name = "?";
        for (int s = USER_PENDING; s <= USER_FAILED; s++)
            if (st && strcmp(st, user_status_name((enum user_status)s)) == 0)
                ru->status = (enum user_status)s;
        snprintf(ru->error, sizeof ru->error, "%s",
                 json_string_value(json_object_get(u, "error")) ?: "");
        ru->target = jmoney(u, "target");
        ru->window_before = jmoney(u, "window_buy_before");
        ru->window_after = jmoney(u, "window_buy_after");
        ru->s.bought_base = jmoney(u, "bought_base");
        ru->s.bought_quote = jmoney(u, "bought_quote");
        ru->s.sold_base = jmoney(u, "sold_base");
        ru->s.sold_quote = jmoney(u, "sold_quote");
        ru->s.fees_quote = jmoney(u, "fees_quote");
        ru->s.fees_base = jmoney(u, "fees_base");
        /* absent from older reports: none */
        ru->s.fees_other = jmoney(u, "fees_other");
        ru->s.fees_other_quote = jmoney(u, "fees_other_quote");
        ru->s.fees_unpriced = ru->s.fees_other > 0 && json_is_null(json_object_get(u, "fees_other_quote"));
        ru->rung = -1;
        ru->s.residual_base = jmoney(u, "residual_base");
        ru->s.recovered_base = jmoney(u, "recovered_base");
        ru->s.rounds = (unsigned)jint(u, "rounds");
        ru->s.orders = (unsigned)jint(u, "orders");
    }
    const char *fee_asset = NULL;
    for (size_t i = 0; i < n && !fee_asset; i++)
        fee_asset = json_string_value(json_object_get(json_array_get(users, i), "fees_other_asset"));
    json_t *started = json_object_get(root, "started_ms"), *ended = json_object_get(root, "finished_ms");
    struct report_run run = {
        .run_id = json_string_value(json_object_get(root, "run")),
        .symbol = json_string_value(json_object_get(root, "symbol")),
        .started_ms = json_is_integer(started) ? json_integer_value(started) : 0,
        .finished_ms = json_is_integer(ended) ? json_integer_value(ended) : 0,
        .exit_code = jint(root, "exit_code"),
        .stopped = json_is_true(json_object_get(root, "stopped")),
        .error = json_string_value(json_object_get(root, "error")),
        .quote_decimals = json_object_get(root, "quote_decimals") ? jint(root, "quote_decimals") : 8,
        .base_decimals = json_object_get(root, "base_decimals") ? jint(root, "base_decimals") : 8,
        .fee_asset = fee_asset, .users = us, .n_users = n };
    fprintf(out, "run %s, %s, %lld s, from %s\n", run.run_id ? run.run_id : "?",
            run.symbol ? run.symbol : "?",
            (long long)((run.finished_ms - run.started_ms) / 1000), path);
    report_print_table(&run, out);
    free(us);
    json_decref(root);
    return 0;
}
