/*
 * params.h - request parameters of the simulator's Binance dialect.
 *
 * Binance accepts parameters in the query string and in an
 * application/x-www-form-urlencoded body, for every method.  This module
 * collects both into one ordered list of decoded key/value pairs and checks
 * them the way Binance does (duplicates, illegal names, numbers), so that
 * endpoint code only asks for typed values.  Errors carry the Binance code in
 * lt_err.venue_code and its message, ready to be sent back.
 *
 * Query fragments arrive already url-decoded by libwebsockets (one per
 * '&'-separated piece); bodies arrive raw and are decoded here.  The list
 * remembers each pair's origin so that auth can rebuild the signed payload.
 */
#ifndef LOOPTRADER_SIM_PARAMS_H
#define LOOPTRADER_SIM_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/strbuf.h"

#define PARAMS_MAX 64 /* more parameters than this is -1101 */

enum params_origin { PARAMS_QUERY, PARAMS_BODY, PARAMS_JSON };

struct param {
    size_t key, val;      /* offsets into params.store */
    size_t key_len, val_len;
    enum params_origin origin;
};

struct params {
    struct param item[PARAMS_MAX];
    int n;
    int overflow;         /* more than PARAMS_MAX were offered */
    struct strbuf store;  /* "key\0value\0" for every pair */
};

void params_init(struct params *p);
void params_reset(struct params *p); /* empties, keeps memory */
void params_release(struct params *p);

/* Adds one already-decoded "key=value" fragment (as libwebsockets hands out
 * query arguments).  Empty fragments are ignored.  0 or LT_ENOMEM/LT_ERANGE. */
int params_add_fragment(struct params *p, const char *frag, size_t len,
                        enum params_origin origin);

/* Adds a decoded pair (used for WebSocket API JSON params). */
int params_add_pair(struct params *p, const char *key, size_t key_len,
                    const char *val, size_t val_len, enum params_origin origin);

/* Decodes a raw form body ("a=1&b=x%20y+z") and adds its pairs.
 * A malformed escape fails with -1100 in err->venue_code. */
int params_parse_form(struct params *p, const char *raw, size_t len,
                      struct lt_err *err);

/* Binance's checks on the whole list: too many or duplicate parameters
 * (-1101), illegal parameter names (-1100). */
int params_validate(const struct params *p, struct lt_err *err);

const char *params_key(const struct params *p, int i);
const char *params_val(const struct params *p, int i);

/* The value of key, or NULL when absent.  An empty value counts as absent,
 * as Binance treats "symbol=" as "not sent". */
const char *params_get(const struct params *p, const char *key);

/* Mandatory string: -1102 "Mandatory parameter '<key>' was not sent, was
 * empty/null, or malformed." when absent. */
int params_need(const struct params *p, const char *key, const char **out,
                struct lt_err *err);

/* Optional unsigned integer (decimal digits only, fits int64).  *present
 * says whether it was sent; malformed -> -1100.  `present` may be NULL when
 * the caller keeps *out's default. */
int params_int(const struct params *p, const char *key, int64_t *out,
               int *present, struct lt_err *err);
/* Mandatory unsigned integer: -1102 when absent, -1100 when malformed. */
int params_need_int(const struct params *p, const char *key, int64_t *out,
                    struct lt_err *err);

/* Optional non-negative decimal amount; malformed -> -1100. */
int params_money(const struct params *p, const char *key, money_t *out,
                 int *present, struct lt_err *err);

/* Fills err as a Binance error: http status, venue code and message. */
int params_fail(struct lt_err *err, int http_status, int venue_code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Decodes %XX and '+' of src[0..len) into out (appended).  LT_EPARSE on a
 * malformed escape. */
int params_urldecode(struct strbuf *out, const char *src, size_t len);

#endif
