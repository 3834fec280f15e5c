/*
 * fuzz_ws_frames.c - WebSocket fragments through wsclient.c's message
 * reassembly (wsclient_rx_fragment), then each whole message through the
 * push parser, as the WebSocket thread does.
 *
 * Input: records of a 2-byte header (little endian: bits 0-13 the fragment
 * length, bit 15 "final fragment") and the fragment's bytes (fewer at the
 * end of the input).  A model kept here checks the reassembly: a message
 * is delivered exactly when its final fragment arrives and it fits the
 * buffer's bound, equal to the concatenation of its fragments; an
 * over-long message is reported once and never delivered.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/parsers.h"
#include "looptrader/venue_binance.h"

#define FRAMES_MAX 4096 /* small bound so that dropping is reached */

FUZZ_TARGET(ws_frames)
{
    struct strbuf rx;
    static uint8_t model[FRAMES_MAX + 16384];
    size_t mlen = 0, i = 0;
    int dropping = 0, model_over = 0;
    strbuf_init(&rx, FRAMES_MAX);
    while (i + 2 <= size) {
        unsigned hdr = data[i] | (unsigned)data[i + 1] << 8;
        size_t n = hdr & 0x3fff;
        int final = (hdr & 0x8000) != 0;
        i += 2;
        if (n > size - i)
            n = size - i;
        int was_over = model_over;
        if (!model_over && mlen + n > FRAMES_MAX)
            model_over = 1;
        else if (!model_over) {
            memcpy(model + mlen, data + i, n);
            mlen += n;
        }
        int rc = wsclient_rx_fragment(&rx, &dropping, data + i, n, final);
        i += n;
        FUZZ_CHECK(rc == -1 || rc == 0 || rc == 1);
        FUZZ_CHECK((rc == -1) == (model_over && !was_over));
        FUZZ_CHECK((rc == 1) == (final && !model_over));
        if (rc == 1) {
            FUZZ_CHECK(rx.len == mlen && (mlen == 0 || memcmp(rx.buf, model, mlen) == 0));
            struct venue_push p;
            struct lt_err err = { 0 };
            venue_binance_parse_push(rx.buf, rx.len, &p, &err);
            FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
            wsclient_rx_done(&rx);
        }
        FUZZ_CHECK(rx.len <= FRAMES_MAX);
        if (final) {
            mlen = 0;
            model_over = 0;
            FUZZ_CHECK(dropping == 0 && rx.len == 0);
        }
    }
    strbuf_free(&rx);
    return 0;
}
