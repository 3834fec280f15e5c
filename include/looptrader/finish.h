/*
 * finish.h - phase 5, and the end of every start-up failure once the
 * configuration is read: the run's report (final, or rows for a live
 * status), written and printed, then everything freed.
 *
 * The report's path is checked up front (run_check_report_path) so that a
 * run that could not write its report never sends an order.  Main thread
 * only, except run_report, which only reads the run (the control socket
 * calls it on its thread).
 */
#ifndef LOOPTRADER_FINISH_H
#define LOOPTRADER_FINISH_H

#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/report.h"
#include "looptrader/runctx.h"

/* The run's report over users[0..n): the final one, or a live status. */
struct report_run run_report(const struct run *r, const struct report_user *users,
                             size_t n, int code, const char *why);

/* Checks that the report can be written where asked, before anything is
 * sent: its directory exists and is writable, and it is not a directory. */
int run_check_report_path(const char *path, struct lt_err *err);

/* Phase 5: users never reached are marked with why (or as stopped), the
 * report is written when asked for, the summary printed, the run freed
 * (run_free).  Returns the exit code. */
int run_finish(struct run *r, int exit_code, const char *why);

/* A start-up failure after the configuration is read: logged, reported. */
int run_fail_start(struct run *r, int exit_code, const struct lt_err *err);

#endif
