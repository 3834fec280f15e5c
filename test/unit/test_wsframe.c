/* Unit tests: wsframe (the header of one final WebSocket frame). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/wsframe.h"

/* The three length forms of RFC 6455 5.2, at their edges, unmasked. */
static void lengths(void **state)
{
    (void)state;
    unsigned char h[WSFRAME_HDR_MAX];
    assert_int_equal(wsframe_header(h, 0x1, 125, NULL), 2);
    assert_true(h[0] == 0x81 && h[1] == 125);
    assert_int_equal(wsframe_header(h, 0x2, 126, NULL), 4);
    assert_true(h[0] == 0x82 && h[1] == 126 && h[2] == 0 && h[3] == 126);
    assert_int_equal(wsframe_header(h, 0x1, 65535, NULL), 4);
    assert_true(h[1] == 126 && h[2] == 0xff && h[3] == 0xff);
    assert_int_equal(wsframe_header(h, 0x1, 65536, NULL), 10);
    static const unsigned char big[8] = { 0, 0, 0, 0, 0, 1, 0, 0 };
    assert_true(h[1] == 127 && memcmp(h + 2, big, 8) == 0);
}

/* A client's frame: the mask bit with the length, then the mask. */
static void masked(void **state)
{
    (void)state;
    unsigned char h[WSFRAME_HDR_MAX];
    static const unsigned char m[4] = { 1, 2, 3, 4 };
    assert_int_equal(wsframe_header(h, 0x1, 5, m), 6);
    assert_true(h[0] == 0x81 && h[1] == (0x80 | 5) && memcmp(h + 2, m, 4) == 0);
    assert_int_equal(wsframe_header(h, 0x1, 300, m), 8);
    assert_true(h[1] == (0x80 | 126) && h[2] == 1 && h[3] == 44 && memcmp(h + 4, m, 4) == 0);
    assert_int_equal(wsframe_header(h, 0x1, 70000, m), WSFRAME_HDR_MAX);
    assert_true(h[1] == (0x80 | 127) && memcmp(h + 10, m, 4) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lengths),
        cmocka_unit_test(masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
