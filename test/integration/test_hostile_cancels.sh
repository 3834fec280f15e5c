#!/usr/bin/env bash
# Hostile venue, lying cancels and queries (issue 9, point 2).  Orders fill
# at most 20 % per match (--fault partial=0.2; 5 % for query-filled, whose
# orders must rest long enough to be queried), so rungs rest and get
# cancelled:
#   cancel-lie    a cancel answers CANCELED and the order keeps resting (the
#                 venue never cancels): the trader must not place another
#                 order over it, and halts the account with a message;
#   push-cancel   every NEW push is followed by a CANCELED push for the
#                 resting order: believed, a second order goes out over it;
#   query-filled  pushes are lost (push_loss=1) and a query says FILLED for
#                 open orders: believed, "done" with orders left open.
# honest-resting is the control: the same resting orders, no lie, every
# check must pass.  Checked from the venue's ground truth (never two live orders, nothing
# live at exit but the one order a never-cancelling venue keeps, volume
# bounded, journaled, a true "done", a message naming a failed account).
#
# Every case runs twice, side by side: with the cancels and queries over the
# WebSocket API (order_transport "ws-api", the default) and over REST.
# cancel-lie and query-filled must have been told in the answers of the
# case's own transport; push-cancel lies in pushes, the same on both.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/hostile_lib.sh"

CASES=(honest-resting cancel-lie push-cancel query-filled)
TRANSPORTS=(ws-api rest)
for t in "${TRANSPORTS[@]}"; do
    hostile_start "honest-resting.$t" --seed 40 --fault partial=0.2
    hostile_start "cancel-lie.$t" --seed 41 --fault partial=0.2 --lie cancel-lie
    hostile_start "push-cancel.$t" --seed 42 --fault partial=0.2 --lie push-cancel
    hostile_start "query-filled.$t" --seed 43 --fault partial=0.05 --fault push_loss=1 --lie query-filled
    for c in "${CASES[@]}"; do
        conf=$(hostile_config "$c.$t" "order_transport = \"$t\";")
        hostile_trader "$c.$t" alice --config "$conf" --target 100 --buy-amount 50 --fill-timeout-ms 300
    done
done
for t in "${TRANSPORTS[@]}"; do
    for c in "${CASES[@]}"; do hostile_wait "$c.$t" 30; done
done
for t in "${TRANSPORTS[@]}"; do
    hostile_check "honest-resting.$t" 100 50 alice
    hostile_expect "honest-resting.$t" "$(hostile_rc "honest-resting.$t") == 0" "the control run reached its target"
    HOSTILE_LIVE_AT_EXIT=1 hostile_check "cancel-lie.$t" 100 50 alice
    hostile_check "push-cancel.$t" 100 50 alice
    hostile_check "query-filled.$t" 100 50 alice
    for c in "${CASES[@]:1}"; do
        via=$t
        [ "$c" = push-cancel ] && via=push
        n=$(hostile_told "$c.$t" "$c" "$via")
        hostile_expect "$c.$t" "$n > 0" "the lie was told in $via messages ($n times)"
    done
done
hostile_done
