#!/usr/bin/env bash
# `ctl set USER target=` raising a running account's target: the buy cap
# follows the target on top of what the run has committed so far, so the
# account goes on to its new target (it used to halt at its next buy with
# "buy cap reached", the cap set from the new need alone).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

# The run must still be going when the ctl set lands: a proxy holds
# round 3's buy (the window then at 100 of 200) until the set is done.
# (Rounds take some 80 ms here: a run left to itself could reach its
# target before a ctl process on a loaded machine got its command in.)
rl_config 'order_transport = "rest";'
sim_start --seed 51
HOLD=$LT_TMP/hold-round-3
rl_proxy_start "POST /api/v3/order hold=$HOLD has=.0.3.b count=1"
touch "$HOLD"
trader_snapshot alice
trader_start --only alice --target 200 --lock-dir "$LT_TMP/locks" --rest-url "$PROXY_URL"
wait_until 30 test -s "$PROXY_LOG" || fail "alice's round 3 buy never reached the proxy"
"$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" set alice target=400 >/dev/null ||
    fail "ctl set alice target=400"
rm -f "$HOLD"
trader_wait 60
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_status alice)" done "alice done at her raised target"
grep -q "buy cap reached" "$TRADER_LOG" && fail "the raised target tripped the buy cap"
trader_check_target 400 alice
trader_check_flat alice
sim_stop
lt_done
