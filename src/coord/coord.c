/*
 * coord.c - the coordinator's pure parts: its flags, the fair share, the
 * epoch tag, URL redaction.  The PostgreSQL side is coord_pg.c.
 */
#include "looptrader/coord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Matches "--name VALUE" or "--name=VALUE" at argv[i]; sets *val and how
 * many argv slots it used (0 = no match, -1 = value missing). */
static int flag_match(int argc, char **argv, int i, const char *name, const char **val)
{
    size_t len = strlen(name);
    if (strncmp(argv[i], name, len) != 0)
        return 0;
    if (argv[i][len] == '=') {
        *val = argv[i] + len + 1;
        return 1;
    }
    if (argv[i][len] != '\0')
        return 0;
    if (i + 1 >= argc)
        return -1;
    *val = argv[i + 1];
    return 2;
}

int coord_args_take(int *argc, char **argv, struct coord_config *out, int *has,
                    struct lt_err *err)
{
    static const char *const names[] = { "--coordinator", "--ip-group", "--lease-ms" };
    int w = 1;
    *has = 0;
    if (!out->ip_group)
        out->ip_group = "default";
    if (!out->lease_ms)
        out->lease_ms = COORD_LEASE_MS_DEFAULT;
    for (int i = 1; i < *argc;) {
        int used = 0;
        size_t k;
        const char *val = NULL;
        /* after "--" everything is an operand */
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc)
                argv[w++] = argv[i++];
            break;
        }
        for (k = 0; k < sizeof names / sizeof names[0] && !used; k++)
            used = flag_match(*argc, argv, i, names[k], &val);
        if (used < 0)
            return lt_err_set(err, LT_ECONFIG, "%s needs a value", names[k - 1]);
        if (used == 0) {
            argv[w++] = argv[i++];
            continue;
        }
        if (k == 1) {
            out->url = val;
            *has = 1;
        } else if (k == 2) {
            if (!val[0])
                return lt_err_set(err, LT_ECONFIG, "--ip-group must not be empty");
            out->ip_group = val;
        } else {
            char *end;
            long v = strtol(val, &end, 10);
            if (end == val || *end || v < 3000 || v > 600000)
                return lt_err_set(err, LT_ECONFIG,
                                  "--lease-ms %.32s: expected 3000..600000 milliseconds", val);
            out->lease_ms = v;
        }
        i += used;
    }
    argv[w] = NULL;
    *argc = w;
    return 0;
}

void coord_url_redact(const char *url, char *out, size_t size)
{
    /* postgresql://user:PASSWORD@host/...: cut between the scheme's
     * user ':' and the last '@' before the path */
    const char *s = strstr(url, "://");
    const char *at = s ? strchr(s + 3, '@') : NULL;
    const char *slash = s ? strchr(s + 3, '/') : NULL;
    if (at && slash && slash < at)
        at = NULL;
    const char *colon = at ? memchr(s + 3, ':', (size_t)(at - (s + 3))) : NULL;
    if (colon) {
        snprintf(out, size, "%.*s:***%s", (int)(colon - url), url, at);
    } else if (!s && strstr(url, "password")) {
        snprintf(out, size, "(connection string with a password)");
    } else {
        snprintf(out, size, "%s", url);
    }
    /* a password= query parameter */
    char *q = strstr(out, "password=");
    if (q && s) {
        char *end = strchr(q, '&');
        char rest[512];
        snprintf(rest, sizeof rest, "%s", end ? end : "");
        snprintf(q, size - (size_t)(q - out), "password=***%s", rest);
    }
}

long coord_fair_share(long accounts, long live)
{
    if (accounts <= 0)
        return 0;
    if (live < 1)
        live = 1;
    return (accounts + live - 1) / live;
}

long coord_rebalance(long held, long pending, long accounts, long live, int *draining)
{
    long share = coord_fair_share(accounts, live);
    if (held > share + 1)
        *draining = 1;
    if (held <= share)
        *draining = 0;
    if (!*draining)
        return 0;
    long want = held - pending - share, room = COORD_HANDOVER_MAX - pending;
    long n = want < room ? want : room;
    return n > 0 ? n : 0;
}

int coord_state_compare(const struct coord_acct_state *saved,
                        const struct coord_acct_state *venue, money_t tol_quote,
                        money_t tol_base, char *why, size_t size)
{
    char a[MONEY_STR_MAX], b[MONEY_STR_MAX];
    size_t len = 0;
    why[0] = '\0';
    if (saved->window_start != venue->window_start)
        return 0;
    money_t d = saved->bought - venue->bought;
    if (d > tol_quote || d < -tol_quote)
        len += (size_t)snprintf(why + len, size - len, "bought %s saved, %s at the venue",
                                money_format_min(saved->bought, a),
                                money_format_min(venue->bought, b));
    d = saved->inventory - venue->inventory;
    if ((d > tol_base || d < -tol_base) && len < size)
        snprintf(why + len, size - len, "%sinventory %s saved, %s at the venue",
                 len ? "; " : "", money_format_min(saved->inventory, a),
                 money_format_min(venue->inventory, b));
    return why[0] != '\0';
}
