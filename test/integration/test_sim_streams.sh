#!/usr/bin/env bash
# test_sim_streams.sh - public market streams: /ws/<stream>, combined
# /stream?streams=, the SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS
# methods, and a local order book kept from a REST snapshot plus @depth diff
# events whose U/u continue the snapshot's lastUpdateId.
. "$(dirname "$0")/lib.sh"

sim_start --seed 51

# ---- a single raw stream ----
out=$LT_TMP/bt.out
"$BNC" ws "$SIM_WS/ws/alphausdt@bookTicker" --count 5 --timeout-ms 5000 >"$out" 2>/dev/null
assert_eq $? 0 "five bookTicker events on /ws/alphausdt@bookTicker"
assert_true 'all(set(e) >= {"u", "s", "b", "B", "a", "A"} and e["s"] == "ALPHAUSDT" for e in j)' "$(jlines j "$out")" "bookTicker fields u s b B a A"
assert_true 'all(D(e["b"]) < D(e["a"]) and D(e["B"]) > 0 and D(e["A"]) > 0 for e in j)' "$(jlines j "$out")" "bid < ask, sizes > 0"
assert_true 'all(x["u"] < y["u"] for x, y in zip(j, j[1:]))' "$(jlines j "$out")" "update ids increase"

# ---- combined streams ----
out=$LT_TMP/combined.out
"$BNC" ws "$SIM_WS/stream?streams=alphausdt@bookTicker/alphausdt@trade/alphausdt@ticker/alphausdt@miniTicker/betausdt@bookTicker/alphausdt@depth@100ms/alphausdt@depth5@100ms/alphausdt@kline_1m" \
    --timeout-ms 3500 >"$out" 2>/dev/null
assert_eq $? 0 "combined stream ran"
all=$(jlines j "$out")
assert_true 'all(set(m) == {"stream", "data"} for m in j)' "$all" "combined events wrapped as {stream, data}"
assert_true '{m["stream"] for m in j} == {"alphausdt@bookTicker", "alphausdt@trade", "alphausdt@ticker", "alphausdt@miniTicker", "betausdt@bookTicker", "alphausdt@depth@100ms", "alphausdt@depth5@100ms", "alphausdt@kline_1m"}' \
    "$all" "every requested stream delivered within 3.5 s"
assert_true 'all(m["data"]["s"] == m["stream"].split("@")[0].upper() for m in j if "depth5" not in m["stream"])' "$all" "each event is for its stream's symbol"
assert_true 'all(m["data"]["e"] == "trade" and set(m["data"]) >= {"E", "t", "p", "q", "T", "m"} for m in j if m["stream"].endswith("@trade"))' "$all" "trade events"
assert_true 'all(m["data"]["e"] == "24hrTicker" and set(m["data"]) >= {"E", "p", "P", "w", "c", "Q", "b", "a", "o", "h", "l", "v", "q", "O", "C", "F", "L", "n"} for m in j if m["stream"].endswith("@ticker"))' \
    "$all" "24hrTicker events"
assert_true 'all(m["data"]["e"] == "24hrMiniTicker" and set(m["data"]) >= {"E", "c", "o", "h", "l", "v", "q"} for m in j if m["stream"].endswith("@miniTicker"))' \
    "$all" "24hrMiniTicker events"
assert_true 'all(set(m["data"]) == {"lastUpdateId", "bids", "asks"} and len(m["data"]["bids"]) == len(m["data"]["asks"]) == 5 for m in j if m["stream"] == "alphausdt@depth5@100ms")' \
    "$all" "partial book @depth5: lastUpdateId and 5 levels a side"
assert_true 'all(m["data"]["e"] == "kline" and m["data"]["k"]["i"] == "1m" and m["data"]["k"]["t"] % 60000 == 0 and m["data"]["k"]["T"] == m["data"]["k"]["t"] + 59999 and D(m["data"]["k"]["l"]) <= min(D(m["data"]["k"]["o"]), D(m["data"]["k"]["c"])) <= max(D(m["data"]["k"]["o"]), D(m["data"]["k"]["c"])) <= D(m["data"]["k"]["h"]) for m in j if m["stream"] == "alphausdt@kline_1m")' \
    "$all" "kline events: 1m interval, aligned, OHLC consistent"
assert_true 'all((k["f"], k["L"]) == (-1, -1) if k["n"] == 0 else k["L"] - k["f"] + 1 == k["n"] for k in (m["data"]["k"] for m in j if m["stream"] == "alphausdt@kline_1m"))' \
    "$all" "kline events: first and last trade ids span the n trades"
depth='[m["data"] for m in j if m["stream"] == "alphausdt@depth@100ms"]'
assert_true "len($depth) >= 5 and all(b['U'] == a['u'] + 1 for a, b in zip($depth, $depth[1:]))" "$all" "moving market: depth U/u without gaps"

# ---- SUBSCRIBE / LIST_SUBSCRIPTIONS / UNSUBSCRIBE on a /ws connection ----
out=$LT_TMP/sub.out
"$BNC" ws "$SIM_WS/ws" \
    --send '{"method":"SUBSCRIBE","params":["alphausdt@trade","betausdt@bookTicker"],"id":1}' \
    --send '{"method":"LIST_SUBSCRIPTIONS","id":2}' \
    --send '{"method":"UNSUBSCRIBE","params":["betausdt@bookTicker"],"id":3}' \
    --send '{"method":"LIST_SUBSCRIPTIONS","id":4}' \
    --send '{"method":"FLY","id":5}' \
    --send 'not json' \
    --send '{"method":"LIST_SUBSCRIPTIONS","id":6}' \
    --match '"id"' --count 7 --timeout-ms 5000 >"$out" 2>"$out.err"
assert_eq $? 0 "seven replies to the stream methods"
all=$(jlines j "$out")
reply='next(m for m in j if m.get("id") == %s)'
assert_true "$(printf "$reply" 1) == {'result': None, 'id': 1}" "$all" "SUBSCRIBE answers {result: null, id}"
assert_true "sorted($(printf "$reply" 2)['result']) == ['alphausdt@trade', 'betausdt@bookTicker']" "$all" "LIST_SUBSCRIPTIONS lists both"
assert_true "$(printf "$reply" 3) == {'result': None, 'id': 3}" "$all" "UNSUBSCRIBE answers {result: null, id}"
assert_true "$(printf "$reply" 4)['result'] == ['alphausdt@trade']" "$all" "one stream left"
assert_true "'error' in $(printf "$reply" 5) or 'code' in $(printf "$reply" 5)" "$all" "unknown method answered with an error"
assert_true "$(printf "$reply" 6)['result'] == ['alphausdt@trade']" "$all" "the connection survives bad requests"

# ---- a local book from a REST snapshot and @depth@100ms diffs ----
# Still market: the book moves only by our orders, so the rebuilt book must
# equal a later snapshot exactly.
sed -E 's/volatility = [0-9.]+/volatility = 0.0/; s/trade_rate = [0-9.]+/trade_rate = 0.0/' \
    "$SIM_CONFIG_DEFAULT" >"$LT_TMP/still.conf"
sim_start --seed 52 --config "$LT_TMP/still.conf"
out=$LT_TMP/depth.out
lt_bg "$out" "$BNC" ws "$SIM_WS/ws/alphausdt@depth@100ms" --timeout-ms 30000
DPID=$LT_LAST_PID
wait_for_line "$out.err" connected 5 || fail "depth stream did not connect"
sleep 0.3
http GET /api/v3/depth symbol=ALPHAUSDT limit=1000
snap1=$BODY
BID=$(jget 'j["bids"][0][0]' <<<"$snap1")
ASK=$(jget 'j["asks"][0][0]' <<<"$snap1")
tick() { python3 -c "from decimal import Decimal as D; print(D('$1') + D('0.0001') * $2)"; }
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=7 price="$(tick "$BID" -2)"
http_as bob POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=50 price="$(tick "$BID" 1)"
http_as carol POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=45 price="$(tick "$ASK" 1)"
http_as alice DELETE /api/v3/openOrders symbol=ALPHAUSDT
sleep 0.4
http GET /api/v3/depth symbol=ALPHAUSDT limit=1000
snap2=$BODY
# the stream is read until its events reach the second snapshot (not for
# a fixed time, which a loaded machine may spend on the requests above)
L2=$(jget 'j["lastUpdateId"]' <<<"$snap2")
reached() { [ "$(jlines "any(e['u'] >= $L2 for e in j)" "$out" 2>/dev/null)" = true ]; }
wait_until 20 reached || fail "the depth stream never reached the second snapshot's update $L2"
lt_stop_pid "$DPID" 2; lt_forget_pid "$DPID"
python3 - "$out" "$snap1" "$snap2" <<'EOF' || fail "local book from snapshot + diffs"
import json, sys
from decimal import Decimal as D
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s1, s2 = json.loads(sys.argv[2]), json.loads(sys.argv[3])
assert ev, "no depth events"
assert all(e["e"] == "depthUpdate" and e["s"] == "ALPHAUSDT" for e in ev), "not depthUpdate events"
for a, b in zip(ev, ev[1:]):
    assert b["U"] == a["u"] + 1, f"gap between events: u={a['u']} then U={b['U']}"
L1, L2 = s1["lastUpdateId"], s2["lastUpdateId"]
assert L2 > L1, f"our orders did not move lastUpdateId ({L1} -> {L2})"
book = {"b": {D(p): D(q) for p, q in s1["bids"]}, "a": {D(p): D(q) for p, q in s1["asks"]}}
todo = [e for e in ev if e["u"] > L1]
assert todo and todo[0]["U"] <= L1 + 1, f"first event after the snapshot starts at U={todo[0]['U'] if todo else None}, snapshot {L1}"
last = L1
for e in todo:
    if e["u"] > L2:
        break
    for side in "ba":
        for p, q in e[side]:
            if D(q) == 0:
                book[side].pop(D(p), None)
            else:
                book[side][D(p)] = D(q)
    last = e["u"]
assert last == L2, f"events end at u={last}, second snapshot at {L2}"
for side, key in (("b", "bids"), ("a", "asks")):
    want = [(D(p), D(q)) for p, q in s2[key]]
    got = sorted(book[side].items(), reverse=(side == "b"))[:len(want)]
    assert got == want, f"{key} differ: rebuilt {got[:4]} vs snapshot {want[:4]}"
print(f"# {len(todo)} diff events applied from {L1} to {L2}")
EOF
ok "U/u continue lastUpdateId and the rebuilt book equals the next snapshot"

assert_sim_serves
sim_stop
assert_eq $? 0 "SIGTERM stops the simulator cleanly"
lt_done
