#!/usr/bin/env bash
# Stops that stick: a stop file present at start stops that account before
# it sends anything while the others run; `looptrader stop USER` finds the
# running trader through its state dir and stops just that user; the file
# stays, so the next start keeps the user stopped until it is deleted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 25
trader_snapshot alice bob
mkdir -p "$TRADER_STATE" && touch "$TRADER_STATE/stop-carol"
trader_start --only alice,bob,carol --target 100000 --lock-dir "$LT_TMP/locks"
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
"$LT_BIN/looptrader" status --state-dir "$TRADER_STATE" >"$LT_TMP/status.out" ||
    fail "status found no trader"
assert_contains "$(cat "$LT_TMP/status.out")" "pid $TRADER_PID" "status names the running pid"
"$LT_BIN/looptrader" stop --state-dir "$TRADER_STATE" bob >"$LT_TMP/stop.out" 2>&1 ||
    fail "looptrader stop bob: $(cat "$LT_TMP/stop.out")"
wait_for_line "$TRADER_LOG" 'bob: stopped' 20 || fail "bob did not stop"
ok "looptrader stop bob reached the trader"
lt_running "$TRADER_PID" || fail "the trader ended with bob"
"$LT_BIN/looptrader" stop --state-dir "$TRADER_STATE" --all >/dev/null || fail "stop --all"
trader_wait 30
assert_eq "$TRADER_RC" 3 "stopped run exits 3"
assert_eq "$(report_status carol)" stopped "carol stopped by her stop file"
assert_contains "$(report_user carol error)" "stop-carol" "carol's report names the file"
http_as_ok carol GET /api/v3/allOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "nothing was sent for carol"
assert_eq "$(report_status bob)" stopped "bob stopped"
trader_check_flat alice bob

# the next start: bob's file is still there; deleting carol's lets her trade
[ -e "$TRADER_STATE/stop-bob" ] || fail "bob's stop file was removed"
rm "$TRADER_STATE/stop-carol"
trader_run --only bob,carol --target 60 --lock-dir "$LT_TMP/locks"
assert_eq "$(report_status bob)" stopped "bob is still stopped at the next start"
assert_eq "$(report_status carol)" done "carol, her file deleted, trades again"
"$LT_BIN/looptrader" status --state-dir "$TRADER_STATE" >/dev/null && fail "status after the run"
ok "status says no trader once the run is over"
lt_done
