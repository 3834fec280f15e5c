/*
 * fuzz_clientid.c - client order ids read back from the venue
 * (clientid_parse): recovery cancels and sells what it parses as its own,
 * so parsing must be exact.  An accepted id formats back to the very same
 * string; anything else (another program's order) is refused.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/clientid.h"
#include "looptrader/error.h"

FUZZ_TARGET(clientid)
{
    char s[64], back[CLIENTID_MAX];
    struct clientid id;
    if (size >= sizeof s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    int rc = clientid_parse(s, &id);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
    if (rc)
        return 0;
    FUZZ_CHECK(clientid_is_ours(s));
    FUZZ_CHECK(clientid_format(&id, back) == 0);
    FUZZ_CHECK(strcmp(back, s) == 0);
    return 0;
}
