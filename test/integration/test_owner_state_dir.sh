#!/usr/bin/env bash
# Two traders on one state dir: the second refuses at once (exit 2, naming
# the first's pid and the dir, its report written, nothing sent), and the
# first, unaffected, brings each account exactly to its target.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

TARGET=2500
sim_start --seed 21
trader_snapshot alice bob
trader_start --only alice,bob --target $TARGET --lock-dir "$LT_TMP/locks"
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
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
