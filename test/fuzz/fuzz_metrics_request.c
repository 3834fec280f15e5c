/*
 * fuzz_metrics_request.c - the metrics endpoint's handling of a request:
 * what a client sends, framed as ctlsock_serve's reader frames it after
 * each read (ctl_request_frame), then answered by metrics_answer.
 * Any local process can connect and send any bytes; each must get one
 * well-formed HTTP/1.1 response (a status line, headers, a Content-Length
 * equal to the body's length), never a crash or a leak, and a request
 * that holds its end within the bound is answered without waiting for
 * more bytes.
 *
 * Input: the bytes the client sends, then nothing more.  The framing runs
 * twice, on all of them at once and on reads of 1..509 bytes (the size
 * picks it), and must come out the same.  The source has two accounts;
 * an odd size stands for a run that is stopping.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/metrics.h"

static int mr_stopping_flag;

static long mr_rows(void *ctx, struct report_user *out)
{
    (void)ctx;
    out[0] = (struct report_user){ .name = "alice", .status = USER_PENDING, .rung = 2 };
    out[1] = (struct report_user){ .name = "bob", .status = USER_STOPPED, .rung = -1 };
    return 2;
}

static int mr_stopping(void *ctx)
{
    (void)ctx;
    return mr_stopping_flag;
}

static void mr_venue(void *ctx, struct metrics_venue *out)
{
    (void)ctx;
    out->weight_used = 12;
    out->weight_limit = 6000;
    snprintf(out->base, sizeof out->base, "BTC");
    snprintf(out->quote, sizeof out->quote, "USDT");
}

/* The framing of data[0..size) fed in reads of chunk bytes, as the
 * server's reader feeds it: the outcome and, when whole, *req_len. */
static int mr_frame(const uint8_t *data, size_t size, size_t chunk, struct strbuf *sb,
                    size_t *req_len, const char **bad)
{
    size_t off = 0;
    strbuf_reset(sb);
    for (;;) {
        int f = ctl_request_frame(sb->buf, sb->len, METRICS_REQUEST_END, METRICS_REQUEST_MAX,
                                  req_len, bad);
        if (f != 0 || off == size)
            return f;
        size_t k = size - off < chunk ? size - off : chunk;
        FUZZ_CHECK(strbuf_add(sb, data + off, k) == 0);
        off += k;
    }
}

/* Checks out is one HTTP/1.1 response; returns its status code. */
static int mr_check_response(const struct strbuf *out)
{
    const char *p = out->buf;
    FUZZ_CHECK(out->len == strlen(p)); /* text */
    FUZZ_CHECK(strncmp(p, "HTTP/1.1 ", 9) == 0);
    int code = 0;
    for (int i = 9; i < 12; i++) {
        FUZZ_CHECK(p[i] >= '0' && p[i] <= '9');
        code = code * 10 + (p[i] - '0');
    }
    FUZZ_CHECK(p[12] == ' ');
    const char *head_end = strstr(p, "\r\n\r\n");
    FUZZ_CHECK(head_end != NULL);
    const char *body = head_end + 4;
    int lengths = 0;
    /* the status line, then "Name: value" header lines, each CRLF-ended */
    for (const char *line = p; line < head_end + 2;) {
        const char *eol = strstr(line, "\r\n");
        FUZZ_CHECK(eol != NULL && eol <= head_end);
        for (const char *c = line; c < eol; c++)
            FUZZ_CHECK(*c >= ' ' && *c <= '~');
        if (line != p) {
            const char *colon = memchr(line, ':', (size_t)(eol - line));
            FUZZ_CHECK(colon != NULL && colon > line && colon[1] == ' ');
        }
        if (strncmp(line, "Content-Length: ", 16) == 0) {
            char *end = NULL;
            unsigned long long n = strtoull(line + 16, &end, 10);
            FUZZ_CHECK(end == eol);
            FUZZ_CHECK(n == (unsigned long long)(out->len - (size_t)(body - p)));
            lengths++;
        }
        line = eol + 2;
    }
    FUZZ_CHECK(lengths == 1);
    return code;
}

FUZZ_TARGET(metrics_request)
{
    static const struct metrics_source src = { .rows = mr_rows,
                                               .max_rows = 2,
                                               .stopping = mr_stopping,
                                               .venue = mr_venue };
    mr_stopping_flag = (int)(size & 1);
    struct strbuf whole, split, out;
    strbuf_init(&whole, 0);
    strbuf_init(&split, 0);
    strbuf_init(&out, 0);

    size_t n = 0, n2 = 0;
    const char *bad = NULL, *bad2 = NULL;
    int f = mr_frame(data, size, size ? size : 1, &whole, &n, &bad);
    int f2 = mr_frame(data, size, 1 + size % 509, &split, &n2, &bad2);
    FUZZ_CHECK(f == f2 && (f <= 0 || n == n2));
    FUZZ_CHECK(f <= 0 || (n <= METRICS_REQUEST_MAX && n <= size));
    FUZZ_CHECK(f >= 0 || (bad && bad[0]));
    /* a request whose end came within the bound never waits for more */
    const char *e = memmem(data, size, METRICS_REQUEST_END, strlen(METRICS_REQUEST_END));
    FUZZ_CHECK(!e || (size_t)(e - (const char *)data) > METRICS_REQUEST_MAX || f != 0);

    if (f > 0)
        whole.buf[n] = '\0';
    metrics_answer(&src, whole.buf, f > 0 ? NULL : f < 0 ? bad : "(nothing more came)", &out);
    int code = mr_check_response(&out);
    if (f <= 0)
        FUZZ_CHECK(code == 400);
    else if (strncmp(whole.buf, "GET /metrics ", 13) == 0 ||
             strncmp(whole.buf, "GET /metrics?", 13) == 0)
        FUZZ_CHECK(code == 200 && strstr(out.buf, "\r\n\r\n# HELP looptrader_"));
    else if (strncmp(whole.buf, "GET /health ", 12) == 0)
        FUZZ_CHECK(code == (mr_stopping_flag ? 503 : 200));
    else
        FUZZ_CHECK(code == 404);
    strbuf_free(&whole);
    strbuf_free(&split);
    strbuf_free(&out);
    return 0;
}
