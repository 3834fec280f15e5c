/*
 * ctl.c - `looptrader stop` and `looptrader status` (see ctl.h).
 */
#include "looptrader/ctl.h"

#include "looptrader/config.h"
#include "looptrader/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int usage(const char *why)
{
    fprintf(stderr,
            "looptrader: %s\n"
            "usage: looptrader stop [--state-dir DIR | --config FILE] USER... | --all\n"
            "       looptrader status [--state-dir DIR | --config FILE]\n",
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

int ctl_main(int argc, char **argv)
{
    int is_stop = strcmp(argv[0], "stop") == 0, all = 0, n_users = 0;
    const char *state_dir = NULL, *config = NULL;
    char *from_config = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "--state-dir") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc)
            *(a[2] == 's' ? &state_dir : &config) = argv[++i];
        else if (strncmp(a, "--state-dir=", 12) == 0)
            state_dir = a + 12;
        else if (strncmp(a, "--config=", 9) == 0)
            config = a + 9;
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
    if (state_dir && config)
        return usage("give --state-dir or --config, not both");
    struct lt_err err = { 0 };
    if (config) {
        if (config_file_state_dir(config, &from_config, &err) != 0) {
            fprintf(stderr, "looptrader: %s\n", err.msg);
            return 2;
        }
        state_dir = from_config;
    }
    if (!state_dir)
        state_dir = "state";

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
        const char *a = argv[i];
        if (strcmp(a, "--state-dir") == 0 || strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (a[0] != '-' && write_stop_file(state_dir, a) != 0)
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
