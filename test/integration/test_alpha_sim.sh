#!/usr/bin/env bash
# test_alpha_sim.sh - the simulator's Binance Alpha web dialect, end to end:
# the public token list (mulPoint), exchange info, fee rate and depth in
# the {code,message,data,success} envelope; browser-session auth (cookie +
# csrftoken + the other web headers); place, open orders, paged history,
# user trades and balances; the envelope's error codes (481020, 481013);
# an OTO pair whose sell appears once the buy fills; executionReport on
# the listen key's stream; today's counted
# volume, multiplied by mulPoint and lagging by volume_lag_ms; and
# sessions that expire (100002001) or demand a step-up verification.
# The market is held still so every figure is exact.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/alpha_lib.sh"

sed -E 's/volatility = [0-9.]+/volatility = 0.0/; s/trade_rate = [0-9.]+/trade_rate = 0.0/;
        s/volume_lag_ms = [0-9]+/volume_lag_ms = 2000/;
        s/expire_after_s = [0-9.]+/expire_after_s = 20.0/; s/step_up_after_s = [0-9.]+/step_up_after_s = 20.0/' \
    "$ALPHA_SIM_CONFIG" >"$LT_TMP/alpha.conf"
sim_start --seed 11 --config "$LT_TMP/alpha.conf"
T0=$(date +%s%3N)  # the sessions count from about here

# ---- public ----
http GET "$A_PUB/wallet-direct/buw/wallet/cex/alpha/all/token/list"
alpha_unwrap
assert_alpha_ok "token list in the envelope"
assert_true '{t["alphaId"]: t["mulPoint"] for t in j} == {"ALPHA_971": 4, "ALPHA_118": 2} and all(t["symbol"] and t["contractAddress"] and t["chainId"] for t in j)' \
    "$DATA" "token list: alphaId, symbol, contractAddress, chainId and mulPoint 4 and 2"
http GET "$A_PUB/alpha-trade/get-exchange-info"
alpha_unwrap
assert_true 'sorted(s["symbol"] for s in j["symbols"]) == ["ALPHA_118USDT", "ALPHA_971USDT"] and all(s["orderTypes"] == ["LIMIT"] for s in j["symbols"])' \
    "$DATA" "exchange info lists the Alpha symbols, LIMIT only"
assert_true '[D(f["minNotional"]) for s in j["symbols"] for f in s["filters"] if f["filterType"] == "MIN_NOTIONAL"] == [D("0.1"), D("0.1")]' \
    "$DATA" "MIN_NOTIONAL 0.1 USDT"
http GET "$A_PUB/alpha-trade/get-fee-rate" symbol=ALPHA_971USDT
alpha_unwrap
assert_true 'D(j["takerCommission"]) == D("0.0001")' "$DATA" "fee rate"
http GET "$A_PUB/alpha-trade/fullDepth" symbol=ALPHA_971USDT limit=3
alpha_unwrap
assert_true 'len(j["bids"]) == 3 and len(j["asks"]) == 3 and D(j["bids"][0][0]) < D(j["asks"][0][0])' "$DATA" "depth: 3 levels a side"
ASK=$(jget 'j["asks"][0][0]' <<<"$DATA")
BID=$(jget 'j["bids"][0][0]' <<<"$DATA")
http GET "$A_PUB/alpha-trade/no-such-thing"
assert_eq "$STATUS" 404 "unknown Alpha path: 404"

# ---- auth ----
http GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
alpha_unwrap
assert_eq "$SUCCESS" False "no session: refused"
alpha_auth frank
http --cookie "p20t=web.frank-p20t-4c1d9e" --header "csrftoken: frank-csrf-0a77" GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
alpha_unwrap
assert_alpha_error 000002 "cookie and csrftoken without the other web headers: refused"
http "${AUTH[@]/frank-csrf-0a77/wrong-csrf}" GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
alpha_unwrap
assert_alpha_error 100002001 "a wrong csrftoken reads as an expired login"
alpha_as frank GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
assert_alpha_ok "frank's session"
assert_true '[D(b["free"]) for b in j["list"] if b["tokenId"] == "USDT"] == [D(1000)]' "$DATA" "frank holds 1000 USDT"

# grace buys early: her session expires later in this test.
alpha_post grace "$A_PLACE" "$(alpha_order ALPHA_118 BUY 2.5002 10)"
assert_alpha_ok "grace buys ZKJ (mulPoint 2)"
alpha_as grace GET "$A_PRIV/alpha-trade/order/get-user-trades" orderId="$(jget j <<<"$DATA")" symbol=ALPHA_118USDT
QUOTE3=$(jget 'str(sum(D(t["quoteQty"]) for t in j))' <<<"$DATA")

# ---- orders ----
alpha_post frank "$A_PLACE" "$(alpha_order ALPHA_971 BUY "$ASK" 100 frank-b1)"
assert_alpha_ok "a marketable BUY is placed"
OID=$(jget 'j' <<<"$DATA")
assert_true 'isinstance(j, str) and int(j) > 0' "$DATA" "data is the orderId as a string"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-user-trades" orderId="$OID" symbol=ALPHA_971USDT
assert_true "sum(D(t['qty']) for t in j) == 100 and all(t['isBuyer'] and t['orderId'] == '$OID' for t in j)" "$DATA" "its trades: 100 bought"
QUOTE1=$(jget 'str(sum(D(t["quoteQty"]) for t in j))' <<<"$DATA")
alpha_as frank GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
assert_true '[D(b["free"]) for b in j["list"] if b["tokenId"] == "ALPHA_971"] == [D(100)]' "$DATA" "balances list the token bought"

low=$(python3 -c "from decimal import Decimal as D; print((D('$BID') * D('0.9')).quantize(D('0.00001')))")
alpha_post frank "$A_PLACE" "$(alpha_order ALPHA_971 BUY "$low" 50 frank-rest)"
assert_alpha_ok "a resting BUY"
REST=$(jget 'j' <<<"$DATA")
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order" symbol=ALPHA_971USDT
assert_true "[(o['orderId'], o['clientOrderId'], o['status']) for o in j] == [('$REST', 'frank-rest', 'NEW')]" "$DATA" "open orders: the resting one, with its clientOrderId"
alpha_post frank "$A_PRIV/alpha-trade/order/cancel" "{\"orderId\":\"$REST\",\"symbol\":\"ALPHA_971USDT\"}"
assert_alpha_ok "cancel"
assert_true 'j["status"] == "CANCELED"' "$DATA" "cancel answers the canceled order"
alpha_post frank "$A_PRIV/alpha-trade/order/cancel" "{\"orderId\":\"$REST\",\"symbol\":\"ALPHA_971USDT\"}"
assert_eq "$SUCCESS" False "a second cancel is refused"

alpha_post frank "$A_PLACE" "$(alpha_order ALPHA_971 BUY "$ASK" 100000)"
assert_alpha_error 481020 "beyond the balance: insufficient balance"
alpha_post frank "$A_PLACE" "$(alpha_order ALPHA_971 BUY "$ASK" 0.1)"
assert_alpha_error 481013 "below 0.1 USDT: below the minimum"
alpha_post frank "$A_PLACE" '{"baseAsset":"ALPHA_971","quoteAsset":"USDT","side":"BUY","price":"1","quantity":"1","orderType":"LIMIT","paymentDetails":[{"amount":"1","paymentWalletType":"ALPHA"}]}'
assert_alpha_error 000002 "a BUY paid from the ALPHA wallet is an illegal parameter"
alpha_post frank "$A_PLACE" 'not json'
assert_alpha_error 000002 "a body that is not JSON"

# ---- OTO: the sell is placed once the buy fills ----
pend=$(python3 -c "from decimal import Decimal as D; print((D('$ASK') * D('1.2')).quantize(D('0.00001')))")
alpha_post frank "$A_OTO" "{\"baseAsset\":\"ALPHA_971\",\"quoteAsset\":\"USDT\",\"workingSide\":\"BUY\",\"workingPrice\":\"$ASK\",\"workingQuantity\":\"40\",\"paymentDetails\":[{\"amount\":\"20\",\"paymentWalletType\":\"CARD\"}],\"pendingPrice\":\"$pend\",\"pendingType\":\"LIMIT\",\"clientOrderId\":\"oto-buy-1\",\"pendingClientOrderId\":\"oto-sell-1\"}"
assert_alpha_ok "OTO placed"
assert_true 'int(j["workingOrderId"]) > 0 and int(j["pendingOrderId"]) > int(j["workingOrderId"]) and j["orderListId"] >= 1' "$DATA" "a marketable working buy: the pending sell exists at once"
PEND=$(jget 'j["pendingOrderId"]' <<<"$DATA")
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_true "[(o['orderId'], o['side'], D(o['origQty']), D(o['price']), o['contingencyType'], o['clientOrderId']) for o in j] == [('$PEND', 'SELL', D(40), D('$pend'), 'OTO', 'oto-sell-1')]" "$DATA" "the pending SELL of 40 rests at pendingPrice, marked OTO, named by pendingClientOrderId"
alpha_post frank "$A_OTO" "{\"baseAsset\":\"ALPHA_971\",\"quoteAsset\":\"USDT\",\"workingSide\":\"BUY\",\"workingPrice\":\"$ASK\",\"workingQuantity\":\"40\",\"paymentDetails\":[{\"amount\":\"20\",\"paymentWalletType\":\"CARD\"}],\"pendingPrice\":\"$pend\",\"pendingClientOrderId\":\"$(printf 'x%.0s' {1..37})\"}"
assert_alpha_error 000002 "a pendingClientOrderId over 36 characters is refused"
QUOTE2=$(python3 -c "from decimal import Decimal as D; print(D('$ASK') * 40)")
alpha_post frank "$A_OTO" "{\"baseAsset\":\"ALPHA_971\",\"quoteAsset\":\"USDT\",\"workingSide\":\"BUY\",\"workingPrice\":\"$low\",\"workingQuantity\":\"40\",\"paymentDetails\":[{\"amount\":\"20\",\"paymentWalletType\":\"CARD\"}],\"pendingPrice\":\"$pend\"}"
assert_true 'j["pendingOrderId"] is None' "$DATA" "a resting working buy: no pending order yet"
W2=$(jget 'j["workingOrderId"]' <<<"$DATA")
alpha_post frank "$A_PRIV/alpha-trade/order/cancel" "{\"orderId\":\"$W2\",\"symbol\":\"ALPHA_971USDT\"}"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_true "len(j) == 1 and j[0]['orderId'] == '$PEND'" "$DATA" "canceling the working buy places no sell"

# ---- pushes: the listen key's stream carries executionReport ----
alpha_as frank POST "$A_PRIV/alpha-trade/get-listen-key"
assert_alpha_ok "listen key"
LK=$(jget j <<<"$DATA")
assert_true 'isinstance(j, str) and len(j) >= 16' "$DATA" "data is the key"
LKOUT=$LT_TMP/lk.out
lt_bg "$LKOUT" "$BNC" ws "$SIM_WS/ws/$LK" --match executionReport --count 1 --timeout-ms 8000
LKPID=$LT_LAST_PID
wait_for_line "$LKOUT.err" connected 5 || fail "the listen key's stream did not connect: $(cat "$LKOUT.err")"
alpha_post frank "$A_PLACE" "$(alpha_order ALPHA_971 BUY "$low" 10 frank-push)"
PUSHED=$(jget j <<<"$DATA")
lt_wait_pid "$LKPID" 10
assert_eq $? 0 "an executionReport came on the listen key's stream"
assert_true "j[0]['e'] == 'executionReport' and j[0]['c'] == 'frank-push' and j[0]['s'] == 'ALPHA_971USDT' and str(j[0]['i']) == '$PUSHED' and j[0]['X'] == 'NEW'" \
    "$(jlines j "$LKOUT")" "with i orderId, X status, c the client id"
alpha_post frank "$A_PRIV/alpha-trade/order/cancel" "{\"orderId\":\"$PUSHED\",\"symbol\":\"ALPHA_971USDT\"}"
assert_alpha_ok "cancel the pushed order"

# ---- history, paged ----
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-order-history-merge" page=1 rows=2
assert_alpha_ok "history page 1"
assert_true 'j["total"] == 6 and len(j["list"]) == 2 and j["list"][0]["time"] >= j["list"][1]["time"]' "$DATA" "6 orders, newest first, 2 a page"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-order-history-merge" page=3 rows=2
assert_true 'len(j["list"]) == 2' "$DATA" "page 3 holds the last two"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-order-history-merge" page=4 rows=2
assert_true 'j["total"] == 6 and j["list"] == []' "$DATA" "page 4 is empty"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-order-history-merge" side=BUY orderStatus=FILLED
assert_true 'len(j["list"]) == 2 and all(o["side"] == "BUY" and o["status"] == "FILLED" and D(o["cumQuote"]) > 0 and D(o["avgPrice"]) > 0 for o in j["list"])' "$DATA" "filters: side and orderStatus"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-order-history-merge" rows=501
assert_alpha_error 000002 "rows above 500 refused"

# ---- counted volume: x mulPoint, lagging ----
alpha_as frank GET "$A_VOLUME"
assert_alpha_ok "user volume"
if [ $(( $(date +%s%3N) - T0 )) -lt 1500 ]; then
    assert_true 'D(j["totalVolume"]) == 0' "$DATA" "within the lag nothing is counted yet"
fi
sleep 2.2
want=$(python3 -c "from decimal import Decimal as D; print((D('$QUOTE1') + D('$QUOTE2')) * 4)")
got=$(alpha_counted frank KOGE)
assert_true "D('$got') == D('$want')" '{}' "after the lag: (buys $QUOTE1 + $QUOTE2) x mulPoint 4 = $want counted"
alpha_as frank GET "$A_VOLUME"
assert_true "D(j['totalVolume']) == D('$want') and [t['alphaId'] for t in j['tradeVolumeInfoList']] == ['ALPHA_971']" "$DATA" "totalVolume; sells do not count"
got=$(alpha_counted grace ZKJ)
assert_true "D('$got') == D('$QUOTE3') * 2 and D('$QUOTE3') > 0" '{}' "ZKJ counts twice ($QUOTE3 bought)"

# ---- sessions expire, or demand a step-up ----
while [ $(( $(date +%s%3N) - T0 )) -lt 20500 ]; do sleep 0.2; done
alpha_as grace GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
assert_alpha_error 100002001 "grace's session expired: login state expired"
alpha_post grace "$A_PLACE" "$(alpha_order ALPHA_118 BUY 2.5002 10)"
assert_alpha_error 100002001 "and she cannot place"
alpha_as heidi GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
assert_alpha_error 100001005 "heidi must pass a step-up verification"
assert_contains "$MESSAGE" "verification" "the step-up message says so"
alpha_as frank GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
assert_alpha_ok "frank's session is unaffected"
http GET /api/v3/ticker/bookTicker symbol=ALPHA_971USDT
assert_eq "$STATUS" 200 "the Spot dialect serves the same engine beside it"
lt_done
