#!/usr/bin/env bash
# A flaky exchange, issue 4's fault mix: 5xx before and after execution
# (unknown outcomes settled by query, never re-sent), 429 with Retry-After,
# WebSocket drops every 1.5 s, lost pushes, partial fills and latency at once.  Every user still reaches its target, the exchange shows
# never two live orders per user, nothing open and base balances back.
# Once with the orders over REST, once over the WebSocket API (the
# default): http5xx, http429 and latency_ms hit both alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)

# scenario TRANSPORT: the run with order_transport = TRANSPORT
scenario() {
    TRADER_CONFIG=$LT_TMP/$1.conf TRADER_STATE=$LT_TMP/state-$1 TRADER_LOG=$LT_TMP/trader-$1.log
    TRADER_REPORT=$LT_TMP/report-$1.json
    trader_config_with "order_transport = \"$1\";" "$TRADER_CONFIG"
    sim_start --seed 18 --fault http5xx=0.05 --fault http429=0.02 --fault ws_drop_ms=1500 \
        --fault push_loss=0.2 --fault partial=0.3 --fault latency_ms=20
    trader_snapshot "${USERS[@]}"
    trader_run --target 150 --fill-timeout-ms 500 --log-level debug
    trader_check_survived 150 "$1" "${USERS[@]}"
}

scenario rest
sim_stop

scenario ws-api
# The WS API's own requests met the faults, and the orders went over it.
ws_orders=$(grep -c "venue: WS API order.place: 0" "$TRADER_LOG" || true)
[ "$ws_orders" -ge 6 ] || fail "ws-api: only $ws_orders orders went over the WebSocket API"
n429=$(grep -c "fault http429: WS API" "$SIM_LOG" || true)
n5xx=$(grep -c "fault http5xx: WS API" "$SIM_LOG" || true)
[ $((n429 + n5xx)) -ge 1 ] || fail "ws-api: no WS API request met a 429 or a 5xx"
ok "ws-api: $ws_orders orders over the WebSocket API; its requests met $n429 429s and $n5xx 5xx ($(grep -c 'fault http5xx: WS API order.place executed' "$SIM_LOG" || true) orders placed, then answered 500)"
sim_stop
lt_done
