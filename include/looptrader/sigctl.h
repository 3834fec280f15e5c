/*
 * sigctl.h - the signal thread: the run's only reader of INT, TERM, HUP
 * and USR1.
 *
 * main blocks those signals on its first line, so every later thread
 * inherits the mask, and this one thread takes them with sigtimedwait: no
 * work runs in a handler, and a stop during start-up ends the run too.
 * SIGINT/SIGTERM set the run's stop flag (a second one exits at once with
 * code 3); SIGHUP reopens the log file; SIGUSR1 is handed to main, which
 * scans the stop files.
 *
 * Ownership: the struct is the run's (struct run embeds it); the thread
 * only reads set and log_file, which main writes before starting it.  No
 * lock: every field both threads touch is atomic.
 */
#ifndef LOOPTRADER_SIGCTL_H
#define LOOPTRADER_SIGCTL_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>

/* The signal thread's state.  Written by that thread, read by main: every
 * shared field is atomic; log_file is set before the thread starts. */
struct sigctl {
    sigset_t set;                    /* INT, TERM, HUP, USR1: blocked everywhere */
    pthread_t thread;
    int started;                     /* main only */
    atomic_int *global_stop;         /* the run's stop flag */
    _Atomic int64_t stop_since_ms;   /* clock_mono_ms() of the first stop signal */
    atomic_int stops;                /* SIGINT/SIGTERM seen */
    atomic_int usr1;                 /* a SIGUSR1 is waiting for main */
    atomic_int quit;                 /* main asks the thread to end */
    const char *log_file;            /* reopened on SIGHUP; NULL = none */
};

/* The thread's body (pthread_create with the run's struct sigctl): ends
 * when quit is set. */
void *sigctl_main(void *arg);

#endif
