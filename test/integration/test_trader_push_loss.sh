#!/usr/bin/env bash
# Lost pushes (sim --fault push_loss=0.5): half the executionReports never
# arrive, so the worker's fallback query after the fill timeout must find
# the fills.  Targets reached, fills counted once, nothing left behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice carol)
sim_start --seed 13 --fault push_loss=0.5
trader_snapshot "${USERS[@]}"
trader_run --only alice,carol --target 150 --fill-timeout-ms 600
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    rep=$(report_user "$u" window_buy_after)
    after=$(window_buy "$u")
    assert_true "D('$after') >= D('150')" '{}' "$u: window buy $after reached 150"
    # The report's own count agrees with the exchange's (each fill once).
    assert_true "abs(D(str($rep)) - D('$after')) < D('0.01')" '{}' \
        "$u: reported window total $rep matches the exchange's $after"
done
trader_check_flat "${USERS[@]}"
lt_done
