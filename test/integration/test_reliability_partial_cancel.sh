#!/usr/bin/env bash
# A partly filled order is cancelled and the remainder goes one rung up,
# while fills keep arriving: every match fills at most 15 % of an order
# (sim --fault partial=0.15), and a proxy holds every cancel 80 ms and every
# order query 30 ms before the venue sees it, so a resting rung fills more
# between the trader's decision and its cancel (late fills of a cancelled
# order, pushed while the cancel is on its way).  Read back from the simulator: the scenario
# happened (partly filled orders cancelled and followed by the next rung of
# the same round), never two live orders of a user at once (each order's
# [time, updateTime] ends before the next one starts), each window total
# equals the report's (late fills counted once), at or above target and not
# beyond it by more than one round, nothing open, base balances back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
declare -A ROUND=([alice]=50 [bob]=75)     # buy_amount in etc/demo.conf
# the proxy sits on the REST port: the cancels and queries must go over REST to meet it
rl_config 'order_transport = "rest";'
sim_start --seed 25 --fault partial=0.15
rl_proxy_start 'DELETE /api/v3/order lag=80' 'GET /api/v3/order lag=30'
trader_snapshot "${USERS[@]}"
trader_run --only alice,bob --target 150 --fill-timeout-ms 300 --rest-url "$PROXY_URL"
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    rl_orders "$u"
    n=$(rl_partial_retries)
    assert_true "$n >= 3" '{}' "$u: $n partly filled orders cancelled, then the next rung"
    rl_check_window "$u" 150 "${ROUND[$u]}"
    rl_check_counted_once "$u"
done
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"
lt_done
