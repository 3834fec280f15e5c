/*
 * config_users.c - the users of a run and their credentials.
 *
 * A user comes from an inline users list or a users file; its secret from
 * the file itself, a secret file or an environment variable.  Files holding
 * secrets must be private to their owner (mode & 077 == 0) unless the
 * operator says otherwise, and no message ever contains a secret value:
 * errors name the user, the field and the source (file path, variable
 * name) only.  Every secret, cookie and header value is registered with the
 * log's redactor as soon as it is read.
 */
#include "config_internal.h"

#include "looptrader/hash.h"
#include "looptrader/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_FILE_MAX 4096

static int oom(struct lt_err *err)
{
    return lt_err_set(err, LT_ENOMEM, "out of memory");
}

/* The names of rc->users, for the "already used" check: open addressing
 * over indices (i + 1; 0 is empty) at most half full, so 10,000 users
 * cost about 10,000 probes, not the 50 million comparisons of a scan. */
struct name_index {
    size_t *slot; /* owned */
    size_t mask;
};

static size_t *name_slot(const struct name_index *ni, const struct run_config *rc,
                         const char *name)
{
    size_t at = (size_t)hash_fnv1a(HASH_FNV_BASIS, name, strlen(name)) & ni->mask;
    while (ni->slot[at] && strcmp(rc->users[ni->slot[at] - 1].name, name) != 0)
        at = (at + 1) & ni->mask;
    return &ni->slot[at];
}

/* An index of rc->users[0..n_users) with room for n more users. */
static int name_index_init(struct name_index *ni, const struct run_config *rc, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * (rc->n_users + n))
        cap *= 2;
    if (!(ni->slot = calloc(cap, sizeof *ni->slot)))
        return LT_ENOMEM;
    ni->mask = cap - 1;
    for (size_t i = 0; i < rc->n_users; i++)
        *name_slot(ni, rc, rc->users[i].name) = i + 1;
    return 0;
}

static int insecure(const char *path, mode_t mode, struct lt_err *err)
{
    return conf_fail(err, path, 0, NULL,
                     "readable by group or others (mode %04o): run chmod 600 %s, "
                     "or pass --allow-insecure-secrets",
                     (unsigned)(mode & 07777), path);
}

int conf_check_private(const char *path, int allow_insecure, struct lt_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return conf_fail(err, path, 0, NULL, "cannot read the file (%s)", strerror(errno));
    if ((st.st_mode & 077) && !allow_insecure)
        return insecure(path, st.st_mode, err);
    return 0;
}

int config_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

/* Printable ASCII without spaces: what can go in X-MBX-APIKEY. */
static int valid_key(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
            return 0;
    return 1;
}

/* One line with no control characters, so it cannot inject a header. */
static int valid_line(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

/* "Name: value" with an RFC 9110 token as the name and a non-empty value.
 * Returns the value, or NULL. */
static const char *header_value(const char *h)
{
    static const char tchar[] = "!#$%&'*+-.^_`|~";
    const char *p = h;
    while (*p && *p != ':') {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(tchar, *p)))
            return NULL;
        p++;
    }
    if (p == h || *p != ':' || !valid_line(h))
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? p : NULL;
}

/* The whole string plain, each value with its sent forms too: a value's
 * forms are pieces of the whole string's (encodings go byte by byte), so
 * an echo of the whole string, encoded, shows its names and no value;
 * the whole string's own forms would only be more strings to keep. */
static int register_cookies(const char *cookies)
{
    int rc = log_secret_add(cookies);
    const char *p = cookies;
    while (!rc && *p) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq) {
            char *v = strndup(eq + 1, len - (size_t)(eq + 1 - p));
            if (!v)
                return LT_ENOMEM;
            rc = log_secret_add_sent(v);
            free(v);
        }
        p += len;
        while (*p == ';' || *p == ' ')
            p++;
    }
    return rc;
}

/* Where a user's secret comes from. */
struct secret_source {
    const config_setting_t *inline_s, *file_s, *env_s;
};

/* Reads the file named by s (relative to the file that names it) into buf
 * after the same checks for every secret: a regular file, private to its
 * owner unless allowed, at most SECRET_FILE_MAX bytes.  *n gets its length,
 * trailing newlines kept. */
static int read_private_file(const struct user_config *u, const config_setting_t *s,
                             const char *file, const char *field, int allow_insecure,
                             char buf[SECRET_FILE_MAX + 1], ssize_t *n, struct lt_err *err)
{
    const char *rel = config_setting_get_string(s);
    char *path = conf_path_near(config_setting_source_file(s) ? config_setting_source_file(s)
                                                                : file,
                                  rel);
    if (!path)
        return oom(err);
    int rc = 0;
    struct stat st;
    *n = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0)
        rc = conf_fail_at(err, s, file, field, "cannot read %s for user %s (%s)", path,
                          u->name, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = conf_fail_at(err, s, file, field, "%s for user %s is not a regular file", path,
                          u->name);
    else if ((st.st_mode & 077) && !allow_insecure)
        rc = insecure(path, st.st_mode, err);
    else if ((*n = read(fd, buf, SECRET_FILE_MAX + 1)) < 0)
        rc = conf_fail_at(err, s, file, field, "cannot read %s for user %s (%s)", path,
                          u->name, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (!rc && *n > SECRET_FILE_MAX)
        rc = conf_fail_at(err, s, file, field, "%s for user %s is larger than %d bytes", path,
                          u->name, SECRET_FILE_MAX);
    free(path);
    return rc;
}

static int read_secret_file(struct user_config *u, const config_setting_t *s, const char *file,
                            const char *field, int allow_insecure, struct lt_err *err)
{
    char buf[SECRET_FILE_MAX + 1];
    ssize_t n;
    int rc = read_private_file(u, s, file, field, allow_insecure, buf, &n, err);
    if (!rc) {
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            n--;
        buf[n] = '\0';
        if (strlen(buf) != (size_t)n || !valid_key(buf))
            rc = conf_fail_at(err, s, file, field,
                              "%s for user %s must hold one line: the secret",
                              config_setting_get_string(s), u->name);
        else if (!(u->api_secret = strdup(buf)))
            rc = oom(err);
    }
    explicit_bzero(buf, sizeof buf);
    return rc;
}

/* Every base64 line of a PEM goes to the redactor, so no slice of the key
 * can reach a log even if one is ever printed by mistake. */
static int register_pem(char *pem)
{
    char *save = NULL;
    for (char *line = strtok_r(pem, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save))
        if (strncmp(line, "-----", 5) && log_secret_add(line))
            return LT_ENOMEM;
    return 0;
}

static int read_key_file(struct user_config *u, const config_setting_t *s, const char *file,
                         const char *field, int allow_insecure, struct lt_err *err)
{
    char buf[SECRET_FILE_MAX + 1];
    ssize_t n;
    struct lt_err kerr = { 0 };
    int rc = read_private_file(u, s, file, field, allow_insecure, buf, &n, err);
    if (!rc && sign_key_private_pem(buf, (size_t)n, u->key_type, &u->key, &kerr))
        rc = conf_fail_at(err, s, file, field, "%s for user %s: %s",
                          config_setting_get_string(s), u->name, kerr.msg);
    if (!rc) {
        buf[n] = '\0';
        if (register_pem(buf))
            rc = oom(err);
    }
    explicit_bzero(buf, sizeof buf);
    return rc;
}

static int resolve_secret(struct user_config *u, const struct secret_source *src,
                          const char *file, const char *prefix, int allow_insecure,
                          struct lt_err *err)
{
    char field[96];
    const char *v = NULL;
    int rc;

    if (src->inline_s) {
        snprintf(field, sizeof field, "%s.api_secret", prefix);
        if ((rc = conf_read_str(src->inline_s, file, field, &v, err)))
            return rc;
        if (!valid_key(v))
            return conf_fail_at(err, src->inline_s, file, field,
                                "must be non-empty, without spaces (user %s)", u->name);
        if (!(u->api_secret = strdup(v)))
            return oom(err);
    } else if (src->file_s) {
        snprintf(field, sizeof field, "%s.api_secret_file", prefix);
        if ((rc = conf_read_str(src->file_s, file, field, &v, err)))
            return rc;
        if ((rc = read_secret_file(u, src->file_s, file, field, allow_insecure, err)))
            return rc;
    } else {
        snprintf(field, sizeof field, "%s.api_secret_env", prefix);
        if ((rc = conf_read_str(src->env_s, file, field, &v, err)))
            return rc;
        const char *val = getenv(v);
        if (!val || !*val)
            return conf_fail_at(err, src->env_s, file, field,
                                "environment variable %s is not set (user %s)", v, u->name);
        if (!valid_key(val))
            return conf_fail_at(err, src->env_s, file, field,
                                "environment variable %s must hold the secret alone, "
                                "without spaces (user %s)", v, u->name);
        if (!(u->api_secret = strdup(val)))
            return oom(err);
    }
    return log_secret_add(u->api_secret) ? oom(err) : 0;
}

static int parse_headers(struct user_config *u, const config_setting_t *s, const char *file,
                         const char *prefix, struct lt_err *err)
{
    char field[96];
    int n = config_setting_length(s);

    snprintf(field, sizeof field, "%s.headers", prefix);
    if (!config_setting_is_aggregate(s) || config_setting_is_group(s))
        return conf_fail_at(err, s, file, field, "must be a list of \"Name: value\" strings");
    if (n == 0)
        return 0;
    if (!(u->headers = calloc((size_t)n, sizeof *u->headers)))
        return oom(err);
    for (int i = 0; i < n; i++) {
        const config_setting_t *h = config_setting_get_elem(s, (unsigned)i);
        const char *v;
        snprintf(field, sizeof field, "%s.headers[%d]", prefix, i);
        int rc = conf_read_str(h, file, field, &v, err);
        if (rc)
            return rc;
        const char *value = header_value(v);
        if (!value)
            return conf_fail_at(err, h, file, field, "must be \"Name: value\" on one line");
        if (!(u->headers[i] = strdup(v)))
            return oom(err);
        u->n_headers++;
        /* "Bearer <token>": an echo may carry the token alone */
        const char *cred = strchr(value, ' ');
        while (cred && *cred == ' ')
            cred++;
        if (log_secret_add_sent(value) || (cred && log_secret_add_sent(cred)))
            return oom(err);
    }
    return 0;
}

static int parse_user(struct run_config *rc, size_t idx, struct name_index *names,
                      const config_setting_t *g, const char *file,
                      const struct conf_users_ctx *ctx, struct lt_err *err)
{
    struct user_config *u = &rc->users[idx];
    struct strategy_config own;
    struct secret_source src = { 0 };
    const config_setting_t *strat = NULL, *key_file = NULL;
    char prefix[48], field[96];
    const char *v;
    int r;

    memset(&own, 0, sizeof own);
    u->enabled = 1;
    snprintf(prefix, sizeof prefix, "users[%zu]", idx);
    if (!config_setting_is_group(g))
        return conf_fail_at(err, g, file, prefix, "must be a group { name = ...; ... }");

    const config_setting_t *name = config_setting_get_member(g, "name");
    snprintf(field, sizeof field, "%s.name", prefix);
    if (!name)
        return conf_fail_at(err, g, file, field, "missing");
    if ((r = conf_read_str(name, file, field, &v, err)))
        return r;
    if (!config_valid_name(v))
        return conf_fail_at(err, name, file, field,
                            "must be 1 to 64 of [A-Za-z0-9._-], not starting with . or -");
    size_t *seen = name_slot(names, rc, v);
    if (*seen)
        return conf_fail_at(err, name, file, field, "\"%s\" is already used by users[%zu]",
                            v, *seen - 1);
    if (!(u->name = strdup(v)))
        return oom(err);
    *seen = idx + 1;

    for (int i = 0; i < config_setting_length(g); i++) {
        const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
        const char *key = config_setting_name(s);
        r = 0;
        snprintf(field, sizeof field, "%s.%s", prefix, key);
        if (strcmp(key, "name") == 0) {
            continue;
        } else if (strcmp(key, "enabled") == 0) {
            if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                r = conf_fail_at(err, s, file, field, "must be true or false");
            else
                u->enabled = config_setting_get_bool(s);
        } else if (strcmp(key, "api_key") == 0) {
            if (!(r = conf_read_str(s, file, field, &v, err))) {
                if (!valid_key(v))
                    r = conf_fail_at(err, s, file, field, "must be non-empty, without spaces");
                else if (!(u->api_key = strdup(v)))
                    r = oom(err);
            }
        } else if (strcmp(key, "api_secret") == 0) {
            src.inline_s = s;
        } else if (strcmp(key, "api_secret_file") == 0) {
            src.file_s = s;
        } else if (strcmp(key, "api_secret_env") == 0) {
            src.env_s = s;
        } else if (strcmp(key, "key_type") == 0) {
            if (!(r = conf_read_str(s, file, field, &v, err)) &&
                sign_key_type_parse(v, &u->key_type))
                r = conf_fail_at(err, s, file, field, "must be \"hmac\", \"ed25519\" or \"rsa\"");
        } else if (strcmp(key, "private_key_file") == 0) {
            if (!(r = conf_read_str(s, file, field, &v, err)))
                key_file = s;
        } else if (strcmp(key, "headers") == 0) {
            r = parse_headers(u, s, file, prefix, err);
        } else if (strcmp(key, "cookies") == 0) {
            if (!(r = conf_read_str(s, file, field, &v, err))) {
                if (!valid_line(v))
                    r = conf_fail_at(err, s, file, field, "must be \"a=b; c=d\" on one line");
                else if (!(u->cookies = strdup(v)))
                    r = oom(err);
                else if (register_cookies(u->cookies))
                    r = oom(err);
            }
        } else if (strcmp(key, "strategy") == 0) {
            strat = s;
            snprintf(field, sizeof field, "%s.strategy", prefix);
            r = conf_strategy_parse(s, file, field, &own, err);
        } else {
            static const char *const known[] = { "name", "enabled", "api_key", "api_secret",
                                                 "api_secret_file", "api_secret_env",
                                                 "key_type", "private_key_file", "headers",
                                                 "cookies", "strategy", NULL };
            r = conf_unknown(err, s, file, field, known);
        }
        if (r)
            return r;
    }

    int n_src = !!src.inline_s + !!src.file_s + !!src.env_s;
    if (u->key_type != SIGN_KEY_HMAC) {
        /* an asymmetric key replaces the secret; a stray secret is a
         * mistake worth naming rather than a value silently ignored */
        snprintf(field, sizeof field, "%s.private_key_file", prefix);
        if (n_src)
            return conf_fail_at(err, g, file, field,
                                "user %s has key_type \"%s\": give private_key_file, "
                                "not api_secret", u->name, sign_key_type_name(u->key_type));
        if (u->enabled && !key_file)
            return conf_fail_at(err, g, file, field, "missing for user %s (key_type \"%s\")",
                                u->name, sign_key_type_name(u->key_type));
        if (u->enabled && !u->api_key) {
            snprintf(field, sizeof field, "%s.api_key", prefix);
            return conf_fail_at(err, g, file, field, "missing for user %s", u->name);
        }
        if (u->enabled &&
            (r = read_key_file(u, key_file, file, field, ctx->allow_insecure_secrets, err)))
            return r;
    } else if (key_file) {
        snprintf(field, sizeof field, "%s.private_key_file", prefix);
        return conf_fail_at(err, key_file, file, field,
                            "needs key_type = \"ed25519\" or \"rsa\" (user %s)", u->name);
    }
    if (n_src > 1) {
        snprintf(field, sizeof field, "%s.api_secret", prefix);
        return conf_fail_at(err, g, file, field,
                            "give one of api_secret, api_secret_file, api_secret_env");
    }
    if (u->enabled && u->key_type == SIGN_KEY_HMAC) {
        if (u->api_key && !n_src) {
            snprintf(field, sizeof field, "%s.api_secret", prefix);
            return conf_fail_at(err, g, file, field,
                                "missing for user %s (api_secret, api_secret_file or "
                                "api_secret_env)", u->name);
        }
        if (!u->api_key && (n_src || (!u->cookies && !u->n_headers))) {
            snprintf(field, sizeof field, "%s.api_key", prefix);
            return conf_fail_at(err, g, file, field, "missing for user %s%s", u->name,
                                n_src ? "" : " (or session auth: cookies, headers)");
        }
        if (n_src && (r = resolve_secret(u, &src, file, prefix, ctx->allow_insecure_secrets, err)))
            return r;
    }

    /* flags are the operator's last word, so they come after the user's */
    config_strategy_merge(&u->strategy, ctx->base, &own);
    config_strategy_merge(&u->strategy, &u->strategy, ctx->flags);
    const config_setting_t *at = strat ? strat : g;
    snprintf(field, sizeof field, "%s.strategy", prefix);
    r = conf_strategy_finish(&u->strategy, u->enabled,
                             config_setting_source_file(at) ? config_setting_source_file(at)
                                                              : file,
                               (int)config_setting_source_line(at), field, err);
    if (r)
        return r;
    return 0;
}

int conf_users_parse(struct run_config *rc, const config_setting_t *list, const char *file,
                     const struct conf_users_ctx *ctx, struct lt_err *err)
{
    if (!config_setting_is_list(list))
        return conf_fail_at(err, list, file, "users", "must be a list ( { ... }, ... )");
    size_t n = (size_t)config_setting_length(list);
    if (n == 0)
        return conf_fail_at(err, list, file, "users", "the list is empty");
    struct user_config *grown = realloc(rc->users, (rc->n_users + n) * sizeof *grown);
    if (!grown)
        return oom(err);
    rc->users = grown;
    memset(rc->users + rc->n_users, 0, n * sizeof *grown);
    struct name_index names;
    if (name_index_init(&names, rc, n))
        return oom(err);
    int r = 0;
    for (size_t i = 0; !r && i < n; i++) {
        /* counted before it is filled, so config_free releases a half-read user */
        size_t idx = rc->n_users++;
        r = parse_user(rc, idx, &names, config_setting_get_elem(list, (unsigned)i), file, ctx,
                       err);
    }
    free(names.slot);
    if (r)
        return r;
    size_t enabled = 0;
    for (size_t i = 0; i < rc->n_users; i++) {
        struct user_config *u = &rc->users[i];
        u->auth.api_key = u->api_key;
        u->auth.api_secret = u->api_secret;
        u->auth.key = u->key;
        u->auth.headers = (const char *const *)u->headers;
        u->auth.n_headers = u->n_headers;
        u->auth.cookies = u->cookies;
        enabled += u->enabled != 0;
    }
    if (!enabled)
        return conf_fail_at(err, list, file, "users", "no user is enabled");
    return 0;
}

int conf_users_load(struct run_config *rc, const char *path,
                    const struct conf_users_ctx *ctx, struct lt_err *err)
{
    config_t cf;
    int r = conf_check_private(path, ctx->allow_insecure_secrets, err);
    if (r)
        return r;
    r = conf_file_read(&cf, path, err);
    if (!r) {
        const config_setting_t *root = config_root_setting(&cf), *list = NULL;
        for (int i = 0; i < config_setting_length(root); i++) {
            const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
            static const char *const known[] = { "users", NULL };
            if (strcmp(config_setting_name(s), "users") == 0)
                list = s;
            else if ((r = conf_unknown(err, s, path, config_setting_name(s), known)) != 0)
                break;
        }
        if (r) {
            config_destroy(&cf);
            return r;
        }
        r = list ? conf_users_parse(rc, list, path, ctx, err)
                 : conf_fail(err, path, 0, "users", "missing (users = ( { ... }, ... );)");
    }
    config_destroy(&cf);
    return r;
}
