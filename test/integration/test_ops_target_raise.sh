#!/usr/bin/env bash
# `ctl set USER target=` raising a running account's target: the buy cap
# follows the target on top of what the run has committed so far, so the
# account goes on to its new target (it used to halt at its next buy with
# "buy cap reached", the cap set from the new need alone).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

# latency_ms (on REST and WS API answers alike) keeps the run going until
# the ctl set
sim_start --seed 51 --fault latency_ms=40
trader_snapshot alice
trader_start --only alice --target 200 --lock-dir "$LT_TMP/locks"
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
"$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" set alice target=400 >/dev/null ||
    fail "ctl set alice target=400"
trader_wait 60
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_status alice)" done "alice done at her raised target"
grep -q "buy cap reached" "$TRADER_LOG" && fail "the raised target tripped the buy cap"
trader_check_target 400 alice
trader_check_flat alice
sim_stop
lt_done
