#!/usr/bin/env bash
# An order request whose outcome is unknown although the venue executed
# it: the answer comes after the trader's request timeout (exchange
# timeout_ms = 800, answer held 1500 ms) or a 500 -1000 after execution;
# also a 503 -1001 before execution (never placed).  A proxy applies these
# to chosen POST /api/v3/order requests only (a connection closed without
# an answer: test_reliability_order_dropped).  The trader must settle each by a query on its client id,
# never re-send it, and count its fills once: read back from the simulator,
# every hit order exists exactly once (the 503 one not at all), the window
# buy total equals the report's, targets are reached without overfill,
# nothing is open, base balances are back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice carol)        # GTC and IOC
# the proxy sits on the REST port: the orders must go over REST to meet it
rl_config 'timeout_ms = 800; order_transport = "rest";'
sim_start --seed 21
rl_proxy_start 'POST /api/v3/order delay=1500 skip=1 count=2' \
               'POST /api/v3/order fail500 skip=4 count=2' \
               'POST /api/v3/order fail503 skip=7 count=1'
trader_snapshot "${USERS[@]}"
trader_run --only alice,carol --target 200 --rest-url "$PROXY_URL"
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
hits=$(rl_proxy_hits)
assert_true "$hits == 5" '{}' "the proxy hit 5 order requests ($(rl_proxy_hits delay) late, $(rl_proxy_hits fail500) 500, $(rl_proxy_hits fail503) 503)"
unknown=$(grep -c "outcome unknown" "$TRADER_LOG" || true)
assert_true "$unknown >= 5" '{}' "the trader saw $unknown unknown outcomes and settled them by query"
rl_check_sent_once
rl_check_hit_orders "${USERS[@]}"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    rl_check_ids_once "$u"
    rl_check_counted_once "$u"
    rl_check_window "$u" 200 50
done
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"
lt_done
