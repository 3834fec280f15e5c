#!/usr/bin/env bash
# --daily across a day boundary: the simulator's clock is set 20 s before
# 00:00 UTC (--clock-offset-ms); the trader reaches each account's target
# for that day, waits, and when the window rolls over trades the target
# afresh for the new day; SIGTERM between days ends it cleanly (exit 0,
# nothing open).  Signed requests of the test carry the simulator's time.  Read back from the simulator: each account's
# filled buy volume on each side of midnight reaches the target.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

DAY=86400000
OFFSET=$(python3 -c "import time; now=int(time.time()*1000); print((now // $DAY + 1) * $DAY - 20000 - now)")
sim_start --seed 37 --clock-offset-ms "$OFFSET"
sim_ts() { python3 -c "import time; print(int(time.time() * 1000) + $OFFSET)"; }
trader_start --only alice,bob --target 150 --buy-amount 50 --daily --lock-dir "$LT_TMP/locks"
wait_for_line "$TRADER_LOG" 'daily: every account has ended its day' 25 || fail "day 1 never ended"
ok "day 1 ended; waiting for the window to roll"
wait_for_line "$TRADER_LOG" 'daily: a new day' 30 || fail "the new day never began"
for i in $(seq 1 300); do
    [ "$(grep -c 'daily: every account has ended its day' "$TRADER_LOG")" -ge 2 ] && break
    sleep 0.1
done
[ "$(grep -c 'daily: every account has ended its day' "$TRADER_LOG")" -ge 2 ] || fail "day 2 never ended"
ok "day 2 ended"
kill -TERM "$TRADER_PID"
trader_wait 20
assert_eq "$TRADER_RC" 0 "SIGTERM between days is a clean end"
assert_contains "$(cat "$TRADER_LOG")" "stopped between days" "the stop came between days"
for u in alice bob; do
    http_as_ok "$u" GET /api/v3/openOrders symbol="$SYMBOL" timestamp="$(sim_ts)"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "$u: nothing open"
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" timestamp="$(sim_ts)"
    python3 - "$u" "$BODY" <<'PY' || fail "$u: the days' volumes"
import json, sys
from decimal import Decimal as D
user, body = sys.argv[1], json.loads(sys.argv[2])
DAY = 86400000
ours = [o for o in body if o["clientOrderId"].startswith("lt.") and o["side"] == "BUY"]
midnight = max(o["time"] for o in ours) // DAY * DAY
before = sum(D(o["cummulativeQuoteQty"]) for o in ours if o["time"] < midnight)
after = sum(D(o["cummulativeQuoteQty"]) for o in ours if o["time"] >= midnight)
assert before >= 150 and after >= 150, (before, after)
print(f"# {user}: bought {before} before midnight, {after} after")
PY
    ok "$u reached the target on both days"
done
lt_done
