/*
 * fuzz_sign_pem.c - sign_key_public_pem, which reads the public key PEMs
 * of the simulator's accounts, and sign_key_verify_b64, which reads every
 * Ed25519/RSA signature a client sends.
 *
 * Input: a PEM, then optionally '\n#' and a signature candidate.  Beyond
 * not crashing: a loaded key is Ed25519 or RSA, and no candidate verifies
 * over a message it was not made for.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/sign.h"

FUZZ_TARGET(sign_pem)
{
    char sig[SIGN_B64_MAX * 2];
    const uint8_t *cut = NULL;
    for (size_t i = 0; i + 1 < size; i++)
        if (data[i] == '\n' && data[i + 1] == '#') {
            cut = data + i;
            break;
        }
    size_t pem_len = cut ? (size_t)(cut - data) : size;
    size_t sl = cut ? size - pem_len - 2 : 0;
    if (sl >= sizeof sig)
        sl = sizeof sig - 1;
    if (cut)
        memcpy(sig, cut + 2, sl);
    sig[sl] = '\0';
    struct sign_key *k = NULL;
    if (sign_key_public_pem((const char *)data, pem_len, &k, NULL) == 0) {
        enum sign_key_type t = sign_key_type_of(k);
        FUZZ_CHECK(t == SIGN_KEY_ED25519 || t == SIGN_KEY_RSA);
        FUZZ_CHECK(!sign_key_verify_b64(k, "fuzz", 4, sig));
        sign_key_free(k);
    }
    return 0;
}
