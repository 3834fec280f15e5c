#!/usr/bin/env bash
# A cancel request whose outcome is unknown: its answer comes after the
# trader's request timeout (exchange timeout_ms = 800, answer held 1500 ms),
# or as a 500 -1000 after the venue cancelled, or the connection closes
# without an answer; or a 503 -1001 before the venue saw it (the order is
# still live).  Partial fills (sim --fault partial=0.3) and a short fill
# timeout make every rung end in a cancel; a proxy applies the faults to
# chosen DELETE /api/v3/order requests only.  The trader must learn each
# order's final state by query (cancelling again while it is still live)
# before it sends the next rung: read back from the simulator, never two
# live orders at once, every order hit is final, fills counted once, targets
# reached without overfill, nothing open, base balances back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
# the proxy sits on the REST port: the orders must go over REST to meet it
rl_config 'timeout_ms = 800; order_transport = "rest";'
sim_start --seed 24 --fault partial=0.3
rl_proxy_start 'DELETE /api/v3/order delay=1500 count=2' \
               'DELETE /api/v3/order fail500 skip=3 count=2' \
               'DELETE /api/v3/order drop skip=6 count=1' \
               'DELETE /api/v3/order fail503 skip=8 count=2'
trader_snapshot "${USERS[@]}"
trader_run --only alice,bob --target 150 --fill-timeout-ms 150 --rest-url "$PROXY_URL"
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
echo "# cancels sent: $(awk '$2 == "DELETE"' "$PROXY_TRACE" | wc -l); faults: $(rl_proxy_hits delay) late, $(rl_proxy_hits fail500) 500, $(rl_proxy_hits drop) dropped, $(rl_proxy_hits fail503) 503"
assert_eq "$(rl_proxy_hits)" 7 "the proxy hit 7 cancel requests"
rl_check_hit_orders "${USERS[@]}"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    rl_check_counted_once "$u"
    rl_check_window "$u" 150 75
done
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"
lt_done
