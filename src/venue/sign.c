/* sign.c - HMAC-SHA256, Ed25519 and RSA-SHA256 signatures over OpenSSL (see sign.h). */
#include "looptrader/sign.h"
#include "looptrader/error.h"

#include <limits.h>
#include <pthread.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

struct sign_key {
    enum sign_key_type type;    /* immutable */
    EVP_PKEY *pkey;             /* owned; immutable after load */
};

struct sign_hmac {
    pthread_mutex_t lock;       /* guards ctx during a signature */
    EVP_MAC_CTX *ctx;           /* owned; keyed once by sign_hmac_new */
};

static void to_hex(const unsigned char mac[32], char out[SIGN_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[SIGN_HEX_LEN] = '\0';
}

int sign_hmac_sha256_hex(const char *key, size_t key_len, const void *data,
                         size_t data_len, char out[SIGN_HEX_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (key_len > 0x7fffffff)
        return LT_EINVAL;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, data_len, mac, &mac_len) ||
        mac_len != 32)
        return LT_EINVAL;
    to_hex(mac, out);
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

int sign_hmac_new(const char *key, size_t key_len, struct sign_hmac **out)
{
    *out = NULL;
    struct sign_hmac *k = calloc(1, sizeof *k);
    if (!k)
        return LT_ENOMEM;
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    k->ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    EVP_MAC_free(mac); /* the context holds its own reference */
    char digest[] = "SHA256";
    OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                            OSSL_PARAM_construct_end() };
    /* OpenSSL refuses an empty key (NULL means "keep the current one"), as
     * the one-shot HMAC does not: both must give the same digest. */
    static const unsigned char empty[1];
    if (!k->ctx ||
        EVP_MAC_init(k->ctx, key_len ? (const unsigned char *)key : empty, key_len, params) != 1) {
        EVP_MAC_CTX_free(k->ctx);
        free(k);
        return LT_EINVAL;
    }
    pthread_mutex_init(&k->lock, NULL);
    *out = k;
    return 0;
}

int sign_hmac_hex(struct sign_hmac *k, const void *data, size_t data_len,
                  char out[SIGN_HEX_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    size_t mac_len = 0;
    pthread_mutex_lock(&k->lock);
    /* A NULL key re-initialises the context with the key it was given. */
    int ok = EVP_MAC_init(k->ctx, NULL, 0, NULL) == 1 &&
             EVP_MAC_update(k->ctx, data, data_len) == 1 &&
             EVP_MAC_final(k->ctx, mac, &mac_len, sizeof mac) == 1 && mac_len == 32;
    pthread_mutex_unlock(&k->lock);
    if (ok)
        to_hex(mac, out);
    OPENSSL_cleanse(mac, sizeof(mac));
    return ok ? 0 : LT_EINVAL;
}

void sign_hmac_free(struct sign_hmac *k)
{
    if (!k)
        return;
    EVP_MAC_CTX_free(k->ctx); /* OpenSSL cleanses the keyed state it frees */
    pthread_mutex_destroy(&k->lock);
    free(k);
}

int sign_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}

static const char *const type_names[] = { "hmac", "ed25519", "rsa" };

int sign_key_type_parse(const char *name, enum sign_key_type *out)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, type_names[i])) {
            *out = (enum sign_key_type)i;
            return 0;
        }
    return LT_EINVAL;
}

const char *sign_key_type_name(enum sign_key_type t)
{
    return (unsigned)t < 3 ? type_names[t] : "?";
}

/* OpenSSL's default would prompt on the terminal for an encrypted key: a
 * trader must fail instead, with a message. */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

static int from_pkey(EVP_PKEY *pkey, int want, struct sign_key **out, struct lt_err *err)
{
    enum sign_key_type t;
    int id = EVP_PKEY_get_base_id(pkey);
    if (id == EVP_PKEY_ED25519) {
        t = SIGN_KEY_ED25519;
    } else if (id == EVP_PKEY_RSA) {
        int bits = EVP_PKEY_get_bits(pkey);
        t = SIGN_KEY_RSA;
        if (bits < 2048 || bits > SIGN_RSA_MAX_BITS) {
            EVP_PKEY_free(pkey);
            return lt_err_set(err, LT_EINVAL, "RSA key of %d bits: 2048 to %d are accepted",
                              bits, SIGN_RSA_MAX_BITS);
        }
    } else {
        EVP_PKEY_free(pkey);
        return lt_err_set(err, LT_EINVAL, "the key is neither Ed25519 nor RSA");
    }
    if (want >= 0 && t != (enum sign_key_type)want) {
        EVP_PKEY_free(pkey);
        return lt_err_set(err, LT_EINVAL, "the key is %s, not %s", sign_key_type_name(t),
                          sign_key_type_name((enum sign_key_type)want));
    }
    struct sign_key *k = malloc(sizeof *k);
    if (!k) {
        EVP_PKEY_free(pkey);
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    }
    k->type = t;
    k->pkey = pkey;
    *out = k;
    return 0;
}

static int load_pem(const char *pem, size_t len, int private, int want, struct sign_key **out,
                    struct lt_err *err)
{
    if (len > INT_MAX)
        return lt_err_set(err, LT_EINVAL, "PEM too large");
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    EVP_PKEY *pkey = private ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL)
                             : PEM_read_bio_PUBKEY(bio, NULL, no_password, NULL);
    BIO_free(bio);
    if (!pkey)
        return lt_err_set(err, LT_EINVAL,
                          private ? "not an unencrypted PEM private key"
                                  : "not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    return from_pkey(pkey, want, out, err);
}

int sign_key_private_pem(const char *pem, size_t len, enum sign_key_type want,
                         struct sign_key **out, struct lt_err *err)
{
    if (want == SIGN_KEY_HMAC)
        return lt_err_set(err, LT_EINVAL, "an HMAC secret is not a PEM key");
    return load_pem(pem, len, 1, (int)want, out, err);
}

int sign_key_public_pem(const char *pem, size_t len, struct sign_key **out, struct lt_err *err)
{
    return load_pem(pem, len, 0, -1, out, err);
}

enum sign_key_type sign_key_type_of(const struct sign_key *k)
{
    return k->type;
}

void sign_key_free(struct sign_key *k)
{
    if (!k)
        return;
    EVP_PKEY_free(k->pkey);
    free(k);
}

/* Ed25519 signs the message itself (no digest); RSA signs its SHA-256
 * with the default PKCS#1 v1.5 padding. */
static EVP_MD_CTX *digest_ctx(const struct sign_key *k, int verify)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    const EVP_MD *md = k->type == SIGN_KEY_RSA ? EVP_sha256() : NULL;
    if (!ctx)
        return NULL;
    int ok = verify ? EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pkey)
                    : EVP_DigestSignInit(ctx, NULL, md, NULL, k->pkey);
    if (ok != 1) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int sign_key_sign_b64(const struct sign_key *k, const void *data, size_t len,
                      char out[SIGN_B64_MAX + 1])
{
    unsigned char sig[SIGN_RSA_MAX_BITS / 8];
    size_t sl = 0;
    EVP_MD_CTX *ctx = digest_ctx(k, 0);
    if (!ctx)
        return LT_EINVAL;
    int ok = EVP_DigestSign(ctx, NULL, &sl, data, len) == 1 && sl <= sizeof sig &&
             EVP_DigestSign(ctx, sig, &sl, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok)
        return LT_EINVAL;
    EVP_EncodeBlock((unsigned char *)out, sig, (int)sl);
    return 0;
}

/* Strict standard base64 (padding required) into out; returns the decoded
 * length or -1. */
static int b64_decode(const char *b64, unsigned char *out, size_t cap)
{
    size_t n = strlen(b64);
    if (n == 0 || n % 4 || n / 4 * 3 > cap)
        return -1;
    size_t pad = (b64[n - 1] == '=') + (n > 1 && b64[n - 2] == '=');
    for (size_t i = 0; i < n - pad; i++) {
        unsigned char c = (unsigned char)b64[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/'))
            return -1;
    }
    int got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n);
    return got < 0 ? -1 : got - (int)pad;
}

int sign_key_verify_b64(const struct sign_key *k, const void *data, size_t len,
                        const char *b64)
{
    unsigned char sig[SIGN_RSA_MAX_BITS / 8 + 3];
    int sl = b64_decode(b64, sig, sizeof sig);
    if (sl <= 0)
        return 0;
    EVP_MD_CTX *ctx = digest_ctx(k, 1);
    if (!ctx)
        return 0;
    int ok = EVP_DigestVerify(ctx, sig, (size_t)sl, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

void sign_url_encode(const char *b64, char out[SIGN_URL_MAX + 1])
{
    size_t j = 0;
    for (size_t i = 0; b64[i] && i < SIGN_B64_MAX; i++) {
        const char *e = b64[i] == '+' ? "%2B" : b64[i] == '/' ? "%2F" : b64[i] == '=' ? "%3D" : NULL;
        if (e) {
            memcpy(out + j, e, 3);
            j += 3;
        } else {
            out[j++] = b64[i];
        }
    }
    out[j] = '\0';
}
