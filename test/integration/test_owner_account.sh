#!/usr/bin/env bash
# One trader per account on a host, whatever the state dir: a second trader
# with its own state dir refuses the account the first owns ("owned by pid
# N") and runs the others; the first is unaffected, and `looptrader stop
# --all` finds it through its state dir and stops it gracefully.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 22
trader_snapshot alice
trader_start --only alice --target 100000 --lock-dir "$LT_TMP/locks"
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
first=$TRADER_PID

rc=0
timeout -k 5 60 "$LT_BIN/looptrader" --config "$TRADER_CONFIG" --rest-url "$SIM_URL" \
    --ws-url "$SIM_WS" --state-dir "$LT_TMP/state2" --lock-dir "$LT_TMP/locks" \
    --only alice,carol --target 300 --report "$LT_TMP/second.json" \
    --log-file "$LT_TMP/second.log" >"$LT_TMP/second.out" 2>&1 || rc=$?
assert_eq "$rc" 1 "the second trader exits 1 (an account failed)"
j=$(cat "$LT_TMP/second.json")
assert_eq "$(jget '[u["status"] for u in j["users"] if u["name"] == "alice"][0]' <<<"$j")" failed \
    "alice refused by the second trader"
assert_contains "$(jget '[u["error"] for u in j["users"] if u["name"] == "alice"][0]' <<<"$j")" \
    "owned by pid $first" "the refusal names the owner's pid"
assert_eq "$(jget '[u["orders"] for u in j["users"] if u["name"] == "alice"][0]' <<<"$j")" 0 \
    "nothing sent for alice by the second"
assert_eq "$(jget '[u["status"] for u in j["users"] if u["name"] == "carol"][0]' <<<"$j")" done \
    "carol, not owned, ran to her target"
grep -q 'alice: round\|alice: window buy total' "$LT_TMP/second.log" && fail "the second trader touched alice"
ok "the second trader never read or traded alice"
grep -q 'earlier run' "$TRADER_LOG" && fail "the first trader saw a foreign order as an earlier run's"

lt_running "$first" || fail "the first trader died"
"$LT_BIN/looptrader" stop --state-dir "$TRADER_STATE" --all >"$LT_TMP/stop.out" 2>&1 ||
    fail "looptrader stop --all: $(cat "$LT_TMP/stop.out")"
assert_contains "$(cat "$LT_TMP/stop.out")" "pid $first" "stop --all found the first through its state dir"
trader_wait 30
assert_eq "$TRADER_RC" 3 "the first trader stops gracefully, exit 3"
assert_eq "$(report_status alice)" stopped "alice stopped by the first"
assert_true "D('$(report_user alice bought_quote)') > 0" '{}' "the first kept trading alice meanwhile"
trader_check_flat alice
lt_done
