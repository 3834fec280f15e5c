/* sign.c - HMAC-SHA256 hex signatures over OpenSSL (see sign.h). */
#include "looptrader/sign.h"
#include "looptrader/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

int sign_hmac_sha256_hex(const char *key, size_t key_len, const void *data,
                         size_t data_len, char out[SIGN_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;

    if (key_len > 0x7fffffff)
        return LT_EINVAL;
    if (!HMAC(EVP_sha256(), key, (int)key_len, data, data_len, mac, &mac_len) ||
        mac_len != 32)
        return LT_EINVAL;
    for (unsigned i = 0; i < mac_len; i++) {
        out[2 * i] = hex[mac[i] >> 4];
        out[2 * i + 1] = hex[mac[i] & 15];
    }
    out[SIGN_HEX_LEN] = '\0';
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

int sign_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return 0;
    return CRYPTO_memcmp(a, b, la) == 0;
}
