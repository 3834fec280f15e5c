#!/usr/bin/env bash
# A flaky exchange, issue 4's fault mix: 5xx before and after execution
# (unknown outcomes settled by query, never re-sent), 429 with Retry-After,
# WebSocket drops every 1.5 s, lost pushes, partial fills and latency at once.  Every user still reaches its target, the exchange shows
# never two live orders per user, nothing open and base balances back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)
# http5xx and http429 hit REST requests only: the orders must go over REST to
# meet them (test_ws_orders runs the WS API's own faults)
TRADER_CONFIG=$LT_TMP/rest.conf
trader_config_with 'order_transport = "rest";' "$TRADER_CONFIG"
sim_start --seed 18 --fault http5xx=0.05 --fault http429=0.02 --fault ws_drop_ms=1500 \
    --fault push_loss=0.2 --fault partial=0.3 --fault latency_ms=20
trader_snapshot "${USERS[@]}"
trader_run --target 150 --fill-timeout-ms 500
trader_check_survived 150 "" "${USERS[@]}"
lt_done
