#!/usr/bin/env bash
# True numbers: each account's `orders` in the report equals the number of
# this run's orders the venue really holds (client ids lt.<run>.), and the
# summary table's amounts are the report's, rounded to the symbol's
# precision, not truncated.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 27 --fault partial=0.3
trader_run --only alice,bob,erin --target 400 --lock-dir "$LT_TMP/locks"
assert_eq "$TRADER_RC" 0 "the run finishes, exit 0"
run=$(report_get 'j["run"]')
for u in alice bob erin; do
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    venue=$(jget "len([o for o in j if o['clientOrderId'].startswith('lt.$run.')])" <<<"$BODY")
    assert_eq "$(report_user "$u" orders)" "$venue" "$u: orders column = the venue's $venue orders"
    bought=$(report_user "$u" bought_quote)
    row=$(grep -E "^$u " "$LT_TMP/trader.out")
    want=$(python3 -c "from decimal import Decimal as D, ROUND_HALF_UP; print(D('$bought').quantize(D('0.00000001'), rounding=ROUND_HALF_UP))")
    assert_contains "$row" " $want " "$u: the table shows bought $bought as $want"
done
lt_done
