/*
 * fuzz_venue_alpha_oto.c - the Binance Alpha dialect's OTO answer
 * (oto-order/place) through venue_alpha_parse_oto: whatever the bytes it
 * returns 0 or LT_EPARSE; on 0 the buy's id is positive, the sell's is 0
 * (not placed yet) or another positive id, the list id not negative; on
 * LT_EPARSE the output is untouched; the message stays terminated.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/venue_alpha.h"

FUZZ_TARGET(venue_alpha_oto)
{
    struct lt_err err = { 0 };
    struct oto_placed p = { .list_id = -7, .buy_id = -7, .sell_id = -7 };
    int rc = venue_alpha_parse_oto((const char *)data, size, &p, &err);
    FUZZ_CHECK(rc == 0 || rc == LT_EPARSE);
    if (rc == 0)
        FUZZ_CHECK(p.buy_id > 0 && p.sell_id >= 0 && p.sell_id != p.buy_id && p.list_id >= 0);
    else
        FUZZ_CHECK(p.list_id == -7 && p.buy_id == -7 && p.sell_id == -7);
    FUZZ_CHECK(FUZZ_TERMINATED(err.msg));
    return 0;
}
