/*
 * sign.h - HMAC-SHA256 request signing, shared by the trader and the simulator.
 *
 * Binance signs the exact bytes of "query string" followed by "body" with the
 * account secret and sends the lowercase hex digest as `signature`.
 */
#ifndef LOOPTRADER_SIGN_H
#define LOOPTRADER_SIGN_H

#include <stddef.h>

#define SIGN_HEX_LEN 64

/* Writes the lowercase hex HMAC-SHA256 of data under key into out
 * (SIGN_HEX_LEN + 1 bytes, NUL-terminated).  Returns 0 or LT_EINVAL. */
int sign_hmac_sha256_hex(const char *key, size_t key_len, const void *data,
                         size_t data_len, char out[SIGN_HEX_LEN + 1]);

/* Constant-time comparison of two NUL-terminated hex digests: 1 if equal. */
int sign_equal(const char *a, const char *b);

#endif
