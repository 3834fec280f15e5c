#!/usr/bin/env bash
# test_sim_orders.sh - signed order endpoints of the simulator, end to end:
# a resting LIMIT GTC order's lifecycle (place, query, open orders, cancel,
# allOrders), IOC and FOK semantics, MARKET by quoteOrderQty and quantity,
# balances and quote-asset fees to the last digit, client order ids,
# parameters in a form body (POST and DELETE), myTrades, cancel-all, and
# maker fills between two accounts.  The market is held still (volatility
# and outside trades 0) so that every figure is exact.
. "$(dirname "$0")/lib.sh"

sed -E 's/volatility = [0-9.]+/volatility = 0.0/; s/trade_rate = [0-9.]+/trade_rate = 0.0/' \
    "$SIM_CONFIG_DEFAULT" >"$LT_TMP/still.conf"
sim_start --seed 21 --config "$LT_TMP/still.conf"

# Decimal helpers over the current book.
book() { # sets BID ASK ASKQTY
    http GET /api/v3/ticker/bookTicker symbol=ALPHAUSDT
    BID=$(jget 'j["bidPrice"]' <<<"$BODY")
    ASK=$(jget 'j["askPrice"]' <<<"$BODY")
    ASKQTY=$(jget 'j["askQty"]' <<<"$BODY")
}
px() { python3 -c "from decimal import Decimal as D, ROUND_DOWN; print((D('$1') * D('$2')).quantize(D('0.0001'), ROUND_DOWN))"; }
balance() { # balance USER ASSET -> "free locked"
    http_as "$1" GET /api/v3/account
    jget "' '.join(next(([b['free'], b['locked']] for b in j['balances'] if b['asset'] == '$2'), ['0', '0']))" <<<"$BODY"
}

# ---- account ----
http_as alice GET /api/v3/account
assert_eq "$STATUS" 200 "account"
assert_true 'j["canTrade"] is True and j["accountType"] == "SPOT" and isinstance(j["updateTime"], int)' "$BODY" "account flags"
assert_true 'all(k in j["commissionRates"] for k in ("maker", "taker", "buyer", "seller"))' "$BODY" "commissionRates"
TAKER=$(jget 'j["commissionRates"]["taker"]' <<<"$BODY")
MAKER=$(jget 'j["commissionRates"]["maker"]' <<<"$BODY")
assert_true 'D(j["commissionRates"]["taker"]) == D("0.001") and j["takerCommission"] == 10' "$BODY" "taker fee 0.1 % as in sim-demo.conf"
assert_true '[(b["free"], b["locked"]) for b in j["balances"] if b["asset"] == "USDT"] and D([b["free"] for b in j["balances"] if b["asset"] == "USDT"][0]) == 5000' \
    "$BODY" "alice starts with 5000 USDT"

# ---- LIMIT GTC that rests: place -> query -> openOrders -> cancel -> allOrders ----
book
low=$(px "$BID" 0.9)
read -r usdt0 _ <<<"$(balance alice USDT)"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low"
assert_eq "$STATUS" 200 "resting LIMIT GTC buy accepted"
order=$BODY
assert_true 'int(j["x-mbx-order-count-10s"]) >= 1 and int(j["x-mbx-order-count-1d"]) >= 1 and int(j["x-mbx-used-weight-1m"]) >= 1' \
    "$HEADERS" "order answers carry X-MBX-ORDER-COUNT-10S/1D and USED-WEIGHT-1M"
assert_true 'j["status"] == "NEW" and D(j["executedQty"]) == 0 and j["fills"] == [] and j["type"] == "LIMIT" and j["timeInForce"] == "GTC" and j["side"] == "BUY"' \
    "$order" "it rests as NEW (FULL response by default for LIMIT)"
assert_true 'all(k in j for k in ("symbol", "orderId", "orderListId", "clientOrderId", "transactTime", "price", "origQty", "cummulativeQuoteQty", "workingTime", "selfTradePreventionMode"))' \
    "$order" "order response has Binance fields"
oid=$(jget 'j["orderId"]' <<<"$order")
cid=$(jget 'j["clientOrderId"]' <<<"$order")
read -r usdt1 locked1 <<<"$(balance alice USDT)"
# The fee is paid in quote, so a buy may reserve its worst-case fee too.
assert_true "D('$usdt0') - D('$usdt1') == D('$locked1') and D('$low') * 10 <= D('$locked1') <= D('$low') * 10 * (1 + D('$TAKER'))" '{}' \
    "price x qty (+ fee) moved from free to locked"

http_as alice GET /api/v3/order symbol=ALPHAUSDT orderId="$oid"
assert_true "j['orderId'] == $oid and j['status'] == 'NEW' and j['clientOrderId'] == '$cid' and j['isWorking'] is True" "$BODY" "query by orderId"
assert_true 'all(k in j for k in ("origQuoteOrderQty", "stopPrice", "icebergQty", "time", "updateTime"))' "$BODY" "query has Binance fields"
http_as alice GET /api/v3/order symbol=ALPHAUSDT origClientOrderId="$cid"
assert_true "j['orderId'] == $oid" "$BODY" "query by origClientOrderId"
http_as alice GET /api/v3/openOrders symbol=ALPHAUSDT
assert_true "[o['orderId'] for o in j] == [$oid]" "$BODY" "openOrders?symbol= lists it"
http_as alice GET /api/v3/openOrders
assert_true "$oid in [o['orderId'] for o in j]" "$BODY" "openOrders without symbol lists it"
http_as bob GET /api/v3/openOrders
assert_eq "$BODY" "[]" "bob does not see alice's orders"
http_as bob GET /api/v3/order symbol=ALPHAUSDT orderId="$oid"
assert_error 400 -2013 "bob cannot query alice's order"

http_as alice DELETE /api/v3/order symbol=ALPHAUSDT orderId="$oid"
assert_eq "$STATUS" 200 "cancel"
assert_true "j['status'] == 'CANCELED' and j['orderId'] == $oid and j['origClientOrderId'] == '$cid' and D(j['executedQty']) == 0" "$BODY" "cancel answers CANCELED with origClientOrderId"
read -r usdt2 locked2 <<<"$(balance alice USDT)"
assert_true "D('$usdt2') == D('$usdt0') and D('$locked2') == 0" '{}' "cancel releases the locked quote"
http_as alice GET /api/v3/openOrders symbol=ALPHAUSDT
assert_eq "$BODY" "[]" "no open order left"
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT
assert_true "[o['status'] for o in j if o['orderId'] == $oid] == ['CANCELED']" "$BODY" "allOrders shows it CANCELED"
http_as alice DELETE /api/v3/order symbol=ALPHAUSDT orderId="$oid"
assert_error 400 -2011 "second cancel is rejected"

# ---- client order ids ----
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" newClientOrderId=lt-test-0001
assert_true 'j["clientOrderId"] == "lt-test-0001"' "$BODY" "newClientOrderId kept"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" newClientOrderId=lt-test-0001
assert_error 400 -2010 "duplicate newClientOrderId of an open order"
http_as bob POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" newClientOrderId=lt-test-0001
assert_eq "$STATUS" 200 "the same client id is free for another account"
http_as alice DELETE /api/v3/order symbol=ALPHAUSDT origClientOrderId=lt-test-0001
assert_true 'j["status"] == "CANCELED" and j["origClientOrderId"] == "lt-test-0001"' "$BODY" "cancel by origClientOrderId"

# ---- parameters in a form body, POST and DELETE, and split query + body ----
http_as alice --body POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low"
assert_eq "$STATUS" 200 "POST with parameters in the body"
boid=$(jget 'j["orderId"]' <<<"$BODY")
http_as alice --body GET /api/v3/order symbol=ALPHAUSDT orderId="$boid"
assert_true 'j["status"] == "NEW"' "$BODY" "GET with parameters in a body"
http_as alice --body DELETE /api/v3/order symbol=ALPHAUSDT orderId="$boid"
assert_true "j['status'] == 'CANCELED' and j['orderId'] == $boid" "$BODY" "DELETE with parameters in the body"
http_as alice --body POST /api/v3/order '?symbol=ALPHAUSDT' '?side=BUY' type=LIMIT timeInForce=GTC quantity=10 price="$low"
assert_eq "$STATUS" 200 "signature over query + body when split between both"
http_as bob DELETE /api/v3/openOrders symbol=ALPHAUSDT
assert_true 'len(j) == 1 and j[0]["status"] == "CANCELED"' "$BODY" "bob's cancel-all"
http_as alice DELETE /api/v3/openOrders symbol=ALPHAUSDT
assert_true 'len(j) == 1 and j[0]["status"] == "CANCELED"' "$BODY" "alice's cancel-all"
http_as alice DELETE /api/v3/openOrders symbol=ALPHAUSDT
assert_error 400 -2011 "cancel-all with nothing open"

# ---- marketable IOC: fills at the ask, fee in quote, balances to the digit ----
read -r usdt0 _ <<<"$(balance alice USDT)"
read -r alpha0 _ <<<"$(balance alice ALPHA)"
book
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=10 price="$(px "$ASK" 1.02)"
ioc=$BODY
assert_true 'j["status"] == "FILLED" and D(j["executedQty"]) == 10 and j["timeInForce"] == "IOC"' "$ioc" "marketable IOC fills"
assert_true 'sum(D(f["qty"]) for f in j["fills"]) == 10 and sum(D(f["price"]) * D(f["qty"]) for f in j["fills"]) == D(j["cummulativeQuoteQty"])' \
    "$ioc" "fills add up to executedQty and cummulativeQuoteQty"
assert_true "all(f['commissionAsset'] == 'USDT' and abs(D(f['commission']) - D(f['price']) * D(f['qty']) * D('$TAKER')) <= D('0.00000001') for f in j['fills'])" \
    "$ioc" "taker fee charged in USDT at the taker rate"
assert_true "all(D(f['price']) == D('$ASK') for f in j['fills'])" "$ioc" "fills at the best ask, not at the limit"
quote=$(jget 'j["cummulativeQuoteQty"]' <<<"$ioc")
fee=$(jget 'str(sum(D(f["commission"]) for f in j["fills"]))' <<<"$ioc")
read -r usdt1 _ <<<"$(balance alice USDT)"
read -r alpha1 _ <<<"$(balance alice ALPHA)"
assert_true "D('$usdt0') - D('$usdt1') == D('$quote') + D('$fee')" '{}' "USDT down by quote + fee"
assert_true "D('$alpha1') - D('$alpha0') == 10" '{}' "ALPHA up by exactly the quantity"
ioc_id=$(jget 'j["orderId"]' <<<"$ioc")
http_as alice GET /api/v3/myTrades symbol=ALPHAUSDT orderId="$ioc_id"
assert_true "len(j) >= 1 and all(t['orderId'] == $ioc_id and t['isBuyer'] is True and t['isMaker'] is False and t['commissionAsset'] == 'USDT' for t in j)" \
    "$BODY" "myTrades?orderId= lists the IOC's trades"
assert_true "sum(D(t['qty']) for t in j) == 10 and sum(D(t['commission']) for t in j) == D('$fee')" "$BODY" "myTrades quantities and fees match"

book
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=10 price="$(px "$BID" 0.9)"
assert_true 'j["status"] == "EXPIRED" and D(j["executedQty"]) == 0' "$BODY" "non-marketable IOC expires unfilled"
http_as alice GET /api/v3/openOrders symbol=ALPHAUSDT
assert_eq "$BODY" "[]" "an IOC never rests"

# ---- IOC across several levels: fills at several prices, the rest expires ----
http GET /api/v3/depth symbol=ALPHAUSDT limit=5
two=$(jget 'str(D(j["asks"][0][1]) + D(j["asks"][1][1]))' <<<"$BODY")
p1=$(jget 'j["asks"][0][0]' <<<"$BODY")
p2=$(jget 'j["asks"][1][0]' <<<"$BODY")
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity="$(python3 -c "from decimal import Decimal as D; print(D('$two') + 5)")" price="$p2"
assert_true "j['status'] == 'EXPIRED' and D(j['executedQty']) == D('$two')" "$BODY" "IOC sweeping two levels fills both, the rest expires"
assert_true "sorted({D(f['price']) for f in j['fills']}) == [D('$p1'), D('$p2')]" "$BODY" "at the two levels' prices"

# ---- FOK: all or nothing ----
# the market's next steps refill the levels the sweep above took (the book
# is still otherwise): the best ask is back at the first level swept
refilled() { book; [ "$ASK" = "$p1" ]; }
wait_until 5 refilled || fail "the swept levels were not refilled: best ask $ASK, was $p1"
big=$(python3 -c "from decimal import Decimal as D; print(D('$ASKQTY') + 1)")
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=FOK quantity="$big" price="$ASK"
assert_true 'j["status"] == "EXPIRED" and D(j["executedQty"]) == 0 and j["fills"] == []' "$BODY" "FOK larger than the best level expires with nothing filled"
http GET /api/v3/ticker/bookTicker symbol=ALPHAUSDT
assert_true "D(j['askQty']) == D('$ASKQTY')" "$BODY" "the expired FOK took nothing from the book"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=FOK quantity=5 price="$(px "$ASK" 1.02)"
assert_true 'j["status"] == "FILLED" and D(j["executedQty"]) == 5' "$BODY" "FOK that fits fills entirely"

# ---- MARKET ----
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=MARKET quoteOrderQty=20
assert_eq "$STATUS" 200 "MARKET buy by quoteOrderQty"
assert_true 'j["status"] == "FILLED" and D("18.5") <= D(j["cummulativeQuoteQty"]) <= D(20) and D(j["executedQty"]) % D("0.1") == 0 and D(j["origQuoteOrderQty"]) == 20' \
    "$BODY" "spends up to quoteOrderQty in whole steps"
read -r alpha2 _ <<<"$(balance alice ALPHA)"
read -r usdt2 _ <<<"$(balance alice USDT)"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=SELL type=MARKET quantity="$alpha2" newOrderRespType=RESULT
sell=$BODY
assert_true "j['status'] == 'FILLED' and D(j['executedQty']) == D('$alpha2') and 'fills' not in j" "$sell" "MARKET sell of everything (RESULT response)"
read -r alpha3 _ <<<"$(balance alice ALPHA)"
read -r usdt3 _ <<<"$(balance alice USDT)"
assert_true "D('$alpha3') == 0" '{}' "ALPHA back to zero"
assert_true "abs(D('$usdt3') - D('$usdt2') - D('$(jget 'j["cummulativeQuoteQty"]' <<<"$sell")') * (1 - D('$TAKER'))) <= D('0.00000001') * 10" '{}' "sell proceeds minus the quote fee credited"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=MARKET quantity=5 newOrderRespType=ACK
assert_true 'set(j) >= {"symbol", "orderId", "clientOrderId", "transactTime"} and "status" not in j' "$BODY" "ACK response is minimal"

# ---- maker fill: a resting order crossed by another account's taker ----
book
spread=$(python3 -c "from decimal import Decimal as D; print(int((D('$ASK') - D('$BID')) / D('0.0001')))")
if [ "$spread" -ge 2 ]; then
    inside=$(python3 -c "from decimal import Decimal as D; print(D('$ASK') - D('0.0001'))")
    http_as alice POST /api/v3/order symbol=ALPHAUSDT side=SELL type=LIMIT timeInForce=GTC quantity=5 price="$inside"
    assert_true 'j["status"] == "NEW"' "$BODY" "alice's sell inside the spread rests"
    moid=$(jget 'j["orderId"]' <<<"$BODY")
    http_as bob POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=5 price="$inside"
    assert_true "j['status'] == 'FILLED' and all(D(f['price']) == D('$inside') for f in j['fills'])" "$BODY" "bob's IOC buy takes alice's resting sell"
    http_as alice GET /api/v3/order symbol=ALPHAUSDT orderId="$moid"
    assert_true 'j["status"] == "FILLED" and D(j["executedQty"]) == 5' "$BODY" "alice's order is FILLED"
    http_as alice GET /api/v3/myTrades symbol=ALPHAUSDT orderId="$moid"
    assert_true "len(j) == 1 and j[0]['isMaker'] is True and j[0]['isBuyer'] is False and abs(D(j[0]['commission']) - D(j[0]['quoteQty']) * D('$MAKER')) <= D('0.00000001')" \
        "$BODY" "alice's trade is a maker trade with the maker fee"
else
    echo "# spread is $spread tick(s): no room for a maker order inside it; skipped"
fi

# ---- allOrders paging ----
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT
n_all=$(jget 'len(j)' <<<"$BODY")
assert_true 'j == sorted(j, key=lambda o: o["orderId"]) and len(j) >= 10' "$BODY" "allOrders ascending by orderId"
first2=$(jget '[o["orderId"] for o in j[:2]]' <<<"$BODY")
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT limit=2 orderId=0
assert_true "[o['orderId'] for o in j] == $first2" "$BODY" "allOrders orderId=0&limit=2 pages from the start"
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT limit=3
assert_true "len(j) == 3" "$BODY" "allOrders limit=3 gives the last 3 (of $n_all)"
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT startTime="$(($(date +%s%3N) + 60000))"
assert_eq "$BODY" "[]" "allOrders startTime in the future is empty"
http_as dave GET /api/v3/allOrders symbol=ALPHAUSDT
assert_true 'len([o for o in j if o["side"] == "BUY" and o["status"] == "FILLED"]) == 4' "$BODY" "dave's configured history is served (4 filled buys)"

sim_stop
assert_eq $? 0 "SIGTERM stops the simulator cleanly"
lt_done
