#!/usr/bin/env bash
# Hostile venue, lies about fills (issue 9, point 1 and 3): an order answer
# or push that says FILLED with executedQty 0, fills at price 0, "-0"
# quantities, fills ten times the order, and a FILLED whose quantity is half
# the order's with every later push of the order dropped.  The venue really
# fills every order.  Whatever the trader believes, from the venue's ground
# truth: it bought at most the target plus one round, left nothing live,
# never had two live orders, journaled every order, ended by itself within
# 30 s, and a "done" in its report is true.  A control case without a lie
# must pass the same checks.
#
# Every case runs twice, side by side: with the orders over the WebSocket
# API (order_transport "ws-api", the default) and over REST; each must have
# been told its lie in the order answers of its own transport (the lies in
# pushes are told on both).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/hostile_lib.sh"

# "honest" is the control: the same venue telling no lie, where every
# invariant must hold on any trader (else the checks are wrong).
CASES=(honest filled-zero price-zero neg-zero fill-10x final-disagree)
TRANSPORTS=(ws-api rest)
for t in "${TRANSPORTS[@]}"; do
    for c in "${CASES[@]}"; do
        lies=(--lie "$c")
        [ "$c" = honest ] && lies=()
        [ "$c" = final-disagree ] && lies+=(--lie push-drop)
        hostile_start "$c.$t" --seed 31 "${lies[@]}"
        conf=$(hostile_config "$c.$t" "order_transport = \"$t\";")
        hostile_trader "$c.$t" alice --config "$conf" --target 100 --buy-amount 50 --fill-timeout-ms 500
    done
done
for t in "${TRANSPORTS[@]}"; do
    for c in "${CASES[@]}"; do hostile_wait "$c.$t" 30; done
done
for t in "${TRANSPORTS[@]}"; do
    hostile_check "honest.$t" 100 50 alice
    hostile_expect "honest.$t" "$(hostile_rc "honest.$t") == 0" "the control run reached its target"
    for c in "${CASES[@]:1}"; do
        hostile_check "$c.$t" 100 50 alice
        n=$(hostile_told "$c.$t" "$c" "$t")
        hostile_expect "$c.$t" "$n > 0" "the lie was told in $t answers ($n times)"
    done
done
hostile_done
