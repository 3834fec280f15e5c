/*
 * params.c - query/form parameter collection and Binance-style checks.
 *
 * Values are kept decoded in one strbuf per request (reused across requests
 * on a keep-alive connection), so that lookups are a short linear scan and
 * a request allocates nothing once the buffer has grown.
 */
#include "looptrader/sim/params.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PARAMS_STORE_MAX (256 * 1024)

void params_init(struct params *p)
{
    p->n = 0;
    p->overflow = 0;
    strbuf_init(&p->store, PARAMS_STORE_MAX);
}

void params_reset(struct params *p)
{
    p->n = 0;
    p->overflow = 0;
    strbuf_reset(&p->store);
}

void params_release(struct params *p)
{
    strbuf_free(&p->store);
    p->n = 0;
    p->overflow = 0;
}

int params_fail(struct lt_err *err, int http_status, int venue_code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->code = LT_EEXCHANGE;
        err->venue_code = venue_code;
        err->http_status = http_status;
    }
    return LT_EEXCHANGE;
}

int params_add_pair(struct params *p, const char *key, size_t key_len, const char *val,
                    size_t val_len, enum params_origin origin)
{
    if (p->n >= PARAMS_MAX) {
        p->overflow = 1;
        return 0;
    }
    struct param *it = &p->item[p->n];
    size_t k = p->store.len;
    int rc = strbuf_add(&p->store, key, key_len);
    if (!rc)
        rc = strbuf_addch(&p->store, '\0');
    size_t v = p->store.len;
    if (!rc)
        rc = strbuf_add(&p->store, val, val_len);
    if (!rc)
        rc = strbuf_addch(&p->store, '\0');
    if (rc)
        return rc;
    it->key = k;
    it->key_len = key_len;
    it->val = v;
    it->val_len = val_len;
    it->origin = origin;
    p->n++;
    return 0;
}

int params_add_fragment(struct params *p, const char *frag, size_t len, enum params_origin origin)
{
    if (!len)
        return 0;
    const char *eq = memchr(frag, '=', len);
    if (!eq)
        return params_add_pair(p, frag, len, "", 0, origin);
    return params_add_pair(p, frag, (size_t)(eq - frag), eq + 1, len - (size_t)(eq - frag) - 1,
                           origin);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int params_urldecode(struct strbuf *out, const char *src, size_t len)
{
    /* Decoding never lengthens: room for len once, then the bytes stored
     * in place (a strbuf_addch per byte was most of a form body's parse). */
    int rc = strbuf_grow(out, len);
    if (rc)
        return rc;
    char *d = out->buf + out->len;
    for (size_t i = 0; i < len; i++) {
        char c = src[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < len ? hexval(src[i + 1]) : -1, lo = hi < 0 ? -1 : hexval(src[i + 2]);
            if (lo < 0) {
                rc = LT_EPARSE;
                break;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        *d++ = c;
    }
    out->len = (size_t)(d - out->buf);
    out->buf[out->len] = '\0';
    return rc;
}

int params_parse_form(struct params *p, const char *raw, size_t len, struct lt_err *err)
{
    struct strbuf key = STRBUF_INIT, val = STRBUF_INIT;
    size_t i = 0;
    int rc = 0;

    while (i < len && !rc) {
        const char *seg = raw + i;
        const char *amp = memchr(seg, '&', len - i);
        size_t seg_len = amp ? (size_t)(amp - seg) : len - i;
        i += seg_len + 1;
        /* Trailing CR/LF from hand-written bodies are not part of a value. */
        while (!amp && seg_len && (seg[seg_len - 1] == '\n' || seg[seg_len - 1] == '\r'))
            seg_len--;
        if (!seg_len)
            continue;
        const char *eq = memchr(seg, '=', seg_len);
        size_t klen = eq ? (size_t)(eq - seg) : seg_len;
        strbuf_reset(&key);
        strbuf_reset(&val);
        rc = params_urldecode(&key, seg, klen);
        if (!rc && eq)
            rc = params_urldecode(&val, eq + 1, seg_len - klen - 1);
        if (rc == LT_EPARSE) {
            rc = params_fail(err, 400, -1100, "Illegal characters found in a parameter.");
            break;
        }
        if (!rc)
            rc = params_add_pair(p, key.buf, key.len, val.buf, val.len, PARAMS_BODY);
    }
    strbuf_free(&key);
    strbuf_free(&val);
    if (rc && rc != LT_EEXCHANGE)
        return params_fail(err, 400, -1100, "Illegal characters found in a parameter.");
    return rc;
}

const char *params_key(const struct params *p, int i)
{
    return p->store.buf + p->item[i].key;
}

const char *params_val(const struct params *p, int i)
{
    return p->store.buf + p->item[i].val;
}

static int name_ok(const char *s, size_t len)
{
    if (!len || len > 64)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

int params_validate(const struct params *p, struct lt_err *err)
{
    if (p->overflow)
        return params_fail(err, 400, -1101, "Too many parameters sent for this endpoint.");
    for (int i = 0; i < p->n; i++) {
        const struct param *a = &p->item[i];
        if (!name_ok(params_key(p, i), a->key_len))
            return params_fail(err, 400, -1100, "Illegal characters found in a parameter.");
        if (memchr(params_val(p, i), '\0', a->val_len))
            return params_fail(err, 400, -1100,
                               "Illegal characters found in parameter '%s'; legal range is "
                               "'^[\\x20-\\x7e]*$'.",
                               params_key(p, i));
        for (int j = 0; j < i; j++)
            if (p->item[j].key_len == a->key_len &&
                !memcmp(params_key(p, j), params_key(p, i), a->key_len))
                return params_fail(err, 400, -1101,
                                   "Duplicate values for a parameter detected.");
    }
    return 0;
}

const char *params_get(const struct params *p, const char *key)
{
    size_t klen = strlen(key);
    for (int i = 0; i < p->n; i++)
        if (p->item[i].key_len == klen && !memcmp(params_key(p, i), key, klen))
            return p->item[i].val_len ? params_val(p, i) : NULL;
    return NULL;
}

static int missing(struct lt_err *err, const char *key)
{
    return params_fail(err, 400, -1102,
                       "Mandatory parameter '%s' was not sent, was empty/null, or malformed.",
                       key);
}

int params_need(const struct params *p, const char *key, const char **out, struct lt_err *err)
{
    *out = params_get(p, key);
    return *out ? 0 : missing(err, key);
}

int params_int(const struct params *p, const char *key, int64_t *out, int *present,
               struct lt_err *err)
{
    const char *v = params_get(p, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    int64_t n = 0;
    size_t len = strlen(v);
    if (len > 19)
        goto bad;
    for (size_t i = 0; i < len; i++) {
        if (v[i] < '0' || v[i] > '9' || n > (INT64_MAX - (v[i] - '0')) / 10)
            goto bad;
        n = n * 10 + (v[i] - '0');
    }
    *out = n;
    return 0;
bad:
    return params_fail(err, 400, -1100,
                       "Illegal characters found in parameter '%s'; legal range is "
                       "'^[0-9]{1,20}$'.",
                       key);
}

int params_need_int(const struct params *p, const char *key, int64_t *out, struct lt_err *err)
{
    int present = 0;
    int rc = params_int(p, key, out, &present, err);
    if (rc)
        return rc;
    return present ? 0 : missing(err, key);
}

int params_money(const struct params *p, const char *key, money_t *out, int *present,
                 struct lt_err *err)
{
    const char *v = params_get(p, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return 0;
    money_t m;
    if (v[0] == '-' || money_parse(v, &m))
        return params_fail(err, 400, -1100,
                           "Illegal characters found in parameter '%s'; legal range is "
                           "'^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
                           key);
    *out = m;
    return 0;
}
