#!/usr/bin/env bash
# test_sim_sessions.sh - the simulator's side of issue 12's fidelity gaps,
# driven with bnc as a third-party client would: WebSocket API sessions
# (session.logon with an Ed25519 key only, session.status, signed methods
# without apiKey/signature once logged on, userDataStream.subscribe after
# logon, session.logout), userDataStream.start/ping/stop over the WS API,
# a listenKey subscribed on /stream (streams= and SUBSCRIBE), opoAllowed,
# X-MBX-TIME-UNIT: MICROSECOND, userDataStream.subscribe.signature signed
# with Ed25519 and RSA keys, timeUnit=MICROSECOND on WebSocket URLs, and
# request weight counted per client IP, the WS API refusing past it.
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/keys_lib.sh"

keys_setup "$LT_TMP/sim.conf" still
sim_start --seed 44 --config "$LT_TMP/sim.conf"
auth_for alice

http GET /api/v3/ticker/bookTicker symbol=ALPHAUSDT
LOW=$(python3 -c "from decimal import Decimal as D; print((D('$(jget 'j["bidPrice"]' <<<"$BODY")') * D('0.9')).quantize(D('0.0001')))")

# bnc ws on URL reading messages to send from fifo $2 (written through fd $3).
ws_session() { # OUT FIFO FD URL
    local out=$1 fifo=$2 fd=$3 url=$4
    rm -f "$fifo" && mkfifo "$fifo"
    "$BNC" ws "$url" --stdin --timeout-ms 25000 <"$fifo" >"$out" 2>"$out.err" &
    LT_PIDS+=("$!")
    eval "exec $fd>\"$fifo\""
}
reply() { jlines "next(m for m in j if m.get('id') == $2)" "$1"; }
await() { wait_for_line "$1" "\"id\":$2[,}]" 5 || fail "no reply $2: $(cat "$1" "$1.err")"; }

# ---- a WebSocket API session ----
WS=$LT_TMP/api.out
ws_session "$WS" "$LT_TMP/api.fifo" 6 "$SIM_WS/ws-api/v3"
echo '{"id":1,"method":"session.status"}' >&6
echo '{"id":2,"method":"userDataStream.subscribe"}' >&6
"$BNC" wsapi "${RSA[@]}" --id 3 session.logon >&6
"$BNC" wsapi "${AUTH[@]}" --id 4 session.logon >&6
"$BNC" wsapi "${ED[@]}" --id 5 session.logon >&6
echo '{"id":6,"method":"session.status"}' >&6
echo "{\"id\":7,\"method\":\"account.status\",\"params\":{\"timestamp\":$(date +%s%3N)}}" >&6
echo '{"id":8,"method":"userDataStream.subscribe"}' >&6
await "$WS" 8
assert_true 'j["status"] == 200 and j["result"]["apiKey"] is None and j["result"]["userDataStream"] is False' "$(reply "$WS" 1)" "session.status before logon: nobody"
assert_true 'j["status"] == 401 and j["error"]["code"] == -1002' "$(reply "$WS" 2)" "userDataStream.subscribe before logon: refused"
assert_true 'j["status"] == 400 and j["error"]["code"] == -4056 and "RSA" in j["error"]["msg"]' "$(reply "$WS" 3)" "session.logon with an RSA key: refused"
assert_true 'j["status"] == 400 and j["error"]["code"] == -4056 and "HMAC" in j["error"]["msg"]' "$(reply "$WS" 4)" "session.logon with an HMAC key: refused"
assert_true 'j["status"] == 200 and j["result"]["apiKey"] == "keys-ed-key" and j["result"]["authorizedSince"] >= j["result"]["connectedSince"]' "$(reply "$WS" 5)" "session.logon with the Ed25519 key"
assert_true 'j["result"]["apiKey"] == "keys-ed-key"' "$(reply "$WS" 6)" "session.status names the key"
assert_true 'j["status"] == 200 and any(b["asset"] == "USDT" and D(b["free"]) == 5000 for b in j["result"]["balances"])' "$(reply "$WS" 7)" "account.status with neither apiKey nor signature: ed's account"
r8=$(reply "$WS" 8)
assert_true 'j["status"] == 200 and isinstance(j["result"]["subscriptionId"], int)' "$r8" "userDataStream.subscribe after logon"
SUB=$(jget 'j["result"]["subscriptionId"]' <<<"$r8")
http "${ED[@]}" POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$LOW" newClientOrderId=sess-ed-1
assert_eq "$STATUS" 200 "ed places an order over REST (Ed25519-signed)"
wait_for_line "$WS" 'sess-ed-1' 5 || fail "no executionReport on the session: $(cat "$WS")"
assert_true "any(m.get('subscriptionId') == $SUB and m['event']['e'] == 'executionReport' and m['event']['c'] == 'sess-ed-1' for m in j if 'event' in m)" \
    "$(jlines j "$WS")" "its executionReport arrives on the session's subscription"
echo '{"id":9,"method":"session.logout"}' >&6
echo "{\"id\":10,\"method\":\"account.status\",\"params\":{\"timestamp\":$(date +%s%3N)}}" >&6
await "$WS" 10
assert_true 'j["status"] == 200 and j["result"]["apiKey"] is None' "$(reply "$WS" 9)" "session.logout"
assert_true 'j["status"] != 200' "$(reply "$WS" 10)" "after logout a signed method needs its signature again"

# ---- userDataStream.start/ping/stop over the WS API, the key on /stream ----
echo '{"id":11,"method":"userDataStream.start","params":{"apiKey":"keys-rsa-key"}}' >&6
await "$WS" 11
r11=$(reply "$WS" 11)
assert_true 'j["status"] == 200 and len(j["result"]["listenKey"]) == 60' "$r11" "userDataStream.start with apiKey alone"
LK=$(jget 'j["result"]["listenKey"]' <<<"$r11")
echo "{\"id\":12,\"method\":\"userDataStream.ping\",\"params\":{\"apiKey\":\"keys-rsa-key\",\"listenKey\":\"$LK\"}}" >&6
echo "{\"id\":13,\"method\":\"userDataStream.ping\",\"params\":{\"apiKey\":\"keys-rsa-key\",\"listenKey\":\"nope\"}}" >&6
await "$WS" 13
assert_true 'j["status"] == 200 and j["result"] == {}' "$(reply "$WS" 12)" "userDataStream.ping"
assert_true 'j["status"] == 400' "$(reply "$WS" 13)" "userDataStream.ping of an unknown key: refused"

S1=$LT_TMP/stream1.out
lt_bg "$S1" "$BNC" ws "$SIM_WS/stream?streams=$LK" --match executionReport --count 1 --timeout-ms 8000
S1PID=$LT_LAST_PID
S2=$LT_TMP/stream2.out
ws_session "$S2" "$LT_TMP/s2.fifo" 7 "$SIM_WS/stream"
echo "{\"method\":\"SUBSCRIBE\",\"params\":[\"alphausdt@bookTicker\",\"$LK\"],\"id\":1}" >&7
echo '{"method":"LIST_SUBSCRIPTIONS","id":2}' >&7
await "$S2" 2
wait_for_line "$S1.err" connected 5 || fail "/stream?streams=<listenKey> did not connect: $(cat "$S1.err")"
assert_true "j['result'] is None" "$(reply "$S2" 1)" "SUBSCRIBE [bookTicker, listenKey] on /stream"
assert_true "'$LK' in j['result'] and 'alphausdt@bookTicker' in j['result']" "$(reply "$S2" 2)" "LIST_SUBSCRIPTIONS lists the listenKey"
http "${RSA[@]}" POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$LOW" newClientOrderId=lk-rsa-1
assert_eq "$STATUS" 200 "rsa places an order over REST (RSA-signed)"
lt_wait_pid "$S1PID" 10
assert_eq $? 0 "an executionReport came on /stream?streams=<listenKey>"
assert_true "j[0]['stream'] == '$LK' and j[0]['data']['e'] == 'executionReport' and j[0]['data']['c'] == 'lk-rsa-1'" \
    "$(jlines j "$S1")" "wrapped as {stream: listenKey, data: event}"
wait_for_line "$S2" 'lk-rsa-1' 5 || fail "no executionReport after SUBSCRIBE: $(cat "$S2")"
assert_true "any(m.get('stream') == '$LK' and m['data']['c'] == 'lk-rsa-1' for m in j if 'data' in m)" "$(jlines j "$S2")" \
    "and on the connection that SUBSCRIBEd it, beside its market stream"
echo "{\"id\":14,\"method\":\"userDataStream.stop\",\"params\":{\"apiKey\":\"keys-rsa-key\",\"listenKey\":\"$LK\"}}" >&6
await "$WS" 14
assert_true 'j["status"] == 200 and j["result"] == {}' "$(reply "$WS" 14)" "userDataStream.stop"
exec 6>&- 7>&-

# ---- exchangeInfo, time unit ----
http GET /api/v3/exchangeInfo symbol=ALPHAUSDT
assert_true 'j["symbols"][0]["opoAllowed"] is False' "$BODY" "exchangeInfo has opoAllowed"
http --header "X-MBX-TIME-UNIT: MICROSECOND" GET /api/v3/time
MS=$(date +%s%3N)
assert_true "abs(j['serverTime'] - $MS * 1000) < 60 * 10**6" "$BODY" "X-MBX-TIME-UNIT: MICROSECOND: serverTime in microseconds"
http "${ED[@]}" --header "X-MBX-TIME-UNIT: microsecond" GET /api/v3/openOrders symbol=ALPHAUSDT
assert_true "len(j) == 1 and abs(j[0]['time'] - $MS * 1000) < 60 * 10**6 and j[0]['updateTime'] >= j[0]['time'] and D(j[0]['price']) == D('$LOW') and j[0]['price'].endswith('0000')" \
    "$BODY" "an order's times in microseconds, its price untouched"
http --header "X-MBX-TIME-UNIT: NANOSECOND" GET /api/v3/time
assert_eq "$STATUS" 400 "an unknown time unit is refused"

# ---- userDataStream.subscribe.signature with each key type, timeUnit= on WebSockets ----
# Signed like any request (apiKey and timestamp sorted) with the account's
# own key, whatever its type; and a connection opened with
# ?timeUnit=MICROSECOND gets its answers and events in microseconds.
U=$LT_TMP/sig.out
ws_session "$U" "$LT_TMP/sig.fifo" 8 "$SIM_WS/ws-api/v3?timeUnit=MICROSECOND"
"$BNC" wsapi "${ED[@]}" --id 21 userDataStream.subscribe.signature >&8
"$BNC" wsapi "${RSA[@]}" --id 22 userDataStream.subscribe.signature >&8
"$BNC" wsapi --key keys-ed-key --private-key "$LT_TMP/rsa.pem" --id 23 userDataStream.subscribe.signature >&8
echo '{"id":24,"method":"time"}' >&8
await "$U" 24
MS=$(date +%s%3N)
assert_true 'j["status"] == 200 and isinstance(j["result"]["subscriptionId"], int)' "$(reply "$U" 21)" "subscribe.signature signed with the Ed25519 key"
assert_true 'j["status"] == 200' "$(reply "$U" 22)" "subscribe.signature signed with the RSA key"
assert_true 'j["status"] == 400 and j["error"]["code"] == -1022' "$(reply "$U" 23)" "ed's key signed with rsa's private key: -1022"
assert_true "abs(j['result']['serverTime'] - $MS * 1000) < 60 * 10**6" "$(reply "$U" 24)" "WS API ?timeUnit=MICROSECOND: serverTime in microseconds"
EDSUB=$(jget 'j["result"]["subscriptionId"]' <<<"$(reply "$U" 21)")
http "${ED[@]}" POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$LOW" newClientOrderId=sig-ed-1
assert_eq "$STATUS" 200 "ed places an order"
wait_for_line "$U" 'sig-ed-1' 5 || fail "no executionReport on ed's signature subscription: $(cat "$U")"
assert_true "any(m.get('subscriptionId') == $EDSUB and m['event']['c'] == 'sig-ed-1' and abs(m['event']['E'] - $MS * 1000) < 60 * 10**6 and m['event']['O'] >= m['event']['E'] - 10**6 and m['event']['i'] < 10**9 for m in j if 'event' in m)" \
    "$(jlines j "$U")" "ed's executionReport on its subscription, its times (E, O) in microseconds, its order id not"
exec 8>&-
"$BNC" ws "$SIM_WS/ws-api/v3" --send '{"id":1,"method":"time"}' --count 1 --timeout-ms 5000 >"$LT_TMP/ms.out"
assert_true "abs(j['result']['serverTime'] - $MS) < 60 * 10**3" "$(cat "$LT_TMP/ms.out")" "without timeUnit: milliseconds"
rc=0
"$BNC" ws "$SIM_WS/ws/alphausdt@bookTicker?timeUnit=NANOSECOND" --count 1 --timeout-ms 3000 >"$LT_TMP/ns.out" 2>/dev/null || rc=$?
assert_true "$rc in (2, 3)" '{}' "a stream with an unknown timeUnit is refused (bnc exit $rc)"
assert_eq "$(wc -l <"$LT_TMP/ns.out")" 0 "... before any message"
"$BNC" ws "$SIM_WS/ws/alphausdt@ticker?timeUnit=microsecond" --count 1 --timeout-ms 5000 >"$LT_TMP/us.out"
assert_true "j['e'] == '24hrTicker' and abs(j['E'] - $MS * 1000) < 60 * 10**6 and j['C'] > 10**15 and j['n'] < 10**9" \
    "$(cat "$LT_TMP/us.out")" "a market stream takes timeUnit too: the 24hrTicker's E and C in microseconds, its count not"

# ---- request weight per client IP ----
for i in 1 2 3; do http GET /api/v3/exchangeInfo; done
used1=$(jget 'j.get("x-mbx-used-weight-1m")' <<<"$HEADERS")
assert_true "int('$used1') >= 60" '{}' "127.0.0.1 has used $used1 weight"
used2=$(curl -s -o /dev/null -D - --interface 127.0.0.2 "http://127.0.0.1:$SIM_PORT/api/v3/time" |
        tr -d '\r' | sed -n 's/^x-mbx-used-weight-1m: //Ip')
assert_eq "$used2" 1 "127.0.0.2 counts its own weight (1 after one /api/v3/time)"

# ---- past the IP's weight the WebSocket API refuses too ----
sim_stop
sed '/^symbols = (/i limits = { weight_per_minute = 30; };\n' "$LT_TMP/sim.conf" >"$LT_TMP/sim-limit.conf"
while [ "$(date +%-S)" -ge 50 ]; do sleep 0.2; done # the two calls below in one minute window
sim_start --seed 45 --config "$LT_TMP/sim-limit.conf"
http GET /api/v3/exchangeInfo
http GET /api/v3/exchangeInfo
assert_eq "$STATUS" 429 "REST past 30 weight: 429"
"$BNC" ws "$SIM_WS/ws-api/v3" --send '{"id":1,"method":"time"}' --count 1 --timeout-ms 5000 >"$LT_TMP/w429.out"
assert_true 'j["status"] == 429 and j["error"]["code"] == -1003 and "result" not in j' \
    "$(cat "$LT_TMP/w429.out")" "the WS API past the IP's weight: 429 -1003, nothing done"
lt_done
