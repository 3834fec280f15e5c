#!/usr/bin/env bash
# Partial fills (sim --fault partial=0.3): every order fills at most 30 % per
# match, so rungs end partially filled, get cancelled and the remainder goes
# one rung up.  Targets are still reached with no overfill beyond a round,
# nothing stays open and the base balances come back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob)
sim_start --seed 12 --fault partial=0.3
trader_snapshot "${USERS[@]}"
trader_run --only alice,bob --target 150 --fill-timeout-ms 120
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    before=$(report_user "$u" window_buy_before)
    after=$(window_buy "$u")
    assert_true "D('$after') >= D('150') and D('$after') - D('$before') <= D('150') + D('80')" '{}' \
        "$u: window buy $after reached 150 without overfill"
done
assert_true 'all(D(str(u["bought_base"])) == D(str(u["sold_base"])) for u in j["users"])' \
    "$(cat "$TRADER_REPORT")" "everything bought was sold"
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"
lt_done
