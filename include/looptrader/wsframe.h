/*
 * wsframe.h - WebSocket frames (RFC 6455 5.2): the header of one final
 * frame we send, and the incremental parser of the frames a server sends
 * to us.
 *
 * The simulator frames its server frames (unmasked) and the WS client its
 * requests (masked, so that many go out in one write); both write the
 * same header, here.  The client reads its server's frames with the
 * parser: given the bytes received so far it yields pieces of messages
 * that point into those bytes (no copy), so a message whole in one read
 * reaches its parser where it lies, and a large one streams piece by piece
 * into the caller's reassembly without the whole frame ever being held.
 * Pure: no I/O.
 */
#ifndef LOOPTRADER_WSFRAME_H
#define LOOPTRADER_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

#define WSFRAME_HDR_MAX 14 /* 2, an 8-byte length, a 4-byte mask */
#define WSFRAME_CONTROL_MAX 125 /* a control frame's payload */

enum wsframe_op {
    WSFRAME_CONT = 0x0,
    WSFRAME_TEXT = 0x1,
    WSFRAME_BINARY = 0x2,
    WSFRAME_CLOSE = 0x8,
    WSFRAME_PING = 0x9,
    WSFRAME_PONG = 0xa
};

/* Writes the header of a final frame of opcode op and payload length len
 * into out, with the mask bit and the 4 bytes of mask when mask is not
 * NULL (a client's frame; the caller XORs the payload with it).  Returns
 * the header's length (at most WSFRAME_HDR_MAX). */
size_t wsframe_header(unsigned char out[WSFRAME_HDR_MAX], unsigned op, size_t len,
                      const unsigned char *mask);

/* Writes a client's final frame of opcode op into out (WSFRAME_HDR_MAX +
 * len bytes of room): the header with mask, then payload[0..len) XORed
 * with it.  Returns the frame's length. */
size_t wsframe_client(unsigned char *out, unsigned op, const void *payload, size_t len,
                      const unsigned char mask[4]);

/* The parser's state between reads: zero it (= {0}) for a new connection. */
struct wsframe_rx {
    uint64_t left;    /* payload bytes of the current data frame still to come */
    unsigned op;      /* that frame's opcode */
    int in_frame;     /* a data frame's header was read, its payload is streaming */
    int frame_fin;    /* that frame's FIN bit */
    int in_message;   /* a fragmented message started: continuations follow */
};

/* One piece of what the server sent.  A control frame (close, ping, pong)
 * comes whole, with its payload.  A data message comes as one or more
 * pieces, each with its frame's opcode (WSFRAME_CONT for a continuation
 * frame): a frame whole in the bytes given is one piece, else its payload
 * comes in pieces as it arrives. */
struct wsframe_piece {
    unsigned op;               /* enum wsframe_op */
    const unsigned char *data; /* into the caller's bytes */
    size_t len;
    int end;                   /* data: the message's last piece */
    int whole;                 /* data: this piece is the whole message */
};

enum wsframe_result {
    WSFRAME_ERROR = -1, /* protocol error: *why says which; the connection must close */
    WSFRAME_NEED = 0,   /* nothing whole yet: keep the bytes, read at least *need in all */
    WSFRAME_PIECE = 1   /* *piece filled; *used bytes of buf consumed */
};

/* Parses the server's bytes buf[0..len) from rx's state.  WSFRAME_PIECE:
 * *used bytes (at least 1) are consumed and *piece describes them; call
 * again with the rest.  WSFRAME_NEED: nothing is consumed and *need (>
 * len) is how many bytes from buf's start this step needs: a header, or a
 * control frame whole; a data frame's payload is never waited for: what
 * has come is a piece.  WSFRAME_ERROR rejects what RFC 6455 makes a
 * client fail the connection for: a masked frame, RSV bits (we negotiate
 * no extension), an unknown opcode, a fragmented or over-long control
 * frame, a 64-bit length with its top bit set, a continuation outside a
 * fragmented message, and a new text or binary frame inside one. */
enum wsframe_result wsframe_parse(struct wsframe_rx *rx, const unsigned char *buf, size_t len,
                                  struct wsframe_piece *piece, size_t *used, size_t *need,
                                  const char **why);

#endif
