/*
 * lock.c - state-dir and per-account ownership on one host (see lock.h).
 *
 * The state dir uses flock (one lock per open file, so a second open in
 * the same process conflicts too); accounts use classic fcntl record locks
 * on shared files (LOCK_ACCOUNT_SHARDS of them, by key, so that no file's
 * lock list holds every account), which F_GETLK can attribute to a pid.
 * Record locks are per process, so the same account configured twice in
 * one run is caught by the set of keys held (a hash set: 10,000 accounts
 * cost 10,000 probes), not by the kernel.
 */
#include "looptrader/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int lock_path(char *out, size_t size, const char *dir, const char *name,
                     struct lt_err *err)
{
    if ((size_t)snprintf(out, size, "%s/%s", dir, name) >= size)
        return lt_err_set(err, LT_EINVAL, "path too long: %.64s/%s", dir, name);
    return 0;
}

/* The pid written in an open lock file, or 0. */
static pid_t read_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    long v = strtol(buf, NULL, 10);
    return v > 0 && v <= INT32_MAX ? (pid_t)v : 0;
}

/* A directory, created if missing.  With no_symlink, not a symlink
 * either: the default lock dir is under /tmp, shared with every other user
 * of the host, where a planted symlink would redirect our files. */
static int ensure_dir(const char *dir, const char *what, int no_symlink, struct lt_err *err)
{
    struct stat st;
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return lt_err_set(err, LT_EINVAL, "%s %.64s...: path too long", what, dir);
    /* parents first, each 0700 like the dir itself */
    for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        int bad = mkdir(path, 0700) != 0 && errno != EEXIST;
        *p = '/';
        if (bad)
            break;
    }
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return lt_err_set(err, LT_EIO, "%s %s: cannot create it (%s)", what, dir,
                          strerror(errno));
    if ((no_symlink ? lstat(dir, &st) : stat(dir, &st)) != 0)
        return lt_err_set(err, LT_EIO, "%s %s: %s", what, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return lt_err_set(err, LT_EIO, "%s %s: not a directory%s", what, dir,
                          no_symlink ? " (or a symlink)" : "");
    return 0;
}

int lock_state_dir(const char *dir, int *fd, pid_t *holder, struct lt_err *err)
{
    char path[4096];
    int rc;
    *fd = -1;
    *holder = 0;
    if ((rc = ensure_dir(dir, "state dir", 0, err)) != 0 ||
        (rc = lock_path(path, sizeof path, dir, LOCK_FILE_NAME, err)) != 0)
        return rc;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (f < 0)
        return lt_err_set(err, LT_EIO, "cannot open %s (%s)", path, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        *holder = read_pid(f);
        close(f);
        if (e == EWOULDBLOCK)
            return lt_err_set(err, LT_EINVAL,
                              "state dir %s is in use by pid %ld (another looptrader); "
                              "nothing was sent",
                              dir, (long)*holder);
        return lt_err_set(err, LT_EIO, "cannot lock %s (%s)", path, strerror(e));
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, pid, (size_t)len, 0) != len) {
        int e = errno;
        close(f);
        return lt_err_set(err, LT_EIO, "cannot write %s (%s)", path, strerror(e));
    }
    *fd = f;
    return 0;
}

int lock_state_dir_holder(const char *dir, pid_t *pid, struct lt_err *err)
{
    char path[4096];
    int rc = lock_path(path, sizeof path, dir, LOCK_FILE_NAME, err);
    if (rc != 0)
        return rc;
    int f = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (f < 0)
        return lt_err_set(err, LT_ENOTFOUND, "no looptrader is running in %s (%s: %s)", dir,
                          path, strerror(errno));
    /* If we can take a shared lock, nobody holds the exclusive one: the
     * pid in the file is a dead run's. */
    if (flock(f, LOCK_SH | LOCK_NB) == 0) {
        close(f);
        return lt_err_set(err, LT_ENOTFOUND, "no looptrader is running in %s", dir);
    }
    *pid = read_pid(f);
    close(f);
    if (*pid <= 0)
        return lt_err_set(err, LT_ENOTFOUND, "%s is locked but holds no pid", path);
    return 0;
}

void lock_fd_release(int fd)
{
    if (fd >= 0)
        close(fd);
}

void lock_dir_default(char *out, size_t size)
{
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] == '/')
        snprintf(out, size, "%s/looptrader-locks", xdg);
    else
        snprintf(out, size, "/tmp/looptrader-locks-%ld", (long)geteuid());
}

static void upd(EVP_MD_CTX *ctx, const char *s) { EVP_DigestUpdate(ctx, s, strlen(s)); }

uint64_t lock_account_key(const char *rest_url, const struct venue_auth *a)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    size_t ul = strlen(rest_url);
    while (ul > 0 && rest_url[ul - 1] == '/')
        ul--;
    if (!a->api_key && !a->cookies && a->n_headers == 0)
        return 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return 0;
    }
    EVP_DigestUpdate(ctx, rest_url, ul);
    /* The parts are tagged so an API key can never equal a session's text. */
    if (a->api_key) {
        upd(ctx, "\nkey:");
        upd(ctx, a->api_key);
    } else {
        upd(ctx, "\ncookies:");
        if (a->cookies)
            upd(ctx, a->cookies);
        for (size_t i = 0; i < a->n_headers; i++) {
            upd(ctx, "\nheader:");
            upd(ctx, a->headers[i]);
        }
    }
    int ok = EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len >= 8;
    EVP_MD_CTX_free(ctx);
    uint64_t k = 0;
    for (int i = 0; ok && i < 8; i++)
        k = k << 8 | md[i];
    k &= (UINT64_C(1) << 62) - 1;
    OPENSSL_cleanse(md, sizeof md);
    return ok ? (k ? k : 1) : 0;
}

int lock_accounts_open(struct lock_accounts *la, const char *lock_dir, int private_dir,
                       struct lt_err *err)
{
    char path[4096], name[32];
    struct stat st;
    int rc;
    memset(la, 0, sizeof *la);
    for (int k = 0; k < LOCK_ACCOUNT_SHARDS; k++)
        la->fd[k] = -1;
    if ((rc = ensure_dir(lock_dir, "lock dir", 1, err)) != 0)
        return rc;
    /* someone else's dir under our name in /tmp could hold our locks */
    if (private_dir && (lstat(lock_dir, &st) != 0 || st.st_uid != geteuid()))
        return lt_err_set(err, LT_EIO, "lock dir %s is not owned by uid %ld: remove it, "
                          "or give --lock-dir", lock_dir, (long)geteuid());
    for (int k = 0; k < LOCK_ACCOUNT_SHARDS; k++) {
        snprintf(name, sizeof name, "accounts.%d.lock", k);
        if ((rc = lock_path(path, sizeof path, lock_dir, name, err)) != 0) {
            lock_accounts_close(la);
            return rc;
        }
        la->fd[k] = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (la->fd[k] < 0) {
            rc = lt_err_set(err, LT_EIO, "cannot open %s (%s)", path, strerror(errno));
            lock_accounts_close(la);
            return rc;
        }
    }
    return 0;
}

/* Where key is in the set of keys held, or the empty slot it would take. */
static uint64_t *key_slot(uint64_t *keys, size_t cap, uint64_t key)
{
    size_t at = (size_t)(key * 0x9e3779b97f4a7c15ULL >> 20) & (cap - 1);
    while (keys[at] && keys[at] != key)
        at = (at + 1) & (cap - 1);
    return &keys[at];
}

/* Room for one more key, the set staying at most half full. */
static int keys_reserve(struct lock_accounts *la)
{
    if (2 * (la->n + 1) <= la->cap)
        return 0;
    size_t cap = la->cap ? la->cap * 2 : 32;
    uint64_t *k = calloc(cap, sizeof *k);
    if (!k)
        return LT_ENOMEM;
    for (size_t i = 0; i < la->cap; i++)
        if (la->keys[i])
            *key_slot(k, cap, la->keys[i]) = la->keys[i];
    free(la->keys);
    la->keys = k;
    la->cap = cap;
    return 0;
}

int lock_account_take(struct lock_accounts *la, uint64_t key, pid_t *holder,
                      struct lt_err *err)
{
    *holder = 0;
    if (keys_reserve(la))
        return lt_err_set(err, LT_ENOMEM, "out of memory");
    uint64_t *slot = key_slot(la->keys, la->cap, key);
    if (*slot) {
        *holder = getpid();
        return lt_err_set(err, LT_EINVAL,
                          "owned by this run (the same account is configured twice)");
    }
    int fd = la->fd[key % LOCK_ACCOUNT_SHARDS];
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)key,
                        .l_len = 1 };
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        int e = errno;
        if (e != EACCES && e != EAGAIN)
            return lt_err_set(err, LT_EIO, "account lock: %s", strerror(e));
        struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = (off_t)key,
                           .l_len = 1 };
        if (fcntl(fd, F_GETLK, &q) == 0 && q.l_type != F_UNLCK)
            *holder = q.l_pid;
        return lt_err_set(err, LT_EINVAL, "owned by pid %ld (another looptrader)",
                          (long)*holder);
    }
    *slot = key;
    la->n++;
    return 0;
}

void lock_accounts_forget(struct lock_accounts *la)
{
    if (la->keys)
        memset(la->keys, 0, la->cap * sizeof *la->keys);
    la->n = 0;
}

void lock_accounts_close(struct lock_accounts *la)
{
    for (int k = 0; k < LOCK_ACCOUNT_SHARDS; k++)
        if (la->fd[k] >= 0)
            close(la->fd[k]); /* releases every record lock of this process on it */
    free(la->keys);
    memset(la, 0, sizeof *la);
    for (int k = 0; k < LOCK_ACCOUNT_SHARDS; k++)
        la->fd[k] = -1;
}
