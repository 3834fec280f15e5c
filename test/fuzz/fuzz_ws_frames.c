/*
 * fuzz_ws_frames.c - a server's bytes through the WS client's receive
 * path: wsframe_parse (as wstransport feeds it: chunks of a read, what it
 * leaves kept for the next), the message reassembly of pieces
 * (wsclient_rx_fragment, bounded), then each whole message through the
 * push parser, as the WebSocket thread does.
 *
 * Input: one byte that seeds the chunk sizes, then the server's bytes.
 * Checked beyond "no crash": every piece lies within the bytes given and
 * consumes some; a NEED asks for more than there is; and the bytes read
 * in one chunk and read in the seeded chunks give the same messages,
 * control frames and verdict (the parse does not depend on where reads
 * end).  A message is delivered exactly when it ends and fits the bound,
 * equal to the concatenation of its pieces; an over-long one is reported
 * once and never delivered.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/parsers.h"
#include "looptrader/venue_binance.h"
#include "looptrader/wsframe.h"

#define FRAMES_MAX 4096 /* small bound so that dropping is reached */
#define LOG_MAX (1u << 20)

struct run {
    struct wsframe_rx rx;
    struct strbuf msg;      /* the reassembly, bounded by FRAMES_MAX */
    int dropping;
    struct strbuf model;    /* the message's pieces, unbounded */
    struct strbuf log;      /* "M<len>:bytes|", "D|" (dropped), "C<op>:payload|" */
    int failed;
};

static void piece_in(struct run *r, const struct wsframe_piece *p)
{
    if (p->op & 0x8) {
        FUZZ_CHECK(p->len <= WSFRAME_CONTROL_MAX && p->end && p->whole);
        strbuf_addf(&r->log, "C%u:", p->op);
        strbuf_add(&r->log, p->data, p->len);
        strbuf_addch(&r->log, '|');
        return;
    }
    FUZZ_CHECK(!p->whole || (p->end && r->model.len == 0 && !r->dropping));
    strbuf_add(&r->model, p->data, p->len);
    int rc = wsclient_rx_fragment(&r->msg, &r->dropping, p->data, p->len, p->end);
    FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
    int over = r->model.len > FRAMES_MAX;
    FUZZ_CHECK((rc == 1) == (p->end && !over));
    if (rc == 1) {
        FUZZ_CHECK(r->msg.len == r->model.len &&
                   (r->msg.len == 0 || memcmp(r->msg.buf, r->model.buf, r->msg.len) == 0));
        struct venue_push push;
        struct lt_err err = { 0 };
        venue_binance_parse_push(r->msg.buf, r->msg.len, &push, &err);
        FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
        strbuf_addf(&r->log, "M%zu:", r->msg.len);
        strbuf_add(&r->log, r->msg.buf, r->msg.len);
        strbuf_addch(&r->log, '|');
        wsclient_rx_done(&r->msg);
    }
    FUZZ_CHECK(r->msg.len <= FRAMES_MAX);
    if (p->end) {
        if (over)
            strbuf_addstr(&r->log, "D|");
        FUZZ_CHECK(r->dropping == 0 && r->msg.len == 0);
        strbuf_reset(&r->model);
    }
}

/* Parses buf[0..len) after r's kept bytes; keeps what is left. */
static void feed(struct run *r, struct strbuf *kept, const uint8_t *buf, size_t len)
{
    strbuf_add(kept, buf, len);
    size_t off = 0;
    while (!r->failed) {
        struct wsframe_piece p;
        size_t used, need;
        const char *why;
        const unsigned char *b = (const unsigned char *)kept->buf + off;
        size_t left = kept->len - off;
        enum wsframe_result res = wsframe_parse(&r->rx, b, left, &p, &used, &need, &why);
        if (res == WSFRAME_ERROR) {
            FUZZ_CHECK(why != NULL);
            r->failed = 1;
            break;
        }
        if (res == WSFRAME_NEED) {
            FUZZ_CHECK(used == 0 && need > left && need <= WSFRAME_HDR_MAX + WSFRAME_CONTROL_MAX);
            break;
        }
        FUZZ_CHECK(res == WSFRAME_PIECE && used > 0 && used <= left);
        FUZZ_CHECK(p.data >= b && p.data + p.len <= b + used);
        off += used;
        piece_in(r, &p);
    }
    memmove(kept->buf, kept->buf + off, kept->len - off);
    kept->len -= off;
}

static void run_init(struct run *r)
{
    memset(r, 0, sizeof *r);
    strbuf_init(&r->msg, FRAMES_MAX);
    strbuf_init(&r->model, 0);
    strbuf_init(&r->log, LOG_MAX);
}

static void run_free(struct run *r)
{
    strbuf_free(&r->msg);
    strbuf_free(&r->model);
    strbuf_free(&r->log);
}

FUZZ_TARGET(ws_frames)
{
    if (size < 1)
        return 0;
    unsigned seed = data[0];
    data++, size--;
    struct run one, chunked;
    struct strbuf kept1, kept2;
    strbuf_init(&kept1, 0);
    strbuf_init(&kept2, 0);
    run_init(&one);
    run_init(&chunked);
    feed(&one, &kept1, data, size);
    for (size_t i = 0; i < size;) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 64;
        if (n > size - i)
            n = size - i;
        feed(&chunked, &kept2, data + i, n);
        i += n;
    }
    FUZZ_CHECK(one.failed == chunked.failed);
    FUZZ_CHECK(one.log.len == chunked.log.len &&
               memcmp(one.log.buf, chunked.log.buf, one.log.len) == 0);
    run_free(&one);
    run_free(&chunked);
    strbuf_free(&kept1);
    strbuf_free(&kept2);
    return 0;
}
