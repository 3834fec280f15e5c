/*
 * intentlog.h - the process-wide write-ahead log that makes order intents
 * durable with one fdatasync for many workers (group commit).
 *
 * Why: an fsync of an append to a user's journal writes the data block
 * and the inode (the size changed): ~60 us of CPU and ~170 us of wall time
 * per order on ext4, paid by every worker on its own.  This log is one
 * file, preallocated with real zeros (so an overwrite allocates nothing
 * and changes no size: fdatasync writes the data block alone), and the
 * records of every worker that arrive while one fdatasync runs are made
 * durable by the next one: one leader syncs, the others wait for it.
 *
 * Layout: a 64-byte header "LTWAL 1 <lap, 16 hex>\n" (space padded), then
 * records from offset 64, each "R <lap 16 hex> <len 8 hex> <hash 16 hex>\n"
 * followed by len bytes of text (a journal line, '\n' included).  The hash
 * (FNV-1a 64 of the lap and the text) tells a whole record from a torn or
 * stale one.  A lap is one pass over the file: when the file is full,
 * when a process opens it (after replaying the last lap's records) and
 * when it closes it cleanly, every journal is first made durable (syncfs;
 * not needed when the last lap held no record) and a new lap starts at
 * offset 64 with lap + 1 in the header, where lap is the highest the
 * file names (in its header or in any record head: a torn header or a
 * disk's stray bytes must not bring an old lap number back; after the
 * last number the file is emptied and zeroed again); records left behind
 * it never match the header's lap, so a scan stops at the first record
 * that is torn, stale or of another lap.
 *
 * An fdatasync or a write that fails leaves the log failed: every later
 * append returns LT_EIO (the caller must not send), as a durability
 * promise broken once cannot be trusted again in this process.
 *
 * Locking: one mutex per log.  It covers the reservation of a record's
 * place (offset, lap) and the leader/wrap flags and counters, never I/O:
 * the pwrite of a record into the page cache of the preallocated file (no
 * allocation, no size change), fdatasync and syncfs all run with it
 * released.  A leader claims what is reserved when it starts, waits for
 * the writes of those reservations still in flight, then syncs; the
 * waiters of that sync wake when it ends (one condition variable per
 * sync parity), and one waiter of the next sync wakes to lead it, so a
 * sync wakes only the threads it made durable.  Every wait is bounded
 * (INTENTLOG_WAIT_MS).
 */
#ifndef LOOPTRADER_INTENTLOG_H
#define LOOPTRADER_INTENTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "looptrader/error.h"

#define INTENTLOG_HEADER 64
#define INTENTLOG_SIZE ((size_t)4 << 20) /* ~16,000 intents per lap */
#define INTENTLOG_WAIT_MS 30000

struct intentlog;

/* Called by intentlog_open for each whole record of the current lap, in
 * order: text[0..len) is the record's text.  Nonzero stops the open with
 * that code. */
typedef int (*intentlog_record_fn)(void *arg, const char *text, size_t len);

/* Opens (creating, mode 0600) the log at path and hands every record of
 * its current lap to fn.  The caller replays them, then calls
 * intentlog_new_lap before the first append.  LT_EIO when the file cannot
 * be opened or read or is not a regular file. */
int intentlog_open(const char *path, size_t size, intentlog_record_fn fn, void *arg,
                   struct intentlog **out, struct lt_err *err);

/* Called before the first append, or when no thread appends.  Makes
 * every file of the log's file system durable (syncfs; skipped for the
 * first lap after an open that found no record), then
 * preallocates the log to its size in zeros (once) and starts a new lap:
 * what the last lap's records stood for is on disk by then.  LT_ERANGE
 * when the file system has no room for the log (it is left empty: the
 * caller may go on without it), LT_EIO on another failure; the log is
 * failed after either. */
int intentlog_new_lap(struct intentlog *l, struct lt_err *err);

/* Appends text[0..len) as one record; with wait, returns once it is
 * durable (group commit), else at once (durable with the next sync).
 * 0 or LT_EIO. */
int intentlog_append(struct intentlog *l, const char *text, size_t len, int wait,
                     struct lt_err *err);

/* A place in the log: a record is durable once the log is durable up to
 * a place at or after its end.  gen counts the log's laps (a wrap makes
 * every earlier record durable). */
struct intentlog_pos {
    uint64_t gen;
    int64_t end;
};

/* intentlog_append without the wait, and *upto a place at or after the
 * record's end (a later record's, when others appended meanwhile), for
 * intentlog_wait_durable.  0 or LT_EIO. */
int intentlog_append_upto(struct intentlog *l, const char *text, size_t len,
                          struct intentlog_pos *upto, struct lt_err *err);

/* Returns once every record up to upto is durable: at once when a sync or
 * a wrap already made it so, else after leading or joining a sync (group
 * commit, as intentlog_append with wait), bounded by INTENTLOG_WAIT_MS.
 * Lets a writer append early and wait only where durability is needed
 * (pre-armed intents: before the send), while another thread syncs.
 * 0 or LT_EIO. */
int intentlog_wait_durable(struct intentlog *l, const struct intentlog_pos *upto,
                           struct lt_err *err);

/* fdatasync calls made so far (the group-commit ratio is appends / syncs). */
uint64_t intentlog_syncs(const struct intentlog *l);

void intentlog_close(struct intentlog *l);

#endif
