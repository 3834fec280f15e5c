#!/usr/bin/env bash
# test_sim_faults.sh - the simulator's fault injection does what the trader's
# tests rely on: http429 (429 -1003 + Retry-After), http5xx (some executed
# anyway), both over REST and the WebSocket API, latency_ms, partial (fills capped per match), push_loss (some
# executionReports never sent), ws_drop_ms (connections cut); and --seed
# makes the market reproducible.
. "$(dirname "$0")/lib.sh"

still() {
    sed -E 's/volatility = [0-9.]+/volatility = 0.0/; s/trade_rate = [0-9.]+/trade_rate = 0.0/' \
        "$SIM_CONFIG_DEFAULT" >"$LT_TMP/still.conf"
    echo "$LT_TMP/still.conf"
}
price() { # price bid|ask FACTOR -> rounded to the tick; fails unless HTTP 200
    http GET /api/v3/ticker/bookTicker symbol=ALPHAUSDT
    [ "$STATUS" = 200 ] || return 1
    python3 -c "from decimal import Decimal as D; print((D('$(jget "j['${1}Price']" <<<"$BODY")') * D('$2')).quantize(D('0.0001')))"
}

# ---- http429 ----
sim_start --seed 61 --fault http429=0.5
n429=0 n200=0
for i in $(seq 30); do
    http GET /api/v3/ping
    case $STATUS in
        200) n200=$((n200 + 1)) ;;
        429) n429=$((n429 + 1)); last429=$BODY; h429=$HEADERS ;;
        *) fail "http429: unexpected HTTP $STATUS $BODY" ;;
    esac
done
[ $n429 -gt 0 ] && [ $n200 -gt 0 ] || fail "http429=0.5: $n429 x 429 and $n200 x 200 of 30"
ok "http429=0.5: $n429 of 30 requests got 429"
BODY=$last429 STATUS=429 assert_error 429 -1003 "429 body is Binance's -1003"
assert_true 'int(j["retry-after"]) >= 1' "$h429" "429 carries Retry-After"
# WebSocket API requests for REST endpoints meet it too, answered as
# Binance's rate-limited ones (error.data: serverTime, retryAfter); the
# WS API's own methods (ping) do not
sends=()
for i in $(seq 30); do
    sends+=(--send "{\"id\":$i,\"method\":\"ticker.price\",\"params\":{\"symbol\":\"ALPHAUSDT\"}}")
done
"$BNC" ws "$SIM_WS/ws-api/v3" "${sends[@]}" --send '{"id":"p","method":"ping"}' --count 31 \
    --timeout-ms 5000 >"$LT_TMP/ws429.out" 2>"$LT_TMP/ws429.err" ||
    fail "ws429: $(cat "$LT_TMP/ws429.out" "$LT_TMP/ws429.err")"
python3 - "$LT_TMP/ws429.out" <<'PY' || fail "http429 over the WebSocket API"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
t = [m for m in a if m["id"] != "p"]
lim = [m for m in t if m["status"] == 429]
assert all(m["status"] in (200, 429) for m in t), t
assert lim and len(lim) < len(t), f"{len(lim)} of {len(t)} answered 429"
for m in lim:
    e = m["error"]
    assert e["code"] == -1003 and e["data"]["retryAfter"] == e["data"]["serverTime"] + 1000, m
    assert m["rateLimits"][0]["rateLimitType"] == "REQUEST_WEIGHT", m
assert [m["status"] for m in a if m["id"] == "p"] == [200], "ping refused"
print(f"# WS API: {len(lim)} of {len(t)} ticker.price answered 429 -1003 with retryAfter")
PY
ok "http429=0.5 over the WebSocket API: 429 -1003 with error.data.retryAfter, ping untouched"
sim_stop

# ---- http5xx: some failed requests were executed anyway ----
sim_start --seed 62 --config "$(still)" --fault http5xx=0.5
for try in $(seq 10); do low=$(price bid 0.9 2>/dev/null) && break; done
[ -n "$low" ] || fail "no bookTicker through http5xx=0.5"
n5xx=0 n_ok=0 executed=0 lost=()
for i in $(seq 16); do
    http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" newClientOrderId="f5xx-$i"
    case $STATUS in
        200) n_ok=$((n_ok + 1)) ;;
        500|502|503|504) n5xx=$((n5xx + 1)); lost+=("f5xx-$i") ;;
        *) fail "http5xx: unexpected HTTP $STATUS $BODY" ;;
    esac
done
[ $n5xx -gt 0 ] && [ $n_ok -gt 0 ] || fail "http5xx=0.5: $n5xx x 5xx and $n_ok x 200 of 16"
ok "http5xx=0.5: $n5xx of 16 orders answered 5xx"
for cid in "${lost[@]}"; do
    for try in 1 2 3 4 5 6 7 8 9 10; do
        http_as alice GET /api/v3/order symbol=ALPHAUSDT origClientOrderId="$cid"
        [ "${STATUS:0:1}" = 5 ] || break
    done
    [ "$STATUS" = 200 ] && executed=$((executed + 1))
done
ok "of the $n5xx orders answered 5xx, $executed were executed anyway (found by client id)"
[ "$n5xx" -lt 3 ] || { [ $executed -gt 0 ] && [ $executed -lt $n5xx ]; } ||
    fail "http5xx: expected some but not all 5xx-answered orders to exist ($executed of $n5xx)"
# over the WebSocket API: signed order.place requests, some answered 5xx,
# of those some executed anyway (the simulator logs which)
auth_for alice
sends=()
for i in $(seq 16); do
    sends+=(--send "$("$BNC" wsapi --key "${AUTH[1]}" --secret "${AUTH[3]}" --id "$i" order.place \
        symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" \
        newClientOrderId="w5xx-$i")")
done
"$BNC" ws "$SIM_WS/ws-api/v3" "${sends[@]}" --count 16 --timeout-ms 5000 >"$LT_TMP/ws5xx.out" 2>"$LT_TMP/ws5xx.err" ||
    fail "ws5xx: $(cat "$LT_TMP/ws5xx.out" "$LT_TMP/ws5xx.err")"
w5xx=$(jlines 'len([m for m in j if m["status"] in (500, 503)])' "$LT_TMP/ws5xx.out")
wok=$(jlines 'len([m for m in j if m["status"] == 200])' "$LT_TMP/ws5xx.out")
[ "$w5xx" -gt 0 ] && [ $((w5xx + wok)) = 16 ] || fail "http5xx over the WS API: $(cat "$LT_TMP/ws5xx.out")"
wafter=$(grep -c "fault http5xx: WS API order.place executed, answered 500" "$SIM_LOG" || true)
assert_true "$wafter == len([m for m in j if m['status'] == 500 and m['error']['code'] == -1000])" \
    "$(jlines 'j' "$LT_TMP/ws5xx.out")" "WS API: each 500 -1000 is an order the simulator executed"
for try in $(seq 10); do
    http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT limit=1000
    [ "$STATUS" = 200 ] && break
done
assert_true "len([o for o in j if o['clientOrderId'].startswith('w5xx-')]) == $wok + $wafter" "$BODY" \
    "WS API: the venue holds the $wok orders answered 200 and the $wafter answered 500, not the 503s"
ok "http5xx=0.5 over the WebSocket API: $w5xx of 16 order.place answered 5xx, $wafter executed anyway"
sim_stop

# ---- latency_ms ----
sim_start --seed 63 --fault latency_ms=250
t0=$(date +%s%3N)
http GET /api/v3/ping
t1=$(date +%s%3N)
assert_eq "$STATUS" 200 "ping with latency_ms=250"
[ $((t1 - t0)) -ge 250 ] || fail "latency_ms=250: ping took $((t1 - t0)) ms"
ok "latency_ms=250: ping took $((t1 - t0)) ms"
# A delayed answer must not make lws's completion of an empty body
# (Content-Length: 0) run the request a second time.
http_as alice --raw-body "" POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC \
    quantity=10 price=1.0 newClientOrderId=latency-once
assert_eq "$STATUS" 200 "latency_ms=250: an order with its parameters in the query"
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT
assert_true 'sum(o["clientOrderId"] == "latency-once" for o in j) == 1' "$BODY" \
    "latency_ms=250: the delayed order was executed once"
# WebSocket API answers are delayed too, in their order; pushes are not: an
# order's executionReport comes before its order.place answer
low=$(price bid 0.9)
auth_for alice
t0=$(date +%s%3N)
"$BNC" ws "$SIM_WS/ws-api/v3" --send "$("$BNC" wsapi-subscribe --key "${AUTH[1]}" --secret "${AUTH[3]}" --id 1)" \
    --send "$("$BNC" wsapi --key "${AUTH[1]}" --secret "${AUTH[3]}" --id 2 order.place symbol=ALPHAUSDT \
        side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" newClientOrderId=ws-latency)" \
    --send '{"id":3,"method":"ping"}' --count 5 \
    --timeout-ms 5000 >"$LT_TMP/wslat.out" 2>"$LT_TMP/wslat.err" ||
    fail "latency_ms over the WS API: $(cat "$LT_TMP/wslat.out" "$LT_TMP/wslat.err")"
t1=$(date +%s%3N)
python3 - "$LT_TMP/wslat.out" <<'PY' || fail "latency_ms=250 over the WebSocket API: $(cat "$LT_TMP/wslat.out")"
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = [m["id"] for m in a if "id" in m]
assert ids == [1, 2, 3], f"answers out of order: {ids}"
assert all(m["status"] == 200 for m in a if "id" in m), a
push = [i for i, m in enumerate(a) if m.get("event", {}).get("c") == "ws-latency"]
assert push, f"no executionReport of the order: {a}"
assert push[0] < [i for i, m in enumerate(a) if m.get("id") == 2][0], "the answer came before the push"
PY
[ $((t1 - t0)) -ge 250 ] || fail "latency_ms=250: the WS API answers took $((t1 - t0)) ms"
ok "latency_ms=250 over the WebSocket API: 3 answers in order after $((t1 - t0)) ms, the order's push first"
sim_stop

# ---- partial: at most 30 % of an order per match ----
sim_start --seed 64 --config "$(still)" --fault partial=0.3
high=$(price ask 1.005)
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=IOC quantity=100 price="$high"
assert_true 'j["status"] == "EXPIRED" and 0 < D(j["executedQty"]) <= 30' "$BODY" "partial=0.3: IOC of 100 fills at most 30, the rest expires"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=100 price="$high"
assert_true 'j["status"] == "PARTIALLY_FILLED" and 0 < D(j["executedQty"]) <= 30' "$BODY" "partial=0.3: marketable GTC of 100 is PARTIALLY_FILLED and rests"
gid=$(jget 'j["orderId"]' <<<"$BODY")
# The rest keeps matching, at most 30 % a time, on the following ticks.
filled() { http_as alice GET /api/v3/order symbol=ALPHAUSDT orderId="$gid"; [[ "$BODY" == *'"FILLED"'* ]]; }
wait_until 5 filled || fail "partial=0.3: the GTC did not fill over the next ticks: $BODY"
ok "the resting rest fills over the following ticks"
http_as alice GET /api/v3/myTrades symbol=ALPHAUSDT orderId="$gid"
assert_true 'len(j) >= 4 and sum(D(t["qty"]) for t in j) == 100 and max(D(t["qty"]) for t in j) <= 30' "$BODY" "in at least 4 fills of at most 30"
sim_stop

# ---- push_loss: some executionReports are not sent ----
sim_start --seed 65 --config "$(still)" --fault push_loss=0.5
low=$(price bid 0.9)
out=$LT_TMP/loss.out
auth_for alice
lt_bg "$out" "$BNC" ws "$SIM_WS/ws-api/v3" --send "$("$BNC" wsapi-subscribe --key "${AUTH[1]}" --secret "${AUTH[3]}" --id 1)" --timeout-ms 30000
WPID=$LT_LAST_PID
wait_for_line "$out" '"id":1' 5 || fail "push_loss: no subscribe reply: $(cat "$out" "$out.err")"
for i in $(seq 15); do
    http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low" newClientOrderId="loss-$i"
    http_as alice DELETE /api/v3/order symbol=ALPHAUSDT origClientOrderId="loss-$i" newClientOrderId="loss-c-$i"
done
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=BUY type=LIMIT timeInForce=GTC quantity=10 price="$low"
sleep 0.5
lt_stop_pid "$WPID" 1; lt_forget_pid "$WPID"
got=$(jlines 'len([m for m in j if m.get("event", {}).get("e") == "executionReport" and (m["event"]["c"].startswith("loss-") or m["event"]["C"].startswith("loss-"))])' "$out")
[ "$got" -gt 0 ] && [ "$got" -lt 30 ] || fail "push_loss=0.5: $got of 30 executionReports arrived"
ok "push_loss=0.5: $got of 30 executionReports arrived"
http_as alice GET /api/v3/allOrders symbol=ALPHAUSDT
assert_true 'len([o for o in j if o["clientOrderId"].startswith("loss-") and o["status"] == "CANCELED"]) == 15' "$BODY" "the orders themselves all happened"
sim_stop

# ---- ws_drop_ms: connections are cut ----
sim_start --seed 66 --fault ws_drop_ms=700
t0=$(date +%s%3N)
# exit 3: the server closed the stream, long before the client's timeout
# (exit 1) for a stream that nothing cuts
"$BNC" ws "$SIM_WS/ws/alphausdt@bookTicker" --count 100000 --timeout-ms 10000 >"$LT_TMP/drop.out" 2>&1
rc=$?
t1=$(date +%s%3N)
assert_eq $rc 3 "ws_drop_ms=700: the server closed the stream (after $((t1 - t0)) ms)"
"$BNC" ws "$SIM_WS/ws-api/v3" --send '{"id":1,"method":"ping"}' --count 100 --timeout-ms 5000 >/dev/null 2>&1
assert_eq $? 3 "ws_drop_ms=700: WebSocket API connections are cut too"
assert_sim_serves "HTTP with ws_drop_ms"
sim_stop

# ---- --seed: the same seed replays the same market ----
bt() { # bt SEED OUT: 2 s of bookTicker events and the trades of a fresh simulator
    sim_start --seed "$1"
    "$BNC" ws "$SIM_WS/ws/alphausdt@bookTicker" --timeout-ms 2000 >"$2" 2>/dev/null
    http GET /api/v3/trades symbol=ALPHAUSDT limit=1000
    echo "$BODY" >"$2.trades"
    sim_stop
}
bt 7 "$LT_TMP/s7a"; bt 7 "$LT_TMP/s7b"; bt 8 "$LT_TMP/s8"
python3 - "$LT_TMP/s7a" "$LT_TMP/s7b" "$LT_TMP/s8" <<'EOF' || fail "seed reproducibility"
import json, sys
def load(f):
    ev = {}
    for l in open(f):
        if l.strip():
            e = json.loads(l)
            ev[e["u"]] = (e["b"], e["a"])
    trades = {t["id"]: (t["price"], t["qty"]) for t in json.load(open(f + ".trades"))}
    return ev, trades
(a, ta), (b, tb), (c, tc) = load(sys.argv[1]), load(sys.argv[2]), load(sys.argv[3])
common = sorted(set(a) & set(b))
assert len(common) >= 5, f"only {len(common)} common update ids"
diff = [u for u in common if a[u] != b[u]]
assert not diff, f"seed 7 twice differs at u={diff[:3]}: {[(a[u], b[u]) for u in diff[:3]]}"
tcommon = sorted(set(ta) & set(tb))
assert all(ta[i] == tb[i] for i in tcommon), "seed 7 twice: public trades differ"
other = sorted(set(a) & set(c))
assert any(a[u] != c[u] for u in other), "seed 8 gives the same prices as seed 7"
print(f"# seed 7 twice: {len(common)} bookTicker updates and {len(tcommon)} trades identical; seed 8 differs")
EOF
ok "same seed, same market; another seed, another market"
lt_done
