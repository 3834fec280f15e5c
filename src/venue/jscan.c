/*
 * jscan.c - strict in-place JSON validation and span iteration (jscan.h).
 *
 * A recursive descent bounded by JSCAN_DEPTH_MAX validates; the iterator
 * then trusts the validation and only skips over values.  The rules are
 * jansson's (load.c of jansson 2.14) wherever jansson is stricter than
 * RFC 8259, so that what this accepts jansson accepts with the same
 * meaning.
 */
#include "looptrader/jscan.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct scan {
    const char *p, *end;
    struct jscan_list *list; /* NULL: nothing is listed */
};

/* What a container lists of its own members (jscan_list). */
enum listed { LIST_NONE, LIST_ROOT, LIST_INNER };

/* 1 for the bytes a string holds as they are: printable ASCII but the
 * quote and the backslash. */
static const unsigned char plain[256] = {
#define R8(v) v, v, v, v, v, v, v, v
    R8(0), R8(0), R8(0), R8(0), /* 0x00-0x1f: control bytes */
    1, 1, 0, 1, 1, 1, 1, 1,     /* 0x20-0x27: '"' */
    R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), /* 0x28-0x57 */
    1, 1, 1, 1, 0, 1, 1, 1,                   /* 0x58-0x5f: '\\' */
    R8(1), R8(1), R8(1), R8(1),
#undef R8
};

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Inline, and one test when no whitespace follows: the venues send
 * compact JSON, where this runs between every two tokens. */
static inline void skip_ws(struct scan *s)
{
    if (s->p < s->end && (unsigned char)*s->p > ' ')
        return;
    while (s->p < s->end && is_ws(*s->p))
        s->p++;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* Length of the well-formed UTF-8 sequence at p (jansson's utf8_check_*:
 * no overlong form, no surrogate, nothing past U+10FFFF), else 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t n;
    uint32_t v;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        v = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        v = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (p[i] & 0x3f);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10ffff ||
        (v >= 0xd800 && v <= 0xdfff))
        return 0;
    return n;
}

/* One escape after its backslash at s->p; surrogates must pair and \u0000
 * is refused, as jansson does without JSON_ALLOW_NUL. */
static int escape(struct scan *s)
{
    if (s->p == s->end)
        return JSCAN_EINVAL;
    switch (*s->p) {
    case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
        s->p++;
        return 0;
    case 'u':
        break;
    default:
        return JSCAN_EINVAL;
    }
    if (s->end - s->p < 5)
        return JSCAN_EINVAL;
    int u = hex4(s->p + 1);
    s->p += 5;
    if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
        return JSCAN_EINVAL;
    if (u >= 0xd800 && u <= 0xdbff) {
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u')
            return JSCAN_EINVAL;
        int lo = hex4(s->p + 2);
        if (lo < 0xdc00 || lo > 0xdfff)
            return JSCAN_EINVAL;
        s->p += 6;
    }
    return 0;
}

/* A string whose opening quote is at s->p. */
static int string(struct scan *s, struct jscan_value *v)
{
    const char *start = ++s->p;
    v->escaped = 0;
    for (;;) {
        /* Four bytes a test while that many are left: one bound check for
         * the four, and most strings (keys, amounts) are plain to the end. */
        while (s->end - s->p >= 4 && plain[(unsigned char)s->p[0]] &&
               plain[(unsigned char)s->p[1]] && plain[(unsigned char)s->p[2]] &&
               plain[(unsigned char)s->p[3]])
            s->p += 4;
        while (s->p < s->end && plain[(unsigned char)*s->p])
            s->p++;
        if (s->p == s->end)
            return JSCAN_EINVAL;
        unsigned char c = (unsigned char)*s->p;
        if (c == '"')
            break;
        if (c == '\\') {
            v->escaped = 1;
            s->p++;
            int rc = escape(s);
            if (rc)
                return rc;
        } else if (c >= 0x80) {
            size_t n = utf8_len((const unsigned char *)s->p, (const unsigned char *)s->end);
            if (!n)
                return JSCAN_EINVAL;
            s->p += n;
        } else {
            return JSCAN_EINVAL; /* a control byte */
        }
    }
    v->type = JSCAN_STRING;
    v->ptr = start;
    v->len = (uint32_t)(s->p - start);
    s->p++;
    return 0;
}

/* digits[0..n) fits an int64 (n digits, no leading zero, neg for '-'). */
static int int64_fits(const char *digits, size_t n, int neg)
{
    if (n < 19)
        return 1;
    if (n > 19)
        return 0;
    return memcmp(digits, neg ? "9223372036854775808" : "9223372036854775807", 19) <= 0;
}

/* Whether a real overflows a double, as jansson's strtod check sees it.
 * The decimal exponent of its first significant digit decides, except
 * right at 10^308 where strtod on a copy does. */
static int real_check(const char *tok, size_t len, const char *ip, size_t in, const char *fp,
                      size_t fn, const char *ep, size_t en)
{
    long e10;
    if (ip[0] != '0') {
        e10 = (long)in - 1;
    } else {
        size_t k = 0;
        while (k < fn && fp[k] == '0')
            k++;
        if (k == fn)
            return 0; /* zero, whatever the exponent */
        e10 = -(long)k - 1;
    }
    long x = 0;
    int eneg = en && ep[0] == '-';
    for (size_t i = en && (ep[0] == '-' || ep[0] == '+'); i < en; i++)
        if (x < 100000000)
            x = x * 10 + (ep[i] - '0');
    if ((long)in > 100000000 || (long)fn > 100000000)
        return JSCAN_ELONG;
    e10 += eneg ? -x : x;
    if (e10 < 308)
        return 0;
    if (e10 > 308)
        return JSCAN_EINVAL;
    char copy[400];
    if (len >= sizeof copy)
        return JSCAN_ELONG;
    memcpy(copy, tok, len);
    copy[len] = '\0';
    errno = 0;
    double d = strtod(copy, NULL);
    return (d == HUGE_VAL || d == -HUGE_VAL) && errno == ERANGE ? JSCAN_EINVAL : 0;
}

static int number(struct scan *s, struct jscan_value *v)
{
    const char *start = s->p;
    int neg = *s->p == '-';
    if (neg)
        s->p++;
    const char *ip = s->p;
    if (s->p < s->end && *s->p == '0')
        s->p++;
    else if (s->p < s->end && is_digit(*s->p))
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
    else
        return JSCAN_EINVAL;
    size_t in = (size_t)(s->p - ip);
    const char *fp = NULL, *ep = NULL;
    size_t fn = 0, en = 0;
    if (s->p < s->end && *s->p == '.') {
        fp = ++s->p;
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
        fn = (size_t)(s->p - fp);
        if (!fn)
            return JSCAN_EINVAL;
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        ep = ++s->p;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
            s->p++;
        const char *d = s->p;
        while (s->p < s->end && is_digit(*s->p))
            s->p++;
        if (s->p == d)
            return JSCAN_EINVAL;
        en = (size_t)(s->p - ep);
    }
    v->ptr = start;
    v->len = (uint32_t)(s->p - start);
    v->escaped = 0;
    if (!fp && !ep) {
        if (!int64_fits(ip, in, neg))
            return JSCAN_EINVAL;
        v->type = JSCAN_INTEGER;
        return 0;
    }
    v->type = JSCAN_REAL;
    return real_check(start, v->len, ip, in, fp, fn, ep, en);
}

static int literal(struct scan *s, const char *word, size_t n, int type, struct jscan_value *v)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return JSCAN_EINVAL;
    v->ptr = s->p;
    v->len = (uint32_t)n;
    v->type = (uint8_t)type;
    v->escaped = 0;
    s->p += n;
    return 0;
}

static int value(struct scan *s, int depth, enum listed listed, struct jscan_value *v);

/* Appends a member to the list l when it fits; counts it either way. */
static void list_add(struct jscan_member *l, size_t max, size_t *n,
                     const struct jscan_value *key, const struct jscan_value *val)
{
    if (*n < max)
        l[*n] = (struct jscan_member){ *key, *val, 0, 0 };
    (*n)++;
}

/* An object or array whose bracket is at s->p; an object lists its
 * members as `listed` says. */
static int container(struct scan *s, int depth, enum listed listed, struct jscan_value *v)
{
    const char *start = s->p;
    int object = *s->p == '{';
    char close = object ? '}' : ']';
    if (depth >= JSCAN_DEPTH_MAX)
        return JSCAN_EDEPTH;
    if (!object)
        listed = LIST_NONE;
    struct jscan_list *l = s->list;
    size_t inner_start = listed == LIST_INNER ? l->inner_n : 0;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
    } else {
        for (;;) {
            struct jscan_value key = { 0 }, item;
            int rc;
            if (object) {
                if (s->p == s->end || *s->p != '"')
                    return JSCAN_EINVAL;
                if ((rc = string(s, &key)))
                    return rc;
                skip_ws(s);
                if (s->p == s->end || *s->p != ':')
                    return JSCAN_EINVAL;
                s->p++;
                skip_ws(s);
            }
            if (listed == LIST_ROOT) {
                size_t first = l->inner_n;
                if ((rc = value(s, depth + 1, LIST_INNER, &item)))
                    return rc;
                list_add(l->m, l->max, &l->n, &key, &item);
                if (l->n <= l->max) {
                    l->m[l->n - 1].inner_first = (uint32_t)first;
                    l->m[l->n - 1].inner_n = (uint32_t)(l->inner_n - first);
                }
            } else {
                if ((rc = value(s, depth + 1, LIST_NONE, &item)))
                    return rc;
                if (listed == LIST_INNER)
                    list_add(l->inner, l->inner_max, &l->inner_n, &key, &item);
            }
            skip_ws(s);
            if (s->p == s->end)
                return JSCAN_EINVAL;
            if (*s->p == close) {
                s->p++;
                break;
            }
            if (*s->p != ',')
                return JSCAN_EINVAL;
            s->p++;
            skip_ws(s);
        }
    }
    if (listed == LIST_INNER && l->inner_n > l->inner_max)
        l->inner_n = inner_start; /* not all of it fits: none of it listed */
    v->ptr = start;
    v->len = (uint32_t)(s->p - start);
    v->type = object ? JSCAN_OBJECT : JSCAN_ARRAY;
    v->escaped = 0;
    return 0;
}

static int value(struct scan *s, int depth, enum listed listed, struct jscan_value *v)
{
    if (s->p == s->end)
        return JSCAN_EINVAL;
    switch (*s->p) {
    case '{':
    case '[':
        return container(s, depth, listed, v);
    case '"':
        return string(s, v);
    case 't':
        return literal(s, "true", 4, JSCAN_TRUE, v);
    case 'f':
        return literal(s, "false", 5, JSCAN_FALSE, v);
    case 'n':
        return literal(s, "null", 4, JSCAN_NULL, v);
    default:
        return *s->p == '-' || is_digit(*s->p) ? number(s, v) : JSCAN_EINVAL;
    }
}

int jscan_parse_object(const char *buf, size_t len, struct jscan_value *root,
                       struct jscan_list *list)
{
    if (list)
        list->n = list->inner_n = 0;
    if (len > UINT32_MAX)
        return JSCAN_ELONG;
    struct scan s = { buf, buf + len, list };
    struct jscan_value v;
    skip_ws(&s);
    int rc = value(&s, 0, list ? LIST_ROOT : LIST_NONE, &v);
    if (!rc) {
        skip_ws(&s);
        if (s.p != s.end)
            rc = JSCAN_EINVAL;
    }
    if (rc) {
        if (list)
            list->n = list->inner_n = 0;
        return rc;
    }
    *root = v;
    return 0;
}

int jscan_parse(const char *buf, size_t len, struct jscan_value *root)
{
    return jscan_parse_object(buf, len, root, NULL);
}

/* ---------------------------------------------------------------- iteration */

/* Past the string whose opening quote is at p (validated: it ends). */
static const char *skip_string(const char *p, const char *end, uint8_t *escaped)
{
    for (p++; p < end; p++) {
        while (p < end && plain[(unsigned char)*p])
            p++;
        if (p == end)
            break;
        if (*p == '"')
            return p + 1;
        if (*p == '\\') {
            *escaped = 1;
            p++;
        }
    }
    return end;
}

/* 1 for the bytes a container's skip stops at. */
static const unsigned char structural[256] = {
    ['"'] = 1, ['{'] = 1, ['}'] = 1, ['['] = 1, [']'] = 1,
};

/* The validated value at p: its span, type and end. */
static const char *skip_value(const char *p, const char *end, struct jscan_value *v)
{
    const char *start = p;
    v->escaped = 0;
    switch (*p) {
    case '"':
        p = skip_string(p, end, &v->escaped);
        v->type = JSCAN_STRING;
        v->ptr = start + 1;
        v->len = (uint32_t)(p - start - 2);
        return p;
    case '{':
    case '[': {
        uint8_t esc = 0;
        int depth = 0;
        v->type = *p == '{' ? JSCAN_OBJECT : JSCAN_ARRAY;
        for (; p < end; p++) {
            while (p < end && !structural[(unsigned char)*p])
                p++;
            if (p == end)
                break;
            if (*p == '"')
                p = skip_string(p, end, &esc) - 1;
            else if (*p == '{' || *p == '[')
                depth++;
            else if (--depth == 0)
                break;
        }
        p += p < end;
        break;
    }
    case 't':
        v->type = JSCAN_TRUE;
        p += 4;
        break;
    case 'f':
        v->type = JSCAN_FALSE;
        p += 5;
        break;
    case 'n':
        v->type = JSCAN_NULL;
        p += 4;
        break;
    default:
        v->type = JSCAN_INTEGER;
        for (; p < end && (is_digit(*p) || *p == '-' || *p == '+' || *p == '.' || *p == 'e' ||
                           *p == 'E');
             p++)
            if (*p == '.' || *p == 'e' || *p == 'E')
                v->type = JSCAN_REAL;
        break;
    }
    v->ptr = start;
    v->len = (uint32_t)(p - start);
    return p;
}

void jscan_iter_init(struct jscan_iter *it, const struct jscan_value *container)
{
    it->object = container->type == JSCAN_OBJECT;
    if (container->type == JSCAN_OBJECT || container->type == JSCAN_ARRAY) {
        it->p = container->ptr + 1;
        it->end = container->ptr + container->len - 1;
    } else {
        it->p = it->end = container->ptr;
    }
}

/* Past the validated object whose brace is at p (end: its container's
 * end), its members listed on the way as jscan_iter_next_listed says: an
 * iterator over it that stops at its closing brace. */
static const char *object_members(const char *p, const char *end, struct jscan_member *m,
                                  size_t max, size_t *n)
{
    struct jscan_iter sub = { p + 1, end, 1 };
    struct jscan_value k, v;
    while (jscan_iter_next(&sub, &k, &v) > 0) {
        if (*n < max)
            m[*n] = (struct jscan_member){ k, v, 0, 0 };
        (*n)++;
    }
    return sub.p + (sub.p < end);
}

int jscan_iter_next_listed(struct jscan_iter *it, struct jscan_value *key, struct jscan_value *val,
                           struct jscan_member *m, size_t max, size_t *n)
{
    *n = 0;
    while (it->p < it->end && (is_ws(*it->p) || *it->p == ','))
        it->p++;
    /* A container's own closing bracket is past it->end; one met here
     * closes an object_members walk. */
    if (it->p >= it->end || *it->p == '}' || *it->p == ']')
        return 0;
    if (it->object) {
        struct jscan_value k;
        it->p = skip_value(it->p, it->end, &k);
        if (key)
            *key = k;
        while (it->p < it->end && (is_ws(*it->p) || *it->p == ':'))
            it->p++;
    }
    if (m && *it->p == '{') {
        const char *start = it->p;
        it->p = object_members(it->p, it->end, m, max, n);
        *val = (struct jscan_value){ start, (uint32_t)(it->p - start), JSCAN_OBJECT, 0 };
    } else {
        it->p = skip_value(it->p, it->end, val);
    }
    return 1;
}

int jscan_iter_next(struct jscan_iter *it, struct jscan_value *key, struct jscan_value *val)
{
    size_t n;
    return jscan_iter_next_listed(it, key, val, NULL, 0, &n);
}

int64_t jscan_int64(const struct jscan_value *v)
{
    const char *p = v->ptr, *end = v->ptr + v->len;
    int neg = p < end && *p == '-';
    int64_t x = 0;
    /* Accumulated negative, so that INT64_MIN needs no special case. */
    for (p += neg; p < end; p++)
        x = x * 10 - (*p - '0');
    return neg ? x : -x;
}
