/*
 * Unit tests: replays the fuzz seed corpus and every saved fuzz finding.
 *
 * Each harness of test/fuzz/ is compiled in here with FUZZ_REPLAY (see
 * test/fuzz/fuzz.h), so the inputs in test/fuzz/corpus/<target>/ and
 * test/fuzz/regressions/<target>/ go through exactly the code libFuzzer ran
 * them through; a crash found once stays fixed.  Under `make sanitize` the
 * replay runs with ASan and UBSan too.  Each file is read into a buffer of
 * its exact size, so reading past the end is caught there as well.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FUZZ_REPLAY
#include "../fuzz/fuzz_money.c"
#include "../fuzz/fuzz_sim_params.c"
#include "../fuzz/fuzz_clientid.c"
#include "../fuzz/fuzz_journal.c"
#include "../fuzz/fuzz_config.c"
#include "../fuzz/fuzz_config_users.c"
#include "../fuzz/fuzz_sim_rest.c"
#include "../fuzz/fuzz_sim_wsapi.c"
#include "../fuzz/fuzz_venue_listen_key.c"
#include "../fuzz/fuzz_ws_frames.c"
#include "../fuzz/fuzz_ws_handshake.c"
#include "../fuzz/fuzz_venue_exchange_info.c"
#include "../fuzz/fuzz_venue_order.c"
#include "../fuzz/fuzz_venue_trades.c"
#include "../fuzz/fuzz_venue_balance.c"
#include "../fuzz/fuzz_venue_book_ticker.c"
#include "../fuzz/fuzz_venue_error.c"
#include "../fuzz/fuzz_venue_push.c"
#include "../fuzz/fuzz_venue_pricing.c"
#include "../fuzz/fuzz_http_header.c"
#include "../fuzz/fuzz_venue_server_time.c"
#include "../fuzz/fuzz_sign_pem.c"
#include "../fuzz/fuzz_sim_timeunit.c"
#include "../fuzz/fuzz_venue_alpha_oto.c"
#include "../fuzz/fuzz_plan.c"
#include "../fuzz/fuzz_venue_jscan.c"
#include "../fuzz/fuzz_intentlog.c"
#include "../fuzz/fuzz_ctl_parse.c"
#include "../fuzz/fuzz_metrics_request.c"

typedef int (*fuzz_fn)(const uint8_t *data, size_t size);

/* Runs every regular file of <root>/test/fuzz/<kind>/<target>/ through fn;
 * returns how many. */
static int replay_dir(const char *kind, const char *target, fuzz_fn fn)
{
    const char *root = getenv("LT_ROOT");
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/test/fuzz/%s/%s", root ? root : ".", kind, target);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[1024];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t size = (size_t)st.st_size;
        uint8_t *buf = malloc(size ? size : 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, size, f), size);
        fclose(f);
        print_message("replay %s\n", path);
        fn(buf, size);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, fuzz_fn fn)
{
    int seeds = replay_dir("corpus", target, fn);
    replay_dir("regressions", target, fn);
    assert_true(seeds > 0); /* every target has a seed corpus */
}

#define REPLAY(name)                            \
    static void replay_##name(void **state)     \
    {                                           \
        (void)state;                            \
        replay(#name, fuzz_##name);             \
    }

REPLAY(money)
REPLAY(sim_params)
REPLAY(clientid)
REPLAY(journal)
REPLAY(config)
REPLAY(config_users)
REPLAY(sim_rest)
REPLAY(sim_wsapi)
REPLAY(venue_listen_key)
REPLAY(ws_frames)
REPLAY(ws_handshake)
REPLAY(venue_exchange_info)
REPLAY(venue_order)
REPLAY(venue_trades)
REPLAY(venue_balance)
REPLAY(venue_book_ticker)
REPLAY(venue_error)
REPLAY(venue_push)
REPLAY(venue_pricing)
REPLAY(http_header)
REPLAY(venue_server_time)
REPLAY(sign_pem)
REPLAY(sim_timeunit)
REPLAY(venue_alpha_oto)
REPLAY(plan)
REPLAY(venue_jscan)
REPLAY(intentlog)
REPLAY(ctl_parse)
REPLAY(metrics_request)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_money),
        cmocka_unit_test(replay_sim_params),
        cmocka_unit_test(replay_clientid),
        cmocka_unit_test(replay_journal),
        cmocka_unit_test(replay_config),
        cmocka_unit_test(replay_config_users),
        cmocka_unit_test(replay_sim_rest),
        cmocka_unit_test(replay_sim_wsapi),
        cmocka_unit_test(replay_venue_listen_key),
        cmocka_unit_test(replay_ws_frames),
        cmocka_unit_test(replay_ws_handshake),
        cmocka_unit_test(replay_venue_exchange_info),
        cmocka_unit_test(replay_venue_order),
        cmocka_unit_test(replay_venue_trades),
        cmocka_unit_test(replay_venue_balance),
        cmocka_unit_test(replay_venue_book_ticker),
        cmocka_unit_test(replay_venue_error),
        cmocka_unit_test(replay_venue_push),
        cmocka_unit_test(replay_venue_pricing),
        cmocka_unit_test(replay_http_header),
        cmocka_unit_test(replay_venue_server_time),
        cmocka_unit_test(replay_sign_pem),
        cmocka_unit_test(replay_sim_timeunit),
        cmocka_unit_test(replay_venue_alpha_oto),
        cmocka_unit_test(replay_plan),
        cmocka_unit_test(replay_venue_jscan),
        cmocka_unit_test(replay_intentlog),
        cmocka_unit_test(replay_ctl_parse),
        cmocka_unit_test(replay_metrics_request),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
