/* Unit tests: wshandshake (the WebSocket client's upgrade request and the
 * check of the server's answer). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "looptrader/wshandshake.h"

#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

/* RFC 6455 1.3's example: the nonce, its key, the key's accept. */
static void rfc_example(void **state)
{
    (void)state;
    char key[WSHANDSHAKE_KEY_LEN + 1], acc[WSHANDSHAKE_ACCEPT_LEN + 1];
    wshandshake_key((const unsigned char *)"the sample nonce", key);
    assert_string_equal(key, RFC_KEY);
    wshandshake_accept(RFC_KEY, acc);
    assert_string_equal(acc, RFC_ACCEPT);
}

/* Host has the port unless it is the scheme's; a session user's Cookie
 * and headers go along, a malformed header does not. */
static void request(void **state)
{
    (void)state;
    struct strbuf out;
    strbuf_init(&out, 0);
    struct wshandshake_req r = { .host = "stream.example", .port = 443, .tls = 1,
                                 .path = "/ws/btcusdt@bookTicker", .key = RFC_KEY };
    assert_int_equal(wshandshake_request(&r, &out), 0);
    assert_true(strncmp(out.buf, "GET /ws/btcusdt@bookTicker HTTP/1.1\r\n", 37) == 0);
    assert_non_null(strstr(out.buf, "\r\nHost: stream.example\r\n"));
    assert_non_null(strstr(out.buf, "\r\nOrigin: http://stream.example\r\n"));
    assert_non_null(strstr(out.buf, "\r\nUpgrade: websocket\r\n"));
    assert_non_null(strstr(out.buf, "\r\nConnection: Upgrade\r\n"));
    assert_non_null(strstr(out.buf, "\r\nSec-WebSocket-Key: " RFC_KEY "\r\n"));
    assert_non_null(strstr(out.buf, "\r\nSec-WebSocket-Version: 13\r\n"));
    assert_null(strstr(out.buf, "Cookie"));
    assert_true(out.len > 4 && strcmp(out.buf + out.len - 4, "\r\n\r\n") == 0);

    static const char *const headers[] = { "X-Auth:   tok-1", "no colon here",
                                           "X-Bad: a\r\nInjected: 1", "X-Two:v" };
    struct venue_auth a = { .cookies = "sid=secret-1; t=2", .headers = headers, .n_headers = 4 };
    strbuf_reset(&out);
    r = (struct wshandshake_req){ .host = "127.0.0.1", .port = 8443, .tls = 1, .path = "/ws/user",
                                  .key = RFC_KEY, .auth = &a };
    assert_int_equal(wshandshake_request(&r, &out), 0);
    assert_non_null(strstr(out.buf, "\r\nHost: 127.0.0.1:8443\r\n"));
    assert_non_null(strstr(out.buf, "\r\nCookie: sid=secret-1; t=2\r\n"));
    assert_non_null(strstr(out.buf, "\r\nX-Auth: tok-1\r\n"));
    assert_non_null(strstr(out.buf, "\r\nX-Two: v\r\n"));
    assert_null(strstr(out.buf, "no colon"));
    assert_null(strstr(out.buf, "Injected"));
    strbuf_reset(&out);
    r = (struct wshandshake_req){ .host = "h", .port = 80, .path = "/", .key = RFC_KEY };
    assert_int_equal(wshandshake_request(&r, &out), 0);
    assert_non_null(strstr(out.buf, "\r\nHost: h\r\n"));
    strbuf_free(&out);
}

/* A valid answer, whole or not yet, with the first frame's bytes after it. */
static void response_ok(void **state)
{
    (void)state;
    static const char ans[] = "HTTP/1.1 101 Switching Protocols\r\n"
                              "upgrade: WebSocket\r\n"
                              "Connection: keep-alive, Upgrade\r\n"
                              "Sec-WebSocket-Accept:  " RFC_ACCEPT " \r\n"
                              "\r\n\x81\x02hi";
    struct lt_err err = { 0 };
    size_t hl = 0;
    size_t n = sizeof ans - 1;
    assert_int_equal(wshandshake_response(ans, n, RFC_KEY, &hl, &err), 0);
    assert_int_equal(hl, n - 4);
    for (size_t k = 0; k < n - 4; k++)
        assert_int_equal(wshandshake_response(ans, k, RFC_KEY, &hl, &err), WSHANDSHAKE_MORE);
}

static void expect_error(const char *ans, const char *msg)
{
    struct lt_err err = { 0 };
    size_t hl = 0;
    assert_int_equal(wshandshake_response(ans, strlen(ans), RFC_KEY, &hl, &err), LT_EPARSE);
    assert_string_equal(err.msg, msg);
}

/* Each refusal says why; a non-101 names its status, not its body. */
static void response_errors(void **state)
{
    (void)state;
    expect_error("HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nsecret", "HTTP 403");
    expect_error("HTTP/1.1 200 OK\r\n\r\n", "HTTP 200");
    expect_error("SSH-2.0-OpenSSH\r\n\r\n", "upgrade answer: not HTTP");
    /* a status of blanks is not read on past the bytes given (sscanf went
     * on over the blank line and read the "101" after them) */
    expect_error("HTTP/1.1          \r\n\r\n", "upgrade answer: not HTTP");
    static const char past[] = "HTTP/1.1          \r\n\r\n101";
    struct lt_err err = { 0 };
    size_t hl = 0;
    assert_int_equal(wshandshake_response(past, sizeof past - 1 - 3, RFC_KEY, &hl, &err),
                     LT_EPARSE);
    assert_string_equal(err.msg, "upgrade answer: not HTTP");
    expect_error("HTTP/1.1 1010 x\r\n\r\n", "upgrade answer: not HTTP");
    expect_error("HTTP/1.1 10\r\n\r\n", "upgrade answer: not HTTP");
    expect_error("HTTP/1.1 101 x\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " RFC_ACCEPT
                 "\r\n\r\n",
                 "upgrade answer: no Upgrade: websocket");
    expect_error("HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: close\r\n"
                 "Sec-WebSocket-Accept: " RFC_ACCEPT "\r\n\r\n",
                 "upgrade answer: no Connection: upgrade");
    expect_error("HTTP/1.1 101 x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
                 "upgrade answer: wrong Sec-WebSocket-Accept");
    static char big[WSHANDSHAKE_HEADER_MAX + 64];
    int n = snprintf(big, sizeof big, "HTTP/1.1 101 x\r\nX: ");
    memset(big + n, 'a', sizeof big - 1 - (size_t)n);
    big[sizeof big - 1] = '\0';
    lt_err_clear(&err);
    assert_int_equal(wshandshake_response(big, sizeof big - 1, RFC_KEY, &hl, &err), LT_EPARSE);
    assert_non_null(strstr(err.msg, "headers over"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rfc_example),
        cmocka_unit_test(request),
        cmocka_unit_test(response_ok),
        cmocka_unit_test(response_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
