#!/usr/bin/env bash
# Weight economy (issue 7 item 3, issue 9): with the user-data stream up,
# a round costs its orders (and the cancels and queries a GTC order that
# does not fill needs) and no GET /api/v3/account (weight 20): sells are
# sized from the round's ledger and the base balance comes from
# outboundAccountPosition pushes.  The one balance read per account is
# the baseline of the base-growth check at its first round.  Requests are
# counted from the trader's own debug log (one line per request).  Then,
# with the stream down for erin (cookie auth: no user stream) and pushes
# lost for the others (push_loss), every account still reaches its target.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

# count PATTERN: requests of that method and path in the trader's log.
count() { grep -c "venue: $1: " "$TRADER_LOG" || true; }

USERS=(alice bob)
sim_start --seed 31
trader_snapshot "${USERS[@]}"
trader_run --only alice,bob --target 500 --log-level debug
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
rounds=0
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
    rounds=$((rounds + $(report_user "$u" rounds)))
done
trader_check_target 500 "${USERS[@]}"
trader_check_flat "${USERS[@]}"
accounts=$(count "GET /api/v3/account")
# over REST or (the default here) the WebSocket API
orders=$(($(count "POST /api/v3/order") + $(count "WS API order.place")))
queries=$(($(count "GET /api/v3/order") + $(count "WS API order.status")))
cancels=$(($(count "DELETE /api/v3/order") + $(count "WS API order.cancel")))
echo "# $rounds rounds: $orders orders, $cancels cancels, $queries queries, $accounts account reads"
assert_true "$rounds >= 8" '{}' "enough rounds to see the steady state ($rounds)"
assert_true "$accounts <= ${#USERS[@]}" '{}' \
    "no GET /api/v3/account in the steady state ($accounts for ${#USERS[@]} accounts, $rounds rounds)"
assert_true "$orders >= 2 * $rounds" '{}' "every round placed its buy and its sell"

sim_stop
sim_start --seed 32 --fault push_loss=0.5
USERS=(alice carol erin)
trader_snapshot "${USERS[@]}"
trader_run --only alice,carol,erin --target 200 --fill-timeout-ms 600
assert_eq "$TRADER_RC" 0 "looptrader exits 0 with pushes lost and erin's stream down"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done"
done
trader_check_target 200 "${USERS[@]}"
trader_check_flat "${USERS[@]}"
trader_check_no_secrets
lt_done
