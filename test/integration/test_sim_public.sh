#!/usr/bin/env bash
# test_sim_public.sh - the simulator's public REST market data, as Binance
# Spot v3 serves it: ping, time, exchangeInfo filters, depth, tickers,
# trades, aggTrades, klines, avgPrice, weight headers and public errors.
. "$(dirname "$0")/lib.sh"

sim_start --seed 11

http GET /api/v3/ping
assert_eq "$STATUS $BODY" "200 {}" "ping answers {}"
assert_true '"x-mbx-used-weight-1m" in j' "$HEADERS" "weight header sent"

http GET /api/v3/time
assert_true 'abs(j["serverTime"] - '"$(date +%s%3N)"') < 5000' "$BODY" "serverTime is now"

# exchangeInfo: the filters a trader rounds to.
http GET /api/v3/exchangeInfo
assert_eq "$STATUS" 200 "exchangeInfo"
assert_true 'j["timezone"] == "UTC" and isinstance(j["serverTime"], int)' "$BODY" "timezone and serverTime"
assert_true 'any(r["rateLimitType"] == "REQUEST_WEIGHT" and r["interval"] == "MINUTE" and r["limit"] > 0 for r in j["rateLimits"])' \
    "$BODY" "rateLimits has REQUEST_WEIGHT per MINUTE"
assert_true '{"ALPHAUSDT", "BETAUSDT"} <= {s["symbol"] for s in j["symbols"]}' "$BODY" "both demo symbols listed"
alpha=$(jget '[s for s in j["symbols"] if s["symbol"] == "ALPHAUSDT"][0]' <<<"$BODY")
assert_true 'j["status"] == "TRADING" and j["baseAsset"] == "ALPHA" and j["quoteAsset"] == "USDT"' "$alpha" "ALPHAUSDT trading, ALPHA/USDT"
assert_true 'all(isinstance(j[k], int) for k in ("baseAssetPrecision", "quotePrecision", "quoteAssetPrecision"))' "$alpha" "asset precisions are integers"
assert_true '{"LIMIT", "MARKET"} <= set(j["orderTypes"]) and j["isSpotTradingAllowed"] is True' "$alpha" "orderTypes has LIMIT and MARKET"
assert_true '"SPOT" in j.get("permissions", []) or ["SPOT"] in j.get("permissionSets", [])' "$alpha" "SPOT permission"
filt='{f["filterType"]: f for f in j["filters"]}'
assert_true "D(($filt)[\"PRICE_FILTER\"][\"tickSize\"]) == D(\"0.0001\")" "$alpha" "PRICE_FILTER tickSize 0.0001"
assert_true "all(k in ($filt)[\"PRICE_FILTER\"] for k in (\"minPrice\", \"maxPrice\"))" "$alpha" "PRICE_FILTER min/max price"
assert_true "D(($filt)[\"LOT_SIZE\"][\"stepSize\"]) == D(\"0.1\") and D(($filt)[\"LOT_SIZE\"][\"minQty\"]) > 0" "$alpha" "LOT_SIZE stepSize 0.1"
assert_true "\"MARKET_LOT_SIZE\" in ($filt)" "$alpha" "MARKET_LOT_SIZE present"
assert_true "D((($filt).get(\"NOTIONAL\") or ($filt).get(\"MIN_NOTIONAL\"))[\"minNotional\"]) == D(5)" "$alpha" "minNotional 5"

http GET /api/v3/exchangeInfo symbol=ALPHAUSDT
assert_true '[s["symbol"] for s in j["symbols"]] == ["ALPHAUSDT"]' "$BODY" "exchangeInfo?symbol= gives one symbol"
http GET /api/v3/exchangeInfo 'symbols=["ALPHAUSDT","BETAUSDT"]'
assert_true 'sorted(s["symbol"] for s in j["symbols"]) == ["ALPHAUSDT", "BETAUSDT"]' "$BODY" "exchangeInfo?symbols=[..] gives both"
http GET /api/v3/exchangeInfo symbol=NOPEUSDT
assert_error 400 -1121 "exchangeInfo of an unknown symbol"

# depth: sorted sides, a positive lastUpdateId that never goes back.
http GET /api/v3/depth symbol=ALPHAUSDT limit=5
assert_eq "$STATUS" 200 "depth"
depth1=$BODY
assert_true 'isinstance(j["lastUpdateId"], int) and j["lastUpdateId"] > 0' "$BODY" "depth lastUpdateId"
assert_true '0 < len(j["bids"]) <= 5 and 0 < len(j["asks"]) <= 5' "$BODY" "depth limit=5 honoured"
assert_true 'all(isinstance(p, str) and isinstance(q, str) for p, q in j["bids"] + j["asks"])' "$BODY" "levels are [price, qty] strings"
assert_true '[D(p) for p, q in j["bids"]] == sorted((D(p) for p, q in j["bids"]), reverse=True)' "$BODY" "bids descending"
assert_true '[D(p) for p, q in j["asks"]] == sorted(D(p) for p, q in j["asks"])' "$BODY" "asks ascending"
assert_true 'D(j["bids"][0][0]) < D(j["asks"][0][0])' "$BODY" "book not crossed"
assert_true 'D("1.0") < D(j["bids"][0][0]) < D("1.5")' "$BODY" "ALPHAUSDT near its 1.25 start"
assert_true 'all(D(p) % D("0.0001") == 0 and D(q) % D("0.1") == 0 and D(q) > 0 for p, q in j["bids"] + j["asks"])' "$BODY" "levels on tick and step"
sleep 1
http GET /api/v3/depth symbol=ALPHAUSDT
assert_true "j['lastUpdateId'] >= $(jget 'j["lastUpdateId"]' <<<"$depth1")" "$BODY" "lastUpdateId does not go back"
http GET /api/v3/depth
assert_error 400 -1102 "depth without symbol"

# tickers
http GET /api/v3/ticker/bookTicker symbol=ALPHAUSDT
assert_true 'j["symbol"] == "ALPHAUSDT" and D(j["bidPrice"]) < D(j["askPrice"]) and D(j["bidQty"]) > 0 and D(j["askQty"]) > 0' \
    "$BODY" "bookTicker bid < ask"
ask=$(jget 'j["askPrice"]' <<<"$BODY")
http GET /api/v3/ticker/bookTicker
assert_true 'isinstance(j, list) and {"ALPHAUSDT", "BETAUSDT"} <= {t["symbol"] for t in j}' "$BODY" "bookTicker without symbol lists all"
http GET /api/v3/ticker/price symbol=ALPHAUSDT
assert_true 'j["symbol"] == "ALPHAUSDT" and D("1.0") < D(j["price"]) < D("1.5")' "$BODY" "ticker/price"
http GET /api/v3/ticker/price 'symbols=["ALPHAUSDT","BETAUSDT"]'
assert_true 'sorted(t["symbol"] for t in j) == ["ALPHAUSDT", "BETAUSDT"]' "$BODY" "ticker/price?symbols=[..]"
http GET /api/v3/ticker/24hr symbol=ALPHAUSDT
assert_true 'all(k in j for k in ("priceChange", "priceChangePercent", "weightedAvgPrice", "prevClosePrice", "lastPrice", "lastQty", "bidPrice", "askPrice", "openPrice", "highPrice", "lowPrice", "volume", "quoteVolume", "openTime", "closeTime", "firstId", "lastId", "count"))' \
    "$BODY" "24hr ticker has every field"
assert_true 'D(j["lowPrice"]) <= D(j["lastPrice"]) <= D(j["highPrice"]) and j["openTime"] < j["closeTime"]' "$BODY" "24hr low <= last <= high"
http GET /api/v3/ticker/24hr
assert_true 'isinstance(j, list) and len(j) >= 2' "$BODY" "24hr without symbol lists all"
http GET /api/v3/ticker/24hr symbol=NOPEUSDT
assert_error 400 -1121 "24hr of an unknown symbol"
http GET /api/v3/avgPrice symbol=ALPHAUSDT
assert_true 'isinstance(j["mins"], int) and D(j["price"]) > 0' "$BODY" "avgPrice"

# A trade of our own makes the public trade lists non-empty and known.
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC \
    quantity=10 price="$(python3 -c "from decimal import Decimal as D; print((D('$ask') * D('1.02')).quantize(D('0.0001')))")" \
    newOrderRespType=FULL
assert_eq "$STATUS" 200 "marketable IOC buy to make a trade"
assert_true 'j["status"] == "FILLED" and len(j["fills"]) >= 1' "$BODY" "it filled"
fill=$(jget 'j["fills"][-1]' <<<"$BODY")
http GET /api/v3/trades symbol=ALPHAUSDT limit=50
assert_true '0 < len(j) <= 50 and all(k in t for t in j for k in ("id", "price", "qty", "quoteQty", "time", "isBuyerMaker", "isBestMatch"))' \
    "$BODY" "trades have Binance fields"
assert_true '[t["id"] for t in j] == sorted(t["id"] for t in j)' "$BODY" "trades ascending by id"
assert_true "any(t['id'] == $(jget 'j["tradeId"]' <<<"$fill") and D(t['price']) == D('$(jget 'j["price"]' <<<"$fill")') and t['isBuyerMaker'] is False for t in j)" \
    "$BODY" "our taker buy is in the public trades"
http GET /api/v3/aggTrades symbol=ALPHAUSDT limit=5
assert_true '0 < len(j) <= 5 and all(k in t for t in j for k in ("a", "p", "q", "f", "l", "T", "m"))' "$BODY" "aggTrades have Binance fields"

# klines: 12 fields, consistent OHLC, intervals aligned.
http GET /api/v3/klines symbol=ALPHAUSDT interval=1m limit=3
assert_eq "$STATUS" 200 "klines"
assert_true '1 <= len(j) <= 3 and all(len(k) == 12 for k in j)' "$BODY" "klines: up to limit rows of 12 fields"
assert_true 'all(k[6] == k[0] + 59999 and k[0] % 60000 == 0 for k in j)' "$BODY" "1m klines aligned, closeTime = open + 59999"
assert_true 'all(D(k[3]) <= min(D(k[1]), D(k[4])) and max(D(k[1]), D(k[4])) <= D(k[2]) for k in j)' "$BODY" "low <= open, close <= high"
assert_true '[k[0] for k in j] == sorted(k[0] for k in j)' "$BODY" "klines ascending"
http GET /api/v3/klines symbol=ALPHAUSDT interval=7m
assert_error 400 -1120 "klines with an unsupported interval"
http GET /api/v3/klines symbol=ALPHAUSDT
assert_error 400 -1102 "klines without interval"

# What clients load along with the spot markets (ccxt's defaults): futures
# markets (none here) and the venue status.
for p in /fapi/v1/exchangeInfo /dapi/v1/exchangeInfo; do
    http GET $p
    assert_eq "$STATUS" 200 "$p"
    assert_true 'j["symbols"] == [] and j["timezone"] == "UTC" and j["serverTime"] > 0' "$BODY" "$p lists no market"
done
http GET /sapi/v1/system/status
assert_eq "$BODY" '{"status":0,"msg":"normal"}' "system status normal"

http GET /api/v3/noSuchEndpoint
assert_eq "$STATUS" 404 "unknown path is 404"
assert_sim_serves

sim_stop
assert_eq $? 0 "SIGTERM stops the simulator cleanly"
lt_done
