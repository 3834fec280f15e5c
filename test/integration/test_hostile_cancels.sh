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
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/hostile_lib.sh"

hostile_start honest-resting --seed 40 --fault partial=0.2
hostile_start cancel-lie --seed 41 --fault partial=0.2 --lie cancel-lie
hostile_start push-cancel --seed 42 --fault partial=0.2 --lie push-cancel
hostile_start query-filled --seed 43 --fault partial=0.05 --fault push_loss=1 --lie query-filled
for c in honest-resting cancel-lie push-cancel query-filled; do
    # the lies rewrite REST answers: the cancels and queries must go over REST
    conf=$(hostile_config "$c" 'order_transport = "rest";')
    hostile_trader "$c" alice --config "$conf" --target 100 --buy-amount 50 --fill-timeout-ms 300
done
for c in honest-resting cancel-lie push-cancel query-filled; do hostile_wait "$c" 30; done
hostile_check honest-resting 100 50 alice
hostile_expect honest-resting "$(hostile_rc honest-resting) == 0" "the control run reached its target"
HOSTILE_LIVE_AT_EXIT=1 hostile_check cancel-lie 100 50 alice
hostile_check push-cancel 100 50 alice
hostile_check query-filled 100 50 alice
for c in cancel-lie push-cancel query-filled; do
    hostile_expect "$c" "$(hostile_told "$c" "$c") > 0" "the lie was told ($(hostile_told "$c" "$c") times)"
done
hostile_done
