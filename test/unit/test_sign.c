/*
 * Unit tests: request signatures against known answers.
 *
 * HMAC: Binance's documented example.  Ed25519: RFC 8032 section 7.1 test 1
 * and, over Binance's example payload, the answers `openssl pkeyutl -sign
 * -rawin` gave for test/data/test_ed25519.pem; RSA: the answer of `openssl
 * dgst -sha256 -sign test/data/test_rsa.pem` (PKCS#1 v1.5 is deterministic,
 * as is Ed25519, so the vectors are exact).  The keys under test/data are
 * test-only keys made for this with openssl genpkey.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/sign.h"

static const char *const doc_query =
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559";

static const char *const ed_doc_sig =
    "3cMUwPSdA4HddH/hqC5M26PnK7+VNeoHgXCbL48G/VfqNsgGcuDpJ2XHUdsoKLL7BlB1MQuvqEfNpO16zOHFAg==";

static const char *const rsa_doc_sig =
    "UGVGYuhgmnizwlQZXOBE7EF0Ng5SUkQaFt4VKrUPV+b3csh9ZT0GHOxmRlvSW4hJg30JAe0VkocxUJ9moFLdc4BA"
    "RTJBBGmhdtjkBNuyfR4V6+YeTBoTd35ozrKMIoLZnJqnYDp8xUx7D5clpPAR3uiOAqID71os6crTiZP1EMGybuPg"
    "Xbxg7OzGPE506+EA3rbYymGRHfk35MF8Kf2g0GPqI8NqZzjaaGluCtCyg90FD9iK1JDUYMSCmxBeArVXD2i99H63"
    "MsR/cp+rjBnQpL0Z2eSWtiKh0eqiDOZTCLtMrV4V362x998U69JkCORm6FLs3WzBgE+tY5GUHHzcww==";

/* RFC 8032 7.1 test 1's secret as PKCS#8. */
static const char *const rfc_pem = "-----BEGIN PRIVATE KEY-----\n"
                                   "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                                   "-----END PRIVATE KEY-----\n";
static const char *const rfc_sig_hex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
    "b46bd25bf5f0595bbe24655141438e7a100b";

static char *slurp(const char *rel, size_t *len)
{
    char path[512];
    const char *root = getenv("LT_ROOT");
    snprintf(path, sizeof path, "%s/test/data/%s", root ? root : ".", rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[8192];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    char *copy = malloc(*len + 1);
    assert_non_null(copy);
    memcpy(copy, buf, *len + 1);
    return copy;
}

static struct sign_key *load(const char *rel, int private, int want)
{
    size_t len;
    char *pem = slurp(rel, &len);
    struct sign_key *k = NULL;
    struct lt_err err = { 0 };
    int rc = private ? sign_key_private_pem(pem, len, (enum sign_key_type)want, &k, &err)
                     : sign_key_public_pem(pem, len, &k, &err);
    free(pem);
    assert_int_equal(rc, 0);
    assert_non_null(k);
    return k;
}

static void binance_doc_example(void **state)
{
    (void)state;
    const char *secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    char out[SIGN_HEX_LEN + 1];
    assert_int_equal(sign_hmac_sha256_hex(secret, strlen(secret), doc_query, strlen(doc_query),
                                          out), 0);
    assert_string_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_true(sign_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"));
    assert_false(sign_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b70"));
    assert_false(sign_equal(out, "c8db"));
}

static void ed25519_rfc8032(void **state)
{
    (void)state;
    struct sign_key *k = NULL;
    struct lt_err err = { 0 };
    assert_int_equal(sign_key_private_pem(rfc_pem, strlen(rfc_pem), SIGN_KEY_ED25519, &k, &err), 0);
    char b64[SIGN_B64_MAX + 1];
    assert_int_equal(sign_key_sign_b64(k, "", 0, b64), 0);
    /* base64 of the RFC's hex signature */
    unsigned char raw[64];
    for (int i = 0; i < 64; i++) {
        unsigned v;
        sscanf(rfc_sig_hex + 2 * i, "%2x", &v);
        raw[i] = (unsigned char)v;
    }
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char want[89];
    int j = 0;
    for (int i = 0; i < 64; i += 3) {
        unsigned v = (unsigned)raw[i] << 16 | (i + 1 < 64 ? (unsigned)raw[i + 1] << 8 : 0) |
                     (i + 2 < 64 ? raw[i + 2] : 0);
        want[j++] = al[v >> 18 & 63];
        want[j++] = al[v >> 12 & 63];
        want[j++] = i + 1 < 64 ? al[v >> 6 & 63] : '=';
        want[j++] = i + 2 < 64 ? al[v & 63] : '=';
    }
    want[j] = '\0';
    assert_string_equal(b64, want);
    assert_true(sign_key_verify_b64(k, "", 0, b64));
    assert_false(sign_key_verify_b64(k, "x", 1, b64));
    sign_key_free(k);
}

/* The private key signs doc_query to want (openssl's answer), the public
 * key verifies it and refuses it over other bytes or with a changed byte. */
static void openssl_vector(const char *priv_pem, const char *pub_pem, enum sign_key_type type,
                           const char *want)
{
    struct sign_key *k = load(priv_pem, 1, type);
    struct sign_key *pub = load(pub_pem, 0, 0);
    char b64[SIGN_B64_MAX + 1];
    assert_int_equal(sign_key_type_of(pub), type);
    assert_int_equal(sign_key_sign_b64(k, doc_query, strlen(doc_query), b64), 0);
    assert_string_equal(b64, want);
    assert_true(sign_key_verify_b64(pub, doc_query, strlen(doc_query), want));
    assert_false(sign_key_verify_b64(pub, doc_query, strlen(doc_query) - 1, want));
    b64[5] = b64[5] == 'A' ? 'B' : 'A';
    assert_false(sign_key_verify_b64(pub, doc_query, strlen(doc_query), b64));
    sign_key_free(k);
    sign_key_free(pub);
}

static void ed25519_openssl_vector(void **state)
{
    (void)state;
    openssl_vector("test_ed25519.pem", "test_ed25519.pub.pem", SIGN_KEY_ED25519, ed_doc_sig);
}

static void rsa_openssl_vector(void **state)
{
    (void)state;
    openssl_vector("test_rsa.pem", "test_rsa.pub.pem", SIGN_KEY_RSA, rsa_doc_sig);
}

static void wrong_and_malformed(void **state)
{
    (void)state;
    struct sign_key *k = NULL, *ed = load("test_ed25519.pub.pem", 0, 0);
    struct lt_err err = { 0 };
    size_t len;
    char *pem = slurp("test_rsa.pem", &len);
    /* an RSA key where Ed25519 was configured: refused, and the message
     * carries no key material */
    assert_int_equal(sign_key_private_pem(pem, len, SIGN_KEY_ED25519, &k, &err), LT_EINVAL);
    assert_null(k);
    assert_non_null(strstr(err.msg, "rsa"));
    assert_null(strstr(err.msg, "MII"));
    assert_int_equal(sign_key_private_pem(pem, len, SIGN_KEY_HMAC, &k, &err), LT_EINVAL);
    free(pem);
    /* a public key is not a private key */
    pem = slurp("test_ed25519.pub.pem", &len);
    assert_int_equal(sign_key_private_pem(pem, len, SIGN_KEY_ED25519, &k, &err), LT_EINVAL);
    free(pem);
    assert_int_equal(sign_key_private_pem("junk", 4, SIGN_KEY_RSA, &k, &err), LT_EINVAL);
    assert_int_equal(sign_key_public_pem("", 0, &k, &err), LT_EINVAL);
    /* bad base64: wrong length, bad characters, RSA-sized garbage */
    assert_false(sign_key_verify_b64(ed, "", 0, ""));
    assert_false(sign_key_verify_b64(ed, "", 0, "abc"));
    assert_false(sign_key_verify_b64(ed, "", 0, "ab!d"));
    assert_false(sign_key_verify_b64(ed, "", 0, "===="));
    char big[1200];
    memset(big, 'A', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_false(sign_key_verify_b64(ed, "", 0, big));
    sign_key_free(ed);
}

static void types_and_url(void **state)
{
    (void)state;
    enum sign_key_type t;
    assert_int_equal(sign_key_type_parse("ed25519", &t), 0);
    assert_int_equal(t, SIGN_KEY_ED25519);
    assert_int_equal(sign_key_type_parse("rsa", &t), 0);
    assert_int_equal(t, SIGN_KEY_RSA);
    assert_int_equal(sign_key_type_parse("hmac", &t), 0);
    assert_int_equal(t, SIGN_KEY_HMAC);
    assert_int_equal(sign_key_type_parse("RSA", &t), LT_EINVAL);
    assert_string_equal(sign_key_type_name(SIGN_KEY_RSA), "rsa");
    char out[SIGN_URL_MAX + 1];
    sign_url_encode("a+b/c==", out);
    assert_string_equal(out, "a%2Bb%2Fc%3D%3D");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binance_doc_example), cmocka_unit_test(ed25519_rfc8032),
        cmocka_unit_test(ed25519_openssl_vector), cmocka_unit_test(rsa_openssl_vector),
        cmocka_unit_test(wrong_and_malformed), cmocka_unit_test(types_and_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
