/*
 * wshandshake.c - the WebSocket client's opening handshake (see
 * wshandshake.h).
 */
#include "looptrader/wshandshake.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define HEADER_NAME_MAX 128 /* a session header's name, colon included */

void wshandshake_key(const unsigned char raw[16], char key[WSHANDSHAKE_KEY_LEN + 1])
{
    EVP_EncodeBlock((unsigned char *)key, raw, 16);
}

void wshandshake_accept(const char *key, char out[WSHANDSHAKE_ACCEPT_LEN + 1])
{
    char cat[128];
    unsigned char sha[SHA_DIGEST_LENGTH];
    int n = snprintf(cat, sizeof cat, "%s" WS_GUID, key);
    SHA1((const unsigned char *)cat, n < (int)sizeof cat ? (size_t)n : sizeof cat - 1, sha);
    EVP_EncodeBlock((unsigned char *)out, sha, SHA_DIGEST_LENGTH);
}

/* A session user's Cookie and "Name: value" headers, as lws added them
 * for us: a header without a colon, with a name too long, or with a line
 * break (it would end the header early) is left out. */
static int add_session_headers(const struct venue_auth *a, struct strbuf *out)
{
    int rc = 0;
    if (a->cookies && a->cookies[0] && !strpbrk(a->cookies, "\r\n"))
        rc |= strbuf_addf(out, "Cookie: %s\r\n", a->cookies);
    for (size_t i = 0; i < a->n_headers; i++) {
        const char *h = a->headers[i];
        const char *colon = strchr(h, ':');
        if (!colon || (size_t)(colon - h) + 2 > HEADER_NAME_MAX || strpbrk(h, "\r\n"))
            continue;
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        rc |= strbuf_addf(out, "%.*s %s\r\n", (int)(colon - h + 1), h, v);
    }
    return rc;
}

int wshandshake_request(const struct wshandshake_req *r, struct strbuf *out)
{
    char host[300];
    int dflt = r->port == (r->tls ? 443 : 80);
    if (dflt)
        snprintf(host, sizeof host, "%s", r->host);
    else
        snprintf(host, sizeof host, "%s:%d", r->host, r->port);
    int rc = strbuf_addf(out,
                         "GET %s HTTP/1.1\r\n"
                         "Pragma: no-cache\r\n"
                         "Cache-Control: no-cache\r\n"
                         "Host: %s\r\n"
                         "Origin: http://%s\r\n"
                         "Upgrade: websocket\r\n"
                         "Connection: Upgrade\r\n"
                         "Sec-WebSocket-Key: %s\r\n"
                         "Sec-WebSocket-Version: 13\r\n",
                         r->path, host, r->host, r->key);
    if (!rc && r->auth)
        rc = add_session_headers(r->auth, out);
    if (!rc)
        rc = strbuf_addstr(out, "\r\n");
    return rc ? LT_ENOMEM : 0;
}

/* The value of header line [p, end) when its name is name (any case),
 * trimmed, in [*v, *vend); 1 when it is. */
static int header_is(const char *p, const char *end, const char *name, const char **v,
                     const char **vend)
{
    size_t n = strlen(name);
    if ((size_t)(end - p) <= n || strncasecmp(p, name, n) != 0 || p[n] != ':')
        return 0;
    p += n + 1;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    *v = p;
    *vend = end;
    return 1;
}

/* 1 when [v, vend) holds word, any case, as one of its comma-separated tokens. */
static int has_token(const char *v, const char *vend, const char *word)
{
    size_t n = strlen(word);
    while (v < vend) {
        while (v < vend && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *t = v;
        while (v < vend && *v != ',')
            v++;
        const char *te = v;
        while (te > t && (te[-1] == ' ' || te[-1] == '\t'))
            te--;
        if ((size_t)(te - t) == n && strncasecmp(t, word, n) == 0)
            return 1;
    }
    return 0;
}

int wshandshake_response(const char *buf, size_t len, const char *key, size_t *header_len,
                         struct lt_err *err)
{
    size_t scan = len < WSHANDSHAKE_HEADER_MAX ? len : WSHANDSHAKE_HEADER_MAX;
    const char *blank = memmem(buf, scan, "\r\n\r\n", 4);
    if (!blank) {
        if (len >= WSHANDSHAKE_HEADER_MAX)
            return lt_err_set(err, LT_EPARSE, "upgrade answer: headers over %u bytes",
                              WSHANDSHAKE_HEADER_MAX);
        return WSHANDSHAKE_MORE;
    }
    const char *end = blank + 2; /* past the last header line's CRLF */
    const char *eol = memmem(buf, (size_t)(end - buf), "\r\n", 2);
    /* "HTTP/1.x NNN" and a space or the line's end: the three digits read
     * by hand, the bytes being the venue's and not NUL-terminated (sscanf
     * would skip blanks past them) */
    size_t line = (size_t)(eol - buf);
    if (line < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ' ||
        !isdigit((unsigned char)buf[9]) || !isdigit((unsigned char)buf[10]) ||
        !isdigit((unsigned char)buf[11]) || (line > 12 && buf[12] != ' '))
        return lt_err_set(err, LT_EPARSE, "upgrade answer: not HTTP");
    int status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 + (buf[11] - '0');
    if (status != 101)
        return lt_err_set(err, LT_EPARSE, "HTTP %d", status);
    char want[WSHANDSHAKE_ACCEPT_LEN + 1];
    wshandshake_accept(key, want);
    int upgrade = 0, connection = 0, accept = 0;
    for (const char *p = eol + 2; p < end;) {
        const char *le = memmem(p, (size_t)(end - p), "\r\n", 2);
        const char *v, *ve;
        if (header_is(p, le, "Upgrade", &v, &ve))
            upgrade = has_token(v, ve, "websocket");
        else if (header_is(p, le, "Connection", &v, &ve))
            connection = has_token(v, ve, "upgrade");
        else if (header_is(p, le, "Sec-WebSocket-Accept", &v, &ve))
            accept = (size_t)(ve - v) == WSHANDSHAKE_ACCEPT_LEN &&
                     memcmp(v, want, WSHANDSHAKE_ACCEPT_LEN) == 0;
        p = le + 2;
    }
    if (!upgrade)
        return lt_err_set(err, LT_EPARSE, "upgrade answer: no Upgrade: websocket");
    if (!connection)
        return lt_err_set(err, LT_EPARSE, "upgrade answer: no Connection: upgrade");
    if (!accept)
        return lt_err_set(err, LT_EPARSE, "upgrade answer: wrong Sec-WebSocket-Accept");
    *header_len = (size_t)(blank + 4 - buf);
    return 0;
}
