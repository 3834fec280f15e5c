/*
 * wshandshake.h - the WebSocket opening handshake of a client (RFC 6455
 * 4.1): the HTTP/1.1 upgrade request we send and the check of the
 * server's answer.
 *
 * Own code rather than libwebsockets' client (see wsclient.c): the request
 * carries what lws sent for us (Host, Origin "http://host", the upgrade
 * headers) and, for a cookie/header-auth user, its Cookie and extra
 * headers: those are secrets, so nothing here logs, and an error names
 * only the status or the header at fault, never a value we sent.  Pure:
 * no I/O (the key's random bytes are the caller's).
 */
#ifndef LOOPTRADER_WSHANDSHAKE_H
#define LOOPTRADER_WSHANDSHAKE_H

#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/strbuf.h"
#include "looptrader/venue.h"

#define WSHANDSHAKE_KEY_LEN 24           /* base64 of 16 bytes */
#define WSHANDSHAKE_ACCEPT_LEN 28        /* base64 of a SHA-1 */
#define WSHANDSHAKE_HEADER_MAX (16u << 10) /* the answer's header block, at most */
#define WSHANDSHAKE_MORE 1               /* wshandshake_response: not whole yet */

struct wshandshake_req {
    const char *host;              /* the URL's host, for Host and Origin */
    int port;
    int tls;                       /* the default port is 443, else 80 */
    const char *path;              /* "/ws/..." */
    const char *key;               /* Sec-WebSocket-Key (wshandshake_key) */
    const struct venue_auth *auth; /* NULL, or a session user's: its Cookie
                                    * and headers go along (secrets) */
};

/* The Sec-WebSocket-Key of 16 random bytes: their base64, NUL-terminated. */
void wshandshake_key(const unsigned char raw[16], char key[WSHANDSHAKE_KEY_LEN + 1]);

/* The Sec-WebSocket-Accept a server must answer key with:
 * base64(SHA-1(key "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). */
void wshandshake_accept(const char *key, char out[WSHANDSHAKE_ACCEPT_LEN + 1]);

/* Appends the upgrade request to out.  0 or LT_ENOMEM. */
int wshandshake_request(const struct wshandshake_req *r, struct strbuf *out);

/* Checks the server's answer in buf[0..len), the bytes received so far:
 * 0 when its header block is whole and accepts the upgrade for key
 * (*header_len is the block's length through its blank line; the bytes
 * after it are the first frames); WSHANDSHAKE_MORE when the blank line
 * has not come yet within WSHANDSHAKE_HEADER_MAX; else LT_EPARSE with err
 * saying why ("HTTP 403" for an answer that is not 101: its body is
 * never read). */
int wshandshake_response(const char *buf, size_t len, const char *key, size_t *header_len,
                         struct lt_err *err);

#endif
