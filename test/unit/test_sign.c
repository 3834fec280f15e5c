/*
 * Unit tests: request signatures against known answers.
 *
 * HMAC: Binance's documented example and RFC 4231's SHA-256 vectors, one-shot
 * and through a key keyed once (sign_hmac), which must agree.  Ed25519: RFC 8032 section 7.1 test 1
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

static void binance_doc_example_prekeyed(void **state)
{
    (void)state;
    const char *secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    struct sign_hmac *k = NULL;
    assert_int_equal(sign_hmac_new(secret, strlen(secret), &k), 0);
    char out[SIGN_HEX_LEN + 1];
    /* Twice: the second signature re-initialises the keyed context. */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sign_hmac_hex(k, doc_query, strlen(doc_query), out), 0);
        assert_string_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    }
    sign_hmac_free(k);
    sign_hmac_free(NULL);
}

static size_t fill(unsigned char *buf, unsigned char byte, size_t n)
{
    memset(buf, byte, n);
    return n;
}

/* RFC 4231 section 4, HMAC-SHA-256 (test case 5 compares the 128 bits the
 * RFC gives), with a signature in between of other data so that each
 * vector is also a re-keyed context's second use. */
static void rfc4231_vectors(void **state)
{
    (void)state;
    struct vec {
        unsigned char key[131];
        size_t key_len;
        unsigned char data[160];
        size_t data_len;
        const char *hex;
    } v[7];
    memset(v, 0, sizeof v);
    v[0].key_len = fill(v[0].key, 0x0b, 20);
    v[0].data_len = strlen(strcpy((char *)v[0].data, "Hi There"));
    v[0].hex = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
    v[1].key_len = strlen(strcpy((char *)v[1].key, "Jefe"));
    v[1].data_len = strlen(strcpy((char *)v[1].data, "what do ya want for nothing?"));
    v[1].hex = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    v[2].key_len = fill(v[2].key, 0xaa, 20);
    v[2].data_len = fill(v[2].data, 0xdd, 50);
    v[2].hex = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
    for (int i = 0; i < 25; i++)
        v[3].key[i] = (unsigned char)(i + 1);
    v[3].key_len = 25;
    v[3].data_len = fill(v[3].data, 0xcd, 50);
    v[3].hex = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";
    v[4].key_len = fill(v[4].key, 0x0c, 20);
    v[4].data_len = strlen(strcpy((char *)v[4].data, "Test With Truncation"));
    v[4].hex = "a3b6167473100ee06e0c796c2955552b";
    v[5].key_len = fill(v[5].key, 0xaa, 131);
    v[5].data_len = strlen(
        strcpy((char *)v[5].data, "Test Using Larger Than Block-Size Key - Hash Key First"));
    v[5].hex = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    v[6].key_len = fill(v[6].key, 0xaa, 131);
    v[6].data_len = strlen(strcpy((char *)v[6].data,
                                  "This is a test using a larger than block-size key and a larger "
                                  "than block-size data. The key needs to be hashed before being "
                                  "used by the HMAC algorithm."));
    v[6].hex = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";
    for (int i = 0; i < 7; i++) {
        char once[SIGN_HEX_LEN + 1], keyed[SIGN_HEX_LEN + 1];
        struct sign_hmac *k = NULL;
        assert_int_equal(sign_hmac_sha256_hex((const char *)v[i].key, v[i].key_len, v[i].data,
                                              v[i].data_len, once), 0);
        assert_int_equal(sign_hmac_new((const char *)v[i].key, v[i].key_len, &k), 0);
        assert_int_equal(sign_hmac_hex(k, doc_query, strlen(doc_query), keyed), 0);
        assert_int_equal(sign_hmac_hex(k, v[i].data, v[i].data_len, keyed), 0);
        sign_hmac_free(k);
        assert_memory_equal(once, v[i].hex, strlen(v[i].hex));
        assert_string_equal(keyed, once);
    }
}

/* An empty secret is a key OpenSSL's keyed context would take for "none
 * given"; both paths must still give HMAC's digest under the empty key. */
static void empty_key_agrees(void **state)
{
    (void)state;
    char once[SIGN_HEX_LEN + 1], keyed[SIGN_HEX_LEN + 1];
    struct sign_hmac *k = NULL;
    assert_int_equal(sign_hmac_sha256_hex("", 0, "abc", 3, once), 0);
    assert_int_equal(sign_hmac_new("", 0, &k), 0);
    assert_int_equal(sign_hmac_hex(k, "abc", 3, keyed), 0);
    sign_hmac_free(k);
    assert_string_equal(keyed, once);
    assert_string_equal(once, "fd7adb152c05ef80dccf50a1fa4c05d5a3ec6da95575fc312ae7c5d091836351");
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
        cmocka_unit_test(binance_doc_example), cmocka_unit_test(binance_doc_example_prekeyed),
        cmocka_unit_test(rfc4231_vectors), cmocka_unit_test(empty_key_agrees),
        cmocka_unit_test(ed25519_rfc8032),
        cmocka_unit_test(ed25519_openssl_vector), cmocka_unit_test(rsa_openssl_vector),
        cmocka_unit_test(wrong_and_malformed), cmocka_unit_test(types_and_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
