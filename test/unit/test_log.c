/* Unit tests: the log's redactor (overlaps, prefixes, many secrets,
 * concurrent registration) and its file sink (one line per write, reopen). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "looptrader/error.h"
#include "looptrader/log.h"

static int teardown(void **state)
{
    (void)state;
    log_secrets_clear();
    return 0;
}

static void redacts_one_secret_everywhere(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(log_secret_add("hunter22"), 0);
    log_redact("a hunter22 b hunter22hunter22 c", out, sizeof out);
    assert_string_equal(out, "a *** b *** c");
    log_redact("no secret here", out, sizeof out);
    assert_string_equal(out, "no secret here");
    log_redact("hunter2 is not it", out, sizeof out);
    assert_string_equal(out, "hunter2 is not it");
}

static void short_strings_are_not_secrets(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(log_secret_add("abc"), 0);
    assert_int_equal(log_secret_add(""), 0);
    assert_int_equal(log_secret_add(NULL), 0);
    log_redact("abc abc", out, sizeof out);
    assert_string_equal(out, "abc abc");
}

static void overlapping_secrets_cover_their_union(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(log_secret_add("abcdef"), 0);
    assert_int_equal(log_secret_add("defghi"), 0);
    log_redact("x abcdefghi y", out, sizeof out);
    assert_string_equal(out, "x *** y");
    /* The later-starting one alone still hides. */
    log_redact("x cdefghi y", out, sizeof out);
    assert_string_equal(out, "x c*** y");
}

static void longest_of_prefix_secrets_wins(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(log_secret_add("token"), 0);
    assert_int_equal(log_secret_add("token-long-tail"), 0);
    log_redact("k=token-long-tail; j=token-short", out, sizeof out);
    assert_string_equal(out, "k=***; j=***-short");
    assert_null(strstr(out, "long-tail"));
}

/* A sent secret echoed inside a venue's JSON answer or a URL is not its
 * plain text: each encoded form is registered with it. */
static void encoded_forms_are_hidden(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(log_secret_add_sent("se/cr\"et=+1"), 0);
    static const char *const forms[] = {
        "se/cr\"et=+1",           /* itself */
        "se/cr\\\"et=+1",         /* JSON */
        "se\\/cr\\\"et=+1",       /* JSON, '/' escaped */
        "se%2Fcr%22et%3D%2B1",    /* URL */
        "se%2fcr%22et%3d%2b1",    /* URL, lower-case hex */
    };
    for (size_t i = 0; i < sizeof forms / sizeof *forms; i++) {
        char in[128];
        snprintf(in, sizeof in, "{\"msg\":\"%s\"}", forms[i]);
        log_redact(in, out, sizeof out);
        assert_string_equal(out, "{\"msg\":\"***\"}");
    }
    /* A secret with nothing to encode adds no form; one never sent has
     * its plain text registered only. */
    assert_int_equal(log_secret_add_sent("plainsecret"), 0);
    log_redact("plainsecret plainsecre", out, sizeof out);
    assert_string_equal(out, "*** plainsecre");
    assert_int_equal(log_secret_add("kept/in"), 0);
    log_redact("kept/in kept%2Fin", out, sizeof out);
    assert_string_equal(out, "*** kept%2Fin");
}

/* A sent secret with a space (a header value "Bearer x", the whole cookie
 * string "a=b; c=d") in a form-encoded query or body has each space
 * written as '+', the rest percent-encoded as in a URL. */
static void form_encoded_secret_is_hidden(void **state)
{
    (void)state;
    char out[256];
    assert_int_equal(log_secret_add_sent("Bearer tok/en"), 0);
    log_redact("next=/login?auth=Bearer+tok%2Fen&x=1", out, sizeof out);
    assert_string_equal(out, "next=/login?auth=***&x=1");
    log_redact("auth=Bearer%20tok%2Fen", out, sizeof out);
    assert_string_equal(out, "auth=***");
}

static void duplicates_register_once(void **state)
{
    (void)state;
    char out[64];
    for (int i = 0; i < 100; i++)
        assert_int_equal(log_secret_add("same-secret"), 0);
    log_redact("[same-secret]", out, sizeof out);
    assert_string_equal(out, "[***]");
}

/* Secrets sharing a long prefix with each other and with ordinary text:
 * every one is found, nothing else is touched. */
static void ten_thousand_secrets(void **state)
{
    (void)state;
    char s[64], line[256], out[256];
    for (int i = 0; i < 10000; i++) {
        snprintf(s, sizeof s, "user-%05d-secret-%d", i, i % 7 == 0 ? 1234567 : 42);
        assert_int_equal(log_secret_add(s), 0);
    }
    for (int i = 0; i < 10000; i++) { /* each: the filter never hides one */
        snprintf(line, sizeof line, "user-%05d: sig user-%05d-secret-%d end", i, i,
                 i % 7 == 0 ? 1234567 : 42);
        log_redact(line, out, sizeof out);
        snprintf(s, sizeof s, "user-%05d: sig *** end", i);
        assert_string_equal(out, s);
    }
    log_redact("user-00001-secret-4", out, sizeof out);
    assert_string_equal(out, "user-00001-secret-4");
}

/* Two secrets of one length and one hash: a Thue-Morse string of 2048
 * characters and its complement, whose polynomial hashes mod 2^64 are
 * equal for any odd base.  The second is registered, not taken for a
 * duplicate of the first, and each is masked only where it occurs. */
static void equal_hashes_are_told_apart(void **state)
{
    (void)state;
    enum { N = 2048 };
    static char a[N + 1], b[N + 1], line[N + 3], out[N + 3];
    for (int i = 0; i < N; i++) {
        int odd = __builtin_popcount((unsigned)i) & 1;
        a[i] = odd ? 'b' : 'a';
        b[i] = odd ? 'a' : 'b';
    }
    assert_int_equal(log_secret_add(a), 0);
    snprintf(line, sizeof line, "<%s>", b);
    log_redact(line, out, sizeof out);
    assert_string_equal(out, line);
    assert_int_equal(log_secret_add(b), 0);
    log_redact(line, out, sizeof out);
    assert_string_equal(out, "<***>");
    snprintf(line, sizeof line, "<%s>", a);
    log_redact(line, out, sizeof out);
    assert_string_equal(out, "<***>");
}

static void every_length_is_indexed(void **state)
{
    (void)state;
    char s[80], line[200], out[200];
    /* More distinct lengths than the index starts with. */
    for (int len = 4; len < 60; len++) {
        memset(s, 'a' + len % 26, (size_t)len);
        s[0] = 'Q';
        s[len] = '\0';
        assert_int_equal(log_secret_add(s), 0);
    }
    for (int len = 4; len < 60; len++) {
        memset(s, 'a' + len % 26, (size_t)len);
        s[0] = 'Q';
        s[len] = '\0';
        snprintf(line, sizeof line, "<%s>", s);
        log_redact(line, out, sizeof out);
        assert_string_equal(out, "<***>");
    }
}

/* The definition, naively: every character inside an occurrence of a
 * registered secret is covered; each maximal run of covered characters is
 * one "***". */
static void naive_redact(const char *in, char *const *secrets, size_t n_secrets, char *out)
{
    size_t n = strlen(in), o = 0;
    unsigned char *cov = calloc(n + 1, 1);
    assert_non_null(cov);
    for (size_t k = 0; k < n_secrets; k++) {
        size_t len = strlen(secrets[k]);
        for (size_t i = 0; i + len <= n; i++)
            if (memcmp(in + i, secrets[k], len) == 0)
                memset(cov + i, 1, len);
    }
    for (size_t i = 0; i < n; i++) {
        if (!cov[i])
            out[o++] = in[i];
        else if (i == 0 || !cov[i - 1])
            o += (size_t)sprintf(out + o, "***");
    }
    out[o] = '\0';
    free(cov);
}

/* Random texts over a three-letter alphabet, so that secrets occur often,
 * overlap, touch and share prefixes; some texts longer than a log line
 * (the redactor's heap path). */
static void random_texts_match_the_definition(void **state)
{
    (void)state;
    srand(7);
    for (int round = 0; round < 40; round++) {
        /* Few secrets, or enough to grow the index while they register
         * and to share each tail (3 letters: 81 tails) among several. */
        char *secrets[60];
        size_t n_secrets = 1 + (size_t)(rand() % (round % 2 ? 6 : 60));
        for (size_t k = 0; k < n_secrets; k++) {
            size_t len = 4 + (size_t)(rand() % 6);
            secrets[k] = malloc(len + 1);
            assert_non_null(secrets[k]);
            for (size_t i = 0; i < len; i++)
                secrets[k][i] = (char)('a' + rand() % 3);
            secrets[k][len] = '\0';
            assert_int_equal(log_secret_add(secrets[k]), 0);
        }
        for (int t = 0; t < 20; t++) {
            size_t n = (size_t)(rand() % (t == 0 ? 9000 : 300));
            char *in = malloc(n + 1), *want = malloc(3 * n + 1), *got = malloc(3 * n + 2);
            assert_true(in && want && got);
            for (size_t i = 0; i < n; i++)
                in[i] = (char)('a' + rand() % 3);
            in[n] = '\0';
            naive_redact(in, secrets, n_secrets, want);
            log_redact(in, got, 3 * n + 2);
            assert_string_equal(got, want);
            free(in);
            free(want);
            free(got);
        }
        log_secrets_clear();
        for (size_t k = 0; k < n_secrets; k++)
            free(secrets[k]);
    }
}

static void output_is_bounded(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(log_secret_add("secret"), 0);
    log_redact("0123456789secret", out, sizeof out);
    assert_string_equal(out, "0123456");
    log_redact("ab secret", out, sizeof out);
    assert_string_equal(out, "ab ***");
    char big_in[5000], big_out[5000];
    memset(big_in, 'x', sizeof big_in);
    memcpy(big_in + 4000, "secret", 6);
    big_in[sizeof big_in - 1] = '\0';
    log_redact(big_in, big_out, sizeof big_out);
    assert_null(strstr(big_out, "secret"));
    assert_non_null(strstr(big_out, "x***x"));
}

struct adder_arg {
    int base;
};

static void *adder(void *p)
{
    struct adder_arg *a = p;
    char s[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(s, sizeof s, "th%d-secret-%06d", a->base, i);
        if (log_secret_add(s) != 0)
            return p;
    }
    return NULL;
}

static void *redactor(void *p)
{
    (void)p;
    char out[128];
    for (int i = 0; i < 20000; i++)
        log_redact("anchor-secret-1 and text that matches nothing at all", out, sizeof out);
    return strcmp(out, "*** and text that matches nothing at all") == 0 ? NULL : p;
}

/* Registration while other threads redact: no lost secret, no torn read
 * (this is what TSan checks). */
static void concurrent_add_and_redact(void **state)
{
    (void)state;
    char s[32], line[40], out[40];
    assert_int_equal(log_secret_add("anchor-secret-1"), 0);
    pthread_t t[4];
    struct adder_arg args[2] = { { 0 }, { 1 } };
    assert_int_equal(pthread_create(&t[0], NULL, adder, &args[0]), 0);
    assert_int_equal(pthread_create(&t[1], NULL, adder, &args[1]), 0);
    assert_int_equal(pthread_create(&t[2], NULL, redactor, NULL), 0);
    assert_int_equal(pthread_create(&t[3], NULL, redactor, NULL), 0);
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(t[i], &rv);
        assert_null(rv);
    }
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 2000; i += 111) {
            snprintf(s, sizeof s, "th%d-secret-%06d", b % 10, i % 1000000);
            snprintf(line, sizeof line, "(%s)", s);
            log_redact(line, out, sizeof out);
            assert_string_equal(out, "(***)");
        }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* A fresh temp file at path (a mkstemp template) and stderr sent to
 * /dev/null (it is not under test: kept out of the test output); the
 * saved stderr is returned for quiet_end. */
static int quiet_begin(char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int saved = dup(STDERR_FILENO);
    FILE *devnull = freopen("/dev/null", "w", stderr);
    assert_non_null(devnull);
    return saved;
}

static void quiet_end(int saved)
{
    dup2(saved, STDERR_FILENO);
    close(saved);
}

static void file_sink_redacts_and_reopens(void **state)
{
    (void)state;
    char a[] = "/tmp/lt-test-log-XXXXXX", b[64];
    int saved = quiet_begin(a);
    snprintf(b, sizeof b, "%s.rotated", a);

    assert_int_equal(log_secret_add("file-secret-99"), 0);
    assert_int_equal(log_open(a), 0);
    log_info("first line file-secret-99");
    log_debug("below the level");
    assert_int_equal(rename(a, b), 0);
    assert_int_equal(log_open(a), 0); /* reopen after rotation */
    log_warn("second line %d", 2);

    /* A secret cut by the end of an over-long line leaks no prefix. */
    assert_int_equal(log_secret_add("straddling-secret-0123456789"), 0);
    char pad[2001];
    memset(pad, 'p', 2000);
    pad[2000] = '\0';
    log_info("%s%s tail", pad, "straddling-secret-0123456789");
    log_close();

    quiet_end(saved);
    char *old = slurp(b);
    assert_non_null(old);
    assert_non_null(strstr(old, " INFO  first line ***\n"));
    assert_null(strstr(old, "file-secret"));
    assert_null(strstr(old, "below the level"));
    assert_null(strstr(old, "second line"));
    char *cur = slurp(a);
    assert_non_null(cur);
    assert_non_null(strstr(cur, " WARN  second line 2\n"));
    assert_null(strstr(cur, "strad"));
    assert_non_null(strstr(cur, "ppp***"));
    log_info("after close");
    assert_null(strstr(slurp(a), "after close"));
    unlink(a);
    unlink(b);
    assert_int_equal(log_open("/nonexistent-dir/x.log"), LT_EIO);
}

/* No run of 8 characters of secret in text. */
static int holds_part_of(const char *text, const char *secret)
{
    size_t n = strlen(secret);
    for (size_t i = 0; i + 8 <= n; i++) {
        char part[9];
        memcpy(part, secret + i, 8);
        part[8] = '\0';
        if (strstr(text, part))
            return 1;
    }
    return 0;
}

/* A secret longer than the buffer a line is formatted in: the line is
 * formatted in full before it is redacted, so wherever the secret starts
 * (in the line, at the formatting buffer's end, past the line's cut),
 * text or JSON, no part of it is written. */
static void long_secret_formatted_in_full(void **state)
{
    (void)state;
    static char secret[5001];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof secret - 1; i++) {
        x = x * 1103515245u + 12345u;
        secret[i] = (char)('A' + (x >> 16) % 26);
    }
    assert_int_equal(log_secret_add(secret), 0);
    char a[] = "/tmp/lt-test-log-XXXXXX";
    int saved = quiet_begin(a);
    assert_int_equal(log_open(a), 0);
    const int pads[] = { 0, 100, 2000, 2040, 4000, 4060, 4090, 4100 };
    for (int json = 0; json < 2; json++) {
        log_set_format(json ? LOG_JSON : LOG_TEXT);
        for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++)
            log_info("%*s%s tail", pads[i], "", secret);
    }
    log_set_format(LOG_TEXT);
    log_close();
    quiet_end(saved);
    char *text = slurp(a);
    assert_non_null(text);
    assert_false(holds_part_of(text, secret));
    assert_non_null(strstr(text, " INFO  ***"));
    unlink(a);
}

/* --log-format json: one object a line, the message redacted, then
 * escaped so that quotes, backslashes and control bytes stay valid JSON. */
static void json_lines_parse_and_redact(void **state)
{
    (void)state;
    char a[] = "/tmp/lt-test-log-XXXXXX";
    int saved = quiet_begin(a);
    assert_int_equal(log_secret_add("json-secret-42"), 0);
    assert_int_equal(log_open(a), 0);
    log_set_format(LOG_JSON);
    log_warn("say \"hi\" \\ tab\tnl\n json-secret-42 end");
    log_set_format(LOG_TEXT);
    log_close();
    quiet_end(saved);

    char *text = slurp(a);
    assert_non_null(text);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_null(strchr(nl + 1, '\n')); /* the embedded newline is escaped: one line */
    json_error_t je;
    json_t *j = json_loadb(text, (size_t)(nl - text), 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
    assert_string_equal(json_string_value(json_object_get(j, "msg")),
                        "say \"hi\" \\ tab\tnl\n *** end");
    assert_int_equal(strlen(json_string_value(json_object_get(j, "ts"))), 24);
    json_decref(j);
    unlink(a);
    assert_int_equal(log_format_parse("json"), LOG_JSON);
    assert_int_equal(log_format_parse("xml"), -1);
}

/* A text line's stamp, per thread from a cached second: each line says
 * the UTC time it was written (between the clock read before and after),
 * to the millisecond, then the level padded to five. */
static void text_stamp_is_the_wall_clock(void **state)
{
    (void)state;
    char a[] = "/tmp/lt-test-log-XXXXXX";
    int saved = quiet_begin(a);
    assert_int_equal(log_open(a), 0);
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    for (int i = 0; i < 3; i++)
        log_warn("line %d", i);
    clock_gettime(CLOCK_REALTIME, &after);
    log_close();
    quiet_end(saved);

    char *text = slurp(a);
    assert_non_null(text);
    int64_t lo = (int64_t)before.tv_sec * 1000 + before.tv_nsec / 1000000;
    int64_t hi = (int64_t)after.tv_sec * 1000 + after.tv_nsec / 1000000;
    const char *p = text;
    for (int i = 0; i < 3; i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        int ms = -1, used = 0;
        const char *rest = strptime(p, "%Y-%m-%dT%H:%M:%S", &tm);
        assert_non_null(rest);
        assert_int_equal(sscanf(rest, ".%3dZ%n", &ms, &used), 1);
        assert_int_equal(used, 5);
        assert_int_equal(rest - p, 19);
        int64_t at = (int64_t)timegm(&tm) * 1000 + ms;
        assert_true(at >= lo && at <= hi);
        char want[32];
        snprintf(want, sizeof want, " WARN  line %d\n", i);
        assert_memory_equal(rest + 5, want, strlen(want));
        p = strchr(p, '\n') + 1;
    }
    assert_int_equal(*p, '\0');
    unlink(a);
}

/* Stderr carries every line until a file sink opens; then the file has
 * them all and stderr only warnings and errors (nohup's copy of the file
 * cost a write per line). */
static void stderr_with_a_file(void **state)
{
    (void)state;
    char file[] = "/tmp/lt-test-log-XXXXXX", err[] = "/tmp/lt-test-err-XXXXXX";
    int saved = quiet_begin(file);
    int efd = mkstemp(err);
    assert_true(efd >= 0);
    assert_true(dup2(efd, STDERR_FILENO) >= 0);
    close(efd);

    log_info("before the file");
    assert_int_equal(log_open(file), 0);
    log_info("an info line");
    log_warn("a warning");
    log_error("an error");
    log_close();
    log_info("after the file");

    quiet_end(saved);
    char *e = strdup(slurp(err)), *f = strdup(slurp(file)); /* slurp's buffer is static */
    assert_non_null(e);
    assert_non_null(f);
    assert_non_null(strstr(e, " INFO  before the file\n"));
    assert_null(strstr(e, "an info line"));
    assert_non_null(strstr(e, " WARN  a warning\n"));
    assert_non_null(strstr(e, " ERROR an error\n"));
    assert_non_null(strstr(e, " INFO  after the file\n"));
    assert_non_null(strstr(f, " INFO  an info line\n"));
    assert_non_null(strstr(f, " WARN  a warning\n"));
    assert_non_null(strstr(f, " ERROR an error\n"));
    assert_null(strstr(f, "before the file"));
    free(e);
    free(f);
    unlink(file);
    unlink(err);
}

static void levels_parse(void **state)
{
    (void)state;
    assert_int_equal(log_level_parse("warn"), LOG_WARN);
    assert_int_equal(log_level_parse("off"), LOG_OFF);
    assert_int_equal(log_level_parse("loud"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(redacts_one_secret_everywhere, teardown),
        cmocka_unit_test_teardown(short_strings_are_not_secrets, teardown),
        cmocka_unit_test_teardown(overlapping_secrets_cover_their_union, teardown),
        cmocka_unit_test_teardown(longest_of_prefix_secrets_wins, teardown),
        cmocka_unit_test_teardown(encoded_forms_are_hidden, teardown),
        cmocka_unit_test_teardown(form_encoded_secret_is_hidden, teardown),
        cmocka_unit_test_teardown(duplicates_register_once, teardown),
        cmocka_unit_test_teardown(ten_thousand_secrets, teardown),
        cmocka_unit_test_teardown(equal_hashes_are_told_apart, teardown),
        cmocka_unit_test_teardown(every_length_is_indexed, teardown),
        cmocka_unit_test_teardown(random_texts_match_the_definition, teardown),
        cmocka_unit_test_teardown(output_is_bounded, teardown),
        cmocka_unit_test_teardown(concurrent_add_and_redact, teardown),
        cmocka_unit_test_teardown(file_sink_redacts_and_reopens, teardown),
        cmocka_unit_test_teardown(json_lines_parse_and_redact, teardown),
        cmocka_unit_test_teardown(long_secret_formatted_in_full, teardown),
        cmocka_unit_test_teardown(text_stamp_is_the_wall_clock, teardown),
        cmocka_unit_test_teardown(stderr_with_a_file, teardown),
        cmocka_unit_test(levels_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
