#!/usr/bin/env bash
# Crash recovery: the trader is killed with SIGKILL between a round's buy
# and its sell (an order may be open, inventory is held).  Running the same
# command again settles the earlier run first (our open orders cancelled,
# the unsold base sold from the journal's unsettled rounds), then trades on
# to the target; afterwards nothing is open and base balances are back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob)
sim_start --seed 16 --fault partial=0.3
trader_snapshot "${USERS[@]}"
trader_start --only alice,bob --target 100000 --fill-timeout-ms 3000
# The journal has the sell's intent before the sell is sent: kill from
# there on, at a moment alice holds base or has an order open.
wait_for_line "$TRADER_STATE/alice.jsonl" '"ev":"intent","run":"[^"]*","round":2,"cid":"[^"]*","side":"SELL"' 30 ||
    fail "alice never reached round 2's sell"
alice_holds() {
    held=$(base_balance alice)
    http_as_ok alice GET /api/v3/openOrders symbol="$SYMBOL"
    open=$(jget 'len(j)' <<<"$BODY")
    [ "$(jget "D('$held') > 0 or $open > 0" <<<'{}')" = true ]
}
trader_kill_holding alice_holds || fail "alice never held base or an open order with the trader frozen"
ok "looptrader killed between a buy and its sell, alice holding $held $BASE_ASSET with $open open order(s)"

# 60 beyond the larger of the two window totals, so both trade again
# (bob's rounds are larger: at the kill his total may be alice's + 60)
before=$(python3 -c 'import sys; from decimal import Decimal as D; print(max(D(sys.argv[1]), D(sys.argv[2])))' \
    "$(window_buy alice)" "$(window_buy bob)")
target=$(plus "$before" 60)
trader_run --only alice,bob --target "$target"
assert_eq "$TRADER_RC" 0 "the restarted run exits 0"
# Every round of both runs is closed in the journal (the killed run's by
# the restart's settlement).
for u in "${USERS[@]}"; do
    assert_eq "$(jlines '{(l["run"], l["round"]) for l in j if l["ev"] == "intent"} <= {(l["run"], l["round"]) for l in j if l["ev"] == "settled"}' "$TRADER_STATE/$u.jsonl")" \
        true "$u: every journal round settled"
done
trader_check_restarted_done "$target" "${USERS[@]}"
lt_done
