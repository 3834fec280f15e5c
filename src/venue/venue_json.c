/*
 * venue_json.c - the JSON field readers every venue dialect shares (see
 * venue_json.h).
 */
#include "looptrader/venue_json.h"
#include "looptrader/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define CLEAN_TEXT_MAX 200

/* The field's value, or NULL when absent or null (then an error only if
 * required: *rc says which). */
static json_t *field(const char *who, json_t *o, const char *key, int required, int *rc,
                     struct lt_err *err)
{
    json_t *v = json_object_get(o, key);
    *rc = 0;
    if (!v || json_is_null(v)) {
        if (required)
            *rc = lt_err_set(err, LT_EPARSE, "%s: field '%s' missing", who, key);
        return NULL;
    }
    return v;
}

int venue_json_money(const char *who, json_t *o, const char *key, int required, money_t *out,
                     struct lt_err *err)
{
    int rc;
    json_t *v = field(who, o, key, required, &rc, err);
    if (!v)
        return rc;
    if (!json_is_string(v))
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not a decimal string", who, key);
    const char *str = json_string_value(v);
    if (money_parse_n(str, json_string_length(v), out) != 0)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not a valid amount", who, key);
    if (*out == 0 && str[0] == '-')
        *out = -1;
    return 0;
}

int venue_json_int(const char *who, json_t *o, const char *key, int required, int64_t *out,
                   struct lt_err *err)
{
    int rc;
    json_t *v = field(who, o, key, required, &rc, err);
    if (!v)
        return rc;
    if (!json_is_integer(v))
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not an integer", who, key);
    *out = (int64_t)json_integer_value(v);
    return 0;
}

int venue_json_str(const char *who, json_t *o, const char *key, int required, char *out,
                   size_t size, struct lt_err *err)
{
    int rc;
    json_t *v = field(who, o, key, required, &rc, err);
    if (!v)
        return rc;
    if (!json_is_string(v))
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not a string", who, key);
    size_t n = json_string_length(v);
    if (n >= size)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' too long", who, key);
    memcpy(out, json_string_value(v), n);
    out[n] = '\0';
    return 0;
}

const char *venue_json_strv(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

enum order_status venue_json_status(const char *s)
{
    static const struct { const char *name; enum order_status st; } map[] = {
        { "NEW", ORDER_NEW },
        { "PARTIALLY_FILLED", ORDER_PARTIALLY_FILLED },
        { "FILLED", ORDER_FILLED },
        { "CANCELED", ORDER_CANCELED },
        { "PENDING_CANCEL", ORDER_PENDING_CANCEL },
        { "REJECTED", ORDER_REJECTED },
        { "EXPIRED", ORDER_EXPIRED },
        { "EXPIRED_IN_MATCH", ORDER_EXPIRED },
    };
    for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
        if (strcmp(s, map[i].name) == 0)
            return map[i].st;
    return ORDER_STATUS_UNKNOWN;
}

void venue_json_clean_text(const char *in, char *out, size_t size)
{
    size_t n = strlen(in);
    char *red = malloc(n + 1);
    if (!red) {
        out[0] = '\0';
        return;
    }
    log_redact(in, red, n + 1);
    size_t j = 0;
    for (size_t i = 0; red[i] && j + 1 < size && i < CLEAN_TEXT_MAX; i++)
        out[j++] = isprint((unsigned char)red[i]) ? red[i] : '?';
    out[j] = '\0';
    free(red);
}
