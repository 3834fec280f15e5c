/* Unit tests: wsframe (the header of one final WebSocket frame, and the
 * parser of a server's frames). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "looptrader/strbuf.h"
#include "looptrader/wsframe.h"

/* The three length forms of RFC 6455 5.2, at their edges, unmasked. */
static void lengths(void **state)
{
    (void)state;
    unsigned char h[WSFRAME_HDR_MAX];
    assert_int_equal(wsframe_header(h, 0x1, 125, NULL), 2);
    assert_true(h[0] == 0x81 && h[1] == 125);
    assert_int_equal(wsframe_header(h, 0x2, 126, NULL), 4);
    assert_true(h[0] == 0x82 && h[1] == 126 && h[2] == 0 && h[3] == 126);
    assert_int_equal(wsframe_header(h, 0x1, 65535, NULL), 4);
    assert_true(h[1] == 126 && h[2] == 0xff && h[3] == 0xff);
    assert_int_equal(wsframe_header(h, 0x1, 65536, NULL), 10);
    static const unsigned char big[8] = { 0, 0, 0, 0, 0, 1, 0, 0 };
    assert_true(h[1] == 127 && memcmp(h + 2, big, 8) == 0);
}

/* A client's frame: the mask bit with the length, then the mask. */
static void masked(void **state)
{
    (void)state;
    unsigned char h[WSFRAME_HDR_MAX];
    static const unsigned char m[4] = { 1, 2, 3, 4 };
    assert_int_equal(wsframe_header(h, 0x1, 5, m), 6);
    assert_true(h[0] == 0x81 && h[1] == (0x80 | 5) && memcmp(h + 2, m, 4) == 0);
    assert_int_equal(wsframe_header(h, 0x1, 300, m), 8);
    assert_true(h[1] == (0x80 | 126) && h[2] == 1 && h[3] == 44 && memcmp(h + 4, m, 4) == 0);
    assert_int_equal(wsframe_header(h, 0x1, 70000, m), WSFRAME_HDR_MAX);
    assert_true(h[1] == (0x80 | 127) && memcmp(h + 10, m, 4) == 0);
}

/* A whole client frame: the header, then the payload XORed with the mask. */
static void client_frame(void **state)
{
    (void)state;
    unsigned char f[WSFRAME_HDR_MAX + 5];
    static const unsigned char m[4] = { 1, 2, 3, 4 };
    assert_int_equal(wsframe_client(f, WSFRAME_PING, "hello", 5, m), 11);
    assert_true(f[0] == 0x89 && f[1] == (0x80 | 5) && memcmp(f + 2, m, 4) == 0);
    static const unsigned char x[5] = { 'h' ^ 1, 'e' ^ 2, 'l' ^ 3, 'l' ^ 4, 'o' ^ 1 };
    assert_memory_equal(f + 6, x, 5);
    assert_int_equal(wsframe_client(f, WSFRAME_PONG, NULL, 0, m), 6);
}

/* Appends a server frame (unmasked) of opcode op to out: final unless
 * more, the header's first byte ORed with extra. */
static void frame(struct strbuf *out, unsigned op, int more, const void *p, size_t len)
{
    unsigned char h[WSFRAME_HDR_MAX];
    size_t n = wsframe_header(h, op, len, NULL);
    if (more)
        h[0] &= 0x7f;
    assert_int_equal(strbuf_add(out, h, n), 0);
    if (len)
        assert_int_equal(strbuf_add(out, p, len), 0);
}

/* A reader as the WS client is one: bytes come in chunks, what the parser
 * does not consume stays for the next chunk, data pieces are reassembled.
 * log gets "M<len>:<bytes>|" per message and "C<op>:<payload>|" per
 * control frame. */
struct reader {
    struct wsframe_rx rx;
    struct strbuf carry, msg, log;
    int failed;
};

static void reader_init(struct reader *r)
{
    memset(r, 0, sizeof *r);
    strbuf_init(&r->carry, 0);
    strbuf_init(&r->msg, 0);
    strbuf_init(&r->log, 0);
}

static void reader_free(struct reader *r)
{
    strbuf_free(&r->carry);
    strbuf_free(&r->msg);
    strbuf_free(&r->log);
}

static void feed(struct reader *r, const void *in, size_t len)
{
    assert_int_equal(strbuf_add(&r->carry, in, len), 0);
    size_t off = 0;
    while (!r->failed) {
        struct wsframe_piece p;
        size_t used, need;
        const char *why;
        const unsigned char *b = (const unsigned char *)r->carry.buf + off;
        enum wsframe_result res = wsframe_parse(&r->rx, b, r->carry.len - off, &p, &used, &need,
                                                &why);
        if (res == WSFRAME_ERROR) {
            assert_non_null(why);
            r->failed = 1;
            break;
        }
        if (res == WSFRAME_NEED) {
            assert_true(need > r->carry.len - off);
            assert_int_equal(used, 0);
            break;
        }
        assert_true(used > 0 && used <= r->carry.len - off);
        assert_true(p.data >= b && p.data + p.len <= b + used);
        off += used;
        if (p.op & 0x8) {
            strbuf_addf(&r->log, "C%u:%.*s|", p.op, (int)p.len, (const char *)p.data);
            continue;
        }
        if (p.whole)
            assert_true(p.end && r->msg.len == 0);
        strbuf_add(&r->msg, p.data, p.len);
        if (p.end) {
            strbuf_addf(&r->log, "M%zu:", r->msg.len);
            strbuf_add(&r->log, r->msg.buf, r->msg.len);
            strbuf_addch(&r->log, '|');
            strbuf_reset(&r->msg);
        }
    }
    memmove(r->carry.buf, r->carry.buf + off, r->carry.len - off);
    r->carry.len -= off;
}

/* A stream with every length form, control frames alone and inside a
 * fragmented message, and an empty message. */
static void build_stream(struct strbuf *s)
{
    static char big[70000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (char)('a' + i % 26);
    frame(s, WSFRAME_TEXT, 0, "hello", 5);
    frame(s, WSFRAME_PING, 0, "hi", 2);
    frame(s, WSFRAME_TEXT, 0, big, 300);          /* 16-bit length */
    frame(s, WSFRAME_TEXT, 1, "ab", 2);           /* fragmented ... */
    frame(s, WSFRAME_PING, 0, "p", 1);            /* ... a ping inside ... */
    frame(s, WSFRAME_CONT, 1, "cd", 2);
    frame(s, WSFRAME_PONG, 0, NULL, 0);
    frame(s, WSFRAME_CONT, 0, "ef", 2);           /* ... its end */
    frame(s, WSFRAME_BINARY, 0, big, sizeof big); /* 64-bit length */
    frame(s, WSFRAME_TEXT, 0, NULL, 0);           /* empty */
    frame(s, WSFRAME_CLOSE, 0, "\x03\xe8", 2);
}

/* The stream cut in two at every byte, and fed byte by byte, reads as it
 * does whole. */
static void splits(void **state)
{
    (void)state;
    struct strbuf s;
    strbuf_init(&s, 0);
    build_stream(&s);
    struct reader whole;
    reader_init(&whole);
    feed(&whole, s.buf, s.len);
    assert_false(whole.failed);
    assert_int_equal(whole.carry.len, 0);
    assert_non_null(strstr(whole.log.buf, "M5:hello|C9:hi|M300:abc"));
    assert_non_null(strstr(whole.log.buf, "|C9:p|C10:|M6:abcdef|M70000:abcd"));
    assert_non_null(strstr(whole.log.buf, "|M0:|C8:\x03\xe8|"));
    for (size_t k = 0; k <= s.len; k += k < 400 || k > s.len - 400 ? 1 : 97) {
        struct reader r;
        reader_init(&r);
        feed(&r, s.buf, k);
        feed(&r, s.buf + k, s.len - k);
        assert_false(r.failed);
        assert_int_equal(r.log.len, whole.log.len);
        assert_memory_equal(r.log.buf, whole.log.buf, whole.log.len);
        reader_free(&r);
    }
    struct reader r;
    reader_init(&r);
    for (size_t k = 0; k < s.len; k++)
        feed(&r, s.buf + k, 1);
    assert_int_equal(r.log.len, whole.log.len);
    assert_memory_equal(r.log.buf, whole.log.buf, whole.log.len);
    reader_free(&r);
    reader_free(&whole);
    strbuf_free(&s);
}

/* A frame whole in the bytes is one piece pointing at its payload there;
 * what is missing is said. */
static void zero_copy_and_need(void **state)
{
    (void)state;
    struct wsframe_rx rx = { 0 };
    struct wsframe_piece p;
    size_t used, need;
    const char *why;
    static const unsigned char one[] = { 0x81, 3, 'a', 'b', 'c', 0x89 };
    assert_int_equal(wsframe_parse(&rx, one, sizeof one, &p, &used, &need, &why), WSFRAME_PIECE);
    assert_true(p.whole && p.end && p.op == WSFRAME_TEXT && p.data == one + 2 && p.len == 3);
    assert_int_equal(used, 5);
    assert_int_equal(wsframe_parse(&rx, one + 5, 1, &p, &used, &need, &why), WSFRAME_NEED);
    assert_int_equal(need, 2);
    static const unsigned char ping[] = { 0x89, 5, 'x', 'y', 'z' };
    assert_int_equal(wsframe_parse(&rx, ping, sizeof ping, &p, &used, &need, &why), WSFRAME_NEED);
    assert_int_equal(need, 7);
    static const unsigned char len16[] = { 0x82, 126, 1 };
    assert_int_equal(wsframe_parse(&rx, len16, sizeof len16, &p, &used, &need, &why),
                     WSFRAME_NEED);
    assert_int_equal(need, 4);
    static const unsigned char len64[] = { 0x82, 127, 0, 0, 0, 0, 0, 1 };
    assert_int_equal(wsframe_parse(&rx, len64, sizeof len64, &p, &used, &need, &why),
                     WSFRAME_NEED);
    assert_int_equal(need, 10);
    /* a data frame's payload is not waited for: it streams */
    static const unsigned char part[] = { 0x81, 10, 'a', 'b' };
    assert_int_equal(wsframe_parse(&rx, part, sizeof part, &p, &used, &need, &why), WSFRAME_PIECE);
    assert_true(!p.whole && !p.end && p.len == 2 && used == 4);
}

/* Each of what a client must fail the connection for. */
static void rejections(void **state)
{
    (void)state;
    static const struct {
        unsigned char b[12];
        size_t n;
    } bad[] = {
        { { 0x81, 0x81, 1, 2, 3, 4, 'x' }, 7 },     /* masked */
        { { 0xc1, 1, 'x' }, 3 },                    /* RSV1 */
        { { 0xa1, 1, 'x' }, 3 },                    /* RSV2 */
        { { 0x83, 0 }, 2 },                         /* opcode 3 */
        { { 0x8b, 0 }, 2 },                         /* opcode 0xb */
        { { 0x09, 0 }, 2 },                         /* fragmented ping */
        { { 0x89, 126, 0, 126 }, 4 },               /* ping over 125 */
        { { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1 }, 10 }, /* 64-bit top bit */
        { { 0x80, 1, 'x' }, 3 },                    /* continuation, no start */
        { { 0x01, 1, 'a', 0x81, 1, 'b' }, 6 },      /* new message inside one */
        { { 0x01, 1, 'a', 0x02, 1, 'b' }, 6 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct reader r;
        reader_init(&r);
        feed(&r, bad[i].b, bad[i].n);
        assert_true(r.failed);
        reader_free(&r);
    }
    /* after a fragmented message ends, a new one may start */
    struct reader r;
    reader_init(&r);
    static const unsigned char ok[] = { 0x01, 1, 'a', 0x80, 1, 'b', 0x81, 1, 'c' };
    feed(&r, ok, sizeof ok);
    assert_false(r.failed);
    assert_string_equal(r.log.buf, "M2:ab|M1:c|");
    reader_free(&r);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lengths),
        cmocka_unit_test(masked),
        cmocka_unit_test(client_frame),
        cmocka_unit_test(splits),
        cmocka_unit_test(zero_copy_and_need),
        cmocka_unit_test(rejections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
