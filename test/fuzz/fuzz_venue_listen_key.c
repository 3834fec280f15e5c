/*
 * fuzz_venue_listen_key.c - POST /api/v3/userDataStream bodies through the
 * private parse_listen_key of venue_binance.c.  The key goes into a
 * WebSocket path, so an accepted one is non-empty, alphanumeric and fits.
 */
#include <ctype.h>
#include <string.h>

#include "fuzz.h"
#include "looptrader/parsers.h"

FUZZ_TARGET(venue_listen_key)
{
    char key[72];
    struct lt_err err = { 0 };
    memset(key, 'x', sizeof(key));
    int rc = venue_binance_parse_listen_key((const char *)data, size, key, sizeof(key), &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    if (rc == 0) {
        FUZZ_CHECK(FUZZ_TERMINATED(key));
        FUZZ_CHECK(key[0] != '\0');
        for (const char *p = key; *p; p++)
            FUZZ_CHECK(isalnum((unsigned char)*p));
    }
    return 0;
}
