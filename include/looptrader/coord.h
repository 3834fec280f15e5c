/*
 * coord.h - who owns which account across hosts: leases in PostgreSQL,
 * fenced by epoch.
 *
 * On one host the account locks of lock.h are enough.  Several hosts
 * share accounts only through a store every one of them trusts, so with
 * --coordinator a process claims accounts as leases in PostgreSQL
 * (account, IP group, owner, epoch, lease end, desired run/stop), and
 * every order intent is written there, fenced by the epoch, before the
 * order is sent: 0 rows written means the lease is lost, and the account
 * halts with nothing more signed.  Only the server's clock decides who
 * holds a lease; a process's own monotonic clock decides when it stops
 * trusting its lease (before the server could give the account away).
 * A new owner waits the old lease's end + the venue's recvWindow + 1 s, so
 * that no request the old owner signed can still be accepted.
 *
 * Without --coordinator there is no struct coord at all (NULL): every
 * coord_* call on NULL answers "owned, nothing to fence", so the
 * single-process mode stays the embedded default.
 *
 * Threads: the coordinator thread (coord_start) is the only one that
 * renews; workers call coord_fence_intent; main claims and releases.  One
 * libpq connection per caller kind (main+thread share one under `lock`,
 * never held across anything but that connection's own statement), so a
 * worker never waits behind a renewal for long.  The password is never
 * logged: errors carry libpq's message, which never includes it, and the
 * URL is shown with its password cut out (coord_url_redact).
 */
#ifndef LOOPTRADER_COORD_H
#define LOOPTRADER_COORD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"
#include "looptrader/money.h"

struct journal_pending;

#define COORD_SCHEMA_VERSION 2
#define COORD_LEASE_MS_DEFAULT 6000
#define COORD_OWNER_MAX 96

/* What the coordinator flags say; strings borrowed from argv. */
struct coord_config {
    const char *url;       /* libpq URL or "key=value" string; "" = libpq's env */
    const char *ip_group;  /* accounts behind one egress IP; "default" */
    long lease_ms;         /* lease length; COORD_LEASE_MS_DEFAULT */
    long recv_window_ms;   /* the venue's recvWindow (the fence wait) */
};

/* Removes --coordinator URL, --ip-group G and --lease-ms N (and their
 * --flag=value forms) from argv, so the rest goes to config_load as
 * before.  *argc updated.  0, or LT_ECONFIG for a flag without its value
 * or a lease outside 3..600 s.  has is set when --coordinator was given. */
int coord_args_take(int *argc, char **argv, struct coord_config *out, int *has,
                    struct lt_err *err);

/* The URL with any password replaced by "***" (for messages): the one in
 * the userinfo (everything before the authority's last '@'), and the value
 * of every query parameter whose percent-decoded key contains "password"
 * (any case, so sslpassword too).  A "key=value" string that mentions a
 * password is replaced whole.  Never longer than size - 1. */
void coord_url_redact(const char *url, char *out, size_t size);

/* Fair share: the most accounts one of `live` processes may hold. Pure. */
long coord_fair_share(long accounts, long live);

/* At most this many accounts are being handed over by one process at a
 * time (asked for and not yet released). */
#define COORD_HANDOVER_MAX 2

/* Rebalancing, pure: how many more of its `held` leases (`pending` of them
 * already asked to be handed over) a process should hand over now, with
 * `accounts` accounts in its group over `live` processes.
 * Hysteresis in *draining (the caller keeps it, 0 at first): handing over
 * starts only above share + 1 and then goes on down to the share, so a
 * share that moves by one account never makes leases flap. */
long coord_rebalance(long held, long pending, long accounts, long live, int *draining);

/* An account's window state as its owner writes it at each round's end
 * (lt_account_state), and as a new owner reads it back. */
struct coord_acct_state {
    int64_t window_start;  /* the window's start, venue clock, ms */
    money_t bought;        /* quote bought in the window (the target's measure) */
    money_t inventory;     /* base left unsold: dust carried to the next sell */
    money_t target;        /* the window's target, for `ctl status` */
    long last_round;       /* the last settled round of the writer's run; -1: none */
    int64_t epoch;         /* the writer's epoch (read back only) */
};

/* Pure: 0 when the saved state agrees with what the venue says now (the
 * same window, bought within tol_quote, inventory within tol_base), else 1
 * and what differs in why.  A saved state of another window is no
 * disagreement (a new window starts from the venue's figures anyway). */
int coord_state_compare(const struct coord_acct_state *saved,
                        const struct coord_acct_state *venue, money_t tol_quote,
                        money_t tol_base, char *why, size_t size);


/* `looptrader db init|migrate [--coordinator URL]`: exit code. */
int coord_db_main(int argc, char **argv);

/* `looptrader ctl --coordinator URL [--ip-group G] status` (who owns which
 * account, epoch, lease left, desired) or `stop|resume ACCOUNT...|--all`
 * (desired = stop parks an account between rounds on whichever process
 * owns it; the owners wake on NOTIFY lt_desired).  Exit code. */
int coord_ctl_main(int argc, char **argv);

struct coord;

/* Connects and checks the schema: LT_EIO "coordinator unreachable: ..."
 * or LT_ECONFIG for a schema of another version (with the migrate hint).
 * Registers this process (owner id host:pid:run). */
int coord_open(const struct coord_config *cfg, const char *run_tag, struct coord **out,
               struct lt_err *err);
/* Stops the thread, gives every lease up, disconnects.  NULL: nothing. */
void coord_close(struct coord *c);
const char *coord_owner(const struct coord *c);

/* Puts the accounts into the lease table (existing rows untouched). */
int coord_register(struct coord *c, const char *const *accounts, size_t n, struct lt_err *err);

/* Starts the coordinator thread: every lease/4 it renews every lease of
 * ours in one statement and claims free accounts up to the fair share
 * (FOR UPDATE SKIP LOCKED), the first claim a quarter lease after start
 * so that peers started together count each other. */
int coord_start(struct coord *c, struct lt_err *err);  /* once; later calls: 0 */

/* 1 while the lease on slot is trusted (claimed, the fence wait over,
 * renewed, not past the local deadline).  NULL coordinator: 1. */
int coord_owns(struct coord *c, size_t slot);

/* The epoch this process holds slot's lease under, for client order ids
 * (0: none, or no coordinator). */
unsigned coord_epoch(struct coord *c, size_t slot);

enum coord_state {
    COORD_OWNED,           /* ours, trusted, the fence wait is over */
    COORD_WAITING,         /* not ours (yet), or not trusted right now */
    COORD_PARKED,          /* ours, but desired = stop (ctl): no new round */
    COORD_LOST,            /* another process holds it now: halt */
    COORD_DONE_ELSEWHERE   /* another process brought it to its target */
};

/* Where slot stands for this process.  NULL coordinator: COORD_OWNED. */
enum coord_state coord_state(struct coord *c, size_t slot);

/* The user on slot ended here: done (target reached, so no other process
 * takes it up) or not (stopped, failed: the lease is given up so another
 * process may).  Either way this process never claims it again. */
void coord_end(struct coord *c, size_t slot, int done);

/* Before an order: its intent in the order journal, fenced by epoch.
 * 0; LT_EFENCED when the lease is lost (the account halts: nothing more
 * is signed); LT_ETIMEDOUT when it is not trusted right now (the
 * coordinator away past the renewal margin: nothing written, nothing may
 * be sent until it is renewed); LT_EIO on a database error.  NULL
 * coordinator: 0.  side is the client id's code. */
int coord_fence_intent(struct coord *c, size_t slot, const char *run, unsigned round,
                       const char *client_id, char side, const char *price, const char *qty,
                       struct lt_err *err);

/* A round settled (as journal_settled), fenced the same way. */
int coord_fence_settled(struct coord *c, size_t slot, const char *run, unsigned round,
                        money_t residual, struct lt_err *err);

/* As journal_load_pending over the account's journal in PostgreSQL,
 * whichever process wrote it: the intents after its last settled mark and
 * that mark's residual.  *out malloc'd (caller frees). */
int coord_load_pending(struct coord *c, size_t slot, struct journal_pending **out, size_t *n,
                       money_t *residual, struct lt_err *err);

/* The account's state at a round's end, fenced by epoch as the journal:
 * 0; LT_EFENCED (0 rows: the lease is lost, the account halts);
 * LT_ETIMEDOUT / LT_EIO (not written now: the next round's end writes
 * again).  NULL coordinator: 0. */
int coord_state_save(struct coord *c, size_t slot, const struct coord_acct_state *st,
                     struct lt_err *err);

/* The account's saved state, whichever owner wrote it: *found 0 when
 * none was ever written. */
int coord_state_load(struct coord *c, size_t slot, struct coord_acct_state *out, int *found,
                     struct lt_err *err);

/* 1 when the coordinator thread asked for slot to be handed over to a
 * process holding less than its share (rebalancing).  NULL: 0. */
int coord_handover_due(struct coord *c, size_t slot);

/* At a round's end, the account's state written: gives slot's lease up
 * with its end set to now (so the next owner waits only recvWindow + 1 s
 * more).  The slot stays claimable by this process later (a peer may
 * die), never while it holds its share. */
void coord_handover(struct coord *c, size_t slot);

#define COORD_DAY_MS (24 * 3600 * 1000LL)

/* The trading day (UTC, venue clock), set before its accounts are
 * claimed.  An account is done for the day it was finished on only: on
 * a new day (--daily) every account here may be claimed and trade again
 * (except those another process finished today already).  NULL:
 * nothing. */
void coord_day(struct coord *c, int64_t venue_now_ms);

/* Gives every lease up (owner cleared, lease ended now); coord_close
 * does it too. */
void coord_release_all(struct coord *c);

#endif
