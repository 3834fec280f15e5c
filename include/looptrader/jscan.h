/*
 * jscan.h - a zero-allocation JSON scanner for the hot parse paths.
 *
 * jansson builds a tree (a malloc per value) for every push and order
 * answer; the trader reads a dozen fields of each and throws the tree away.
 * jscan validates the bytes in place and hands out spans into them, so a
 * caller reads what it needs with no allocation at all.
 *
 *   struct jscan_value root, key, val;
 *   struct jscan_iter it;
 *   if (jscan_parse(buf, len, &root) == 0 && root.type == JSCAN_OBJECT)
 *       for (jscan_iter_init(&it, &root); jscan_iter_next(&it, &key, &val) > 0;)
 *           ... key.ptr[0..key.len) is the key's raw bytes, val the value ...
 *
 * jscan_parse_object lists the root object's members while it validates,
 * and those of the objects that are their values (a stream's "data", a
 * WS API event's "event", an answer's "result"), which spares the hot
 * paths a second walk over the body.
 *
 * jscan_parse accepts a document only when jansson's json_loadb (with
 * JSON_DECODE_ANY; without it jansson also wants an object or an array at
 * the root) would accept it too, and the values mean the same: strict
 * RFC 8259 (structure, literals, number grammar, escapes, no control
 * bytes in strings, nothing but whitespace after the value), plus
 * jansson's own limits: UTF-8 well formed (checked, never decoded),
 * surrogate escapes paired, no \u0000, integers (no fraction, no
 * exponent) within int64, reals finite as a double.  Beyond those it
 * refuses what it will not judge: nesting deeper than JSCAN_DEPTH_MAX
 * (JSCAN_EDEPTH) and a real too close to DBL_MAX to call without a long
 * strtod (JSCAN_ELONG).  A caller that falls back to jansson on any
 * refusal therefore never reads a document differently from jansson.
 *
 * Strings are not decoded: a string span is the bytes between its quotes
 * and `escaped` says whether a backslash is among them (then the span is
 * not the string's value).  Duplicate keys are all listed by the iterator,
 * in order; jansson keeps the last one, so a caller that wants jansson's
 * meaning takes the last match.  Pure; no global state; thread-safe.
 */
#ifndef LOOPTRADER_JSCAN_H
#define LOOPTRADER_JSCAN_H

#include <stddef.h>
#include <stdint.h>

#define JSCAN_DEPTH_MAX 32 /* objects and arrays inside each other, the root counted */

enum {
    JSCAN_EINVAL = -1, /* not JSON, or beyond jansson's rules */
    JSCAN_EDEPTH = -2, /* nested deeper than JSCAN_DEPTH_MAX */
    JSCAN_ELONG = -3   /* a real this scanner does not decide (see above) */
};

enum jscan_type {
    JSCAN_NONE = 0,
    JSCAN_STRING,
    JSCAN_INTEGER, /* a number with neither fraction nor exponent */
    JSCAN_REAL,
    JSCAN_TRUE,
    JSCAN_FALSE,
    JSCAN_NULL,
    JSCAN_OBJECT,
    JSCAN_ARRAY
};

/* A span of the scanned buffer.  Strings: the bytes between the quotes.
 * Everything else: the whole token, brackets included. */
struct jscan_value {
    const char *ptr;
    uint32_t len;
    uint8_t type;    /* enum jscan_type */
    uint8_t escaped; /* strings: a backslash escape is inside */
};

/* Validates buf[0..len) as exactly one JSON value (whitespace around it
 * allowed) and fills *root.  0 or a JSCAN_E* code (*root untouched). */
int jscan_parse(const char *buf, size_t len, struct jscan_value *root);

/* One member of an object: its key (a string span) and its value. */
struct jscan_member {
    struct jscan_value key, val;
    /* jscan_parse_object, a member of the root whose value is an object:
     * that object's members are inner[inner_first..+inner_n) of its list
     * (inner_n 0 when it has none or they were not listed); else 0. */
    uint32_t inner_first, inner_n;
};

/* What jscan_parse_object lists, when the root is an object: its members,
 * the first max into m[] and n how many there are (more than max when
 * some did not fit); and the members of each object that is one of their
 * values into inner[0..inner_max), inner_n of them.  An object whose
 * members do not all fit in what inner[] has left is not listed (its
 * member's inner_n is 0).  n and inner_n are 0 for any other root. */
struct jscan_list {
    struct jscan_member *m;
    size_t max, n;
    struct jscan_member *inner;
    size_t inner_max, inner_n;
};

/* jscan_parse, and *list filled in the same pass (see above). */
int jscan_parse_object(const char *buf, size_t len, struct jscan_value *root,
                       struct jscan_list *list);

/* Walks the members of an object or the elements of an array that
 * jscan_parse accepted (as the root or inside it). */
struct jscan_iter {
    const char *p, *end;
    uint8_t object;
};

void jscan_iter_init(struct jscan_iter *it, const struct jscan_value *container);

/* The next member (key and value) or element (value; key may be NULL):
 * 1, or 0 past the last. */
int jscan_iter_next(struct jscan_iter *it, struct jscan_value *key, struct jscan_value *val);

/* jscan_iter_next, and when the value is an object its members listed
 * in the same walk: the first max into m[] and *n how many (more than max
 * when some did not fit; 0 for any other value).  One walk over an array
 * of objects where jscan_iter_next and then walking each object take two. */
int jscan_iter_next_listed(struct jscan_iter *it, struct jscan_value *key, struct jscan_value *val,
                           struct jscan_member *m, size_t max, size_t *n);

/* The number of a JSCAN_INTEGER value (exact: jscan_parse checked its
 * range); meaningless for any other type. */
int64_t jscan_int64(const struct jscan_value *v);

#endif
