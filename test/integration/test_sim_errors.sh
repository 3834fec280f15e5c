#!/usr/bin/env bash
# test_sim_errors.sh - bad and hostile requests get Binance's error codes
# and messages, and the simulator keeps serving everyone: auth (signature,
# timestamp, keys, session), missing and malformed parameters, unknown
# symbols and orders, filter failures, balance, oversized and garbage input.
. "$(dirname "$0")/lib.sh"

sim_start --seed 31
auth_for alice
KEY=${AUTH[1]} SECRET=${AUTH[3]}
ORDER=(symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price=1.0000)

# ---- authentication ----
http --key "$KEY" --secret "$SECRET" --bad-signature POST /api/v3/order "${ORDER[@]}"
assert_error 400 -1022 "bad signature"
http --key "$KEY" --secret wrong-secret GET /api/v3/account
assert_error 400 -1022 "signature with the wrong secret"
http --key "$KEY" --secret "$SECRET" GET /api/v3/account timestamp=$(($(date +%s%3N) - 60000))
assert_error 400 -1021 "timestamp a minute old (outside the default 5 s recvWindow)"
http --key "$KEY" --secret "$SECRET" GET /api/v3/account timestamp=$(($(date +%s%3N) - 8000)) recvWindow=20000
assert_eq "$STATUS" 200 "an 8 s old timestamp is fine with recvWindow=20000"
http --key "$KEY" --secret "$SECRET" GET /api/v3/account timestamp=$(($(date +%s%3N) + 30000))
assert_error 400 -1021 "timestamp 30 s in the future"
http --key "$KEY" --secret "$SECRET" --no-timestamp GET /api/v3/account
assert_error 400 -1102 "signed request without timestamp"
http --key "$KEY" GET /api/v3/account timestamp="$(date +%s%3N)"
assert_error 400 -1102 "signed request without signature"
http --key no-such-key --secret "$SECRET" GET /api/v3/account
assert_error_in 401 "-2014 -2015" "unknown API key"
http --secret "$SECRET" GET /api/v3/account
assert_error_in 401 "-2014 -2015" "no API key at all"
http --key "$KEY" --secret "$SECRET" --raw-query 'signature=zz' GET /api/v3/account
assert_error_in 400 "-1022 -1101" "a second, forged signature parameter"
http --cookie "session=erin-session-cookie-55aa" --header "X-Session-Token: wrong" GET /api/v3/account
assert_error_in 401 "-2014 -2015 -1002" "session cookie with the wrong token"
http --header "X-Session-Token: erin-token-99bb" GET /api/v3/account
assert_error_in 401 "-2014 -2015 -1002" "session token without the cookie"
http_as erin GET /api/v3/account
assert_eq "$STATUS" 200 "erin's session cookie + header authenticate"

# ---- parameters ----
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC price=1.0000
assert_error 400 -1102 "LIMIT without quantity"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT quantity=10 timeInForce=GTC
assert_error 400 -1102 "LIMIT without price"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT quantity=10 price=1.0000
assert_error 400 -1102 "LIMIT without timeInForce"
http_as alice POST /api/v3/order side=BUY type=MARKET quantity=10
assert_error 400 -1102 "order without symbol"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=MARKET
assert_error_in 400 "-1102 -1106" "MARKET with neither quantity nor quoteOrderQty"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=UP type=LIMIT timeInForce=GTC quantity=10 price=1.0000
assert_error_in 400 "-1117 -1100" "side=UP"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=STOPLOSSY timeInForce=GTC quantity=10 price=1.0000
assert_error_in 400 "-1116 -1100" "unknown order type"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=FOREVER quantity=10 price=1.0000
assert_error_in 400 "-1115 -1100" "unknown timeInForce"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=ten price=1.0000
assert_error 400 -1100 "quantity=ten"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=-10 price=1.0000
assert_error_in 400 "-1100 -1013" "negative quantity"
http_as alice POST /api/v3/order "${ORDER[@]}" quantity=11
assert_error 400 -1101 "duplicate parameter"
http_as alice GET /api/v3/order symbol=ALPHAUSDT orderId=abc
assert_error 400 -1100 "orderId=abc"
http_as alice GET /api/v3/order symbol=ALPHAUSDT
assert_error_in 400 "-1102 -1128" "query with neither orderId nor origClientOrderId"
http_as alice POST /api/v3/order "${ORDER[@]}" newClientOrderId=this-client-order-id-is-far-too-long-for-binance
assert_error_in 400 "-1100 -1102 -1130" "newClientOrderId over 36 characters"

# ---- unknown things ----
http_as alice POST /api/v3/order symbol=NOPEUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price=1.0000
assert_error 400 -1121 "order on an unknown symbol"
http_as alice DELETE /api/v3/order symbol=ALPHAUSDT orderId=987654321
assert_error 400 -2011 "cancel of an unknown order"
http_as alice DELETE /api/v3/order symbol=ALPHAUSDT origClientOrderId=never-sent
assert_error 400 -2011 "cancel of an unknown client order id"
http_as alice GET /api/v3/order symbol=ALPHAUSDT orderId=987654321
assert_error 400 -2013 "query of an unknown order"
http_as alice GET /api/v3/order symbol=ALPHAUSDT origClientOrderId=never-sent
assert_error 400 -2013 "query of an unknown client order id"

# ---- filters and balance ----
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price=1.00005
assert_error 400 -1013 "price off the tick"
assert_contains "$BODY" PRICE_FILTER "names PRICE_FILTER"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10.05 price=1.0000
assert_error 400 -1013 "quantity off the step"
assert_contains "$BODY" LOT_SIZE "names LOT_SIZE"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=4 price=1.0000
assert_error 400 -1013 "4 USDT is under minNotional 5"
assert_contains "$BODY" NOTIONAL "names the notional filter"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=4000 price=2.0000
assert_error 400 -2010 "8000 USDT buy with 5000"
assert_contains "$BODY" "insufficient balance" "says insufficient balance"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=SELL type=LIMIT timeInForce=GTC quantity=10 price=2.0000
assert_error 400 -2010 "sell of ALPHA alice does not have"
http_as alice GET /api/v3/openOrders
assert_eq "$BODY" "[]" "no rejected order was left open"

# ---- hostile bytes ----
# libwebsockets refuses a bad escape itself (403, HTML) before any handler.
http --raw-query 'symbol=%zz%' GET /api/v3/depth
case $STATUS in 4??) ok "malformed percent-escape in the query refused ($STATUS)" ;; *) fail "bad escape: HTTP $STATUS $BODY" ;; esac
http --key "$KEY" --raw-body 'symbol=%zz' POST /api/v3/order
assert_error 400 -1100 "malformed percent-escape in a form body"
http --raw-query '&&&==&=x&symbol' GET /api/v3/depth
assert_error_in 400 "-1100 -1102 -1121" "query of empty keys and values"
# Long queries fit the 16 KiB header space, and a parameter longer than
# 4 KiB is read whole (a cut one would have passed for absent).
http --raw-query "symbol=$(head -c 6000 /dev/zero | tr '\0' A)" GET /api/v3/depth
assert_error 400 -1121 "6 kB symbol"
http --raw-query "pad=$(head -c 9000 /dev/zero | tr '\0' a)&symbol=ALPHAUSDT&limit=5" GET /api/v3/depth
assert_eq "$STATUS" 200 "9 kB query answered"
long=$(printf '"ALPHAUSDT",%.0s' $(seq 600))
http GET /api/v3/ticker/price "symbols=[$long\"NOPEUSDT\"]"
assert_error 400 -1121 "7 kB symbols list ending in an unknown symbol"
# Past 16 KiB libwebsockets closes the connection unanswered (docs/protocol.md).
http --raw-query "symbol=$(head -c 17000 /dev/zero | tr '\0' A)" GET /api/v3/depth
case $STATUS in 0|414|431) ok "17 kB query refused (HTTP $STATUS)" ;; *) fail "17 kB query: HTTP $STATUS $BODY" ;; esac
many=(); for i in $(seq 80); do many+=("p$i=1"); done
http_as alice GET /api/v3/account "${many[@]}"
assert_error_in 400 "-1101 -1104" "80 parameters"
head -c 100000 /dev/zero | tr '\0' a >"$LT_TMP/big"
http --key "$KEY" --raw-body "x=$(cat "$LT_TMP/big")" POST /api/v3/order
case $STATUS in 413|400) ok "100 kB body refused ($STATUS)" ;; *) fail "100 kB body: HTTP $STATUS" ;; esac
http --key "$KEY" --content-type application/json --raw-body '{"symbol":' POST /api/v3/order
assert_error_in 400 "-1100 -1102 -1022" "a truncated JSON body"
http PATCH /api/v3/order
case $STATUS in 404|405|400) ok "PATCH refused ($STATUS)" ;; *) fail "PATCH: HTTP $STATUS" ;; esac
assert_sim_serves "after malformed HTTP requests"

# Garbage that is not HTTP at all, a request cut in the middle, and a
# connection that says nothing: raw sockets.
exec 3<>"/dev/tcp/127.0.0.1/$SIM_PORT" && printf '\x00\xff\x16\x03\x01 garbage \r\n\r\n' >&3 && exec 3>&-
exec 3<>"/dev/tcp/127.0.0.1/$SIM_PORT" && printf 'POST /api/v3/order HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\nsymbol=ALP' >&3 && exec 3>&-
exec 4<>"/dev/tcp/127.0.0.1/$SIM_PORT"
exec 5<>"/dev/tcp/127.0.0.1/$SIM_PORT" && printf 'GET /api/v3/ping HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' >&5
assert_sim_serves "with a silent connection open and after garbage"
exec 4>&- 5>&-
http_as alice POST /api/v3/order "${ORDER[@]}"
assert_eq "$STATUS" 200 "a valid signed order still works"
http_as alice DELETE /api/v3/openOrders symbol=ALPHAUSDT
assert_eq "$STATUS" 200 "and its cancel"

sim_stop
assert_eq $? 0 "SIGTERM stops the simulator cleanly"
lt_done
