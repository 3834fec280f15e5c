#!/usr/bin/env bash
# Hostile venue, other lies (issue 9, points 1, 7 and 8):
#   history-negative  allOrders rows of filled buys with a negative price and
#                     cummulativeQuoteQty -1: the window total must not go
#                     negative (alice from nothing; dave, already past the
#                     target, must not trade more than one round);
#   echo-secret       error text quoting the request's cookie and session
#                     header, the secret placed across the usual cut lengths:
#                     no 8-character fragment of it anywhere the trader writes;
#   time-max/time-min serverTime +-INT64_MAX: no overflow (UBSan under make
#                     sanitize), no absurd wait in the log;
#   clock-half        the venue's clock runs at half speed: -1021 answers are
#                     met by measuring the clock again, accounts reach target;
#   neg-balance       every free balance is negative.
# Plus the ground-truth invariants of hostile_check for every case.  The
# orders go over the WebSocket API (the default order_transport); these
# lies are in answers the trader reads over REST on either transport
# (time, account, allOrders, echo-secret's cookie account), but for
# clock-half, whose slow clock also serves the WS API's orders.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/hostile_lib.sh"

hostile_start history-negative --seed 61 --lie history-negative
hostile_start echo-secret --seed 62 --lie echo-secret
hostile_start time-max --seed 63 --lie time-max
hostile_start time-min --seed 64 --lie time-min
hostile_start clock-half --seed 65 --lie clock-half --fault latency_ms=150
hostile_start neg-balance --seed 66 --lie neg-balance
hostile_trader history-negative alice,dave --target 300 --buy-amount 50
hostile_trader echo-secret erin --target 100 --buy-amount 50
hostile_trader time-max alice --target 100 --buy-amount 50
hostile_trader time-min alice --target 100 --buy-amount 50
hostile_trader clock-half alice,bob --target 300 --buy-amount 50
hostile_trader neg-balance alice --target 100 --buy-amount 50
for c in history-negative echo-secret time-max time-min clock-half neg-balance; do
    hostile_wait "$c" 40
done

hostile_check history-negative 300 50 alice
hostile_check history-negative 0 50 dave
hostile_check echo-secret 100 50 erin
for c in time-max time-min; do
    hostile_check "$c" 100 50 alice
    d=$(hostile_dir "$c")
    hostile_expect "$c" "not $(grep -c 'runtime error' "$d/trader.out.err")" "no undefined behaviour reported"
    hostile_expect "$c" "not $(grep -Ec '[0-9]{10,} ?s\b' "$d/trader.log")" "no absurd duration in the log"
done
hostile_check clock-half 300 50 alice,bob
hostile_expect clock-half "$(hostile_rc clock-half) == 0" "both accounts reached the target on a slow venue clock"
n=$(hostile_told clock-half clock-half ws-api)
hostile_expect clock-half "$n > 0" "the WS API ran on the slow clock too ($n requests)"
hostile_check neg-balance 100 50 alice
for c in history-negative echo-secret time-max time-min clock-half neg-balance; do
    hostile_expect "$c" "$(hostile_told "$c" "$c") > 0" "the lie was told ($(hostile_told "$c" "$c") times)"
done
hostile_done
