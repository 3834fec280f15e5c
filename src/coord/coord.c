/*
 * coord.c - the coordinator's pure parts: its flags, the fair share, the
 * epoch tag, URL redaction.  The PostgreSQL side is coord_pg.c.
 */
#include "looptrader/coord.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Appends n bytes of s to out (size bytes, *len used), truncating. */
static void redact_put(char *out, size_t size, size_t *len, const char *s, size_t n)
{
    if (*len + 1 >= size)
        return;
    if (n > size - 1 - *len)
        n = size - 1 - *len;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Whether a query key (n bytes, percent-encoded as libpq accepts it) names
 * a secret: any key containing "password", in any case, so "sslpassword"
 * and "pass%77ord" are caught too.  A malformed escape counts as a secret:
 * libpq refuses the URL, and the message must not show what follows. */
static int query_key_secret(const char *k, size_t n)
{
    char key[64];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_digit(k[i + 1]) : -1;
            int lo = i + 2 < n ? hex_digit(k[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (len + 1 >= sizeof key)
            return 1;
        key[len++] = c;
    }
    key[len] = '\0';
    for (size_t i = 0; i + 8 <= len; i++)
        if (strncasecmp(key + i, "password", 8) == 0)
            return 1;
    return 0;
}

void coord_url_redact(const char *url, char *out, size_t size)
{
    size_t len = 0;
    if (!size)
        return;
    out[0] = '\0';
    /* libpq takes a URL only with one of its two schemes; anything else is
     * a "key=value" string, where any mention of a password hides it all */
    const char *s = NULL;
    if (strncmp(url, "postgresql://", 13) == 0)
        s = url + 13;
    else if (strncmp(url, "postgres://", 11) == 0)
        s = url + 11;
    if (!s) {
        snprintf(out, size, "%s",
                 strcasestr(url, "password") ? "(connection string with a password)" : url);
        return;
    }
    /* userinfo: everything before the last '@' ahead of the query, so a
     * password holding an unencoded '@' or '/' is cut whole (a dbname with
     * an '@' after a port is then over-cut, which only costs legibility);
     * or before libpq's own choice, the first '@' ahead of the first '/',
     * when that is later (a password holding an unencoded '?').  The
     * password is what follows the userinfo's first ':' */
    const char *at = NULL;
    for (const char *p = s; *p && *p != '?'; p++)
        if (*p == '@')
            at = p;
    const char *first = memchr(s, '@', strcspn(s, "/"));
    if (first && (!at || first > at))
        at = first;
    /* the parameters: from the first '?' (or '&', should libpq's '@' have
     * fallen inside them) after the userinfo */
    const char *query = (at ? at : s) + strcspn(at ? at : s, "?&");
    const char *colon = at ? memchr(s, ':', (size_t)(at - s)) : NULL;
    if (colon) {
        redact_put(out, size, &len, url, (size_t)(colon + 1 - url));
        redact_put(out, size, &len, "***", 3);
        redact_put(out, size, &len, at, (size_t)(query - at));
    } else {
        redact_put(out, size, &len, url, (size_t)(query - url));
    }
    /* every parameter whose decoded key names a password; a '?' also
     * separates (one inside a value only makes the cut more eager) */
    const char *p = query;
    while (*p) {
        redact_put(out, size, &len, p, 1); /* '?' or '&' */
        p++;
        size_t n = strcspn(p, "&?");
        const char *eq = memchr(p, '=', n);
        size_t klen = eq ? (size_t)(eq - p) : n;
        if (eq && query_key_secret(p, klen)) {
            redact_put(out, size, &len, p, klen + 1);
            redact_put(out, size, &len, "***", 3);
        } else {
            redact_put(out, size, &len, p, n);
        }
        p += n;
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
