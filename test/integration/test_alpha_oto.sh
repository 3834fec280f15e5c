#!/usr/bin/env bash
# test_alpha_oto.sh - OTO rounds on the Binance Alpha dialect (oto = true):
# each round's buy goes out as one oto-order/place naming both legs' client
# ids, the simulator places the sell once the buy has filled, the trader
# follows that sell leg and sells what it did not by the ladder.  Targets
# in points on ZKJ (mulPoint 2); afterwards nothing is open, the token is
# sold back, the venue counts the target.  Then kill -9 with an OTO sell
# leg acknowledged, and a restart that settles both legs of the killed
# round and reaches the target within one round; SIGTERM with a sell leg
# live; and the Spot dialect refusing oto = true.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/alpha_lib.sh"

TRADER_CONFIG=$ALPHA_TRADER_CONFIG
SYMBOL=ALPHA_118USDT BASE_ASSET=ALPHA_118
sed -E 's/volume_lag_ms = [0-9]+/volume_lag_ms = 500/' "$ALPHA_SIM_CONFIG" >"$LT_TMP/alpha.conf"

alpha_token() { # free + freeze of frank's token $1
    alpha_as frank GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
    jget "str(sum(D(b['free']) + D(b['freeze']) for b in j['list'] if b['tokenId'] == '$1'))" <<<"$DATA"
}
# frank's OTO orders today on ALPHA_118: "<side> <clientOrderId> <status>" lines
alpha_oto_orders() {
    alpha_as frank GET "$A_PRIV/alpha-trade/order/get-order-history-merge" page=1 rows=500 baseAsset=ALPHA_118
    jget '"\n".join("%s %s %s" % (o["side"], o["clientOrderId"], o["status"]) for o in j["list"] if o["contingencyType"] == "OTO")' <<<"$DATA"
}

# ---- OTO rounds to 2^6 counted = 32 real at mulPoint 2 ----
sim_start --seed 21 --config "$LT_TMP/alpha.conf"
trader_run --only frank --symbol "$SYMBOL" --target-points 6 --buy-amount 5 --oto true
assert_eq "$TRADER_RC" 0 "OTO run: exit 0"
assert_eq "$(report_status frank)" done "frank reached his target"
assert_true 'D(j["users"][0]["target"]) == 32 and j["users"][0]["volume_multiplier"] == 2' "$(cat "$TRADER_REPORT")" "2^6 / mulPoint 2 = 32 real"
assert_contains "$(cat "$TRADER_LOG")" "OTO BUY" "rounds went out as OTO requests"
otos=$(alpha_oto_orders)
echo "# OTO legs at the venue:"; sed 's/^/#   /' <<<"$otos"
nbuy=$(grep -c '^BUY ' <<<"$otos" || true)
nsell=$(grep -c '^SELL ' <<<"$otos" || true)
assert_true "$nbuy >= 6 and $nsell >= 1" '{}' "the venue holds $nbuy OTO buys and $nsell OTO sells placed by it"
assert_eq "$(jlines '",".join(sorted(l["side"] for l in j if l["ev"] == "intent" and l["cid"] in set("""'"$(awk '{print $2}' <<<"$otos" | tr '\n' ' ')"'""".split())))' "$TRADER_STATE/frank.jsonl" | tr ',' '\n' | sort -u | tr '\n' ' ')" \
    "BUY SELL " "both legs' client ids were journaled as intents"
assert_eq "$(jlines '{(l["run"], l["round"]) for l in j if l["ev"] == "intent"} <= {(l["run"], l["round"]) for l in j if l["ev"] == "settled"}' "$TRADER_STATE/frank.jsonl")" \
    true "every round settled in the journal"
bought=$(report_user frank bought_quote)
assert_true "D('$bought') >= 32 and D('$bought') < 32 + 5 + 1" '{}' "frank bought $bought: the target (+ less than a round)"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_eq "$DATA" "[]" "nothing open"
left=$(alpha_token ALPHA_118)
assert_true "D('$left') < D('0.002')" '{}' "the token is sold back (left: $left, under 2 steps)"
sleep 0.7
counted=$(alpha_counted frank ZKJ)
assert_true "D('$counted') == D('$bought') * 2 and D('$counted') >= 64" '{}' "the venue counts $counted = 2 x bought >= 2^6"
alpha_check_no_secrets

# ---- partial fills: a buy partly filled, then cancelled at its fill
# timeout; the venue places no sell for it, the ladder buys the rest and
# sells it all ----
sim_stop
sim_start --seed 22 --config "$LT_TMP/alpha.conf" --fault partial=0.3
rm -rf "$TRADER_STATE"
trader_run --only frank --symbol "$SYMBOL" --target-points 4 --buy-amount 5 --oto true --fill-timeout-ms 100
assert_eq "$TRADER_RC" 0 "partial fills: exit 0"
assert_eq "$(report_status frank)" done "partial fills: frank reached 2^4"
# each round's OTO is its first two ids: <round>.b1 (the buy), <round>.s2 (its sell)
assert_true 'any(l["ev"] == "final" and l["status"] == "CANCELED" and D(l["executed"]) > 0 and l["cid"].endswith(".b1") and {"ev": "never_placed", "cid": l["cid"][:-2] + "s2"} in [{"ev": m["ev"], "cid": m.get("cid")} for m in j] for l in j)' \
    "$(jlines 'j' "$TRADER_STATE/frank.jsonl")" "an OTO buy filled partly and was cancelled; its sell leg, never placed, journaled so"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_eq "$DATA" "[]" "partial fills: nothing open"
left=$(alpha_token ALPHA_118)
assert_true "D('$left') < D('0.002')" '{}' "partial fills: the token is sold back (left: $left)"

# ---- kill -9 once an OTO's sell leg is acknowledged, then a restart ----
sim_stop
sim_start --seed 23 --config "$LT_TMP/alpha.conf" --fault partial=0.3
rm -rf "$TRADER_STATE"
sell_leg_acked() { # an OTO sell of round >= 2 the trader has seen at the venue
    [ "$(jlines 'any(l["ev"] == "ack" and l["cid"] in {i["cid"] for i in j if i["ev"] == "intent" and i["side"] == "SELL" and i["round"] >= 2} for l in j)' \
        "$TRADER_STATE/frank.jsonl" 2>/dev/null)" = true ]
}
trader_start --only frank --symbol "$SYMBOL" --target-points 7 --buy-amount 5 --oto true --fill-timeout-ms 3000
wait_until 30 sell_leg_acked || fail "no OTO sell leg acknowledged in round 2 or later"
kill -KILL "$TRADER_PID"
wait "$TRADER_PID" 2>/dev/null
lt_forget_pid "$TRADER_PID"
ok "looptrader killed with an OTO sell leg acknowledged"
legs=$(jlines '" ".join(l["cid"] for l in j if l["ev"] == "intent" and l["round"] == max(i["round"] for i in j if i["ev"] == "intent"))' "$TRADER_STATE/frank.jsonl")
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
echo "# killed in the round of $legs; frank holds $(alpha_token ALPHA_118) ALPHA_118 with $(jget 'len(j)' <<<"$DATA") open order(s)"

trader_run --only frank --symbol "$SYMBOL" --target-points 6 --buy-amount 5 --oto true
assert_eq "$TRADER_RC" 0 "the restarted run exits 0"
grep -E "cancelling open order|earlier order" "$TRADER_LOG" | sed 's/^.*frank: /#   /'
for cid in $legs; do
    assert_contains "$(cat "$TRADER_LOG")" "earlier order $([[ ${cid##*.} == b* ]] && echo BUY || echo SELL) $cid:" "the restart settled the killed round's leg $cid"
done
assert_eq "$(jlines '{(l["run"], l["round"]) for l in j if l["ev"] == "intent"} <= {(l["run"], l["round"]) for l in j if l["ev"] == "settled"}' "$TRADER_STATE/frank.jsonl")" \
    true "every journal round settled, the killed run's too"
assert_eq "$(report_status frank)" done "frank reached 2^6 counted"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_eq "$DATA" "[]" "nothing open"
left=$(alpha_token ALPHA_118)
assert_true "D('$left') < D('0.002')" '{}' "the token is sold back (left: $left, under 2 steps)"
sleep 0.7
counted=$(alpha_counted frank ZKJ)
assert_true "D('$counted') >= 64 and D('$counted') / 2 < 32 + 5 + 1" '{}' "the venue counts $counted: 2^6 reached, by less than one round more"
alpha_check_no_secrets

# ---- SIGTERM with an OTO's sell leg live: the round ends, the token is sold ----
rm -rf "$TRADER_STATE"
trader_start --only frank --symbol "$SYMBOL" --target 100000 --buy-amount 5 --oto true --fill-timeout-ms 1500
wait_until 30 sell_leg_acked || fail "no OTO sell leg acknowledged in round 2 or later"
kill -TERM "$TRADER_PID"
trader_wait 30
assert_eq "$TRADER_RC" 3 "stopped run exits 3"
assert_eq "$(report_status frank)" stopped "frank stopped"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_eq "$DATA" "[]" "stopped: nothing open"
left=$(alpha_token ALPHA_118)
assert_true "D('$left') < D('0.002')" '{}' "stopped: the token is sold back (left: $left)"
assert_eq "$(jlines '{(l["run"], l["round"]) for l in j if l["ev"] == "intent"} <= {(l["run"], l["round"]) for l in j if l["ev"] == "settled"}' "$TRADER_STATE/frank.jsonl")" \
    true "stopped: every round settled in the journal"

# ---- the Spot dialect offers no OTO orders: oto = true is refused ----
sim_stop
sim_start --seed 24
TRADER_CONFIG=$LT_ROOT/etc/demo.conf SYMBOL=ALPHAUSDT BASE_ASSET=ALPHA
trader_run --only alice --symbol ALPHAUSDT --oto true
assert_eq "$TRADER_RC" 2 "Spot with --oto true: a configuration error (exit 2)"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG" 2>/dev/null)" "the binance dialect offers no OTO orders" "the error says the dialect offers none"
sed 's/^exchange = {/exchange = { oto = true;/' "$LT_ROOT/etc/demo.conf" >"$LT_TMP/spot-oto.conf"
grep -q 'oto = true' "$LT_TMP/spot-oto.conf" || fail "could not write exchange.oto into the Spot config"
TRADER_CONFIG=$LT_TMP/spot-oto.conf
trader_run --only alice --symbol ALPHAUSDT
assert_eq "$TRADER_RC" 2 "Spot with exchange.oto = true: exit 2"
rm -rf "$TRADER_STATE"
trader_run --only alice --symbol ALPHAUSDT --oto false --target 2 --buy-amount 1
assert_eq "$TRADER_RC" 0 "--oto false beats exchange.oto: the run trades (exit 0)"
lt_done
