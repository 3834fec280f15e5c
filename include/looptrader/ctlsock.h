/*
 * ctlsock.h - the control socket: a running trader's UNIX socket in its
 * state dir (DIR/looptrader.sock), through which `looptrader ctl` asks for
 * status and stops, resumes or retargets accounts.
 *
 * It is a socket rather than signals and files so that a command gets an
 * answer (an unknown account, a user still stopping) and works wherever
 * the state dir is reachable: under nohup, systemd or in a container.
 *
 * Protocol: the client sends one line of text (at most CTL_LINE_MAX
 * bytes, no NUL, '\n' ended); the server answers "ok\n" or "error <why>\n",
 * then the body, and closes.  Commands:
 *   status [--json]          the summary table (or the report's JSON)
 *   stop USER...             per-user graceful stops
 *   stop --all               the whole run's graceful stop
 *   resume USER              queue again a user a per-user stop ended
 *   set USER target=AMOUNT   a new quote target from its next round
 *
 * Owner-only: the socket file is made mode 0600 before it takes its name,
 * and a peer whose uid is not ours is refused.  Bounded: one client at a
 * time, CTL_IO_MS for its whole request and CTL_IO_MS for the answer, so a
 * client that connects and never reads or writes delays the next one by
 * that much and never touches the trader.  The server thread holds no lock
 * of the trader's; the handler takes the executor's briefly.
 */
#ifndef LOOPTRADER_CTLSOCK_H
#define LOOPTRADER_CTLSOCK_H

#include <stddef.h>

#include "looptrader/error.h"
#include "looptrader/money.h"
#include "looptrader/strbuf.h"

#define CTL_LINE_MAX 65536   /* longest command line */
#define CTL_NAMES_MAX 4096   /* most account names in one command */
#define CTL_IO_MS 2000       /* bound on reading a request, and on writing its answer */
#define CTL_SOCK_NAME "looptrader.sock"

enum ctl_op { CTL_STATUS = 1, CTL_STOP, CTL_STOP_ALL, CTL_RESUME, CTL_SET };

/* A parsed command; names point into the parsed line. */
struct ctl_cmd {
    enum ctl_op op;
    int json;                 /* status --json */
    char **names;             /* stop/resume/set: n_names account names */
    size_t n_names;
    money_t target;           /* set */
};

/* Parses line (split in place).  cmd->names is allocated (ctl_cmd_free).
 * LT_EINVAL with a message meant for the operator on any bad input. */
int ctl_parse(char *line, struct ctl_cmd *cmd, struct lt_err *err);
void ctl_cmd_free(struct ctl_cmd *cmd);

/* An answer as the client reads it; pointers into the bytes read. */
struct ctl_answer {
    int ok;              /* the status line is a whole "ok\n" */
    int whole;           /* the status line ends with '\n' (else the answer was cut short) */
    const char *msg;     /* the status line without its '\n' and without "error " */
    size_t msg_len;
    const char *body;    /* what follows the status line */
    size_t body_len;
};

/* Splits buf[0..len), whatever it holds, into *out.  Pure. */
void ctl_answer_split(const char *buf, size_t len, struct ctl_answer *out);

/* Called on the server thread for each parsed command; appends the whole
 * answer ("ok\n" or "error ...\n", then the body) to out. */
typedef void (*ctlsock_handler)(void *ctx, const struct ctl_cmd *cmd, struct strbuf *out);

struct ctlsock;

/* Binds DIR/looptrader.sock (a stale socket file there is replaced: the
 * caller holds the state dir's lock, so no live trader owns it; anything
 * else by that name is refused) and starts the server thread. */
int ctlsock_start(const char *dir, ctlsock_handler fn, void *ctx, struct ctlsock **out,
                  struct lt_err *err);

/* The same bounded one-client-at-a-time server over another listening
 * socket (the metrics endpoint): a request ends at `end` (not included),
 * at most max bytes; fn gets it NUL-terminated, or bad (why it could not be
 * read) with the request NULL-terminated as far as read, and appends the
 * whole answer.  The server owns listen_fd from here. */
typedef void (*oneshot_handler)(void *ctx, char *request, const char *bad, struct strbuf *out);
int ctlsock_serve(int listen_fd, const char *end, size_t max, oneshot_handler fn, void *ctx,
                  struct ctlsock **out, struct lt_err *err);

/* How a request read so far stands, buf[0..len) against what ends it and
 * the longest one allowed (the server's reader asks after each read): 1
 * whole, the *req_len <= max bytes before the first `end`; 0 more is
 * needed; -1 it can never be one (longer than max, or a NUL byte before
 * the end: text only), *bad saying why for the client.  The outcome does
 * not depend on how the bytes were split into reads.  Pure. */
int ctl_request_frame(const char *buf, size_t len, const char *end, size_t max,
                      size_t *req_len, const char **bad);

/* Stops the thread, closes (and removes a UNIX) socket.  NULL is a no-op. */
void ctlsock_stop(struct ctlsock *cs);

/* DIR/looptrader.sock into out; LT_EINVAL when it does not fit a socket
 * address. */
int ctlsock_path(const char *dir, char *out, size_t size, struct lt_err *err);

#endif
