#!/usr/bin/env bash
# --daily with a coordinator (issue 11): two traders share alice and bob
# through PostgreSQL; the simulator's clock is set 20 s before 00:00 UTC
# (--clock-offset-ms).  Each account reaches its target for that day (and
# is marked done for that day only), both traders wait for the window to
# roll, then the accounts are claimed again and trade the new day's
# target.  SIGTERM between days ends both cleanly.  Read back from the
# simulator: each account's filled buy volume on each side of midnight
# reaches the target, nothing open, one epoch's orders live at a time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

DAY=86400000
OFFSET=$(python3 -c "import time; now=int(time.time()*1000); print((now // $DAY + 1) * $DAY - 20000 - now)")
sim_start --seed 61 --clock-offset-ms "$OFFSET"
sim_ts() { python3 -c "import time; print(int(time.time() * 1000) + $OFFSET)"; }
pg_start
"$LT_BIN/looptrader" db init --coordinator "$PG_URL" >/dev/null || fail "db init"

PIDS=()
for p in 1 2; do
    TRADER_STATE=$LT_TMP/state$p TRADER_LOG=$LT_TMP/p$p.log TRADER_REPORT=$LT_TMP/p$p.json
    trader_start --only alice,bob --target 150 --buy-amount 50 --daily \
        --coordinator "$PG_URL" --lease-ms 4000
    PIDS+=("$TRADER_PID")
done
days_ended() { cat "$LT_TMP/p$1.log" 2>/dev/null | grep -c 'daily: every account has ended its day'; }
day_done() { [ "$(days_ended 1)" -ge "$1" ] && [ "$(days_ended 2)" -ge "$1" ]; }
wait_until 30 day_done 1 || fail "day 1 never ended in both traders"
ok "day 1 ended in both traders; waiting for the window to roll"
for p in 1 2; do
    wait_for_line "$LT_TMP/p$p.log" 'daily: a new day' 30 || fail "p$p: the new day never began"
done
wait_until 30 day_done 2 || fail "day 2 never ended in both traders"
ok "day 2 ended in both traders"
claims() { grep -c 'coordinator: [a-z]* claimed' "$LT_TMP/p$1.log"; }
assert_true "$(claims 1) + $(claims 2) >= 4" '{}' "each account claimed on each day ($(claims 1) + $(claims 2) claims)"
for i in 0 1; do
    kill -TERM "${PIDS[$i]}"
    rc=0; lt_wait_pid "${PIDS[$i]}" 20 || rc=$?
    assert_eq "$rc" 0 "p$((i + 1)): SIGTERM between days is a clean end"
done
for u in alice bob; do
    http_as_ok "$u" GET /api/v3/openOrders symbol="$SYMBOL" timestamp="$(sim_ts)"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "$u: nothing open"
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" timestamp="$(sim_ts)" limit=1000
    python3 - "$u" "$BODY" <<'PY' || fail "$u: the days' volumes"
import json, sys
from decimal import Decimal as D
user, body = sys.argv[1], json.loads(sys.argv[2])
DAY = 86400000
ours = sorted((o for o in body if o["clientOrderId"].startswith("lt.")), key=lambda o: o["orderId"])
buys = [o for o in ours if o["side"] == "BUY"]
midnight = max(o["time"] for o in buys) // DAY * DAY
before = sum(D(o["cummulativeQuoteQty"]) for o in buys if o["time"] < midnight)
after = sum(D(o["cummulativeQuoteQty"]) for o in buys if o["time"] >= midnight)
assert before >= 150 and after >= 150, (before, after)
overlap = sum(1 for a, b in zip(ours, ours[1:]) if a["updateTime"] > b["time"])
assert overlap == 0, "%d overlapping live orders" % overlap
print(f"# {user}: bought {before} before midnight, {after} after")
PY
    ok "$u reached the target on both days, one live order at a time"
done
lt_done
