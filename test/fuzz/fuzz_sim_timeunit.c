/*
 * fuzz_sim_timeunit.c - time_unit_micro and time_unit_micro_ws, the
 * rewrite of an answer's time fields for X-MBX-TIME-UNIT: MICROSECOND and
 * of a WebSocket message's for timeUnit=MICROSECOND.
 *
 * Beyond not crashing: a refused input is left byte for byte as it was,
 * and an accepted one is JSON that a second rewrite also accepts.
 */
#include <string.h>

#include "fuzz.h"
#include "looptrader/sim/timeunit.h"

FUZZ_TARGET(sim_timeunit)
{
    struct strbuf sb = STRBUF_INIT;
    if (strbuf_add(&sb, data, size))
        return 0;
    int klines = size && (data[0] & 1), ws = size && (data[0] & 2);
    if ((ws ? time_unit_micro_ws(&sb) : time_unit_micro(&sb, klines)) == 0)
        FUZZ_CHECK((ws ? time_unit_micro_ws(&sb) : time_unit_micro(&sb, klines)) == 0);
    else
        FUZZ_CHECK(sb.len == size && (size == 0 || !memcmp(sb.buf, data, size)));
    strbuf_free(&sb);
    return 0;
}
