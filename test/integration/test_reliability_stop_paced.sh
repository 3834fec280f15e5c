#!/usr/bin/env bash
# A stop is not held up by the trader's own rate-limit pacing.  The
# simulator allows 2 new orders per account per 10 s, so once alice's first
# round (a buy and a sell, both crossing the book) has used them, round 2's
# buy waits in the venue's order limiter for the next 10 s window.  A
# SIGTERM during that wait must end it at once: the run stops instead of
# sleeping out the window (its time asleep is less than the wait it
# announced), and no order is sent after the SIGTERM (a buy the stop has
# made pointless is not placed).
# Read back from the simulator: nothing of alice's was created after the
# SIGTERM, nothing is open, the base balance is back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

conf=$LT_TMP/sim-limits.conf
sed '/^symbols = (/i limits = { orders_per_10s = 2; };\n' "$SIM_CONFIG_DEFAULT" >"$conf"
grep -q "orders_per_10s = 2" "$conf" || fail "limits not written into $conf"
sim_start --seed 42 --config "$conf"
trader_snapshot alice
# Start just after a 10 s boundary, so that round 2's buy comes early in
# the window its round 1 filled and has most of it to wait.
while [ $(( $(date +%-S) % 10 )) -ne 0 ]; do sleep 0.1; done
trader_start --only alice --target 100000 --buy-amount 20 --fill-timeout-ms 2000
# Logged before the wait (an order's own line follows its send).
wait_for_line "$TRADER_LOG" 'venue: waiting [0-9]* ms for the order limit' 8 ||
    fail "alice's round 2 buy never waited for the order limit"
sleep 0.3
rl_orders alice
assert_eq "$(jget 'len(j)' <<<"$RL_ORDERS")" 2 \
    "round 1 used the window's 2 orders; round 2's buy waits for the next window"
t_stop=$(python3 -c 'import time; print(int(time.time() * 1000))')
kill -TERM "$TRADER_PID"
trader_wait 30
took=$(python3 -c "import time; print(round(time.time() - $t_stop / 1000, 1))")
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
# The wait cut short, not slept out: the venue's summary counts the time
# it slept in slices (each checks the stop), whatever the machine's load
# does to the wall clock around them.
wait_ms=$(sed -nE 's/.*venue: waiting ([0-9]+) ms for the order limit.*/\1/p' "$TRADER_LOG" | head -n 1)
asleep=$(sed -nE 's/.*venue: paced .* \(([0-9]+) ms asleep\).*/\1/p' "$TRADER_LOG" | tail -n 1)
[ -n "$wait_ms" ] && [ -n "$asleep" ] || fail "no order-limit wait or no pacing summary in the log"
assert_true "$asleep < $wait_ms" '{}' \
    "the stop ended the $wait_ms ms wait after $asleep ms asleep (exit ${took} s after the SIGTERM)"
rl_orders alice
assert_true "not [o for o in j if o['time'] >= $t_stop]" "$RL_ORDERS" \
    "no order sent after the SIGTERM ($(jget 'len(j)' <<<"$RL_ORDERS") orders in all)"
assert_eq "$(report_status alice)" stopped "alice stopped"
assert_true "not [l for l in j if 'round 2 BUY' in l]" "$(python3 -c 'import json,sys; print(json.dumps(open(sys.argv[1]).read().splitlines()))' "$TRADER_LOG")" \
    "no order line for the buy the stop kept from being sent"
trader_check_flat alice
lt_done
