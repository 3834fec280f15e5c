#!/usr/bin/env bash
# test_sim_userdata.sh - order and balance pushes, the three ways the
# simulator serves them: the WebSocket API (/ws-api/v3, several accounts'
# signed subscriptions on one connection, events wrapped with their
# subscriptionId), the legacy listenKey stream (/ws/<listenKey>), and the
# session-authenticated /ws/user whose upgrade carries a cookie + header.
. "$(dirname "$0")/lib.sh"

sed -E 's/volatility = [0-9.]+/volatility = 0.0/; s/trade_rate = [0-9.]+/trade_rate = 0.0/' \
    "$SIM_CONFIG_DEFAULT" >"$LT_TMP/still.conf"
sim_start --seed 41 --config "$LT_TMP/still.conf"

http GET /api/v3/ticker/bookTicker symbol=ALPHAUSDT
BID=$(jget 'j["bidPrice"]' <<<"$BODY")
ASK=$(jget 'j["askPrice"]' <<<"$BODY")
LOW=$(python3 -c "from decimal import Decimal as D; print((D('$BID') * D('0.9')).quantize(D('0.0001')))")
HIGH=$(python3 -c "from decimal import Decimal as D; print((D('$ASK') * D('1.02')).quantize(D('0.0001')))")

# Starts `bnc ws URL` in the background reading messages to send from a
# fifo (fd 6 writes to it); its output in $1.
ws_session() { # OUT URL [bnc ws options...]
    local out=$1 url=$2; shift 2
    rm -f "$LT_TMP/fifo" && mkfifo "$LT_TMP/fifo"
    "$BNC" ws "$url" --stdin --timeout-ms 25000 "$@" <"$LT_TMP/fifo" >"$out" 2>"$out.err" &
    WS_PID=$!
    LT_PIDS+=("$WS_PID")
    exec 6>"$LT_TMP/fifo"
}
send() { echo "$1" >&6; }
lines() { grep -c . "$1" 2>/dev/null || echo 0; }

# ---- WebSocket API: alice and bob on one connection ----
WS=$LT_TMP/wsapi.out
ws_session "$WS" "$SIM_WS/ws-api/v3"
auth_for alice; A_KEY=${AUTH[1]} A_SEC=${AUTH[3]}
auth_for bob; B_KEY=${AUTH[1]} B_SEC=${AUTH[3]}
send '{"id":"p1","method":"ping","params":{}}'
send "$("$BNC" wsapi-subscribe --key "$A_KEY" --secret "$A_SEC" --id 1)"
send "$("$BNC" wsapi-subscribe --key "$B_KEY" --secret "$B_SEC" --id 2)"
send '{"id":3,"method":"session.subscriptions","params":{}}'
wait_for_line "$WS" '"id":3' 5 || fail "no reply to session.subscriptions: $(cat "$WS" "$WS.err")"
assert_true 'any(m.get("id") == "p1" and m.get("status") == 200 and m.get("result") == {} for m in j)' "$(jlines 'j' "$WS")" "ping answered"
r1=$(jlines 'next(m for m in j if m.get("id") == 1)' "$WS")
r2=$(jlines 'next(m for m in j if m.get("id") == 2)' "$WS")
assert_true 'j["status"] == 200 and isinstance(j["result"]["subscriptionId"], int)' "$r1" "alice subscribed"
assert_true 'j["status"] == 200 and isinstance(j["result"]["subscriptionId"], int)' "$r2" "bob subscribed"
SA=$(jget 'j["result"]["subscriptionId"]' <<<"$r1")
SB=$(jget 'j["result"]["subscriptionId"]' <<<"$r2")
assert_ne "$SA" "$SB" "distinct subscription ids"
assert_true "j['status'] == 200 and sorted(s['subscriptionId'] for s in j['result']) == sorted([$SA, $SB])" \
    "$(jlines 'next(m for m in j if m.get("id") == 3)' "$WS")" "session.subscriptions lists both"

# alice: a resting order, then its cancel; bob: an IOC that fills.
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$LOW" newClientOrderId=ud-alice-1
AOID=$(jget 'j["orderId"]' <<<"$BODY")
http_as alice DELETE /api/v3/order symbol=ALPHAUSDT orderId="$AOID" newClientOrderId=ud-alice-cancel
http_as bob POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=10 price="$HIGH" newClientOrderId=ud-bob-1
BOID=$(jget 'j["orderId"]' <<<"$BODY")
BFILLS=$(jget 'len(j["fills"])' <<<"$BODY")
ev='[m["event"] for m in j if "event" in m and m.get("subscriptionId") == %s and m["event"]["e"] == "executionReport"]'
wait_until 5 python3 -c "
import json, sys
j = [json.loads(l) for l in open('$WS') if l.strip()]
a = $(printf "$ev" "$SA")
b = $(printf "$ev" "$SB")
sys.exit(0 if len(a) >= 2 and any(e['X'] == 'FILLED' for e in b) else 1)" ||
    fail "executionReports did not arrive: $(cat "$WS")"
all=$(jlines 'j' "$WS")
A_EV=$(jlines "$(printf "$ev" "$SA")" "$WS")
B_EV=$(jlines "$(printf "$ev" "$SB")" "$WS")
assert_true 'all(set(m) == {"subscriptionId", "event"} for m in j if "event" in m)' "$all" "events wrapped as {subscriptionId, event}"
assert_true "[(e['x'], e['X']) for e in j] == [('NEW', 'NEW'), ('CANCELED', 'CANCELED')]" "$A_EV" "alice gets NEW then CANCELED"
assert_true "all(e['i'] == $AOID and e['s'] == 'ALPHAUSDT' and e['S'] == 'BUY' and e['o'] == 'LIMIT' and e['f'] == 'GTC' for e in j)" "$A_EV" "with her order's id, symbol, side, type, tif"
assert_true "D(j[0]['q']) == 10 and D(j[0]['p']) == D('$LOW') and D(j[0]['z']) == 0 and j[0]['c'] == 'ud-alice-1' and j[0]['C'] == ''" "$A_EV" "NEW report: q, p, z, c, empty C"
assert_true "j[1]['c'] == 'ud-alice-cancel' and j[1]['C'] == 'ud-alice-1'" "$A_EV" "CANCELED report: c is the cancel's id, C the original"
fields='"e E s c S o f q p P F g C x X r i l z L n N T t I w m M O Z Y Q W V"'
assert_true "all(set($fields.split()) <= set(e) for e in j)" "$A_EV" "executionReport has every Binance field"
assert_true 'all(isinstance(e[k], int) for e in j for k in ("E", "T", "O", "i", "I", "t", "g")) and all(isinstance(e[k], bool) for e in j for k in ("w", "m", "M"))' \
    "$A_EV" "integer and boolean fields typed as Binance sends them"
assert_true "j[0]['w'] is True and j[0]['t'] == -1 and j[0]['r'] == 'NONE'" "$A_EV" "NEW: on the book, no trade"
assert_true "all(e['i'] == $BOID for e in j) and j[-1]['X'] == 'FILLED' and D(j[-1]['z']) == 10 and all(e['x'] == 'TRADE' for e in j if e['X'] in ('FILLED', 'PARTIALLY_FILLED'))" \
    "$B_EV" "bob gets TRADE reports ending FILLED"
assert_true "len([e for e in j if e['x'] == 'TRADE']) == $BFILLS" "$B_EV" "one TRADE report per fill"
# Binance's NEW report says w=true even for an order that cannot rest
# (captured MARKET NEW events carry "w":true); the report that takes the
# order off the book says false.
assert_true "j[0]['x'] == 'NEW' and j[0]['w'] is True and j[-1]['w'] is False" "$B_EV" "IOC: w true in NEW, false once FILLED"
assert_true "sum(D(e['l']) for e in j if e['x'] == 'TRADE') == D(j[-1]['z']) and sum(D(e['Y']) for e in j if e['x'] == 'TRADE') == D(j[-1]['Z'])" \
    "$B_EV" "last quantities add up to the cumulative ones"
assert_true "all(e['N'] == 'USDT' and D(e['n']) > 0 and e['m'] is False and e['t'] > 0 for e in j if e['x'] == 'TRADE')" "$B_EV" "trades carry quote commission, taker, trade id"
assert_true "any(m.get('subscriptionId') == $SA and m['event']['e'] == 'outboundAccountPosition' and any(b['a'] == 'USDT' for b in m['event']['B']) for m in j if 'event' in m)" \
    "$all" "alice gets outboundAccountPosition with USDT"
assert_true "not any(m.get('subscriptionId') == $SB and m['event'].get('i') == $AOID for m in j if 'event' in m)" "$all" "bob never sees alice's order"

# Unsubscribe alice: her later order is not pushed, bob's still are.
send "{\"id\":4,\"method\":\"userDataStream.unsubscribe\",\"params\":{\"subscriptionId\":$SA}}"
wait_for_line "$WS" '"id":4' 5 || fail "no reply to unsubscribe"
assert_true 'j["status"] == 200' "$(jlines 'next(m for m in j if m.get("id") == 4)' "$WS")" "unsubscribe answered"
n_alice=$(jlines "len([m for m in j if m.get('subscriptionId') == $SA])" "$WS")
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=10 price="$LOW"
http_as bob POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=10 price="$LOW" newClientOrderId=ud-bob-2
wait_for_line "$WS" 'ud-bob-2' 5 || fail "bob's push after alice's unsubscribe did not arrive"
assert_eq "$(jlines "len([m for m in j if m.get('subscriptionId') == $SA])" "$WS")" "$n_alice" "nothing more for alice after unsubscribe"
send '{"id":5,"method":"session.subscriptions","params":{}}'
wait_for_line "$WS" '"id":5' 5 || fail "no reply to the second session.subscriptions"
assert_true "[s['subscriptionId'] for s in j['result']] == [$SB]" "$(jlines 'next(m for m in j if m.get("id") == 5)' "$WS")" "only bob's subscription left"

# Bad requests on the WebSocket API answer with an error and keep the session.
send "$("$BNC" wsapi-subscribe --key "$A_KEY" --secret wrong-secret --id 6)"
send "$("$BNC" wsapi-subscribe --key "$A_KEY" --secret "$A_SEC" --id 7 --timestamp 1000)"
send '{"id":8,"method":"no.such.method","params":{}}'
send 'this is not json'
send '{"id":9,"method":"ping"}'
wait_for_line "$WS" '"id":9' 5 || fail "session died after bad requests: $(tail -n 5 "$WS")"
assert_true 'j["status"] == 400 and j["error"]["code"] == -1022' "$(jlines 'next(m for m in j if m.get("id") == 6)' "$WS")" "bad WS API signature: -1022"
assert_true 'j["status"] == 400 and j["error"]["code"] == -1021' "$(jlines 'next(m for m in j if m.get("id") == 7)' "$WS")" "stale WS API timestamp: -1021"
assert_true 'j["status"] == 400 and isinstance(j["error"]["code"], int)' "$(jlines 'next(m for m in j if m.get("id") == 8)' "$WS")" "unknown method answered with an error"
assert_true 'any(m.get("status") == 400 and m.get("id") is None for m in j)' "$(jlines 'j' "$WS")" "malformed JSON answered with an error"
assert_true 'j["status"] == 200' "$(jlines 'next(m for m in j if m.get("id") == 9)' "$WS")" "ping after the bad requests"
exec 6>&-
lt_stop_pid "$WS_PID" 1; lt_forget_pid "$WS_PID"

# ---- legacy listenKey ----
auth_for bob
http --key "$B_KEY" POST /api/v3/userDataStream
assert_true 'isinstance(j["listenKey"], str) and len(j["listenKey"]) >= 16' "$BODY" "listenKey created with the API key alone"
LK=$(jget 'j["listenKey"]' <<<"$BODY")
LKOUT=$LT_TMP/lk.out
lt_bg "$LKOUT" "$BNC" ws "$SIM_WS/ws/$LK" --match executionReport --count 1 --timeout-ms 8000
LKPID=$LT_LAST_PID
wait_for_line "$LKOUT.err" connected 5 || fail "listenKey stream did not connect: $(cat "$LKOUT.err")"
http_as bob POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$LOW" newClientOrderId=lk-bob-1
lt_wait_pid "$LKPID" 10
assert_eq $? 0 "an executionReport came on /ws/<listenKey>"
assert_true 'j[0]["e"] == "executionReport" and j[0]["c"] == "lk-bob-1" and j[0]["X"] == "NEW" and "subscriptionId" not in j[0]' "$(jlines j "$LKOUT")" "unwrapped, as the legacy stream sends it"
http --key "$B_KEY" PUT /api/v3/userDataStream listenKey="$LK"
assert_eq "$STATUS $BODY" "200 {}" "keep-alive PUT"
http --key "$B_KEY" PUT /api/v3/userDataStream listenKey=not-a-key
assert_error 400 -1125 "keep-alive of an unknown listenKey"
http --key "$B_KEY" DELETE /api/v3/userDataStream listenKey="$LK"
assert_eq "$STATUS $BODY" "200 {}" "listenKey closed"
"$BNC" ws "$SIM_WS/ws/$LK" --count 1 --timeout-ms 2000 >/dev/null 2>&1
rc=$?
[ $rc = 2 ] || [ $rc = 3 ] || fail "a closed listenKey's stream still connects and stays open (rc $rc)"
ok "a closed listenKey cannot be streamed (rc $rc)"
http POST /api/v3/userDataStream
assert_error_in 401 "-2014 -2015" "listenKey without an API key"
http_as bob DELETE /api/v3/openOrders symbol=ALPHAUSDT

# ---- session auth: /ws/user with erin's cookie + header ----
auth_for erin
UOUT=$LT_TMP/user.out
lt_bg "$UOUT" "$BNC" ws "$SIM_WS/ws/user" "${AUTH[@]}" --match executionReport --count 2 --timeout-ms 8000
UPID=$LT_LAST_PID
wait_for_line "$UOUT.err" connected 5 || fail "/ws/user with the session did not connect: $(cat "$UOUT.err")"
http_as erin POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$LOW" newClientOrderId=erin-1
assert_eq "$STATUS" 200 "erin places an order with her session"
http_as erin DELETE /api/v3/order symbol=ALPHAUSDT origClientOrderId=erin-1
assert_eq "$STATUS" 200 "and cancels it"
lt_wait_pid "$UPID" 10
assert_eq $? 0 "erin's two executionReports came on /ws/user"
assert_true '[(m.get("event", m)["X"], m.get("event", m).get("C") or m.get("event", m)["c"]) for m in j] == [("NEW", "erin-1"), ("CANCELED", "erin-1")]' \
    "$(jlines j "$UOUT")" "NEW then CANCELED for erin-1"
# Refused: the upgrade fails (2) or the server closes at once (3).
refused() { "$BNC" ws "$SIM_WS/ws/user" "$@" --count 1 --timeout-ms 2000 >/dev/null 2>&1; local rc=$?; [ $rc = 2 ] || [ $rc = 3 ]; }
refused || fail "/ws/user without the session is not refused"
ok "/ws/user without the session is refused"
refused --cookie "session=erin-session-cookie-55aa" --header "X-Session-Token: nope" || fail "/ws/user with a wrong token is not refused"
ok "/ws/user with a wrong token is refused"

assert_sim_serves
sim_stop
assert_eq $? 0 "SIGTERM stops the simulator cleanly"
lt_done
