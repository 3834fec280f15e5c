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
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/hostile_lib.sh"

# "honest" is the control: the same venue telling no lie, where every
# invariant must hold on any trader (else the checks are wrong).
CASES=(honest filled-zero price-zero neg-zero fill-10x final-disagree)
for c in "${CASES[@]}"; do
    lies=(--lie "$c")
    [ "$c" = honest ] && lies=()
    [ "$c" = final-disagree ] && lies+=(--lie push-drop)
    hostile_start "$c" --seed 31 "${lies[@]}"
    # the lies rewrite REST answers (and pushes): the orders must go over REST
    conf=$(hostile_config "$c" 'order_transport = "rest";')
    hostile_trader "$c" alice --config "$conf" --target 100 --buy-amount 50 --fill-timeout-ms 500
done
for c in "${CASES[@]}"; do hostile_wait "$c" 30; done
hostile_check honest 100 50 alice
hostile_expect honest "$(hostile_rc honest) == 0" "the control run reached its target"
for c in "${CASES[@]:1}"; do
    hostile_check "$c" 100 50 alice
    hostile_expect "$c" "$(hostile_told "$c" "$c") > 0" "the lie was told ($(hostile_told "$c" "$c") times)"
done
hostile_done
