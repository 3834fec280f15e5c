/*
 * fuzz_intentlog.c - the intent log read back at open (intentlog_open).
 * The file is ours, but a crash mid-write leaves torn records and a disk
 * can leave any bytes; the open must hand the replay exactly the whole
 * records of the header's lap, in order, stop at the first one that is
 * not, and leave a log that takes an append.
 *
 * Input: the whole file.  The check below reads it as intentlog.h says
 * (header, then "R <lap> <len> <hash>\n" + text, FNV-1a 64 of the lap's
 * bytes least significant first and the text), on its own, and compares;
 * the next lap must be above every lap the file names, so that no record
 * left in it passes for one of the new lap's.
 * The log lives on tmpfs (/dev/shm when there is one) with a 4 KiB size
 * instead of 4 MiB: each run preallocates and fdatasyncs it, and tmpfs
 * makes both cheap.  intentlog_open refuses a symlink (O_NOFOLLOW), so the
 * memfd of memfile.h cannot stand in for the file.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"
#include "looptrader/intentlog.h"

#define IL_SIZE 4096
#define IL_REC_HEAD 45
#define IL_APPENDED "fuzz appended\n"

struct il_seen {
    const uint8_t *data;
    size_t n;      /* bytes the open reads: the file, up to IL_SIZE */
    uint64_t lap;  /* the header's, 0 none */
    size_t off;    /* where the next record must start */
    size_t count;
};

static int il_hex(const uint8_t *p, int n, uint64_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < n; i++) {
        int c = p[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return 0;
        x = x << 4 | (uint64_t)d;
    }
    *v = x;
    return 1;
}

static uint64_t il_fnv(uint64_t lap, const uint8_t *text, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (int i = 0; i < 8; i++)
        h = (h ^ (uint8_t)(lap >> (8 * i))) * 0x100000001b3ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ text[i]) * 0x100000001b3ULL;
    return h;
}

/* The header's lap, 0 when the header is not one. */
static uint64_t il_header_lap(const uint8_t *d, size_t n)
{
    uint64_t lap = 0;
    if (n < 64 || memcmp(d, "LTWAL 1 ", 8) != 0 || d[24] != '\n' || !il_hex(d + 8, 16, &lap))
        return 0;
    return lap;
}

/* 1 when h[0..IL_REC_HEAD) is a record head. */
static int il_head(const uint8_t *h, uint64_t *lap, uint64_t *len, uint64_t *hash)
{
    return h[0] == 'R' && h[1] == ' ' && il_hex(h + 2, 16, lap) && h[18] == ' ' &&
           il_hex(h + 19, 8, len) && h[27] == ' ' && il_hex(h + 28, 16, hash) && h[44] == '\n';
}

/* The text length of a whole record of s->lap at off, 0 when there is none. */
static size_t il_record_at(const struct il_seen *s, size_t off)
{
    const uint8_t *h = s->data + off;
    uint64_t lap, len, hash;
    if (s->lap == 0 || off + IL_REC_HEAD > s->n || !il_head(h, &lap, &len, &hash) ||
        lap != s->lap || len == 0 || len > s->n - off - IL_REC_HEAD ||
        il_fnv(lap, h + IL_REC_HEAD, (size_t)len) != hash)
        return 0;
    return (size_t)len;
}

/* The highest lap the file names, in its header or any record head. */
static uint64_t il_top_lap(const struct il_seen *s)
{
    uint64_t top = s->lap, lap, len, hash;
    for (size_t off = 0; off + IL_REC_HEAD <= s->n; off++)
        if (il_head(s->data + off, &lap, &len, &hash) && lap > top)
            top = lap;
    return top;
}

static int il_check_record(void *arg, const char *text, size_t len)
{
    struct il_seen *s = arg;
    size_t want = il_record_at(s, s->off);
    FUZZ_CHECK(want > 0 && len == want);
    FUZZ_CHECK(memcmp(text, s->data + s->off + IL_REC_HEAD, len) == 0);
    s->off += IL_REC_HEAD + len;
    s->count++;
    return 0;
}

/* Stops the open at the record numbered *arg (from 1). */
static int il_stop_at(void *arg, const char *text, size_t len)
{
    (void)text;
    (void)len;
    size_t *left = arg;
    return --*left == 0 ? LT_EPARSE : 0;
}

/* After a clean append and close: the one record of the next lap. */
static int il_check_appended(void *arg, const char *text, size_t len)
{
    size_t *count = arg;
    FUZZ_CHECK(len == strlen(IL_APPENDED) && memcmp(text, IL_APPENDED, len) == 0);
    (*count)++;
    return 0;
}

static void il_write_file(const char *path, const uint8_t *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t)size);
    close(fd);
}

FUZZ_TARGET(intentlog)
{
    struct stat st;
    char dir[64], path[96];
    snprintf(dir, sizeof dir, "%s/fuzz_intentlog_XXXXXX",
             stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
    FUZZ_CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/%s", dir, "intents.wal");
    il_write_file(path, data, size);

    struct il_seen s = { .data = data, .n = size < IL_SIZE ? size : IL_SIZE, .off = 64 };
    s.lap = il_header_lap(data, s.n);
    struct intentlog *l = NULL;
    struct lt_err err = { 0 };
    int rc = intentlog_open(path, IL_SIZE, il_check_record, &s, &l, &err);
    /* a regular file we can read: LT_EIO never, whatever it holds */
    FUZZ_CHECK(rc == 0 || rc == LT_ENOMEM);
    if (rc != 0) {
        FUZZ_CHECK(l == NULL && unlink(path) == 0 && rmdir(dir) == 0);
        return 0;
    }
    FUZZ_CHECK(il_record_at(&s, s.off) == 0); /* the scan went as far as the lap's records */

    /* A replay that fails stops the open with its code, freeing all
     * (the open only read the file: it is still the input). */
    if (s.count > 0) {
        struct intentlog *stopped = NULL;
        size_t left = 1 + size % s.count;
        FUZZ_CHECK(intentlog_open(path, IL_SIZE, il_stop_at, &left, &stopped, &err) == LT_EPARSE);
        FUZZ_CHECK(stopped == NULL && left == 0);
    }

    FUZZ_CHECK(intentlog_new_lap(l, &err) == 0);
    FUZZ_CHECK(intentlog_append(l, IL_APPENDED, strlen(IL_APPENDED), 1, &err) == 0);
    intentlog_close(l);

    /* Read back: only the append is in the new lap. */
    size_t count = 0;
    FUZZ_CHECK(intentlog_open(path, IL_SIZE, il_check_appended, &count, &l, &err) == 0);
    FUZZ_CHECK(count == 1);
    intentlog_close(l);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    uint8_t head[64];
    FUZZ_CHECK(read(fd, head, sizeof head) == (ssize_t)sizeof head);
    close(fd);
    /* above every lap the file named, or the first again after the last */
    uint64_t top = il_top_lap(&s);
    FUZZ_CHECK(il_header_lap(head, sizeof head) == (top + 1 ? top + 1 : 1));

    FUZZ_CHECK(unlink(path) == 0 && rmdir(dir) == 0);
    return 0;
}
