#!/usr/bin/env bash
# SIGTERM mid-run: every user stops gracefully (open order cancelled, the
# round's inventory sold), exit code 3, and the simulator shows no open
# order and base balances back where they started (± one step) but for
# the dust a partly filled sell can leave, which the report states.  Also a
# per-user stop: <state_dir>/stop-<user> + SIGUSR1 stops just that user.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)
sim_start --seed 14 --fault partial=0.2
trader_snapshot "${USERS[@]}"
trader_start --target 100000 --fill-timeout-ms 1500
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
mkdir -p "$TRADER_STATE" && touch "$TRADER_STATE/stop-bob"
kill -USR1 "$TRADER_PID"
wait_for_line "$TRADER_LOG" 'bob: stop requested' 10 || fail "bob's stop was not picked up"
wait_for_line "$TRADER_LOG" 'bob: stopped' 20 || fail "bob did not stop"
ok "per-user stop reached bob"
sleep 1
kill -TERM "$TRADER_PID"
trader_wait 30
assert_eq "$TRADER_RC" 3 "stopped run exits 3"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" stopped "$u stopped"
done
trader_check_stopped_flat "${USERS[@]}"
lt_done
