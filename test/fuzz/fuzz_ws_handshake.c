/*
 * fuzz_ws_handshake.c - a venue's answer to our WebSocket upgrade request
 * through wshandshake_response: whatever the bytes, it reads none past
 * them, accepts only a whole header block under its bound whose blank
 * line it reports, and says "more" only below that bound.
 *
 * Input: the answer's bytes (in an exact-size copy, so a read past them is
 * ASan's to catch), checked against a fixed key.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/wshandshake.h"

FUZZ_TARGET(ws_handshake)
{
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
    char *buf = malloc(size ? size : 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    size_t header_len = 0;
    struct lt_err err;
    lt_err_clear(&err);
    int rc = wshandshake_response(buf, size, key, &header_len, &err);
    FUZZ_CHECK(rc == 0 || rc == WSHANDSHAKE_MORE || rc == LT_EPARSE);
    if (rc == 0) {
        FUZZ_CHECK(header_len >= 4 && header_len <= size);
        FUZZ_CHECK(header_len <= WSHANDSHAKE_HEADER_MAX);
        FUZZ_CHECK(memcmp(buf + header_len - 4, "\r\n\r\n", 4) == 0);
        FUZZ_CHECK(memmem(buf, header_len - 2, "\r\n\r\n", 4) == NULL);
    }
    if (rc == WSHANDSHAKE_MORE)
        FUZZ_CHECK(size < WSHANDSHAKE_HEADER_MAX);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    free(buf);
    return 0;
}
