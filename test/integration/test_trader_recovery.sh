#!/usr/bin/env bash
# Crash recovery: the trader is killed with SIGKILL between a round's buy
# and its sell (an order may be open, inventory is held).  Running the same
# command again settles the earlier run first (our open orders cancelled,
# the unsold base sold from the journal's unsettled rounds), then trades on
# to the target; afterwards nothing is open and base balances are back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob)
sim_start --seed 16 --fault latency_ms=40
trader_snapshot "${USERS[@]}"
trader_start --only alice,bob --target 100000 --fill-timeout-ms 1500
wait_for_line "$TRADER_LOG" 'alice: round 2 SELL' 30 || fail "alice never reached round 2's sell"
kill -KILL "$TRADER_PID"
wait "$TRADER_PID" 2>/dev/null
ok "looptrader killed mid-round"
held=$(base_balance alice)
echo "# alice holds $held ${BASE_ASSET} after the kill"
pending=$(jlines 'len([l for l in j if l["ev"] == "intent"]) - 0' "$TRADER_STATE/alice.jsonl")
assert_ne "$pending" 0 "the journal recorded the killed run's orders"

before=$(window_buy alice)
target=$(python3 -c "print($before + 60)")
trader_run --only alice,bob --target "$target"
assert_eq "$TRADER_RC" 0 "the restarted run exits 0"
assert_contains "$(cat "$TRADER_LOG")" "earlier run" "the restart settled the earlier run"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done after the restart"
done
trader_check_target "$target" "${USERS[@]}"
trader_check_flat "${USERS[@]}"
trader_check_one_live_order "${USERS[@]}"
lt_done
