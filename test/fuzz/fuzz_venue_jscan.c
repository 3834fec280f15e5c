/*
 * fuzz_venue_jscan.c - the scanner against jansson, and the hot parsers'
 * fast path against their jansson path.
 *
 * The input as one document: what jscan_parse accepts jansson must accept
 * with the same meaning (types, integers, reals, unescaped strings, every
 * object's members with the last duplicate winning), and what jansson
 * accepts jscan must accept too unless it refused on its own limits (depth,
 * an undecided real) or the input holds a NUL byte (jansson 2.14 drops a
 * NUL right after a number or a literal: its lexer's unget of the NUL
 * reads as an empty look-ahead buffer; jscan refuses the byte).  Then, for the whole input and for each of its lines
 * (as fuzz_venue_push feeds a connection's messages), the public push and
 * order parsers (jscan, jansson where it declines) must give exactly what
 * the jansson path alone gives: the return code, every byte of the output,
 * and the error message.  What jscan_parse_object and
 * jscan_iter_next_listed list is what walking the same objects finds.
 */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "looptrader/jscan.h"
#include "looptrader/venue_binance.h"
#include "looptrader/venue_json.h"

static int jscan_type_is(const struct jscan_value *v, const json_t *j)
{
    switch (v->type) {
    case JSCAN_STRING: return json_is_string(j);
    case JSCAN_INTEGER: return json_is_integer(j);
    case JSCAN_REAL: return json_is_real(j);
    case JSCAN_TRUE: return json_is_true(j);
    case JSCAN_FALSE: return json_is_false(j);
    case JSCAN_NULL: return json_is_null(j);
    case JSCAN_OBJECT: return json_is_object(j);
    case JSCAN_ARRAY: return json_is_array(j);
    default: return 0;
    }
}

/* A later member of it has the same raw key as k. */
static int key_again(struct jscan_iter it, const struct jscan_value *k)
{
    struct jscan_value k2, v2;
    while (jscan_iter_next(&it, &k2, &v2) > 0)
        if (k2.len == k->len && memcmp(k2.ptr, k->ptr, k->len) == 0)
            return 1;
    return 0;
}

/* v (scanned) means what j (jansson's) means. */
static void jscan_same(const struct jscan_value *v, json_t *j)
{
    FUZZ_CHECK(jscan_type_is(v, j));
    struct jscan_iter it;
    struct jscan_value k, e;
    switch (v->type) {
    case JSCAN_STRING:
        if (!v->escaped)
            FUZZ_CHECK(v->len == json_string_length(j) &&
                       memcmp(v->ptr, json_string_value(j), v->len) == 0);
        break;
    case JSCAN_INTEGER:
        FUZZ_CHECK(jscan_int64(v) == (int64_t)json_integer_value(j));
        break;
    case JSCAN_REAL:
        if (v->len < 512) {
            char copy[512];
            memcpy(copy, v->ptr, v->len);
            copy[v->len] = '\0';
            FUZZ_CHECK(strtod(copy, NULL) == json_real_value(j));
        }
        break;
    case JSCAN_ARRAY: {
        size_t i = 0;
        for (jscan_iter_init(&it, v); jscan_iter_next(&it, NULL, &e) > 0; i++) {
            FUZZ_CHECK(i < json_array_size(j));
            jscan_same(&e, json_array_get(j, i));
        }
        FUZZ_CHECK(i == json_array_size(j));
        break;
    }
    case JSCAN_OBJECT: {
        size_t distinct = 0;
        int escaped_keys = 0;
        for (jscan_iter_init(&it, v); jscan_iter_next(&it, &k, &e) > 0;) {
            if (k.escaped) {
                escaped_keys = 1;
                continue;
            }
            json_t *m = json_object_getn(j, k.ptr, k.len);
            FUZZ_CHECK(m != NULL);
            if (!key_again(it, &k)) {
                distinct++;
                jscan_same(&e, m);
            }
        }
        if (!escaped_keys)
            FUZZ_CHECK(distinct == json_object_size(j));
        break;
    }
    default:
        break;
    }
}

static void scanner_vs_jansson(const char *buf, size_t len)
{
    struct jscan_value root;
    int rc = jscan_parse(buf, len, &root);
    FUZZ_CHECK(rc == 0 || rc == JSCAN_EINVAL || rc == JSCAN_EDEPTH || rc == JSCAN_ELONG);
    json_t *j = json_loadb(buf, len, JSON_DECODE_ANY, NULL);
    if (rc == 0) {
        FUZZ_CHECK(j != NULL);
        jscan_same(&root, j);
    } else if (rc == JSCAN_EINVAL && !memchr(buf, '\0', len)) {
        FUZZ_CHECK(j == NULL);
    }
    json_decref(j);
}

/* m[0..n) are what the iterator walks in obj, in order. */
static void members_walked(const struct jscan_value *obj, const struct jscan_member *m, size_t n)
{
    struct jscan_iter it;
    struct jscan_value k, v;
    size_t i = 0;
    for (jscan_iter_init(&it, obj); jscan_iter_next(&it, &k, &v) > 0; i++) {
        FUZZ_CHECK(i < n);
        FUZZ_CHECK(m[i].key.ptr == k.ptr && m[i].key.len == k.len &&
                   m[i].key.escaped == k.escaped);
        FUZZ_CHECK(m[i].val.ptr == v.ptr && m[i].val.len == v.len && m[i].val.type == v.type &&
                   m[i].val.escaped == v.escaped);
    }
    FUZZ_CHECK(i == n);
}

/* jscan_iter_next_listed walks the container as jscan_iter_next does, and
 * an object it lists is what walking that object finds (a small m[], so
 * that what does not fit is exercised too). */
static void iter_listed_same(const struct jscan_value *c)
{
    struct jscan_iter a, b;
    struct jscan_value ka, va, kb, vb;
    struct jscan_member m[4];
    size_t n;
    jscan_iter_init(&a, c);
    jscan_iter_init(&b, c);
    for (;;) {
        int ra = jscan_iter_next(&a, &ka, &va);
        FUZZ_CHECK(jscan_iter_next_listed(&b, &kb, &vb, m, 4, &n) == ra);
        if (ra <= 0)
            break;
        FUZZ_CHECK(va.ptr == vb.ptr && va.len == vb.len && va.type == vb.type);
        if (c->type == JSCAN_OBJECT)
            FUZZ_CHECK(ka.ptr == kb.ptr && ka.len == kb.len);
        if (vb.type != JSCAN_OBJECT)
            FUZZ_CHECK(n == 0);
        else if (n <= 4)
            members_walked(&vb, m, n);
    }
}

/* jscan_parse_object decides as jscan_parse does, and what it lists (the
 * root's members, the members of objects that are their values) is what
 * walking those objects finds; an array root lists nothing.  Small lists,
 * so that what does not fit is exercised too. */
static void listing_same(const char *buf, size_t len)
{
    struct jscan_value root, r2;
    struct jscan_member m[8], inner[8];
    struct jscan_list l = { m, 8, 0, inner, 8, 0 };
    int rc = jscan_parse_object(buf, len, &root, &l);
    FUZZ_CHECK(rc == jscan_parse(buf, len, &r2));
    if (rc == 0 && (root.type == JSCAN_OBJECT || root.type == JSCAN_ARRAY))
        iter_listed_same(&root);
    if (rc || root.type != JSCAN_OBJECT) {
        FUZZ_CHECK(l.n == 0 && l.inner_n == 0);
        return;
    }
    FUZZ_CHECK(l.inner_n <= l.inner_max);
    if (l.n > l.max)
        return;
    members_walked(&root, m, l.n);
    for (size_t i = 0; i < l.n; i++) {
        FUZZ_CHECK(m[i].inner_first + (size_t)m[i].inner_n <= l.inner_n);
        if (m[i].inner_n) {
            FUZZ_CHECK(m[i].val.type == JSCAN_OBJECT);
            members_walked(&m[i].val, inner + m[i].inner_first, m[i].inner_n);
        }
        if (m[i].val.type == JSCAN_ARRAY || m[i].val.type == JSCAN_OBJECT)
            iter_listed_same(&m[i].val);
    }
}

static void push_same(const char *buf, size_t len)
{
    struct venue_push a, b;
    struct lt_err ea = { 0 }, eb = { 0 };
    int ra = venue_binance_parse_push(buf, len, &a, &ea);
    int rb = venue_binance_parse_push_json(buf, len, &b, &eb);
    FUZZ_CHECK(ra == rb);
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    if (ra)
        FUZZ_CHECK(strcmp(ea.msg, eb.msg) == 0);
    int rs = venue_binance_parse_push_scan(buf, len, &a, &ea);
    FUZZ_CHECK(rs == VENUE_JSON_DECLINE || rs == rb);
}

static void order_same(const char *buf, size_t len)
{
    struct order_state a, b;
    struct lt_err ea = { 0 }, eb = { 0 };
    memset(&a, 0x5a, sizeof a);
    memset(&b, 0x5a, sizeof b);
    int ra = venue_binance_parse_order(buf, len, &a, &ea);
    int rb = venue_binance_parse_order_json(buf, len, &b, &eb);
    FUZZ_CHECK(ra == rb);
    FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0);
    if (ra)
        FUZZ_CHECK(strcmp(ea.msg, eb.msg) == 0);
}

FUZZ_TARGET(venue_jscan)
{
    const char *in = (const char *)data;
    scanner_vs_jansson(in, size);
    listing_same(in, size);
    push_same(in, size);
    order_same(in, size);
    for (size_t i = 0; i < size;) {
        const char *nl = memchr(in + i, '\n', size - i);
        size_t len = nl ? (size_t)(nl - (in + i)) : size - i;
        if (len != size) {
            scanner_vs_jansson(in + i, len);
            listing_same(in + i, len);
            push_same(in + i, len);
            order_same(in + i, len);
        }
        i += len + 1;
    }
    return 0;
}
