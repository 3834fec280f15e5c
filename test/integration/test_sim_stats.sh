#!/usr/bin/env bash
# test_sim_stats.sh - looptrader-sim --stats-file: on SIGUSR1 (at its next
# tick) and at a clean stop it writes what it served per endpoint, requests
# and charged weight, refused calls included (make bench's order counts and
# weight figures rest on it).
. "$(dirname "$0")/lib.sh"

STATS=$LT_TMP/stats.json
sim_start --seed 5 --stats-file "$STATS"

http GET /api/v3/time
http GET /api/v3/time
http GET /api/v3/exchangeInfo
assert_eq "$STATUS" 200 "exchangeInfo"
http GET /api/v3/depth symbol=ALPHAUSDT limit=500
assert_eq "$STATUS" 200 "depth 500 (weight 25)"
http_as alice GET /api/v3/account
assert_eq "$STATUS" 200 "account"
http_as alice POST /api/v3/order symbol=ALPHAUSDT side=SELL type=LIMIT timeInForce=GTC \
    quantity=1000000 price=1.0
assert_eq "$STATUS" 400 "an order past the balance is refused (and still counted)"
http GET /api/v3/nonexistent
assert_eq "$STATUS" 404 "an unknown path is no endpoint's"

# While it runs: SIGUSR1 writes the counts so far.
[ -e "$STATS" ] && fail "stats written before anyone asked"
kill -USR1 "$SIM_PID"
wait_until 5 test -s "$STATS" || fail "no stats file after SIGUSR1"
assert_true 'j["GET /api/v3/time"] == {"calls": 2, "weight": 2}' "$(cat "$STATS")" \
    "SIGUSR1: the counts so far"
http GET /api/v3/time

sim_stop
assert_eq "$?" 0 "simulator stopped cleanly"
[ -s "$STATS" ] || fail "no stats file written"
S=$(cat "$STATS")
assert_true 'j["GET /api/v3/time"] == {"calls": 3, "weight": 3}' "$S" "three time calls, weight 1 each"
assert_true 'j["GET /api/v3/exchangeInfo"] == {"calls": 1, "weight": 20}' "$S" "exchangeInfo weight 20"
assert_true 'j["GET /api/v3/depth"] == {"calls": 1, "weight": 25}' "$S" "depth charged by its limit"
assert_true 'j["GET /api/v3/account"] == {"calls": 1, "weight": 20}' "$S" "account weight 20"
assert_true 'j["POST /api/v3/order"]["calls"] == 1' "$S" "the refused order counted"
assert_true 'len(j) == 5' "$S" "nothing else counted"
lt_done
