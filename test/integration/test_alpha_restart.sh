#!/usr/bin/env bash
# test_alpha_restart.sh - crash recovery on the Binance Alpha dialect: the
# trader is killed with SIGKILL between a round's buy and its sell, with
# partial fills on.  Alpha has no order query: the restart finds the
# earlier run's orders by client id in the open orders and today's
# history, cancels what is open, sells the unsold base and trades on to the
# target; afterwards nothing is open, the token is sold back, and the venue
# counts the target.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/alpha_lib.sh"

TRADER_CONFIG=$ALPHA_TRADER_CONFIG
sed -E 's/volume_lag_ms = [0-9]+/volume_lag_ms = 500/' "$ALPHA_SIM_CONFIG" >"$LT_TMP/alpha.conf"
sim_start --seed 17 --config "$LT_TMP/alpha.conf" --fault partial=0.3

alpha_token() { # free + freeze of frank's ALPHA_971
    alpha_as frank GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
    jget 'str(sum(D(b["free"]) + D(b["freeze"]) for b in j["list"] if b["tokenId"] == "ALPHA_971"))' <<<"$DATA"
}

trader_start --only frank --target 5000 --buy-amount 3 --fill-timeout-ms 3000
wait_for_line "$TRADER_STATE/frank.jsonl" '"ev":"intent","run":"[^"]*","round":2,"cid":"[^"]*","side":"SELL"' 30 ||
    fail "frank never reached round 2's sell"
frank_holds() {
    held=$(alpha_token)
    alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
    open=$(jget 'len(j)' <<<"$DATA")
    [ "$(jget "D('$held') > 0 or $open > 0" <<<'{}')" = true ]
}
trader_kill_holding frank_holds || fail "frank never held the token or an open order with the trader frozen"
ok "looptrader killed between a buy and its sell, frank holding $held ALPHA_971 with $open open order(s)"

# 2^6 counted = 16 real at mulPoint 4: past what the killed run bought.
trader_run --only frank --target-points 6 --buy-amount 3
assert_eq "$TRADER_RC" 0 "the restarted run exits 0"
assert_eq "$(jlines '{(l["run"], l["round"]) for l in j if l["ev"] == "intent"} <= {(l["run"], l["round"]) for l in j if l["ev"] == "settled"}' "$TRADER_STATE/frank.jsonl")" \
    true "every journal round settled, the killed run's too"
assert_true 'j["users"][0]["status"] in ("done", "skipped")' "$(cat "$TRADER_REPORT")" "frank reached 2^6 counted"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_eq "$DATA" "[]" "nothing open"
left=$(alpha_token)
assert_true "D('$left') < D('0.02')" '{}' "the token is sold back (left: $left, under 2 steps)"
sleep 0.7
counted=$(alpha_counted frank KOGE)
assert_true "D('$counted') >= 64" '{}' "the venue counts $counted >= 2^6"
alpha_check_no_secrets
lt_done
