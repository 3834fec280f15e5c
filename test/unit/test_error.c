/* Unit tests: error messages are redacted before they are cut, so a secret
 * that a venue echoes (a cookie, a header value) never escapes in part,
 * wherever the cut falls: lt_err_set, venue error answers, and the error
 * text of a WebSocket reply. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "looptrader/error.h"
#include "looptrader/log.h"
#include "looptrader/venue_binance.h"

#define SECRET "SESSIONcookie0123456789abcdefXYZ" /* 32 characters */

/* No run of 8 characters of the secret appears in s. */
static void assert_no_secret_part(const char *s)
{
    const char *sec = SECRET;
    for (size_t i = 0; i + 8 <= strlen(sec); i++) {
        char part[9];
        memcpy(part, sec + i, 8);
        part[8] = '\0';
        if (strstr(s, part)) {
            fprintf(stderr, "secret part '%s' in: %s\n", part, s);
            fail();
        }
    }
}

static int setup(void **state)
{
    (void)state;
    return log_secret_add(SECRET);
}

static int teardown(void **state)
{
    (void)state;
    log_secrets_clear();
    return 0;
}

/* Every offset around the end of msg: the secret is replaced, not cut. */
static void lt_err_set_redacts_before_cut(void **state)
{
    (void)state;
    struct lt_err err;
    for (int pad = 200; pad < 270; pad++) {
        lt_err_set(&err, LT_EEXCHANGE, "%*s%s tail", pad, "", SECRET);
        assert_int_equal(err.code, LT_EEXCHANGE);
        assert_true(strlen(err.msg) < sizeof err.msg);
        assert_no_secret_part(err.msg);
    }
    lt_err_set(&err, LT_EIO, "cookie %s rejected", SECRET);
    assert_string_equal(err.msg, "cookie *** rejected");
}

/* A secret longer than any fixed formatting buffer: the message is
 * formatted in full before it is redacted, wherever the secret starts. */
static void lt_err_set_formats_long_text_in_full(void **state)
{
    (void)state;
    static char big[3001];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = SECRET[i % (sizeof SECRET - 1)] ^ (char)(i / (sizeof SECRET - 1) % 2 ? 0x20 : 0);
    assert_int_equal(log_secret_add(big), 0);
    struct lt_err err;
    for (int pad = 0; pad < 1100; pad += 50) {
        lt_err_set(&err, LT_EEXCHANGE, "%*s%s tail", pad, "", big);
        for (size_t i = 0; i + 8 <= sizeof big - 1; i += 1) {
            char part[9];
            memcpy(part, big + i, 8);
            part[8] = '\0';
            if (strstr(err.msg, part)) {
                fprintf(stderr, "pad %d: part at %zu in: %s\n", pad, i, err.msg);
                fail();
            }
        }
    }
}

/* A venue error whose msg echoes the cookie, with the cookie straddling
 * each cut on the way (the 160-byte text, the 200-character bound, the
 * 256-byte message). */
static void venue_error_text_redacted_before_cut(void **state)
{
    (void)state;
    char body[1024];
    struct lt_err err;
    for (int pad = 100; pad < 260; pad += 3) {
        snprintf(body, sizeof body, "{\"code\":-1022,\"msg\":\"%*s%s and more\"}", pad, "",
                 SECRET);
        lt_err_clear(&err);
        assert_int_equal(venue_binance_parse_error(400, body, strlen(body), -1, &err),
                         LT_EEXCHANGE);
        assert_int_equal(err.venue_code, -1022);
        assert_no_secret_part(err.msg);
    }
    snprintf(body, sizeof body, "{\"code\":-1022,\"msg\":\"bad cookie %s\"}", SECRET);
    assert_int_equal(venue_binance_parse_error(400, body, strlen(body), -1, &err),
                     LT_EEXCHANGE);
    assert_string_equal(err.msg, "binance -1022: bad cookie ***");
}

/* A WebSocket reply's error text is kept in a 128-byte field. */
static void ws_error_text_redacted_before_cut(void **state)
{
    (void)state;
    char frame[1024];
    for (int pad = 80; pad < 140; pad += 2) {
        snprintf(frame, sizeof frame,
                 "{\"id\":3,\"status\":400,\"error\":{\"code\":-1022,\"msg\":\"%*s%s\"}}", pad, "",
                 SECRET);
        struct venue_push p;
        struct lt_err err;
        assert_int_equal(venue_binance_parse_push(frame, strlen(frame), &p, &err), 0);
        assert_int_equal(p.kind, PUSH_RESPONSE);
        assert_int_equal(p.u.response.error_code, -1022);
        assert_no_secret_part(p.u.response.error_msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lt_err_set_redacts_before_cut),
        cmocka_unit_test(lt_err_set_formats_long_text_in_full),
        cmocka_unit_test(venue_error_text_redacted_before_cut),
        cmocka_unit_test(ws_error_text_redacted_before_cut),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
