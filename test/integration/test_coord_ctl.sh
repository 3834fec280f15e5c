#!/usr/bin/env bash
# Cluster-wide control (issue 11, point 3): `looptrader ctl --coordinator`
# shows which process owns which account, and stop/resume reach the owner
# through PostgreSQL (desired in every renewal, NOTIFY as the wake-up): a
# stopped account parks after its round (no new order), a resumed one
# trades again; the other account is untouched throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

LT=$LT_BIN/looptrader
sim_start --seed 43
pg_start
"$LT" db init --coordinator "$PG_URL" >/dev/null || fail "db init"
trader_snapshot alice bob
trader_start --only alice,bob --target 100000 --coordinator "$PG_URL" --lease-ms 4000
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"

out=$("$LT" ctl --coordinator "$PG_URL" status 2>&1) || fail "ctl status: $out"
echo "$out" | sed 's/^/#   /'
assert_contains "$out" ":$TRADER_PID:" "status names the owning process (host:pid:run)"
[ "$(echo "$out" | grep -c ":$TRADER_PID:")" = 2 ] || fail "both accounts owned by the trader"
ok "both accounts owned by the trader"

# orders sent, from the trader's log (one "round N BUY|SELL" line each)
orders() { grep -cE "$1: round [0-9]+ (BUY|SELL) " "$TRADER_LOG"; }
b0=$(orders bob)
mark=$(lt_lines "$TRADER_LOG")
out=$("$LT" ctl --coordinator "$PG_URL" stop alice 2>&1) || fail "ctl stop alice: $out"
# the round under way ends; then alice parks, and says so (a round that
# began before the trader read the stop may still be under way when the
# first summary after the mark is logged: only the park line is the stop's)
wait_for_line_after "$mark" "$TRADER_LOG" 'alice: parked by the coordinator' 30 ||
    fail "alice's round under way never ended with alice parked"
a1=$(orders alice) b1=$b0
sleep 4
a2=$(orders alice)
assert_eq "$a2" "$a1" "a stopped alice sends no new order"
http_as_ok alice GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
last=$(jget 'max(o["time"] for o in j if o["clientOrderId"].startswith("lt."))' <<<"$BODY")
assert_true "$last < $(date +%s%3N) - 3500" '{}' "the venue saw no alice order in the last 4 s either"
http_as_ok alice GET /api/v3/openOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "alice parked with nothing open"

out=$("$LT" ctl --coordinator "$PG_URL" resume --all 2>&1) || fail "ctl resume: $out"
wait_until 20 bash -c "[ \$(grep -c 'alice: round' '$TRADER_LOG') -gt $(grep -c 'alice: round' "$TRADER_LOG") ]" ||
    fail "alice did not trade again after resume"
ok "a resumed alice trades again"
b3=$(orders bob)
assert_true "$b3 > $b1" '{}' "bob went on trading while alice was stopped ($b1 -> $b3 orders)"
"$LT" ctl --coordinator "$PG_URL" stop nobody >/dev/null 2>&1 && fail "ctl stop of an unknown account succeeded"
ok "ctl stop of an unknown account fails"

kill -TERM "$TRADER_PID"
trader_wait 30
assert_eq "$TRADER_RC" 3 "SIGTERM: exit 3"
trader_check_flat alice bob
out=$("$LT" ctl --coordinator "$PG_URL" status 2>&1)
assert_eq "$(echo "$out" | grep -c ":$TRADER_PID:")" 0 "every lease given up at exit"
lt_done
