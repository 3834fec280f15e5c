#!/usr/bin/env bash
# The demo configuration end to end: every active user reaches its target,
# dave (already at target) is skipped, exit 0, and afterwards, read back
# from the simulator: target reached, nothing open, base balances back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)
sim_start --seed 11
trader_snapshot "${USERS[@]}" dave
trader_run
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_status dave)" skipped "dave skipped"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    t=$(report_user "$u" target)
    trader_check_target "$t" "$u"
done
assert_true 'all(u["rounds"] > 0 and u["orders"] >= 2 * u["rounds"] for u in j["users"] if u["status"] == "done")' \
    "$(cat "$TRADER_REPORT")" "report counts rounds and orders"
assert_true 'all(D(str(u["bought_base"])) - D(str(u["sold_base"])) == D(str(u["residual_base"])) for u in j["users"])' \
    "$(cat "$TRADER_REPORT")" "bought - sold = residual in the report"
trader_check_flat "${USERS[@]}" dave
assert_contains "$(cat "$LT_TMP/trader.out")" "exit code 0" "summary table printed"
trader_check_no_secrets
lt_done
