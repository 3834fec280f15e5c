/*
 * wsframe.h - the header of one final WebSocket frame (RFC 6455 5.2).
 *
 * The simulator frames its server frames (unmasked) and the WS client its
 * WS API requests (masked, so that many go out in one write); both write
 * the same header, here.  Pure: no I/O.
 */
#ifndef LOOPTRADER_WSFRAME_H
#define LOOPTRADER_WSFRAME_H

#include <stddef.h>

#define WSFRAME_HDR_MAX 14 /* 2, an 8-byte length, a 4-byte mask */

/* Writes the header of a final frame of opcode op and payload length len
 * into out, with the mask bit and the 4 bytes of mask when mask is not
 * NULL (a client's frame; the caller XORs the payload with it).  Returns
 * the header's length (at most WSFRAME_HDR_MAX). */
size_t wsframe_header(unsigned char out[WSFRAME_HDR_MAX], unsigned op, size_t len,
                      const unsigned char *mask);

#endif
