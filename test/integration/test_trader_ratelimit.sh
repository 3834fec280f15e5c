#!/usr/bin/env bash
# The venue's rate limits are kept, not hit: the simulator enforces a low
# request weight per minute (one counter for every account: they share an
# IP) and a low number of new orders per account per 10 s, and four users
# trade to target at once.  The trader paces itself (its venue summary
# line counts the waits for both limits), receives no 429 at all, and
# every user still reaches its target, read back from the simulator.
#
# Another client behind the same IP spends 400 of the minute's weight
# first (deep order books), which the trader learns from the venue's
# X-MBX-USED-WEIGHT-1M.  With the trader's own ~250-300 (sells are sized
# from the ledger: no GET /account per sell) the run needs more than the
# minute allows, so it must cross a minute boundary, where the
# venue's weight window rolls: it starts late in a clock minute (waiting
# for seconds 44-50) so that the crossing comes early.  The simulator has no skewed-clock option, so the
# -1021 path (re-measure the clock, send once more) is covered by the unit
# test test_venue_limits against a scripted venue instead.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)
WEIGHT_PER_MINUTE=500 # the run uses 250-300, another client 400
ORDERS_PER_10S=6      # a user sends 9-15 orders
TARGET=200

conf=$LT_TMP/sim-limits.conf
sed '/^symbols = (/i limits = { weight_per_minute = '"$WEIGHT_PER_MINUTE"'; orders_per_10s = '"$ORDERS_PER_10S"'; };\n' \
    "$LT_ROOT/etc/sim-demo.conf" >"$conf"
grep -q "weight_per_minute = $WEIGHT_PER_MINUTE" "$conf" || fail "limits not written into $conf"

# seconds 44-50 of a minute: late enough that the crossing comes early,
# early enough that the other client's spend and the trader's start fall
# in the same minute (a start at second 59 saw the window roll at once)
while sec=$(date +%-S); [ "$sec" -lt 44 ] || [ "$sec" -gt 50 ]; do sleep 0.2; done
sim_start --seed 21 --config "$conf"
http GET /api/v3/depth symbol="$SYMBOL" limit=5000
assert_eq "$STATUS $(jget 'j.get("x-mbx-used-weight-1m")' <<<"$HEADERS")" "200 250" \
    "another client spent 250 weight"
for i in 1 2 3; do http GET /api/v3/depth symbol="$SYMBOL" limit=1000; done
assert_eq "$STATUS $(jget 'j.get("x-mbx-used-weight-1m")' <<<"$HEADERS")" "200 400" \
    "another client spent 400 weight"
t0=$(date +%s)
TRADER_TIMEOUT=50 trader_run --target "$TARGET" --only "$(IFS=,; echo "${USERS[*]}")"
echo "# run took $(($(date +%s) - t0)) s"
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
done

summary=$(grep -E "venue: paced" "$TRADER_LOG" | tail -n 1)
echo "# ${summary#*INFO  }"
[ -n "$summary" ] || fail "no venue pacing summary in the log"
weight_waits=$(sed -nE 's/.*paced ([0-9]+) times for request weight.*/\1/p' <<<"$summary")
order_waits=$(sed -nE 's/.* and ([0-9]+) for order limits.*/\1/p' <<<"$summary")
limited=$(sed -nE 's/.* ([0-9]+) rate-limit answers.*/\1/p' <<<"$summary")
assert_true "$weight_waits > 0" '{}' "paced for request weight ($weight_waits waits)"
assert_true "$order_waits > 0" '{}' "paced for the order limits ($order_waits waits)"
assert_eq "$limited" 0 "no 429/418 answer from the venue"
assert_eq "$(grep -c 'rate limited' "$TRADER_LOG")" 0 "no rate-limit warning in the log"

# Read back (one allOrders each: the weight left in this minute is small).
start=$(python3 -c 'import time; t = int(time.time()); print((t - t % 86400) * 1000)')
for u in "${USERS[@]}"; do
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" startTime="$start" limit=1000
    assert_eq "$STATUS" 200 "$u: orders read back"
    assert_true "sum(D(o['cummulativeQuoteQty']) for o in j if o['side'] == 'BUY') >= $TARGET" \
        "$BODY" "$u: window buy volume reached $TARGET"
    assert_true "not [o for o in j if o['status'] in ('NEW', 'PARTIALLY_FILLED')]" \
        "$BODY" "$u: nothing left open"
done
trader_check_no_secrets
lt_done
