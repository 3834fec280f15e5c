/*
 * runctx.c - what every phase does with the run as a whole (see
 * runctx.h): naps that end at a stop, the pid file, the users' slots and
 * their report rows, a user's start-up failure, and freeing it all.
 */
#include "looptrader/runctx.h"

#include "looptrader/journal.h"
#include "looptrader/live.h"

#include "looptrader/log.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Sleeps up to ms, ending early at a stop. */
void run_nap_ms(struct run *r, long ms)
{
    for (long left = ms; left > 0 && !run_stopping(r); left -= 50) {
        struct timespec ts = { 0, (left < 50 ? left : 50) * 1000000L };
        nanosleep(&ts, NULL);
    }
}

/* Removes the pid file if it still names this process. */
static void pid_file_remove(struct run *r)
{
    if (!r->pid_file_written)
        return;
    FILE *f = fopen(r->cfg.pid_file, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    if (pid == (long)getpid())
        unlink(r->cfg.pid_file);
    r->pid_file_written = 0;
}

void run_free(struct run *r)
{
    executor_free(r->ex);
    coord_close(r->coord); /* every lease given up: the workers are joined */
    if (r->ws) {
        wsclient_stop(r->ws);
        wsclient_free(r->ws);
    }
    for (size_t i = 0; i < r->n_users; i++)
        if (r->users[i].mb)
            strategy_user_release(&r->users[i]);
    free(r->users);
    free(r->reports);
    free(r->extra);
    free(r->stop_seen);
    http_free(r->http);
    venue_free(r->venue);
    if (r->curl_up)
        curl_global_cleanup();
    if (r->accounts_open)
        lock_accounts_close(&r->accounts);
    trades_close(r->trades);
    journal_wal_close();
    pid_file_remove(r);
    lock_fd_release(r->state_fd);
    if (r->sig.started) {
        atomic_store(&r->sig.quit, 1);
        pthread_join(r->sig.thread, NULL);
    }
    config_free(&r->cfg);
    pthread_mutex_destroy(&r->view_lock);
    live_free();
    log_close();
    log_secrets_clear();
}

/* <state_dir>/stop-<name> into path; 0 when it fits. */
int run_stop_path(const struct run *r, const char *name, char *path, size_t size)
{
    return snprintf(path, size, "%s/stop-%s", r->cfg.state_dir, name) >= (int)size ? -1 : 0;
}

/* Ends a user before it trades, saying why in the report and the log. */
void run_user_fails(struct strategy_user *u, enum user_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->report.error, sizeof(u->report.error), fmt, ap);
    va_end(ap);
    u->report.status = st;
    if (st == USER_FAILED)
        log_error("%s: %s", u->report.name, u->report.error);
    else
        log_warn("%s: %s", u->report.name, u->report.error);
}

int run_write_pid_file(struct run *r, struct lt_err *err)
{
    const char *path = r->cfg.pid_file;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return lt_err_set(err, LT_ECONFIG, "--pid-file %s: %s", path, strerror(errno));
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    int bad = write(fd, buf, (size_t)n) != n;
    bad |= close(fd) != 0;
    if (bad)
        return lt_err_set(err, LT_ECONFIG, "--pid-file %s: cannot write it", path);
    r->pid_file_written = 1;
    return 0;
}

/* The report rows of the selected users, filled before any request so a
 * start-up failure still reports each of them. */
void run_user_rows_init(struct run *r)
{
    for (size_t i = 0; i < r->n_users; i++) {
        const struct user_config *uc = &r->cfg.users[i];
        struct report_user *ru = &r->users[i].report;
        ru->name = uc->name;
        ru->target = uc->strategy.target;
        ru->target_points = uc->strategy.target_points;
        ru->multiplier = uc->strategy.volume_multiplier;
    }
}

int run_users_prepare(struct run *r)
{
    r->n_users = r->cfg.n_users;
    size_t n = r->n_users ? r->n_users : 1;
    r->users = calloc(n, sizeof(*r->users));
    r->reports = calloc(n, sizeof(*r->reports));
    r->extra = calloc(n, sizeof(*r->extra));
    r->stop_seen = calloc(n, 1);
    if (!r->users || !r->reports || !r->extra || !r->stop_seen || live_init(r->n_users) != 0)
        return LT_ENOMEM;
    run_user_rows_init(r);
    return 0;
}
