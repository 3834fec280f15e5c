/*
 * ctl.h - the operator's commands to a running trader, found through its
 * state dir's lock (never by process name: two traders may run at once).
 *
 *   looptrader stop [--state-dir DIR | --config FILE] USER...
 *       writes DIR/stop-USER for each (the stop holds at later starts too,
 *       until the file is deleted) and sends SIGUSR1 to the trader holding
 *       DIR/looptrader.lock;
 *   looptrader stop [...] --all      sends it SIGTERM (a graceful stop);
 *   looptrader status [...]          says whether a trader holds DIR;
 *   looptrader ctl [...] COMMAND...  sends COMMAND to the trader's control
 *       socket (ctlsock.h) and prints its answer.
 */
#ifndef LOOPTRADER_CTL_H
#define LOOPTRADER_CTL_H

/* argv[0] is "stop" or "status".  Returns the exit code: 0 done (a trader
 * was signalled, or status found one), 1 no trader holds the state dir,
 * 2 usage error. */
int ctl_main(int argc, char **argv);

/* argv[0] is "ctl".  Exit code 0 the trader answered ok, 1 it answered an
 * error or cannot be reached, 2 usage error. */
int ctl_sock_main(int argc, char **argv);

#endif
