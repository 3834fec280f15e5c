/*
 * lock.h - who owns what on this host: a state dir, and each account.
 *
 * Two traders on one account cancel each other's orders as "an earlier
 * run's" and overshoot their targets, so ownership is exclusive and taken
 * before the first request for an account:
 *
 *   - a state dir has one trader: <dir>/looptrader.lock, flock'ed for the
 *     process's life and holding its pid (what `looptrader stop` reads);
 *   - an account has one trader whatever the state dir: one byte of
 *     <lock_dir>/accounts.<k>.lock, locked with fcntl at an offset that is
 *     a hash of the venue URL and the account's identity (API key, else its
 *     cookies and headers), k being that hash modulo LOCK_ACCOUNT_SHARDS.
 *     A few fds serve every account, so 10,000 accounts cost 16
 *     descriptors, and the kernel names the holder's pid
 *     (F_GETLK); nothing stale survives a kill -9.  The identity is hashed
 *     (SHA-256), never written anywhere.
 *
 * Locks live until lock_*_release or the process exits.  Not thread-safe:
 * main takes every lock before workers start.
 */
#ifndef LOOPTRADER_LOCK_H
#define LOOPTRADER_LOCK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "looptrader/error.h"
#include "looptrader/venue.h"

#define LOCK_FILE_NAME "looptrader.lock"

/* Takes <dir>/looptrader.lock (creating dir and its parents, mode 0700) and
 * writes our pid into it.  *fd is the lock (release with lock_fd_release).
 * LT_EINVAL "state dir D is in use by pid N" when another trader has it
 * (*holder = N), LT_EIO on a file error. */
int lock_state_dir(const char *dir, int *fd, pid_t *holder, struct lt_err *err);

/* The pid of the live trader holding dir's lock: 0 and *pid, or
 * LT_ENOTFOUND when none holds it. */
int lock_state_dir_holder(const char *dir, pid_t *pid, struct lt_err *err);

void lock_fd_release(int fd);

/* $XDG_RUNTIME_DIR/looptrader-locks, else /tmp/looptrader-locks-<uid>. */
void lock_dir_default(char *out, size_t size);

/* The account's key: 62 bits of SHA-256(url without trailing '/' + "\n" +
 * identity).  0 when the auth carries no identity at all (or hashing
 * failed: out of memory).  Pure. */
uint64_t lock_account_key(const char *rest_url, const struct venue_auth *a);

/* Account locks are spread over this many files: the kernel checks a
 * record lock against every lock held on the same file, so 10,000 locks on
 * one file cost O(n^2) at start-up. */
#define LOCK_ACCOUNT_SHARDS 16

struct lock_accounts {
    int fd[LOCK_ACCOUNT_SHARDS]; /* <lock_dir>/accounts.<k>.lock, -1 when closed */
    uint64_t *keys;       /* keys this process holds, a set: cap slots, 0 empty (owned) */
    size_t n, cap;
};

/* Opens (creating, with its parents) lock_dir, mode 0700, and its
 * accounts.<k>.lock files.  A lock_dir that is a symlink or not a directory is
 * refused; with private_dir (the default dir, named after our uid) so is
 * one owned by another uid. */
int lock_accounts_open(struct lock_accounts *la, const char *lock_dir, int private_dir,
                       struct lt_err *err);

/* Takes one account.  0; LT_EINVAL "owned by pid N" (another process, or
 * "this run" for the same account configured twice), *holder set. */
int lock_account_take(struct lock_accounts *la, uint64_t key, pid_t *holder,
                      struct lt_err *err);

/* Forgets which accounts this run took, keeping their locks: one
 * process's record locks never conflict with its own, so taking each
 * again (a new day's start-up) is a no-op for the kernel. */
void lock_accounts_forget(struct lock_accounts *la);

/* Releases every account lock and closes the file. */
void lock_accounts_close(struct lock_accounts *la);

#endif
