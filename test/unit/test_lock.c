/* Unit tests: state-dir and account locks (in a fresh temporary dir). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "looptrader/lock.h"

static char dir[64];

static void account_keys(void **state)
{
    (void)state;
    struct venue_auth k1 = { .api_key = "KEY1" }, k2 = { .api_key = "KEY2" };
    struct venue_auth c1 = { .cookies = "sid=abc" };
    const char *h[] = { "X-Token: t" };
    struct venue_auth hd = { .headers = h, .n_headers = 1 }, none = { 0 };
    uint64_t a = lock_account_key("http://v:1", &k1);
    assert_true(a != 0 && a < (UINT64_C(1) << 62));
    /* a trailing slash is the same venue; another venue or key is not */
    assert_true(lock_account_key("http://v:1/", &k1) == a);
    assert_true(lock_account_key("http://v:2", &k1) != a);
    assert_true(lock_account_key("http://v:1", &k2) != a);
    /* the secret does not make the identity: same key, other secret */
    struct venue_auth k1b = { .api_key = "KEY1", .api_secret = "other" };
    assert_true(lock_account_key("http://v:1", &k1b) == a);
    assert_true(lock_account_key("http://v:1", &c1) != 0);
    assert_true(lock_account_key("http://v:1", &c1) != lock_account_key("http://v:1", &hd));
    assert_true(lock_account_key("http://v:1", &none) == 0);
}

static void state_dir_lock(void **state)
{
    (void)state;
    char sd[128];
    snprintf(sd, sizeof sd, "%s/deep/er/state", dir); /* parents created */
    struct lt_err e = { 0 };
    pid_t holder = -1, pid = 0;
    int fd = -1, fd2 = -1;
    assert_int_equal(lock_state_dir_holder(sd, &pid, &e), LT_ENOTFOUND);
    assert_int_equal(lock_state_dir(sd, &fd, &holder, &e), 0);
    assert_true(fd >= 0);
    assert_int_equal(lock_state_dir_holder(sd, &pid, &e), 0);
    assert_int_equal(pid, getpid());
    /* a second owner (flock: even another open in this process) is refused */
    assert_int_equal(lock_state_dir(sd, &fd2, &holder, &e), LT_EINVAL);
    assert_int_equal(fd2, -1);
    assert_int_equal(holder, getpid());
    assert_non_null(strstr(e.msg, "in use by pid"));
    assert_non_null(strstr(e.msg, sd));
    lock_fd_release(fd);
    /* the pid left in the file is a dead owner's: not reported as running */
    assert_int_equal(lock_state_dir_holder(sd, &pid, &e), LT_ENOTFOUND);
    assert_int_equal(lock_state_dir(sd, &fd, &holder, &e), 0);
    lock_fd_release(fd);
}

static void account_lock(void **state)
{
    (void)state;
    char ld[128];
    snprintf(ld, sizeof ld, "%s/locks", dir);
    struct lock_accounts la;
    struct lt_err e = { 0 };
    pid_t holder = 0;
    assert_int_equal(lock_accounts_open(&la, ld, 1, &e), 0);
    assert_int_equal(lock_account_take(&la, 42, &holder, &e), 0);
    assert_int_equal(lock_account_take(&la, 42, &holder, &e), LT_EINVAL);
    assert_non_null(strstr(e.msg, "configured twice"));
    assert_int_equal(lock_account_take(&la, 43, &holder, &e), 0);
    /* the set of keys held grows past its first capacities and still knows each */
    for (uint64_t k = 1000; k < 1300; k++)
        assert_int_equal(lock_account_take(&la, k << 40 | k, &holder, &e), 0);
    for (uint64_t k = 1000; k < 1300; k++) {
        assert_int_equal(lock_account_take(&la, k << 40 | k, &holder, &e), LT_EINVAL);
        assert_int_equal(holder, getpid());
    }
    /* a new day forgets them and takes each again */
    lock_accounts_forget(&la);
    for (uint64_t k = 1000; k < 1300; k++)
        assert_int_equal(lock_account_take(&la, k << 40 | k, &holder, &e), 0);
    assert_int_equal(lock_account_take(&la, 42, &holder, &e), 0);
    assert_int_equal(lock_account_take(&la, 43, &holder, &e), 0);

    /* another process: 42 is ours, 44 is free */
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        struct lock_accounts lc;
        pid_t h = 0;
        char r = 'x';
        if (lock_accounts_open(&lc, ld, 0, NULL) == 0 && lock_account_take(&lc, 42, &h, NULL) != 0 &&
            h == getppid() && lock_account_take(&lc, 44, &h, NULL) == 0)
            r = 'y';
        if (write(pipefd[1], &r, 1) != 1)
            _exit(2);
        pause(); /* holds 44 until killed */
        _exit(0);
    }
    char r = 0;
    assert_int_equal(read(pipefd[0], &r, 1), 1);
    assert_int_equal(r, 'y');
    assert_int_equal(lock_account_take(&la, 44, &holder, &e), LT_EINVAL);
    assert_int_equal(holder, child);
    char want[64];
    snprintf(want, sizeof want, "owned by pid %ld", (long)child);
    assert_non_null(strstr(e.msg, want));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    /* the kernel dropped the dead process's lock */
    assert_int_equal(lock_account_take(&la, 44, &holder, &e), 0);
    close(pipefd[0]);
    close(pipefd[1]);
    lock_accounts_close(&la);

    /* a lock dir that is not a directory is refused */
    char f[160];
    snprintf(f, sizeof f, "%s/afile", dir);
    FILE *fp = fopen(f, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(lock_accounts_open(&la, f, 0, &e), LT_EIO);
    assert_non_null(strstr(e.msg, "not a directory"));
    lock_accounts_close(&la);

    /* the default dir must be ours: another uid's could hold our locks */
    if (geteuid() == 0) {
        assert_int_equal(chown(ld, 12345, 12345), 0);
        assert_int_equal(lock_accounts_open(&la, ld, 1, &e), LT_EIO);
        assert_non_null(strstr(e.msg, "not owned by uid 0"));
        lock_accounts_close(&la);
        assert_int_equal(lock_accounts_open(&la, ld, 0, &e), 0); /* a given --lock-dir */
        lock_accounts_close(&la);
    }
}

static void default_dir(void **state)
{
    (void)state;
    char d[256], want[64];
    unsetenv("XDG_RUNTIME_DIR");
    lock_dir_default(d, sizeof d);
    snprintf(want, sizeof want, "/tmp/looptrader-locks-%ld", (long)geteuid());
    assert_string_equal(d, want);
    setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
    lock_dir_default(d, sizeof d);
    assert_string_equal(d, "/run/user/7/looptrader-locks");
    unsetenv("XDG_RUNTIME_DIR");
}

static int nuke(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lt-test-lock-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return nftw(dir, nuke, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(account_keys),
        cmocka_unit_test(state_dir_lock),
        cmocka_unit_test(account_lock),
        cmocka_unit_test(default_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
