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

/* ---------------------------------------------------------------- values */

static void jval_of_json(json_t *j, struct venue_jval *out)
{
    static const enum venue_jtype type[] = {
        [JSON_OBJECT] = VJ_OBJECT, [JSON_ARRAY] = VJ_ARRAY, [JSON_STRING] = VJ_STRING,
        [JSON_INTEGER] = VJ_INTEGER, [JSON_REAL] = VJ_REAL, [JSON_TRUE] = VJ_TRUE,
        [JSON_FALSE] = VJ_FALSE, [JSON_NULL] = VJ_NULL,
    };
    memset(out, 0, sizeof *out);
    out->json = j;
    out->type = j ? type[json_typeof(j)] : VJ_ABSENT;
    if (out->type == VJ_STRING) {
        out->str = json_string_value(j);
        out->len = json_string_length(j);
    } else if (out->type == VJ_INTEGER) {
        out->num = (int64_t)json_integer_value(j);
    }
}

static void jval_of_scan(const struct jscan_value *v, struct venue_jval *out)
{
    static const enum venue_jtype type[] = {
        [JSCAN_NONE] = VJ_ABSENT,    [JSCAN_STRING] = VJ_STRING, [JSCAN_INTEGER] = VJ_INTEGER,
        [JSCAN_REAL] = VJ_REAL,      [JSCAN_TRUE] = VJ_TRUE,     [JSCAN_FALSE] = VJ_FALSE,
        [JSCAN_NULL] = VJ_NULL,      [JSCAN_OBJECT] = VJ_OBJECT, [JSCAN_ARRAY] = VJ_ARRAY,
    };
    out->type = type[v->type];
    out->str = v->ptr;
    out->len = v->len;
    out->escaped = v->escaped;
    out->num = v->type == JSCAN_INTEGER ? jscan_int64(v) : 0;
    out->json = NULL;
    out->span = *v;
    out->members = NULL;
    out->n_members = 0;
}

/* ---------------------------------------------------------------- objects */

void venue_jobj_json(json_t *o, struct venue_jobj *out)
{
    out->json = o;
    out->m = NULL;
}

/* FNV-1a: on one-byte keys (an event's) the low bits differ for
 * every byte, so those never collide. */
#define HASH_BASIS 2166136261u

static inline uint32_t hash_step(uint32_t h, unsigned char c)
{
    return (h ^ c) * 16777619u;
}

static uint32_t key_hash(const char *k, size_t n)
{
    uint32_t h = HASH_BASIS;
    for (size_t i = 0; i < n; i++)
        h = hash_step(h, (unsigned char)k[i]);
    return h;
}

/* A loop, not memcmp: keys are a few bytes, most of them one, and a call
 * costs more than comparing them. */
static inline int key_is(const struct jscan_value *k, const char *key, size_t n)
{
    if (k->len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (k->ptr[i] != key[i])
            return 0;
    return 1;
}

/* The slot of the n-byte key whose hash is h: where it is, or the empty
 * one where it would go. */
static inline uint8_t *slot_of(const struct venue_jobj *o, uint32_t h, const char *key, size_t n)
{
    uint8_t *slot = (uint8_t *)o->slot;
    for (;; h++) {
        uint8_t *s = &slot[h & (VENUE_JOBJ_SLOTS - 1)];
        if (!*s || key_is(&o->m[*s - 1].key, key, n))
            return s;
    }
}

/* Indexes the n members m[] (which must outlive out) as out's: a slot per
 * key, the last of duplicate keys winning, as in jansson.  0, or
 * VENUE_JSON_DECLINE for an escaped key. */
static int jobj_index(struct venue_jobj *out, const struct jscan_member *m, size_t n)
{
    out->json = NULL;
    out->m = m;
    memset(out->slot, 0, sizeof out->slot);
    for (size_t i = 0; i < n; i++) {
        if (m[i].key.escaped)
            return VENUE_JSON_DECLINE;
        uint8_t *s = slot_of(out, key_hash(m[i].key.ptr, m[i].key.len), m[i].key.ptr,
                             m[i].key.len);
        *s = (uint8_t)(i + 1);
    }
    return 0;
}

static int jobj_of_span(const struct jscan_value *obj, struct venue_jobj *out)
{
    struct jscan_iter it;
    struct jscan_value key, val;
    size_t n = 0;
    jscan_iter_init(&it, obj);
    while (jscan_iter_next(&it, &key, &val) > 0) {
        if (n == VENUE_JOBJ_MAX)
            return VENUE_JSON_DECLINE;
        out->own[n++] = (struct jscan_member){ key, val, 0, 0 };
    }
    return jobj_index(out, out->own, n);
}

int venue_jobj_of(const struct venue_jval *v, struct venue_jobj *out)
{
    if (v->json) {
        venue_jobj_json(v->json, out);
        return 0;
    }
    if (v->members)
        return jobj_index(out, v->members, v->n_members);
    return jobj_of_span(&v->span, out);
}

int venue_jobj_scan(const char *buf, size_t len, struct venue_jobj *out)
{
    struct jscan_value root;
    struct jscan_list l = { out->own, VENUE_JOBJ_MAX, 0, out->inner, VENUE_JOBJ_MAX, 0 };
    if (jscan_parse_object(buf, len, &root, &l) != 0 || root.type != JSCAN_OBJECT ||
        l.n > VENUE_JOBJ_MAX)
        return VENUE_JSON_DECLINE;
    return jobj_index(out, out->own, l.n);
}

void venue_jobj_get(const struct venue_jobj *o, const char *key, struct venue_jval *out)
{
    if (o->json) {
        jval_of_json(json_object_get(o->json, key), out);
        return;
    }
    /* The key's hash and length in one pass over it. */
    uint32_t h = HASH_BASIS;
    size_t n = 0;
    for (; key[n]; n++)
        h = hash_step(h, (unsigned char)key[n]);
    const uint8_t *s = slot_of(o, h, key, n);
    if (!*s) {
        memset(out, 0, sizeof *out);
        return;
    }
    const struct jscan_member *m = &o->m[*s - 1];
    jval_of_scan(&m->val, out);
    if (m->inner_n) {
        out->members = &o->inner[m->inner_first];
        out->n_members = m->inner_n;
    }
}

void venue_jiter_init(struct venue_jiter *it, const struct venue_jval *arr)
{
    it->json = arr->json;
    it->i = 0;
    jscan_iter_init(&it->scan, &arr->span);
}

int venue_jiter_next(struct venue_jiter *it, struct venue_jval *elem)
{
    if (it->json) {
        if (it->i >= json_array_size(it->json))
            return 0;
        jval_of_json(json_array_get(it->json, it->i++), elem);
        return 1;
    }
    struct jscan_value v;
    size_t n;
    if (jscan_iter_next_listed(&it->scan, NULL, &v, it->m, VENUE_JOBJ_MAX, &n) <= 0)
        return 0;
    jval_of_scan(&v, elem);
    if (v.type == JSCAN_OBJECT && n <= VENUE_JOBJ_MAX) {
        elem->members = it->m;
        elem->n_members = n;
    }
    return 1;
}

/* ---------------------------------------------------------------- readers */

/* 1 when v holds a value, 0 when missing or null (then *rc is an error
 * only if required). */
static int present(const char *who, const char *key, const struct venue_jval *v, int required,
                   int *rc, struct lt_err *err)
{
    *rc = 0;
    if (v->type == VJ_ABSENT || v->type == VJ_NULL) {
        if (required)
            *rc = lt_err_set(err, LT_EPARSE, "%s: field '%s' missing", who, key);
        return 0;
    }
    return 1;
}

int venue_jval_money(const char *who, const char *key, const struct venue_jval *v, int required,
                     money_t *out, struct lt_err *err)
{
    int rc;
    if (!present(who, key, v, required, &rc, err))
        return rc;
    if (v->type != VJ_STRING)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not a decimal string", who, key);
    if (v->escaped)
        return VENUE_JSON_DECLINE;
    if (money_parse_n(v->str, v->len, out) != 0)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not a valid amount", who, key);
    if (*out == 0 && v->len && v->str[0] == '-')
        *out = -1;
    return 0;
}

int venue_jval_int(const char *who, const char *key, const struct venue_jval *v, int required,
                   int64_t *out, struct lt_err *err)
{
    int rc;
    if (!present(who, key, v, required, &rc, err))
        return rc;
    if (v->type != VJ_INTEGER)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not an integer", who, key);
    *out = v->num;
    return 0;
}

int venue_jval_str(const char *who, const char *key, const struct venue_jval *v, int required,
                   char *out, size_t size, struct lt_err *err)
{
    int rc;
    if (!present(who, key, v, required, &rc, err))
        return rc;
    if (v->type != VJ_STRING)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' is not a string", who, key);
    if (v->escaped)
        return VENUE_JSON_DECLINE;
    if (v->len >= size)
        return lt_err_set(err, LT_EPARSE, "%s: field '%s' too long", who, key);
    memcpy(out, v->str, v->len);
    out[v->len] = '\0';
    return 0;
}

int venue_jval_text(const struct venue_jval *v, const char **s, size_t *len)
{
    *s = NULL;
    *len = 0;
    if (v->type != VJ_STRING)
        return 0;
    if (v->escaped)
        return VENUE_JSON_DECLINE;
    *s = v->str;
    *len = v->len;
    return 0;
}

int venue_jobj_money(const char *who, const struct venue_jobj *o, const char *key, int required,
                     money_t *out, struct lt_err *err)
{
    struct venue_jval v;
    venue_jobj_get(o, key, &v);
    return venue_jval_money(who, key, &v, required, out, err);
}

int venue_jobj_int(const char *who, const struct venue_jobj *o, const char *key, int required,
                   int64_t *out, struct lt_err *err)
{
    struct venue_jval v;
    venue_jobj_get(o, key, &v);
    return venue_jval_int(who, key, &v, required, out, err);
}

int venue_jobj_str(const char *who, const struct venue_jobj *o, const char *key, int required,
                   char *out, size_t size, struct lt_err *err)
{
    struct venue_jval v;
    venue_jobj_get(o, key, &v);
    return venue_jval_str(who, key, &v, required, out, size, err);
}

int venue_jobj_text(const struct venue_jobj *o, const char *key, const char **s, size_t *len)
{
    struct venue_jval v;
    venue_jobj_get(o, key, &v);
    return venue_jval_text(&v, s, len);
}

int venue_json_money(const char *who, json_t *o, const char *key, int required, money_t *out,
                     struct lt_err *err)
{
    struct venue_jval v;
    jval_of_json(json_object_get(o, key), &v);
    return venue_jval_money(who, key, &v, required, out, err);
}

int venue_json_int(const char *who, json_t *o, const char *key, int required, int64_t *out,
                   struct lt_err *err)
{
    struct venue_jval v;
    jval_of_json(json_object_get(o, key), &v);
    return venue_jval_int(who, key, &v, required, out, err);
}

int venue_json_str(const char *who, json_t *o, const char *key, int required, char *out,
                   size_t size, struct lt_err *err)
{
    struct venue_jval v;
    jval_of_json(json_object_get(o, key), &v);
    return venue_jval_str(who, key, &v, required, out, size, err);
}

const char *venue_json_strv(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

enum order_status venue_json_status(const char *s)
{
    return s ? venue_json_status_n(s, strlen(s)) : ORDER_STATUS_UNKNOWN;
}

enum order_status venue_json_status_n(const char *s, size_t len)
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
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].name) == len && memcmp(s, map[i].name, len) == 0)
            return map[i].st;
    return ORDER_STATUS_UNKNOWN;
}

void venue_json_clean_text(const char *in, char *out, size_t size)
{
    venue_json_clean_text_n(in, strlen(in), out, size);
}

void venue_json_clean_text_n(const char *in, size_t n, char *out, size_t size)
{
    /* log_redact reads a C string: the span is copied to one first. */
    char *text = malloc(n + 1);
    char *red = malloc(n + 1);
    if (!text || !red) {
        free(text);
        free(red);
        out[0] = '\0';
        return;
    }
    memcpy(text, in, n);
    text[n] = '\0';
    log_redact(text, red, n + 1);
    free(text);
    size_t j = 0;
    for (size_t i = 0; red[i] && j + 1 < size && i < CLEAN_TEXT_MAX; i++)
        out[j++] = isprint((unsigned char)red[i]) ? red[i] : '?';
    out[j] = '\0';
    free(red);
}
