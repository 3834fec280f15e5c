/*
 * venue_json.h - the answer-reading helpers every venue dialect shares.
 *
 * A dialect's answers are untrusted: a field is read only through these,
 * which check its JSON type, bound its length and say which field of which
 * dialect was wrong ("binance: field 'price' is not a decimal string").
 * The readers take a value from either parser (jansson's tree, or jscan's
 * spans on the hot paths), so the checks are the same whichever read it.
 * Amounts are decimal strings read exactly; "-0" reads as the least
 * negative amount, so that the guard refuses it like any negative.  Venue
 * text copied into our messages is redacted whole, then cut and made
 * printable, so that a secret the venue echoes is never split by the cut.
 * Pure apart from the log's redactor (thread-safe).
 */
#ifndef LOOPTRADER_VENUE_JSON_H
#define LOOPTRADER_VENUE_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/http.h"
#include "looptrader/jscan.h"
#include "looptrader/money.h"
#include "looptrader/venue.h"

/* One field's value as the readers below see it, whichever parser read
 * it: jansson (a tree) or jscan (spans of the body, see jscan.h).  A
 * scanned string is the raw bytes between its quotes, so one with escapes
 * (`escaped`) is not its value: a reader that needs the text returns
 * VENUE_JSON_DECLINE for it, and the caller parses the body with jansson
 * instead. */
enum venue_jtype {
    VJ_ABSENT = 0,
    VJ_NULL,
    VJ_STRING,
    VJ_INTEGER,
    VJ_REAL,
    VJ_TRUE,
    VJ_FALSE,
    VJ_OBJECT,
    VJ_ARRAY
};

struct venue_jval {
    enum venue_jtype type;
    const char *str;  /* VJ_STRING: its bytes, not NUL-terminated when scanned */
    size_t len;
    int escaped;      /* VJ_STRING, scanned: str holds backslash escapes */
    int64_t num;      /* VJ_INTEGER */
    json_t *json;     /* jansson's value; NULL when scanned */
    struct jscan_value span; /* the scanner's value (objects, arrays) */
    /* A scanned object whose members were listed as it was read (a root
     * member's value, see venue_jobj; an array's element, see venue_jiter):
     * them, borrowed from that venue_jobj, or from the venue_jiter until
     * its next element; NULL when its span is to be walked instead. */
    const struct jscan_member *members;
    size_t n_members;
};

/* Positive, never an LT_E* code: "the scanner cannot read this exactly". */
#define VENUE_JSON_DECLINE 1

/* An object whose fields are looked up by key: jansson's, or a scanned
 * one's members (the last of duplicate keys wins, as in jansson). */
#define VENUE_JOBJ_MAX 64
#define VENUE_JOBJ_SLOTS 128 /* a power of two, twice VENUE_JOBJ_MAX */
struct venue_jobj {
    json_t *json; /* jansson's object, or NULL when scanned */
    /* The members looked up: own's, or (venue_jobj_of) the list a parent
     * object's scan made of this one's, borrowed like a venue_jval's
     * members and indexed where they are rather than copied. */
    const struct jscan_member *m;
    /* Open addressing by the key's hash: 1 + the index in m of the key's
     * last value, 0 for an empty slot. */
    uint8_t slot[VENUE_JOBJ_SLOTS];
    /* venue_jobj_scan: the root's members, and the members of the objects
     * that are its member values, as the scan listed them (jscan_list), so
     * that venue_jobj_of reads them instead of walking those objects
     * again.  Untouched by an object indexed from a parent's list. */
    struct jscan_member own[VENUE_JOBJ_MAX];
    struct jscan_member inner[VENUE_JOBJ_MAX];
};

/* o must be a jansson object. */
void venue_jobj_json(json_t *o, struct venue_jobj *out);
/* v (VJ_OBJECT, either parser) as an object: 0, or VENUE_JSON_DECLINE for
 * a scanned one with more than VENUE_JOBJ_MAX members or an escaped key
 * (which might decode to one the caller looks up).  out borrows what v
 * borrows (its members: from their venue_jobj, or from the venue_jiter
 * until its next element). */
int venue_jobj_of(const struct venue_jval *v, struct venue_jobj *out);
/* buf scanned (jscan_parse) as an object: 0, or VENUE_JSON_DECLINE for
 * anything else (not JSON, not an object, beyond the scanner's limits). */
int venue_jobj_scan(const char *buf, size_t len, struct venue_jobj *out);

/* o[key] into *out (VJ_ABSENT when missing). */
void venue_jobj_get(const struct venue_jobj *o, const char *key, struct venue_jval *out);

/* The elements of an array value, either parser's.  A scanned object
 * element comes with its members (venue_jval.members), listed in the walk
 * that found its end. */
struct venue_jiter {
    json_t *json;
    size_t i;
    struct jscan_iter scan;
    struct jscan_member m[VENUE_JOBJ_MAX];
};
void venue_jiter_init(struct venue_jiter *it, const struct venue_jval *arr);
/* 1 with *elem, or 0 past the last. */
int venue_jiter_next(struct venue_jiter *it, struct venue_jval *elem);

/* The readers: each reads one value into *out: 0, LT_EPARSE naming who
 * and key, or VENUE_JSON_DECLINE (an escaped scanned string).  A missing
 * or null value is 0 with *out untouched unless required.  Amounts are
 * decimal strings; "-0" reads as -1 unit (see above). */
int venue_jval_money(const char *who, const char *key, const struct venue_jval *v, int required,
                     money_t *out, struct lt_err *err);
int venue_jval_int(const char *who, const char *key, const struct venue_jval *v, int required,
                   int64_t *out, struct lt_err *err);
/* Copies a string into out[size]; one of size or more is malformed. */
int venue_jval_str(const char *who, const char *key, const struct venue_jval *v, int required,
                   char *out, size_t size, struct lt_err *err);
/* The text of a string value: 0 with *s and *len (*s NULL when v is not a
 * string), or VENUE_JSON_DECLINE. */
int venue_jval_text(const struct venue_jval *v, const char **s, size_t *len);

/* The same readers on o[key]. */
int venue_jobj_money(const char *who, const struct venue_jobj *o, const char *key, int required,
                     money_t *out, struct lt_err *err);
int venue_jobj_int(const char *who, const struct venue_jobj *o, const char *key, int required,
                   int64_t *out, struct lt_err *err);
int venue_jobj_str(const char *who, const struct venue_jobj *o, const char *key, int required,
                   char *out, size_t size, struct lt_err *err);
int venue_jobj_text(const struct venue_jobj *o, const char *key, const char **s, size_t *len);

/* The same readers on a jansson object's o[key] (a dialect that only
 * parses with jansson). */
int venue_json_money(const char *who, json_t *o, const char *key, int required, money_t *out,
                     struct lt_err *err);
int venue_json_int(const char *who, json_t *o, const char *key, int required, int64_t *out,
                   struct lt_err *err);
int venue_json_str(const char *who, json_t *o, const char *key, int required, char *out,
                   size_t size, struct lt_err *err);

/* o[key] if it is a string, else NULL (borrowed from o). */
const char *venue_json_strv(json_t *o, const char *key);

/* Binance's order status names (both dialects use them); UNKNOWN otherwise. */
enum order_status venue_json_status(const char *s);
/* The same over s[0..len). */
enum order_status venue_json_status_n(const char *s, size_t len);

/* The body of a dialect call: PERFORM(v, h, a, c, &resp, err) sends the
 * call c (retries, limits and error answers are the dialect's), and a 2xx
 * body (const char *body, size_t blen) is handed to PARSE_EXPR, whose
 * result the enclosing function returns.  The response is freed on every
 * path. */
#define VENUE_CALL_AND_PARSE(PERFORM, v, h, a, c, err, PARSE_EXPR)                       \
    do {                                                                                 \
        struct http_response resp_;                                                      \
        http_response_init(&resp_);                                                      \
        int rc_ = PERFORM((v), (h), (a), (c), &resp_, (err));                            \
        if (rc_ == 0) {                                                                  \
            const char *body = resp_.body.buf;                                           \
            size_t blen = resp_.body.len;                                                \
            rc_ = (PARSE_EXPR);                                                          \
        }                                                                                \
        http_response_release(&resp_);                                                   \
        return rc_;                                                                      \
    } while (0)

/* in, redacted whole, then cut to at most 200 characters and size - 1
 * bytes, non-printable bytes as '?'. */
void venue_json_clean_text(const char *in, char *out, size_t size);
/* The same over in[0..len), which need not be NUL-terminated. */
void venue_json_clean_text_n(const char *in, size_t len, char *out, size_t size);

#endif
