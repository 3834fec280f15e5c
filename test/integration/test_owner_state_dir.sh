#!/usr/bin/env bash
# Two traders on one state dir: the second refuses at once (exit 2, naming
# the first's pid and the dir, its report written, nothing sent), and the
# first, unaffected, brings each account exactly to its target.
# The first must still be running when the second starts: a proxy holds
# alice's round 3 buy until the second has been refused.  (From alice's
# round 2 the first run took some 4 s to reach 2500: a loaded machine that
# left the test's shell 4 s without the CPU would start the second trader
# after the first had ended, and it would run, not refuse.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

TARGET=2500
# the proxy sits on the REST port: the orders must go over REST to meet it
rl_config 'order_transport = "rest";'
sim_start --seed 21
HOLD=$LT_TMP/hold-round-3
rl_proxy_start "POST /api/v3/order hold=$HOLD has=.0.3.b count=1"
touch "$HOLD"
trader_snapshot alice bob
trader_start --only alice,bob --target $TARGET --lock-dir "$LT_TMP/locks" --rest-url "$PROXY_URL"
wait_until 30 test -s "$PROXY_LOG" || fail "alice's round 3 buy never reached the proxy"
first=$TRADER_PID

rc=0
timeout -k 5 30 "$LT_BIN/looptrader" --config "$TRADER_CONFIG" --rest-url "$SIM_URL" \
    --ws-url "$SIM_WS" --state-dir "$TRADER_STATE" --lock-dir "$LT_TMP/locks" \
    --only alice,bob --target $TARGET --report "$LT_TMP/second.json" \
    >"$LT_TMP/second.out" 2>"$LT_TMP/second.err" || rc=$?
assert_eq "$rc" 2 "the second trader on the state dir exits 2"
assert_contains "$(cat "$LT_TMP/second.err")" "state dir $TRADER_STATE is in use by pid $first" \
    "it names the first's pid and the dir"
assert_eq "$(jget 'j["exit_code"]' <"$LT_TMP/second.json")" 2 "its report is written"
assert_eq "$(jget 'sum(u["orders"] for u in j["users"])' <"$LT_TMP/second.json")" 0 \
    "it sent no order"
grep -q 'round ' "$LT_TMP/second.err" && fail "the second trader traded"
ok "the second trader traded nothing"
rm -f "$HOLD"

trader_wait 60
assert_eq "$TRADER_RC" 0 "the first trader finishes, exit 0"
for u in alice bob; do
    assert_eq "$(report_status $u)" done "$u done"
    v=$(window_buy "$u")
    after=$(report_user "$u" window_buy_after)
    assert_true "D('$v') == D('$after')" '{}' "$u: venue's window total $v is the report's $after"
    # exact: at the target, short of it by nothing, over it by less than a round
    assert_true "D('$TARGET') <= D('$v') < D('$TARGET') + 50 + 6" '{}' \
        "$u: window buy $v is the target $TARGET plus less than one round"
done
trader_check_flat alice bob
lt_done
