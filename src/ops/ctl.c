/*
 * ctl.c - `looptrader stop`, `status` and `ctl` (see ctl.h).
 */
#include "looptrader/ctl.h"

#include "looptrader/config.h"
#include "looptrader/ctlsock.h"
#include "looptrader/lock.h"
#include "looptrader/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static int usage(const char *why)
{
    fprintf(stderr,
            "looptrader: %s\n"
            "usage: looptrader stop [--state-dir DIR | --config FILE] USER... | --all\n"
            "       looptrader status [--state-dir DIR | --config FILE]\n"
            "       looptrader ctl [--state-dir DIR | --config FILE] status [--json] |\n"
            "           stop USER... | stop --all | resume USER | set USER target=AMOUNT\n",
            why);
    return 2;
}

/* Creates DIR/stop-USER (kept: it also stops USER at later starts). */
static int write_stop_file(const char *dir, const char *user)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/stop-%s", dir, user) >= (int)sizeof path) {
        fprintf(stderr, "looptrader: path too long for %s\n", user);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        fprintf(stderr, "looptrader: cannot create %s (%s)\n", path, strerror(errno));
        return -1;
    }
    close(fd);
    printf("%s: stop file %s written (delete it to let %s trade again)\n", user, path, user);
    return 0;
}

/* --state-dir DIR / --config FILE at argv[*i]: 1 when taken. */
static int dir_option(int argc, char **argv, int *i, const char **state_dir, const char **config)
{
    const char *a = argv[*i];
    if ((strcmp(a, "--state-dir") == 0 || strcmp(a, "--config") == 0) && *i + 1 < argc)
        *(a[2] == 's' ? state_dir : config) = argv[++*i];
    else if (strncmp(a, "--state-dir=", 12) == 0)
        *state_dir = a + 12;
    else if (strncmp(a, "--config=", 9) == 0)
        *config = a + 9;
    else
        return 0;
    return 1;
}

/* The state dir the options name (default "state"); *owned is what to free.
 * Returns 0, or the exit code 2 after saying why. */
static int resolve_dir(const char *state_dir, const char *config, const char **dir, char **owned)
{
    struct lt_err err = { 0 };
    *owned = NULL;
    if (state_dir && config)
        return usage("give --state-dir or --config, not both");
    if (config) {
        if (config_file_state_dir(config, owned, &err) != 0) {
            fprintf(stderr, "looptrader: %s\n", err.msg);
            return 2;
        }
        state_dir = *owned;
    }
    *dir = state_dir ? state_dir : "state";
    return 0;
}

int ctl_main(int argc, char **argv)
{
    int is_stop = strcmp(argv[0], "stop") == 0, all = 0, n_users = 0;
    const char *state_dir = NULL, *config = NULL;
    char *from_config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (dir_option(argc, argv, &i, &state_dir, &config))
            continue;
        else if (is_stop && strcmp(a, "--all") == 0)
            all = 1;
        else if (a[0] == '-')
            return usage("unknown option for this command");
        else if (!is_stop)
            return usage("status takes no user names");
        else if (!config_valid_name(a))
            return usage("a user name is 1 to 64 of [A-Za-z0-9._-], not starting with . or -");
        else
            n_users++;
    }
    if (is_stop && !all && n_users == 0)
        return usage("stop needs USER... or --all");
    if (all && n_users)
        return usage("give USER... or --all, not both");
    int urc = resolve_dir(state_dir, config, &state_dir, &from_config);
    if (urc != 0)
        return urc;
    struct lt_err err = { 0 };

    pid_t pid = 0;
    int held = lock_state_dir_holder(state_dir, &pid, &err) == 0;
    int rc = 0;
    if (!is_stop) {
        if (held)
            printf("looptrader pid %ld is running in %s\n", (long)pid, state_dir);
        else
            printf("%s\n", err.msg);
        free(from_config);
        return held ? 0 : 1;
    }
    for (int i = 1; i < argc && !all; i++) {
        const char *dummy = NULL;
        if (dir_option(argc, argv, &i, &dummy, &dummy))
            continue;
        if (argv[i][0] != '-' && write_stop_file(state_dir, argv[i]) != 0)
            rc = 1;
    }
    if (!held) {
        printf("%s: nothing to signal%s\n", err.msg,
               all ? "" : "; the stop files keep those users stopped at the next start");
        free(from_config);
        return 1;
    }
    int sig = all ? SIGTERM : SIGUSR1;
    if (kill(pid, sig) != 0) {
        fprintf(stderr, "looptrader: cannot signal pid %ld (%s)\n", (long)pid, strerror(errno));
        rc = 1;
    } else {
        printf("sent %s to looptrader pid %ld (state dir %s)\n", all ? "SIGTERM" : "SIGUSR1",
               (long)pid, state_dir);
    }
    free(from_config);
    return rc;
}

/* Reads the whole answer until the server closes, within CTL_ANSWER_MS. */
#define CTL_ANSWER_MS 15000

static int ask(const char *path, const char *line, struct strbuf *answer)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t plen = strlen(path);
    if (plen >= sizeof sa.sun_path) {
        close(fd);
        return -ENAMETOOLONG;
    }
    memcpy(sa.sun_path, path, plen + 1);
    struct timeval tv = { CTL_ANSWER_MS / 1000, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(fd);
        return -e;
    }
    size_t len = strlen(line), off = 0;
    while (off < len) {
        ssize_t k = send(fd, line + off, len - off, MSG_NOSIGNAL);
        if (k <= 0) {
            int e = k < 0 ? errno : EPIPE;
            close(fd);
            return -e;
        }
        off += (size_t)k;
    }
    char buf[8192];
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) > 0)
        if (strbuf_add(answer, buf, (size_t)k) != 0)
            break;
    int e = k < 0 ? errno : 0;
    close(fd);
    return e == EAGAIN ? -ETIMEDOUT : -e;
}

int ctl_sock_main(int argc, char **argv)
{
    const char *state_dir = NULL, *config = NULL;
    char *owned = NULL;
    struct strbuf line, answer;
    strbuf_init(&line, CTL_LINE_MAX + 1);
    strbuf_init(&answer, 0);
    int rc = 0, i = 1;
    for (; i < argc && argv[i][0] == '-' && strcmp(argv[i], "--") != 0; i++)
        if (!dir_option(argc, argv, &i, &state_dir, &config)) {
            rc = usage("ctl: give --state-dir DIR or --config FILE before the command");
            goto out;
        }
    if (i < argc && strcmp(argv[i], "--") == 0)
        i++;
    if (i == argc) {
        rc = usage("ctl needs a command");
        goto out;
    }
    for (int j = i; j < argc; j++)
        if ((j > i && strbuf_addch(&line, ' ') != 0) || strbuf_addstr(&line, argv[j]) != 0) {
            fprintf(stderr, "looptrader: ctl: command line longer than %d bytes\n",
                    CTL_LINE_MAX);
            rc = 2;
            goto out;
        }
    strbuf_addch(&line, '\n');
    const char *dir;
    if ((rc = resolve_dir(state_dir, config, &dir, &owned)) != 0)
        goto out;
    char path[4096];
    struct lt_err err = { 0 };
    if (ctlsock_path(dir, path, sizeof path, &err) != 0) {
        fprintf(stderr, "looptrader: %s\n", err.msg);
        rc = 2;
        goto out;
    }
    int e = ask(path, line.buf, &answer);
    if (e != 0 && answer.len == 0) {
        pid_t pid = 0;
        int held = lock_state_dir_holder(dir, &pid, &err) == 0;
        fprintf(stderr, "looptrader: control socket %s: %s (%s)\n", path, strerror(-e),
                held ? "the trader holding the state dir has not opened it yet, or is "
                       "ending"
                     : "no trader runs in this state dir");
        rc = 1;
        goto out;
    }
    struct ctl_answer a;
    ctl_answer_split(answer.buf, answer.len, &a);
    if (a.ok && e == 0) {
        fwrite(a.body, 1, a.body_len, stdout);
    } else {
        if (answer.len == 0)
            fprintf(stderr, "looptrader: control socket %s: no answer\n", path);
        else
            fprintf(stderr, "looptrader: %.*s%s\n", (int)a.msg_len, a.msg,
                    a.whole && e == 0 ? "" : " (the answer was cut short)");
        fwrite(a.body, 1, a.body_len, stderr);
        rc = 1;
    }
out:
    strbuf_free(&line);
    strbuf_free(&answer);
    free(owned);
    return rc;
}
