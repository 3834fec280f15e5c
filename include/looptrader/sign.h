/*
 * sign.h - request signing, shared by the trader and the simulator.
 *
 * Binance signs the exact bytes of "query string" followed by "body" (REST)
 * or of the WebSocket API's params sorted by name, with one of three key
 * types:
 *   - HMAC-SHA256 with the account secret: the lowercase hex digest;
 *   - Ed25519 (RFC 8032, pure, no pre-hash): the 64-byte signature in
 *     standard base64;
 *   - RSA PKCS#1 v1.5 over SHA-256: the signature in standard base64.
 * REST sends the base64 signatures URL-encoded (+ / = are not safe in a
 * query); the WebSocket API sends them as JSON strings, unencoded.
 *
 * An asymmetric key is a struct sign_key: loaded once from PEM, immutable
 * afterwards and safe to use from several threads at once (every call makes
 * its own OpenSSL context).  The private half never leaves it.
 *
 * An HMAC secret signs either one-shot (sign_hmac_sha256_hex: the algorithm
 * fetched and the key's pads hashed on every call) or through a struct
 * sign_hmac keyed once (sign_hmac_new): a signature then only re-initialises
 * the keyed context, about a tenth of the one-shot's cost.
 */
#ifndef LOOPTRADER_SIGN_H
#define LOOPTRADER_SIGN_H

#include <stddef.h>

#include "looptrader/error.h"

#define SIGN_HEX_LEN 64
/* RSA keys are accepted up to 4096 bits: 512 bytes, 684 base64 characters. */
#define SIGN_RSA_MAX_BITS 4096
#define SIGN_B64_MAX 684
/* The same, URL-encoded: each + / = may grow to three characters. */
#define SIGN_URL_MAX (3 * SIGN_B64_MAX)

enum sign_key_type { SIGN_KEY_HMAC, SIGN_KEY_ED25519, SIGN_KEY_RSA };

struct sign_key;

/* Writes the lowercase hex HMAC-SHA256 of data under key into out
 * (SIGN_HEX_LEN + 1 bytes, NUL-terminated).  Returns 0 or LT_EINVAL. */
int sign_hmac_sha256_hex(const char *key, size_t key_len, const void *data,
                         size_t data_len, char out[SIGN_HEX_LEN + 1]);

/* An HMAC-SHA256 key keyed once, for every later signature with it.  The
 * secret's bytes are hashed into the context and not kept.  Safe from
 * several threads at once: a signature holds the key's own mutex for the
 * computation only (no I/O, no wait), since an account's worker and the
 * WebSocket thread (re-subscribing its user stream) may sign at the same
 * time.  Returns 0, LT_EINVAL (OpenSSL refused the key) or LT_ENOMEM. */
struct sign_hmac;
int sign_hmac_new(const char *key, size_t key_len, struct sign_hmac **out);

/* The same digest as sign_hmac_sha256_hex under k's key.  0 or LT_EINVAL. */
int sign_hmac_hex(struct sign_hmac *k, const void *data, size_t data_len,
                  char out[SIGN_HEX_LEN + 1]);

/* Frees k and cleanses its keyed state; NULL is a no-op. */
void sign_hmac_free(struct sign_hmac *k);

/* Constant-time comparison of two NUL-terminated hex digests: 1 if equal. */
int sign_equal(const char *a, const char *b);

/* "hmac", "ed25519", "rsa" and back.  parse returns 0 or LT_EINVAL. */
int sign_key_type_parse(const char *name, enum sign_key_type *out);
const char *sign_key_type_name(enum sign_key_type t);

/* Reads a PEM private key (PKCS#8 or traditional, unencrypted) of type
 * want (ED25519 or RSA) into a new key the caller frees with
 * sign_key_free.  The error names what is wrong, never the key's bytes.
 * Returns 0, LT_EINVAL (not a key, wrong type, RSA out of 2048..4096 bits,
 * encrypted) or LT_ENOMEM. */
int sign_key_private_pem(const char *pem, size_t len, enum sign_key_type want,
                         struct sign_key **out, struct lt_err *err);

/* The same for a PEM public key (SubjectPublicKeyInfo): the type is the
 * key's own, read back with sign_key_type_of. */
int sign_key_public_pem(const char *pem, size_t len, struct sign_key **out,
                        struct lt_err *err);

enum sign_key_type sign_key_type_of(const struct sign_key *k);
void sign_key_free(struct sign_key *k);

/* The base64 signature of data under a private key, NUL-terminated in out
 * (SIGN_B64_MAX + 1 bytes).  Returns 0 or LT_EINVAL. */
int sign_key_sign_b64(const struct sign_key *k, const void *data, size_t len,
                      char out[SIGN_B64_MAX + 1]);

/* 1 when b64 is a valid signature of data under k (public or private),
 * 0 otherwise (including malformed base64). */
int sign_key_verify_b64(const struct sign_key *k, const void *data, size_t len,
                        const char *b64);

/* b64 with + / = percent-encoded, for a query string or form body. */
void sign_url_encode(const char *b64, char out[SIGN_URL_MAX + 1]);

#endif
