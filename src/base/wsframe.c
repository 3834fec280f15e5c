/*
 * wsframe.c - the header of one final WebSocket frame (see wsframe.h).
 */
#include "looptrader/wsframe.h"

#include <stdint.h>
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
