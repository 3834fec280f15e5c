#!/usr/bin/env bash
# --dry-run prints each user's plan (remaining volume, rounds, ladder prices
# at the current book) and places nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 17
trader_run --dry-run
assert_eq "$TRADER_RC" 0 "--dry-run exits 0"
out=$(cat "$LT_TMP/trader.out")
assert_contains "$out" "dry run" "the plan is announced"
assert_contains "$out" "buy  ladder:" "buy ladder printed"
assert_contains "$out" "sell ladder:" "sell ladder printed"
for u in alice bob carol erin; do
    assert_contains "$out" "$u" "$u in the plan"
    http_as "$u" GET /api/v3/allOrders symbol="$SYMBOL"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "$u: nothing placed"
done
assert_contains "$(grep dave <<<"$out")" "skipped" "dave planned as skipped"
lt_done
