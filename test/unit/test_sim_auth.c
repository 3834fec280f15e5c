/* Unit tests: the simulator's REST signature check over a rebuilt raw query
 * (libwebsockets hands the query over decoded) and a raw form body. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/sign.h"
#include "looptrader/sim/auth.h"

static const char secret[] = "demo-alice-secret-7f3a9c";

/* Signs payload and returns "signature=<hex>". */
static const char *sig_of(const char *payload)
{
    static char out[16 + SIGN_HEX_LEN];
    char hex[SIGN_HEX_LEN + 1];
    sign_hmac_sha256_hex(secret, strlen(secret), payload, strlen(payload), hex);
    strcpy(out, "signature=");
    strcat(out, hex);
    return out;
}

static void add(struct params *p, const char *frag)
{
    assert_int_equal(params_add_fragment(p, frag, strlen(frag), PARAMS_QUERY), 0);
}

static void plain_query(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    params_init(&p);
    add(&p, "symbol=ALPHAUSDT");
    add(&p, "timestamp=1700000000000");
    add(&p, sig_of("symbol=ALPHAUSDT&timestamp=1700000000000"));
    assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, "", 0, &err), 0);
    params_reset(&p);
    add(&p, "timestamp=1700000000000");
    add(&p, "symbol=ALPHAUSDT");
    add(&p, sig_of("symbol=ALPHAUSDT&timestamp=1700000000000"));
    assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, "", 0, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1022);
    params_release(&p);
}

/* What lws gives for "newClientOrderId=a%3Ab%2Fc+d&x=%2B" is "a:b/c d" and "+". */
static void encoded_query_styles(void **state)
{
    (void)state;
    const char *signed_as[] = {
        "newClientOrderId=a%3Ab%2Fc+d&x=%2B", /* python urlencode */
        "newClientOrderId=a%3Ab%2Fc%20d&x=%2B", /* RFC 3986 */
        "newClientOrderId=a:b%2Fc+d&x=%2B",    /* axios keeps ':' */
        "newClientOrderId=a:b/c d&x=+",        /* signed before encoding */
    };
    for (size_t i = 0; i < sizeof(signed_as) / sizeof(signed_as[0]); i++) {
        struct params p;
        struct lt_err err = { 0 };
        params_init(&p);
        add(&p, "newClientOrderId=a:b/c d");
        add(&p, "x=+");
        add(&p, sig_of(signed_as[i]));
        assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, "", 0, &err), 0);
        params_release(&p);
    }
}

static void body_raw_and_mixed(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    char body[256];
    params_init(&p);
    add(&p, "symbol=ALPHAUSDT");
    /* query + body concatenated without separator; signature last in the body */
    snprintf(body, sizeof(body), "side=BUY&price=1%%2E25&%s",
             sig_of("symbol=ALPHAUSDTside=BUY&price=1%2E25"));
    assert_int_equal(params_parse_form(&p, body, strlen(body), &err), 0);
    assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, body, strlen(body), &err), 0);
    /* a tampered body fails */
    body[5] = 'S';
    assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, body, strlen(body), &err), LT_EEXCHANGE);
    params_release(&p);
}

/* A secret keyed once gives the one-shot's verdicts, and it is the key the
 * check uses: a keyed context of another secret refuses a good signature. */
static void keyed_hmac(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    struct sign_hmac *k = NULL, *other = NULL;
    assert_int_equal(sign_hmac_new(secret, strlen(secret), &k), 0);
    assert_int_equal(sign_hmac_new("another-secret", 14, &other), 0);
    params_init(&p);
    add(&p, "symbol=ALPHAUSDT");
    add(&p, "timestamp=1700000000000");
    add(&p, sig_of("symbol=ALPHAUSDT&timestamp=1700000000000"));
    assert_int_equal(auth_rest_signature(secret, k, NULL, &p, "", 0, &err), 0);
    assert_int_equal(auth_rest_signature(secret, other, NULL, &p, "", 0, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1022);
    params_reset(&p);
    add(&p, "newClientOrderId=a:b/c d");
    add(&p, sig_of("newClientOrderId=a%3Ab%2Fc+d"));
    assert_int_equal(auth_rest_signature(secret, k, NULL, &p, "", 0, &err), 0);
    params_release(&p);
    sign_hmac_free(k);
    sign_hmac_free(other);
}

static void missing_or_malformed(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    params_init(&p);
    add(&p, "symbol=ALPHAUSDT");
    assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, "", 0, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1102);
    add(&p, "signature=abc");
    assert_int_equal(auth_rest_signature(secret, NULL, NULL, &p, "", 0, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1022);
    params_release(&p);
}

static void timestamps(void **state)
{
    (void)state;
    struct params p;
    struct lt_err err = { 0 };
    int64_t now = 1700000000000;
    params_init(&p);
    assert_int_equal(auth_check_time(&p, now, 0, &err), 0);
    assert_int_equal(auth_check_time(&p, now, 1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1102);
    add(&p, "timestamp=1699999995000");
    assert_int_equal(auth_check_time(&p, now, 1, &err), 0);
    params_reset(&p);
    add(&p, "timestamp=1699999994999");
    assert_int_equal(auth_check_time(&p, now, 1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1021);
    add(&p, "recvWindow=60000");
    assert_int_equal(auth_check_time(&p, now, 1, &err), 0);
    params_reset(&p);
    add(&p, "timestamp=1700000001000");
    assert_int_equal(auth_check_time(&p, now, 1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1021);
    params_reset(&p);
    add(&p, "timestamp=1700000000999000"); /* microseconds */
    assert_int_equal(auth_check_time(&p, now, 1, &err), 0);
    add(&p, "recvWindow=60001");
    assert_int_equal(auth_check_time(&p, now, 1, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1131);
    params_release(&p);
}

static struct sign_key *key_file(const char *rel, int private)
{
    char path[512], pem[8192];
    const char *root = getenv("LT_ROOT");
    snprintf(path, sizeof path, "%s/test/data/%s", root ? root : ".", rel);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(pem, 1, sizeof pem, f);
    fclose(f);
    struct sign_key *k = NULL;
    assert_int_equal(private ? sign_key_private_pem(pem, n, SIGN_KEY_ED25519, &k, NULL)
                             : sign_key_public_pem(pem, n, &k, NULL), 0);
    return k;
}

/* An Ed25519 account: the base64 signature arrives decoded by lws (the
 * client sent it percent-encoded), is checked against the public key, and
 * an HMAC hex signature or a signature over other bytes is refused. */
static void ed25519_account(void **state)
{
    (void)state;
    struct sign_key *priv = key_file("test_ed25519.pem", 1), *pub = key_file("test_ed25519.pub.pem", 0);
    const char *payload = "symbol=ALPHAUSDT&timestamp=1700000000000";
    char b64[SIGN_B64_MAX + 1], frag[SIGN_B64_MAX + 16];
    struct params p;
    struct lt_err err = { 0 };
    assert_int_equal(sign_key_sign_b64(priv, payload, strlen(payload), b64), 0);
    params_init(&p);
    add(&p, "symbol=ALPHAUSDT");
    add(&p, "timestamp=1700000000000");
    snprintf(frag, sizeof frag, "signature=%s", b64);
    add(&p, frag);
    assert_int_equal(auth_rest_signature("", NULL, pub, &p, "", 0, &err), 0);
    params_reset(&p);
    add(&p, "symbol=ALPHAUSDT");
    add(&p, "timestamp=1700000000001");
    add(&p, frag);
    assert_int_equal(auth_rest_signature("", NULL, pub, &p, "", 0, &err), LT_EEXCHANGE);
    assert_int_equal(err.venue_code, -1022);
    params_reset(&p);
    add(&p, "symbol=ALPHAUSDT");
    add(&p, "timestamp=1700000000000");
    add(&p, sig_of(payload));
    assert_int_equal(auth_rest_signature(secret, NULL, pub, &p, "", 0, &err), LT_EEXCHANGE);
    params_release(&p);
    sign_key_free(priv);
    sign_key_free(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_query),        cmocka_unit_test(encoded_query_styles),
        cmocka_unit_test(body_raw_and_mixed), cmocka_unit_test(missing_or_malformed),
        cmocka_unit_test(timestamps),         cmocka_unit_test(ed25519_account),
        cmocka_unit_test(keyed_hmac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
