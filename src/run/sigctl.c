/*
 * sigctl.c - the signal thread (see sigctl.h): sigtimedwait in a loop of
 * 200 ms, so the thread ends within that of main's quit.
 */
#include "looptrader/sigctl.h"

#include "looptrader/clock.h"
#include "looptrader/log.h"
#include "looptrader/mailbox.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void *sigctl_main(void *arg)
{
    pthread_setname_np(pthread_self(), "lt-signals");
    struct sigctl *sc = arg;
    while (!atomic_load(&sc->quit)) {
        struct timespec ts = { 0, 200 * 1000000L };
        int sig = sigtimedwait(&sc->set, NULL, &ts);
        if (sig == SIGINT || sig == SIGTERM) {
            if (atomic_fetch_add(&sc->stops, 1) == 0) {
                atomic_store(&sc->stop_since_ms, clock_mono_ms());
                atomic_store(sc->global_stop, 1);
                log_warn("%s: stopping every user (again to stop hard)",
                         sig == SIGINT ? "SIGINT" : "SIGTERM");
            } else {
                log_error("hard stop: exiting now; the next run settles open orders");
                _exit(3);
            }
        } else if (sig == SIGHUP) {
            if (!sc->log_file)
                log_info("SIGHUP: no log file to reopen");
            else if (log_open(sc->log_file) != 0)
                log_error("SIGHUP: cannot reopen log file %s (%s)", sc->log_file,
                          strerror(errno));
            else
                log_info("SIGHUP: log file %s reopened", sc->log_file);
        } else if (sig == SIGUSR1) {
            atomic_store(&sc->usr1, 1);
        }
    }
    return NULL;
}
