#!/usr/bin/env bash
# LISTEN survives a reconnect (issue 11, point 3): PostgreSQL is restarted
# under a running trader; its coordinator connection is made again and
# LISTEN re-issued, so a later `ctl --coordinator stop alice` wakes it by
# NOTIFY (the lease is long: the next renewal is seconds away) and alice
# parks after its round, nothing open, while bob trades on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

LT=$LT_BIN/looptrader
sim_start --seed 59
pg_start
"$LT" db init --coordinator "$PG_URL" >/dev/null || fail "db init"
trader_snapshot alice bob
# renewals every 6 s: only a notification wakes the trader sooner
trader_start --only alice,bob --target 100000 --coordinator "$PG_URL" --lease-ms 24000
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 40 || fail "alice never reached round 2"

pg_restart; echo "# postgres restarted"
wait_for_line "$TRADER_LOG" 'coordinator: connected again, listening' 15 ||
    fail "the coordinator connection was not made again"
ok "the coordinator connection made again, LISTEN re-issued"

orders() { grep -cE "$1: round [0-9]+ (BUY|SELL) " "$TRADER_LOG"; }
b0=$(orders bob)
mark=$(lt_lines "$TRADER_LOG")
out=$("$LT" ctl --coordinator "$PG_URL" stop alice 2>&1) || fail "ctl stop alice: $out"
wait_for_line_after "$mark" "$TRADER_LOG" 'coordinator: notified by ctl' 10 ||
    fail "no notification reached the trader after the restart"
ok "ctl stop reached the trader by NOTIFY after the restart"
# the round under way ends; then alice parks, and says so (a round that
# began before the trader read the stop may still be under way when the
# first summary after the mark is logged: only the park line is the stop's)
wait_for_line_after "$mark" "$TRADER_LOG" 'alice: parked by the coordinator' 30 ||
    fail "alice's round under way never ended with alice parked"
a1=$(orders alice)
sleep 4
assert_eq "$(orders alice)" "$a1" "a stopped alice sends no new order"
http_as_ok alice GET /api/v3/openOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "alice parked with nothing open"
assert_true "$(orders bob) > $b0" '{}' "bob trades on"

kill -TERM "$TRADER_PID"
trader_wait 30
assert_eq "$TRADER_RC" 3 "SIGTERM: exit 3"
trader_check_flat alice bob
lt_done
