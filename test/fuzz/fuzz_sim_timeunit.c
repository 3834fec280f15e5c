/*
 * fuzz_sim_timeunit.c - time_unit_micro, the rewrite of an answer's time
 * fields for X-MBX-TIME-UNIT: MICROSECOND.
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
    int klines = size && (data[0] & 1);
    if (time_unit_micro(&sb, klines) == 0)
        FUZZ_CHECK(time_unit_micro(&sb, klines) == 0);
    else
        FUZZ_CHECK(sb.len == size && (size == 0 || !memcmp(sb.buf, data, size)));
    strbuf_free(&sb);
    return 0;
}
