/* Unit tests: HMAC-SHA256 signing against Binance's documented example. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/sign.h"

/* The example from Binance's "SIGNED endpoint examples for POST /api/v3/order". */
static void binance_doc_example(void **state)
{
    (void)state;
    const char *secret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
    const char *q = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
                    "&recvWindow=5000&timestamp=1499827319559";
    char out[SIGN_HEX_LEN + 1];
    assert_int_equal(sign_hmac_sha256_hex(secret, strlen(secret), q, strlen(q), out), 0);
    assert_string_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_true(sign_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"));
    assert_false(sign_equal(out, "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b70"));
    assert_false(sign_equal(out, "c8db"));
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(binance_doc_example) };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
