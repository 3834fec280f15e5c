#!/usr/bin/env bash
# Issue 7: order_transport = "ws-api".  New orders go over each key user's
# WS API connection (order.place, signed like the user's subscription),
# not POST /api/v3/order: every user reaches its target; the trader's log
# shows exactly the key users' orders (as the venue holds them) answered
# over the WebSocket API and only erin's (a cookie user, who has no WS API
# connection: REST for her, as documented) over REST; and the simulator
# counted the key users' orders among its WS API requests (its
# POST /api/v3/order route counts the orders of both transports).  Then the simulator cuts every WebSocket
# every 700 ms: an order written before a cut is settled by a query (its
# outcome unknown), one never written goes over REST, and every user still
# reaches its target with no client id sent twice and never two live
# orders at once.  Last, the simulator places a quarter of the orders and
# closes the connection before their answer: each is an unknown outcome,
# settled by a query, never sent twice.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)
ONLY=alice,bob,carol,erin
sed -e 's|user_stream = "ws-api";|user_stream = "ws-api"; order_transport = "ws-api";|' \
    -e 's|log_level = "info";|log_level = "debug";|' "$LT_ROOT/etc/demo.conf" >"$LT_TMP/trader.conf"
grep -q 'order_transport = "ws-api"' "$LT_TMP/trader.conf" || fail "order_transport not set"
TRADER_CONFIG=$LT_TMP/trader.conf

STATS=$LT_TMP/stats.json
sim_start --seed 41 --stats-file "$STATS"
trader_snapshot "${USERS[@]}"
trader_run --only "$ONLY" --target 200
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
done
trader_check_target 200 "${USERS[@]}"
trader_check_flat "${USERS[@]}"
# This run's orders of u as the venue holds them.
venue_orders() {
    http_as_ok "$1" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    jget "len([o for o in j if o['clientOrderId'].startswith('lt.$(report_get 'j["run"]').')])" <<<"$BODY"
}
key_orders=0
for u in alice bob carol; do key_orders=$((key_orders + $(venue_orders "$u"))); done
ws_orders=$(grep -c "venue: WS API order.place: 0" "$TRADER_LOG" || true)
[ "$key_orders" -ge 6 ] || fail "only $key_orders orders of alice, bob and carol"
assert_eq "$ws_orders" "$key_orders" "alice's, bob's and carol's $key_orders orders went over the WebSocket API"
rest_orders=$(grep -c "venue: POST /api/v3/order:" "$TRADER_LOG" || true)
assert_eq "$rest_orders" "$(venue_orders erin)" "only erin's orders (a cookie user) went over REST"
sim_stop
assert_eq "$?" 0 "simulator stopped cleanly"
S=$(cat "$STATS")
assert_true "j['POST /api/v3/order']['calls'] == $key_orders + $rest_orders" "$S" \
    "the simulator placed exactly the $((key_orders + rest_orders)) orders"
assert_true "j['WS /ws-api/v3']['calls'] >= $key_orders + 3" "$S" \
    "the WS API carried the $key_orders orders besides the 3 subscriptions"

# Connections cut under the orders.
rm -f "$STATS"
TRADER_STATE=$LT_TMP/state2 TRADER_LOG=$LT_TMP/trader2.log TRADER_REPORT=$LT_TMP/report2.json
sim_start --seed 42 --stats-file "$STATS" --fault ws_drop_ms=700 --fault partial=0.3
trader_snapshot "${USERS[@]}"
trader_run --only "$ONLY" --target 200 --fill-timeout-ms 500
trader_check_survived 200 "drops" "${USERS[@]}"
drops=$(grep -c "fault ws_drop_ms: dropped" "$SIM_LOG" || true)
[ "$drops" -ge 1 ] || fail "the simulator never cut the connections during the run"
ok "the simulator cut every WebSocket $drops time(s) during the run"
ws_orders=$(grep -c "venue: WS API order.place: 0" "$TRADER_LOG" || true)
[ "$ws_orders" -ge 1 ] || fail "drops: no order went over the WebSocket API"
ok "drops: $ws_orders orders over the WebSocket API, $(grep -c 'venue: POST /api/v3/order:' "$TRADER_LOG" || true) over REST"
sim_stop

# Orders placed whose answer is lost with its connection: the venue holds
# the order, the trader cannot know it; each is settled by a query, none
# is sent again.
rm -f "$STATS"
TRADER_STATE=$LT_TMP/state3 TRADER_LOG=$LT_TMP/trader3.log TRADER_REPORT=$LT_TMP/report3.json
sim_start --seed 43 --stats-file "$STATS" --fault ws_order_drop=0.25
trader_snapshot "${USERS[@]}"
trader_run --only "$ONLY" --target 200
trader_check_survived 200 "lost answers" "${USERS[@]}"
lost=$(grep -c "fault ws_order_drop: order placed" "$SIM_LOG" || true)
[ "$lost" -ge 1 ] || fail "the simulator never lost an order's answer"
seen=$(grep -c "connection lost before the answer" "$TRADER_LOG" || true)
[ "$seen" -ge 1 ] || fail "the trader never met a lost answer"
ok "lost answers: the simulator dropped $lost answers with their connection, the trader settled $seen unknown outcome(s)"
sim_stop

# The request-latency histogram counts the orders sent over the WS API in
# the class REST's would be in.
TRADER_STATE=$LT_TMP/state4 TRADER_LOG=$LT_TMP/trader4.log TRADER_REPORT=$LT_TMP/report4.json
sim_start --seed 44
trader_start --only alice --target 100000 --lock-dir "$LT_TMP/locks" --metrics-addr 127.0.0.1:0
trader_metrics_port 0
wait_for_line "$TRADER_LOG" 'alice: round 3 ' 30 || fail "alice never reached round 3"
# a request is counted before its log line: the lines logged before the
# scrape are a floor of what it shows
ws_n=$(grep -c 'venue: WS API order.place: ' "$TRADER_LOG" || true)
rest_n=$(grep -c 'venue: POST /api/v3/order: ' "$TRADER_LOG" || true)
scrape_port "$METRICS_PORT" /metrics >"$LT_TMP/m.txt" || fail "scrape"
"$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" stop --all >/dev/null || fail "ctl stop --all"
trader_wait 30
n=$(sed -nE 's/^looptrader_http_request_duration_seconds_count\{class="order"\} ([0-9]+)$/\1/p' "$LT_TMP/m.txt")
[ "$ws_n" -ge 2 ] || fail "only $ws_n orders over the WebSocket API before the scrape"
[ "${n:-0}" -ge $((ws_n + rest_n)) ] ||
    fail "the latency histogram counted ${n:-none} order requests, fewer than the $ws_n over the WS API and $rest_n over REST"
ok "the latency histogram counted $n order requests ($ws_n over the WebSocket API, $rest_n over REST before the scrape)"
sim_stop
lt_done
