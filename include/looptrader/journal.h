/*
 * journal.h - the append-only order journal that makes crash recovery exact.
 *
 * One file per user, <state_dir>/<user>.jsonl, one JSON line per order
 * event: the intent is written and made durable before the order is sent, then
 * outcomes (ack, final, unknown, rejected, never_placed) follow, and a
 * "settled" line closes a round once its inventory is sold.  A settled line
 * is written only when every order of its round and the rounds before it
 * is final, and its `residual` is all the base those orders left the user
 * (dust carried into the next sell), so it stands for all of them.  An
 * intent may instead be pre-armed (arm.h): an "armed" line, durable, with
 * the order's client id, side and bounds before its price is known; after
 * the send the exact "intent" line, not waited for; an armed line never
 * used is closed by a never_placed line.  The first buy and the sell of
 * up to ARM_AHEAD later rounds are armed together during a round (once
 * its first buy is answered, at the latest before its sell is sent;
 * again when one armed round is left), so their armed lines, of those
 * later rounds' numbers, come before the settled lines of the rounds
 * before them, which do not stand for them: a settled line stands for
 * its run's orders of its round and earlier only.  A restart reads back
 * the last residual and the orders after that line (and the later
 * rounds' armed ones before it) and asks the exchange (the source of
 * truth) what they did (a round armed ahead that never started is
 * known never placed without asking: arm_unstarted).  No secret is ever written: lines carry
 * only the user name, client ids, sides, prices and quantities.
 *
 * A line cut short (a full disk, EFBIG, EIO, a crash mid-write) is never
 * left for the next line to be glued to: a failed append cuts its own
 * partial line off, and every append first checks that the file ends in
 * '\n' and cuts a torn last line off (it was never acknowledged, so it
 * records nothing that happened).  A failed append returns LT_EIO and the
 * caller must not send the order whose intent it was.
 *
 * Outcome lines (journal_outcome), and with the intent log open the exact
 * lines of armed intents (journal_intent_exact, recorded in the log with
 * the journal's next record there), are held in the journal and written
 * with its next line, in one write(2) and in order, or alone when the
 * journal is idled, released, closed or rotated (so never past the round:
 * the executor idles every journal after each round), or when the few
 * held fill the journal's small buffer: recovery asks the venue what an
 * order did and reads no outcome line, and an exact line lost (the next
 * start replays it from the log if its record got there first) leaves
 * its order bounded by its armed line, so a crash that loses them loses
 * nothing.  A write that fails (cut back to the old end) leaves them
 * held for the next one; an idle, release or close that cannot write
 * them drops them (logged), as a crash would.
 *
 * Descriptors: an account that has not written holds none (its file is
 * created by its first append).  A journal opens its file on its first
 * append and keeps the descriptor until journal_release, journal_idle
 * when the budget is short, or journal_close, but no more journals keep
 * one process-wide than the budget (journal_fds_budget: what the open
 * files limit leaves, fdbudget.c; JOURNAL_FDS_MAX until it is set);
 * beyond it an append opens, writes and closes.  When the budget covers
 * every journal, a journal keeps its descriptor between rounds (no open,
 * fstat and close per round); when it does not, the executor's
 * journal_idle after each round hands it back so the running accounts get
 * the kept ones.  Under `ulimit -n 1024` thousands of accounts thus cost
 * at most the budget's descriptors.
 *
 * Durability: with the process's intent log open (journal_wal_open, the
 * trader opens it under the state dir's lock), an intent or settled line
 * is written to the user's file without a sync and recorded in the
 * intent log (intentlog.h: one preallocated file, one fdatasync for the
 * intents of every worker that arrive together), an intent durable there
 * before journal_intent returns; at the next start the log's records are
 * replayed into any journal that lost them.  Without it (unit tests, or
 * no room for the log) each such line is fsync'ed in its own file.
 * Either way journal_intent returns only once the intent is durable.
 *
 * A struct journal belongs to one user's strategy and is used by the one
 * worker running that user at a time, so it has no lock (the process-wide
 * count of kept descriptors is atomic).
 */
#ifndef LOOPTRADER_JOURNAL_H
#define LOOPTRADER_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/arm.h"
#include "looptrader/clientid.h"
#include "looptrader/error.h"
#include "looptrader/intentlog.h"
#include "looptrader/money.h"
#include "looptrader/symbol.h"
#include "looptrader/venue.h"

/* The kept descriptors' default budget, and the least a run needs for its
 * journals (fdbudget.c). */
#define JOURNAL_FDS_MAX 128
#define JOURNAL_WAL_NAME "intents.wal"

struct journal;

/* Creates dir if needed and checks that the user's journal can be opened
 * for appending (creating it); LT_EIO when it cannot, or when the path is
 * not a regular file.  Holds no descriptor on return. */
int journal_open(const char *dir, const char *user, struct journal **out, struct lt_err *err);
/* Writes the held outcome lines, then closes the kept descriptor, if any
 * (the next append reopens). */
void journal_release(struct journal *j);
/* The journal's user is idle (between rounds): journal_release unless the
 * budget keeps a descriptor for every journal (then the held lines are
 * written alone). */
void journal_idle(struct journal *j);
/* At most kept journals keep a descriptor, process-wide, out of journals
 * in all; kept >= journals lets idle ones keep theirs.  Call before any
 * journal is used (fdbudget_ensure, from main); the default is
 * JOURNAL_FDS_MAX, idle journals released. */
void journal_fds_budget(size_t kept, size_t journals);
void journal_close(struct journal *j);
const char *journal_path(const struct journal *j);

/* Before sending: {"ev":"intent",...}; durable on return.  0 or LT_EIO. */
int journal_intent(struct journal *j, const char *run, unsigned round, const char *client_id,
                   enum order_side side, money_t price, money_t qty, struct lt_err *err);

/* A pre-armed intent (arm.h): the next order's client id, side and
 * bounds, before its price is known; durable on return (and so is every
 * line written before it).  0 or LT_EIO. */
int journal_armed(struct journal *j, const char *run, unsigned round, const char *client_id,
                  const struct arm_bounds *b, struct lt_err *err);

/* When lines written without a wait are durable (journal_armed_pairs). */
struct journal_upto {
    int pending;               /* 0: durable already */
    struct intentlog_pos pos;  /* with the intent log: durable once it is up to here */
};

/* The two armed intents of one round: an order and the round's sell
 * after it. */
struct journal_pair {
    unsigned round;
    const char *cid1, *cid2;
    struct arm_bounds b1, b2;
};

/* n (1..ARM_AHEAD) pairs of armed intents written together: one write to
 * the journal and one record in the intent log for all.  Without upto,
 * durable on return, as journal_armed.  With upto, written ahead of
 * their use (later rounds', during this round; each line says "ahead")
 * and not waited for: *upto says what journal_wait_durable waits for
 * before an order may be sent on any of them (without the intent log
 * they are fsync'ed, durable on return).  0 or LT_EIO (none of the lines
 * may be used). */
int journal_armed_pairs(struct journal *j, const char *run, const struct journal_pair *v,
                        size_t n, struct journal_upto *upto, struct lt_err *err);

/* Asks the intent log's syncer thread (started with the log) to make
 * every line up to upto durable now, without waiting for it: called once
 * after the lines written together, so that one fdatasync covers them,
 * and before the caller blocks on something else (a send). */
void journal_sync_soon(const struct journal_upto *upto);

/* Returns once the line(s) upto stands for are durable: usually at once
 * (the syncer's fdatasync ran while the writer did other things), else
 * after joining or leading a sync; bounded.  0 or LT_EIO (the order must
 * not be sent on that armed line). */
int journal_wait_durable(const struct journal_upto *upto, struct lt_err *err);

/* The exact price and quantity an armed intent was sent with: the same
 * line as journal_intent, not waited for (durable with the intent log's
 * next sync; without the log, not synced).  With the log it is held,
 * like an outcome, for the journal's next write, and for the journal's
 * next record in the log (or its idle), so that a round's lines take one
 * record fewer each.  Until it is durable the armed line bounds the
 * order. */
int journal_intent_exact(struct journal *j, const char *run, unsigned round,
                         const char *client_id, enum order_side side, money_t price,
                         money_t qty, struct lt_err *err);

/* What became of an order: ev is "ack", "final", "unknown", "rejected" or
 * "never_placed"; st and the cumulative figures as last known.  Held for
 * the next write (see above): 0 on return says nothing of the disk. */
int journal_outcome(struct journal *j, const char *ev, const char *client_id,
                    enum order_status st, money_t executed_qty, money_t cum_quote,
                    struct lt_err *err);

/* A round's inventory is settled (sold, or left as recorded residual:
 * the base carried from every earlier round, not this round's alone):
 * it stands for every order of its run's rounds up to round before it,
 * not for the next round's armed intents written before it).
 * Without the intent log fsync'ed; with it, durable with the log's next
 * sync (a settled line lost is a crash just before it: recovery queries
 * that round's final orders and finds the same residual). */
int journal_settled(struct journal *j, const char *run, unsigned round, money_t bought,
                    money_t sold, money_t residual, struct lt_err *err);

/* Starts a fresh file once everything in the current one is settled (the
 * old one, the held lines written to it first, is kept as <user>.jsonl.prev), so the journal does not grow
 * without end across runs.  A residual > 0 is carried over as the fresh
 * file's first line (settled, run, round 0).  0 or LT_EIO. */
int journal_rotate(struct journal *j, const char *run, money_t residual, struct lt_err *err);

/* Opens <dir>/intents.wal (intentlog.h), replays the records of its last
 * lap into the journals that lack them (each missing record, in log
 * order; then, if that put the lap's last settled line out of place, that
 * line again and every record after it), fsyncs those, and starts a new
 * lap; from then on durable lines go through it.
 * Call once, before any journal is used, from one thread.  A file system
 * without room for the log is no error (a warning; lines are fsync'ed in
 * their own files).  LT_EIO or LT_ENOMEM otherwise. */
int journal_wal_open(const char *dir, struct lt_err *err);
/* Closes the intent log, after every journal user has ended: syncfs and
 * an empty lap first, so the next start replays nothing. */
void journal_wal_close(void);

/* An order after the last "settled" line. */
struct journal_pending {
    char run[8];
    unsigned round;
    char client_id[CLIENTID_MAX];
    enum order_side side;
    money_t price, qty;         /* as sent (the intent line); 0: not known */
    int armed;                  /* only an armed line: bounded by the two below */
    int ahead;                  /* that armed line was written ahead (a later round's) */
    money_t max_qty, max_quote; /* the armed bounds (max_quote 0: none) */
};

/* Reads the journal file at path (absent file: none pending) and returns
 * the orders after its last settled line in file order, and the orders
 * before it of a later round of the settled line's run (later rounds'
 * armed intents, written during the settled round or before it); an armed intent and
 * its exact line are one order, as are two copies of a line (the intent
 * log's replay); an armed intent closed by a never_placed line is none;
 * *out malloc'd, caller frees.  When residual is not NULL, it gets that
 * line's residual (0 without one).  Torn or malformed lines (a crash mid-write; a settled
 * line without a valid residual) are skipped.  LT_EIO for a path that is
 * not a regular file (a FIFO or a device could block or never end), and
 * LT_ERANGE for a file over 64 MiB (rotation keeps journals far smaller),
 * each with a message naming the file. */
int journal_load_pending(const char *path, struct journal_pending **out, size_t *n,
                         money_t *residual, struct lt_err *err);

#endif
