/*
 * fuzz_config_users.c - the users file (--users FILE: users = ( ... );
 * with keys, secrets, headers, cookies and strategy overrides) through
 * config_load, next to a fixed valid configuration file.
 */
#include <string.h>

#include "config_check.h"
#include "fuzz.h"
#include "memfile.h"

static const char config_users_conf[] =
    "exchange = { rest_url = \"http://127.0.0.1:8080\"; ws_url = \"ws://127.0.0.1:8080\"; };\n"
    "strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 50.0; target = 1000.0;\n"
    "             slippage = 0.001; max_tries = 5; };\n"
    "workers = 2;\n";

FUZZ_TARGET(config_users)
{
    if (memmem(data, size, "@include", 8))
        return 0;
    struct memfile conf, users;
    memfile_open(&conf, "looptrader.conf", config_users_conf, sizeof config_users_conf - 1);
    memfile_open(&users, "users.conf", data, size);
    char *argv[] = { "looptrader", "--config", conf.path, "--users", users.path,
                     "--allow-insecure-secrets", NULL };
    config_check_load(6, argv);
    memfile_close(&users);
    memfile_close(&conf);
    return 0;
}
