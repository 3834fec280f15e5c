/*
 * ctlsock.c - the control socket's parser and server (see ctlsock.h).
 *
 * The parser is pure; the server is one thread that polls the listening
 * socket every POLL_MS (so a stop ends it promptly) and serves one client
 * at a time with non-blocking I/O under a deadline.
 */
#include "looptrader/ctlsock.h"

#include "looptrader/clock.h"
#include "looptrader/config.h"
#include "looptrader/log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 200

void ctl_cmd_free(struct ctl_cmd *cmd)
{
    free(cmd->names);
    memset(cmd, 0, sizeof(*cmd));
}

/* The account-name arguments, each checked as the config checks names. */
static int take_names(char **tok, size_t n, struct ctl_cmd *cmd, struct lt_err *err)
{
    if (n > CTL_NAMES_MAX)
        return lt_err_set(err, LT_EINVAL, "at most %d accounts in one command", CTL_NAMES_MAX);
    cmd->names = calloc(n ? n : 1, sizeof(char *));
    if (!cmd->names)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!config_valid_name(tok[i]))
            return lt_err_set(err, LT_EINVAL,
                              "'%.64s' is not an account name (1 to 64 of [A-Za-z0-9._-], "
                              "not starting with . or -)", tok[i]);
        cmd->names[i] = tok[i];
    }
    cmd->n_names = n;
    return 0;
}

static int parse_tokens(char **tok, size_t n, struct ctl_cmd *cmd, struct lt_err *err)
{
    if (n == 0)
        return lt_err_set(err, LT_EINVAL, "empty command");
    const char *verb = tok[0];
    if (strcmp(verb, "status") == 0) {
        cmd->op = CTL_STATUS;
        if (n == 2 && strcmp(tok[1], "--json") == 0)
            cmd->json = 1;
        else if (n != 1)
            return lt_err_set(err, LT_EINVAL, "usage: status [--json]");
        return 0;
    }
    if (strcmp(verb, "stop") == 0) {
        if (n == 2 && strcmp(tok[1], "--all") == 0) {
            cmd->op = CTL_STOP_ALL;
            return 0;
        }
        cmd->op = CTL_STOP;
        if (n < 2)
            return lt_err_set(err, LT_EINVAL, "usage: stop USER... | stop --all");
        return take_names(tok + 1, n - 1, cmd, err);
    }
    if (strcmp(verb, "resume") == 0) {
        cmd->op = CTL_RESUME;
        if (n != 2)
            return lt_err_set(err, LT_EINVAL, "usage: resume USER");
        return take_names(tok + 1, 1, cmd, err);
    }
    if (strcmp(verb, "set") == 0) {
        cmd->op = CTL_SET;
        if (n != 3 || strncmp(tok[2], "target=", 7) != 0)
            return lt_err_set(err, LT_EINVAL, "usage: set USER target=AMOUNT");
        if (money_parse(tok[2] + 7, &cmd->target) != 0 || cmd->target <= 0)
            return lt_err_set(err, LT_EINVAL, "target '%.40s' is not a quote amount above zero",
                              tok[2] + 7);
        return take_names(tok + 1, 1, cmd, err);
    }
    return lt_err_set(err, LT_EINVAL, "unknown command '%.32s' (status, stop, resume, set)",
                      verb);
}

int ctl_parse(char *line, struct ctl_cmd *cmd, struct lt_err *err)
{
    memset(cmd, 0, sizeof(*cmd));
    size_t cap = 16, n = 0;
    char **tok = malloc(cap * sizeof(*tok));
    if (!tok)
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    char *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(line, " \t\r\n", &save); t; t = strtok_r(NULL, " \t\r\n", &save)) {
        if (n == cap) {
            if (cap > CTL_NAMES_MAX) {
                rc = lt_err_set(err, LT_EINVAL, "at most %d accounts in one command",
                                CTL_NAMES_MAX);
                break;
            }
            char **m = realloc(tok, 2 * cap * sizeof(*tok));
            if (!m) {
                rc = lt_err_set(err, LT_ENOMEM, "out of memory");
                break;
            }
            tok = m;
            cap *= 2;
        }
        tok[n++] = t;
    }
    if (rc == 0)
        rc = parse_tokens(tok, n, cmd, err);
    free(tok);
    if (rc != 0)
        ctl_cmd_free(cmd);
    return rc;
}

/* --- server --------------------------------------------------------------- */

struct ctlsock {
    int fd;
    char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /* "" = not a UNIX socket */
    const char *end;                /* what ends a request */
    size_t max;                     /* longest request */
    int same_uid;                   /* refuse peers of another uid */
    oneshot_handler raw;
    ctlsock_handler fn;             /* the control socket's, under raw */
    void *ctx;
    pthread_t thread;
    atomic_int quit;
};

void ctl_answer_split(const char *buf, size_t len, struct ctl_answer *out)
{
    const char *nl = memchr(buf, '\n', len);
    size_t line = nl ? (size_t)(nl - buf) : len;
    out->whole = nl != NULL;
    out->ok = nl && line == 2 && memcmp(buf, "ok", 2) == 0;
    size_t skip = line >= 6 && memcmp(buf, "error ", 6) == 0 ? 6 : 0;
    out->msg = buf + skip;
    out->msg_len = line - skip;
    out->body = nl ? nl + 1 : buf + len;
    out->body_len = len - (size_t)(out->body - buf);
}

int ctlsock_path(const char *dir, char *out, size_t size, struct lt_err *err)
{
    size_t max = sizeof(((struct sockaddr_un *)0)->sun_path);
    int n = snprintf(out, size, "%s/%s", dir, CTL_SOCK_NAME);
    if (n < 0 || (size_t)n >= size || (size_t)n >= max)
        return lt_err_set(err, LT_EINVAL,
                          "control socket: path longer than a UNIX socket allows (%zu bytes); "
                          "use a shorter --state-dir than %.200s", max - 1, dir);
    return 0;
}

/* Waits for fd to be ready for ev until deadline; 1 ready, 0 not. */
static int ready(int fd, short ev, int64_t deadline)
{
    int left = (int)(deadline - clock_mono_ms());
    if (left <= 0)
        return 0;
    struct pollfd p = { .fd = fd, .events = ev };
    int n = poll(&p, 1, left);
    return n > 0;
}

int ctl_request_frame(const char *buf, size_t len, const char *end, size_t max,
                      size_t *req_len, const char **bad)
{
    size_t elen = strlen(end);
    const char *e = memmem(buf, len, end, elen);
    /* Not there yet, the end may still begin in the last elen - 1 bytes:
     * whether a request fits cannot depend on how its bytes arrived. */
    size_t n = e ? (size_t)(e - buf) : len < elen ? 0 : len - elen + 1;
    if (memchr(buf, '\0', e ? n : len)) {
        *bad = "a NUL byte in the command";
        return -1;
    }
    if (n > max) {
        *bad = "command line too long";
        return -1;
    }
    if (!e)
        return 0;
    *req_len = n;
    return 1;
}

/* Reads one request, up to and excluding cs->end (replaced by the NUL),
 * into sb.  NULL, or a message for the client. */
static const char *read_request(const struct ctlsock *cs, int fd, struct strbuf *sb)
{
    int64_t deadline = clock_mono_ms() + CTL_IO_MS;
    char buf[4096];
    for (;;) {
        size_t n;
        const char *bad = NULL;
        int f = ctl_request_frame(sb->buf, sb->len, cs->end, cs->max, &n, &bad);
        if (f > 0) {
            sb->buf[n] = '\0';
            return NULL;
        }
        if (f < 0)
            return bad;
        if (!ready(fd, POLLIN, deadline))
            return "timed out reading the command";
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (k <= 0)
            return sb->len ? "command not ended by a newline" : "connection closed before a command";
        if (strbuf_add(sb, buf, (size_t)k) != 0)
            return "command line too long";
    }
}

static void write_answer(int fd, const struct strbuf *out)
{
    int64_t deadline = clock_mono_ms() + CTL_IO_MS;
    size_t off = 0;
    while (off < out->len) {
        ssize_t k = send(fd, out->buf + off, out->len - off, MSG_NOSIGNAL);
        if (k > 0) {
            off += (size_t)k;
            continue;
        }
        if (k < 0 && errno != EAGAIN && errno != EINTR)
            return;
        if (!ready(fd, POLLOUT, deadline)) {
            log_warn("control socket: a client did not read its answer within %d ms; dropped",
                     CTL_IO_MS);
            return;
        }
    }
}

/* The control socket's requests: a command line, parsed, then handled. */
static void command(void *arg, char *req, const char *bad, struct strbuf *out)
{
    struct ctlsock *cs = arg;
    if (bad) {
        strbuf_addf(out, "error %s\n", bad);
        return;
    }
    struct ctl_cmd cmd;
    struct lt_err err = { 0 };
    if (ctl_parse(req, &cmd, &err) != 0) {
        strbuf_addf(out, "error %s\n", err.msg);
        return;
    }
    cs->fn(cs->ctx, &cmd, out);
    ctl_cmd_free(&cmd);
}

static void serve(struct ctlsock *cs, int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    struct strbuf in, out;
    strbuf_init(&in, cs->max + 8192);
    strbuf_init(&out, 0);
    const char *bad = NULL;
    if (cs->same_uid &&
        (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || cred.uid != geteuid()))
        bad = "refused: not the trader's user";
    if (!bad)
        bad = read_request(cs, fd, &in);
    if (cs->fn)
        command(cs, in.buf, bad, &out);
    else
        cs->raw(cs->ctx, in.buf, bad, &out);
    if (out.len == 0)
        strbuf_addstr(&out, "error out of memory\n");
    write_answer(fd, &out);
    strbuf_free(&in);
    strbuf_free(&out);
}

static void *ctlsock_main(void *arg)
{
    /* the thread's role in top -H, ps -L and perf */
    pthread_setname_np(pthread_self(), "lt-ctl");
    struct ctlsock *cs = arg;
    while (!atomic_load(&cs->quit)) {
        struct pollfd p = { .fd = cs->fd, .events = POLLIN };
        if (poll(&p, 1, POLL_MS) <= 0)
            continue;
        int c = accept4(cs->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (c < 0)
            continue; /* EMFILE and the like: the next poll tries again */
        serve(cs, c);
        close(c);
    }
    return NULL;
}

int ctlsock_start(const char *dir, ctlsock_handler fn, void *ctx, struct ctlsock **out,
                  struct lt_err *err)
{
    struct ctlsock *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return lt_err_set(err, LT_ENOMEM, "control socket: out of memory");
    cs->fd = -1;
    cs->fn = fn;
    cs->ctx = ctx;
    cs->end = "\n";
    cs->max = CTL_LINE_MAX;
    cs->same_uid = 1;
    char tmp[sizeof cs->path];
    int rc = ctlsock_path(dir, cs->path, sizeof cs->path, err);
    if (rc == 0 && snprintf(tmp, sizeof tmp, "%s.%ld", cs->path, (long)getpid()) >= (int)sizeof tmp)
        rc = lt_err_set(err, LT_EINVAL, "control socket %s: path too long", cs->path);
    struct stat st;
    if (rc == 0 && lstat(cs->path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            rc = lt_err_set(err, LT_EIO, "control socket %s exists and is not a socket: "
                            "move it away", cs->path);
        else if (unlink(cs->path) != 0)
            rc = lt_err_set(err, LT_EIO, "control socket %s: cannot remove the stale one (%s)",
                            cs->path, strerror(errno));
        else
            log_info("control socket: replaced a stale %s", cs->path);
    }
    if (rc == 0 && (cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        rc = lt_err_set(err, LT_EIO, "control socket: %s", strerror(errno));
    if (rc == 0) {
        /* Bound under a temporary name, made owner-only, then renamed: no
         * moment where the real name accepts with a wider mode. */
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        memcpy(sa.sun_path, tmp, strlen(tmp) + 1);
        unlink(tmp);
        if (bind(cs->fd, (struct sockaddr *)&sa, sizeof sa) != 0 || chmod(tmp, 0600) != 0 ||
            listen(cs->fd, 16) != 0 || rename(tmp, cs->path) != 0) {
            rc = lt_err_set(err, LT_EIO, "control socket %s: %s", cs->path, strerror(errno));
            unlink(tmp);
        }
    }
    if (rc == 0 && pthread_create(&cs->thread, NULL, ctlsock_main, cs) != 0) {
        unlink(cs->path);
        rc = lt_err_set(err, LT_ENOMEM, "control socket: cannot start its thread");
    }
    if (rc != 0) {
        if (cs->fd >= 0)
            close(cs->fd);
        free(cs);
        return rc;
    }
    *out = cs;
    return 0;
}

int ctlsock_serve(int listen_fd, const char *end, size_t max, oneshot_handler fn, void *ctx,
                  struct ctlsock **out, struct lt_err *err)
{
    struct ctlsock *cs = calloc(1, sizeof(*cs));
    if (!cs)
        return lt_err_set(err, LT_ENOMEM, "server: out of memory");
    *cs = (struct ctlsock){ .fd = listen_fd, .end = end, .max = max, .raw = fn, .ctx = ctx };
    if (pthread_create(&cs->thread, NULL, ctlsock_main, cs) != 0) {
        free(cs);
        return lt_err_set(err, LT_ENOMEM, "server: cannot start its thread");
    }
    *out = cs;
    return 0;
}

void ctlsock_stop(struct ctlsock *cs)
{
    if (!cs)
        return;
    atomic_store(&cs->quit, 1);
    pthread_join(cs->thread, NULL);
    close(cs->fd);
    if (cs->path[0])
        unlink(cs->path);
    free(cs);
}
