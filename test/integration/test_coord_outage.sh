#!/usr/bin/env bash
# The coordinator lost mid-run (issue 11, bad input): PostgreSQL goes away
# for longer than the lease.  The accounts stop signing by their lease's
# end (the venue sees no order of theirs from then on) and resume, without
# a restart, when PostgreSQL returns; a SIGTERM then ends the run flat.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

LT=$LT_BIN/looptrader LEASE=4000
# recvWindow 1 s: an order signed before its lease's end that reaches the
# venue more than 1 s later is refused there (-1021), however long the
# machine held it in flight, so the venue can show none of them after
# the window below starts.  With the default 5 s one stalled 2 s or more
# would have counted as sent after the lease.
TRADER_CONFIG=$LT_TMP/outage.conf
trader_config_with 'recv_window_ms = 1000;' "$TRADER_CONFIG"
sim_start --seed 47
pg_start
"$LT" db init --coordinator "$PG_URL" >/dev/null || fail "db init"
trader_snapshot alice bob
trader_start --only alice,bob --target 100000 --coordinator "$PG_URL" --lease-ms $LEASE
wait_for_line "$TRADER_LOG" 'bob: round 2 ' 30 || fail "bob never reached round 2"

pg_ctl_ stop -m immediate -w || fail "postgres did not stop"
T0=$(date +%s%3N)
echo "# postgres stopped"
# every lease has ended on the server's clock by now, and the venue
# refuses an order signed before its end (recvWindow 1 s, 1 s to spare);
# 2 s more in which a trader that did not halt would send
sleep $((LEASE / 1000 + 2))
T1=$(date +%s%3N)
sleep 2
T2=$(date +%s%3N)
for u in alice bob; do
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    n=$(jget "len([o for o in j if o['clientOrderId'].startswith('lt.') and o['time'] > $T1])" <<<"$BODY")
    assert_eq "$n" 0 "$u: no order reached the venue after its lease's end ($((T1 - T0)) ms into the outage)"
done
grep -q 'accounts halt when their leases run out' "$TRADER_LOG" ||
    fail "the trader never said the coordinator was away"
ok "the trader says the coordinator is away and the accounts halt"

# Each account's orders so far, counted while nothing is sent (the outage):
# a new one after PostgreSQL is back is trading again, whichever account
# gets there first.
declare -A BUYS=()
for u in alice bob; do BUYS[$u]=$(grep -cE "$u: round [0-9]+ BUY" "$TRADER_LOG"); done
pg_ctl_ start -w -t 30 || fail "postgres did not start again"
echo "# postgres back after $(( ($(date +%s%3N) - T0) / 1000 )) s"
for u in alice bob; do
    if ! wait_until 20 bash -c "[ \"\$(grep -cE '$u: round [0-9]+ BUY' '$TRADER_LOG')\" -gt ${BUYS[$u]} ]"; then
        # what this account and the coordinator said, for a failure seen once under load
        grep -E "($u|coordinator)" "$TRADER_LOG" | tail -n 15 | sed 's/^/#   /'
        fail "$u did not trade again once PostgreSQL was back"
    fi
done
ok "both accounts trade again without a restart"
lt_running "$TRADER_PID" || fail "the trader died"
kill -TERM "$TRADER_PID"
trader_wait 30
assert_eq "$TRADER_RC" 3 "SIGTERM: exit 3"
assert_eq "$(report_status alice)" stopped "alice stopped, not failed"
assert_eq "$(report_status bob)" stopped "bob stopped, not failed"
trader_check_flat alice bob
lt_done
