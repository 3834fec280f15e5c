/*
 * wsframe.c - WebSocket frames: the header we write, the server's frames
 * we parse (see wsframe.h).
 */
#include "looptrader/wsframe.h"

#include <string.h>

size_t wsframe_header(unsigned char out[WSFRAME_HDR_MAX], unsigned op, size_t len,
                      const unsigned char *mask)
{
    unsigned char m = mask ? 0x80 : 0;
    size_t h = 2;
    out[0] = (unsigned char)(0x80 | (op & 0x0f));
    if (len < 126) {
        out[1] = (unsigned char)(m | len);
    } else if (len <= 0xffff) {
        out[1] = m | 126;
        out[2] = (unsigned char)(len >> 8);
        out[3] = (unsigned char)len;
        h = 4;
    } else {
        out[1] = m | 127;
        for (int i = 0; i < 8; i++)
            out[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
        h = 10;
    }
    if (mask) {
        memcpy(out + h, mask, 4);
        h += 4;
    }
    return h;
}

size_t wsframe_client(unsigned char *out, unsigned op, const void *payload, size_t len,
                      const unsigned char mask[4])
{
    const unsigned char *in = payload;
    size_t h = wsframe_header(out, op, len, mask);
    for (size_t i = 0; i < len; i++)
        out[h + i] = in[i] ^ mask[i & 3];
    return h + len;
}

static enum wsframe_result need_more(size_t *need, size_t n)
{
    *need = n;
    return WSFRAME_NEED;
}

static enum wsframe_result reject(const char **why, const char *what)
{
    *why = what;
    return WSFRAME_ERROR;
}

/* The opcode's place given the message state: NULL when allowed, else why not. */
static const char *op_check(const struct wsframe_rx *rx, unsigned op, int fin, unsigned len7)
{
    switch (op) {
    case WSFRAME_CONT:
        return rx->in_message ? NULL : "a continuation frame outside a fragmented message";
    case WSFRAME_TEXT:
    case WSFRAME_BINARY:
        return rx->in_message ? "a new message inside a fragmented one" : NULL;
    case WSFRAME_CLOSE:
    case WSFRAME_PING:
    case WSFRAME_PONG:
        if (!fin)
            return "a fragmented control frame";
        return len7 > WSFRAME_CONTROL_MAX ? "a control frame over 125 bytes" : NULL;
    default:
        return "an unknown opcode";
    }
}

enum wsframe_result wsframe_parse(struct wsframe_rx *rx, const unsigned char *buf, size_t len,
                                  struct wsframe_piece *piece, size_t *used, size_t *need,
                                  const char **why)
{
    *used = 0;
    *need = 0;
    *why = NULL;
    if (rx->in_frame) { /* the rest of a data frame's payload, as it comes */
        if (!len)
            return need_more(need, 1);
        size_t n = rx->left < len ? (size_t)rx->left : len;
        rx->left -= n;
        *piece = (struct wsframe_piece){ .op = rx->op, .data = buf, .len = n,
                                         .end = !rx->left && rx->frame_fin };
        if (!rx->left)
            rx->in_frame = 0;
        *used = n;
        return WSFRAME_PIECE;
    }
    if (len < 2)
        return need_more(need, 2);
    int fin = buf[0] >> 7;
    unsigned op = buf[0] & 0x0f;
    if (buf[0] & 0x70)
        return reject(why, "RSV bits set");
    if (buf[1] & 0x80)
        return reject(why, "a masked server frame");
    const char *bad = op_check(rx, op, fin, buf[1] & 0x7fu);
    if (bad)
        return reject(why, bad);
    size_t h = 2;
    uint64_t plen = buf[1] & 0x7f;
    if (plen == 126) {
        if (len < 4)
            return need_more(need, 4);
        plen = (uint64_t)buf[2] << 8 | buf[3];
        h = 4;
    } else if (plen == 127) {
        if (len < 10)
            return need_more(need, 10);
        if (buf[2] & 0x80)
            return reject(why, "a 64-bit length with its top bit set");
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | buf[2 + i];
        h = 10;
    }
    if (op & 0x8) { /* control: whole, at most 125 bytes */
        if (len - h < plen)
            return need_more(need, h + (size_t)plen);
        *piece = (struct wsframe_piece){ .op = op, .data = buf + h, .len = (size_t)plen,
                                         .end = 1, .whole = 1 };
        *used = h + (size_t)plen;
        return WSFRAME_PIECE;
    }
    size_t n = len - h < plen ? len - h : (size_t)plen;
    rx->in_message = !fin;
    *piece = (struct wsframe_piece){ .op = op, .data = buf + h, .len = n };
    if (n == plen) {
        piece->end = fin;
        piece->whole = fin && op != WSFRAME_CONT;
    } else {
        rx->in_frame = 1;
        rx->op = op;
        rx->left = plen - n;
        rx->frame_fin = fin;
    }
    *used = h + n;
    return WSFRAME_PIECE;
}
