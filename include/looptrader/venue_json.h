/*
 * venue_json.h - the answer-reading helpers every venue dialect shares.
 *
 * A dialect's answers are untrusted: a field is read only through these,
 * which check its JSON type, bound its length and say which field of which
 * dialect was wrong ("binance: field 'price' is not a decimal string").
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
#include "looptrader/money.h"
#include "looptrader/venue.h"

/* Each reads o[key] into *out: 0, or LT_EPARSE naming who and key.  A
 * missing or null field is 0 with *out untouched unless required. */
int venue_json_money(const char *who, json_t *o, const char *key, int required, money_t *out,
                     struct lt_err *err);
int venue_json_int(const char *who, json_t *o, const char *key, int required, int64_t *out,
                   struct lt_err *err);
/* Copies a string field into out[size]; one of size or more is malformed. */
int venue_json_str(const char *who, json_t *o, const char *key, int required, char *out,
                   size_t size, struct lt_err *err);

/* o[key] if it is a string, else NULL (borrowed from o). */
const char *venue_json_strv(json_t *o, const char *key);

/* Binance's order status names (both dialects use them); UNKNOWN otherwise. */
enum order_status venue_json_status(const char *s);

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

#endif
