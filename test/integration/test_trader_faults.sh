#!/usr/bin/env bash
# A flaky exchange, issue 4's fault mix: 5xx before and after execution
# (unknown outcomes settled by query, never re-sent), 429 with Retry-After,
# WebSocket drops every 1.5 s, lost pushes, partial fills and latency at once.  Every user still reaches its target, the exchange shows
# never two live orders per user, nothing open and base balances back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

USERS=(alice bob carol erin)
sim_start --seed 18 --fault http5xx=0.05 --fault http429=0.02 --fault ws_drop_ms=1500 \
    --fault push_loss=0.2 --fault partial=0.3 --fault latency_ms=20
trader_snapshot "${USERS[@]}"
trader_run --target 150 --fill-timeout-ms 500
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
done
trader_check_target 150 "${USERS[@]}"
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"
# Each client id reached the exchange at most once.
for u in "${USERS[@]}"; do
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    assert_true 'len([o["clientOrderId"] for o in j]) == len(set(o["clientOrderId"] for o in j))' \
        "$BODY" "$u: no client id sent twice"
done
lt_done
