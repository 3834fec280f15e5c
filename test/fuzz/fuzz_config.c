/*
 * fuzz_config.c - the configuration file (libconfig syntax) through
 * config_load, with an inline users list or a users_file next to it.
 *
 * Inputs with @include are left out: libconfig would read other files,
 * which is the operator's business, not this file's parser.
 */
#include <string.h>

#include "config_check.h"
#include "fuzz.h"
#include "memfile.h"

FUZZ_TARGET(config)
{
    if (memmem(data, size, "@include", 8))
        return 0;
    struct memfile mf;
    memfile_open(&mf, "looptrader.conf", data, size);
    char *argv[] = { "looptrader", "--config", mf.path, "--allow-insecure-secrets", NULL };
    config_check_load(4, argv);
    memfile_close(&mf);
    return 0;
}
