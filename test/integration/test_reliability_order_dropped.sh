#!/usr/bin/env bash
# An order request that the venue executed but whose connection then closed
# without an answer (a load balancer reset, say): the outcome is unknown,
# so the trader must settle it by a query on its client id and must never
# send it again.  An HTTP client that silently retries a request on a dead
# keep-alive connection re-sends it, and the venue (which deduplicates client
# ids among open orders only) fills it twice.  A proxy drops the answers of
# a buy and of a sell (POST /api/v3/order); read back from the simulator: each
# client id exists once, the window total equals the report's, the target
# is reached without overfill, nothing is open, base balances are back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
# the proxy sits on the REST port: the orders must go over REST to meet it
rl_config 'timeout_ms = 800; order_transport = "rest";'
sim_start --seed 23
# alice (user 0) loses the answer to round 2's first buy, bob (user 1) to
# round 2's first sell.
rl_proxy_start 'POST /api/v3/order drop has=.0.2.b1& count=1' \
               'POST /api/v3/order drop has=.1.2.s2& count=1'
trader_snapshot "${USERS[@]}"
trader_run --only alice,bob --target 150 --rest-url "$PROXY_URL"
assert_eq "$(rl_proxy_hits drop)" 2 "the proxy dropped the answers of 2 order requests"
rl_check_sent_once
rl_check_hit_orders "${USERS[@]}"
for u in "${USERS[@]}"; do
    rl_check_ids_once "$u"
    rl_check_counted_once "$u"
    rl_check_window "$u" 150 75
done
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
trader_check_flat "${USERS[@]}"
lt_done
