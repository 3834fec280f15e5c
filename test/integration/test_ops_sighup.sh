#!/usr/bin/env bash
# SIGHUP (logrotate's postrotate, a dropped SSH session) reopens the log
# file instead of killing the run: the log is moved away, HUP, the new file
# gets the following lines, the run finishes, exit 0.  SIGPIPE is ignored
# too: stdout is a pipe whose reader is gone.
# The run must still be going at the SIGHUP: a proxy holds alice's round 3
# buy until the log file is reopened.  (From alice's round 2 the run took
# some 9 s to reach 3000, two accounts on one pair filling each other's
# orders: a loaded machine could have kept the test's shell, its pid file
# wait and its mv that long, and the HUP would find no process.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

# the proxy sits on the REST port: the orders must go over REST to meet it
rl_config 'order_transport = "rest";'
sim_start --seed 23
HOLD=$LT_TMP/hold-round-3
rl_proxy_start "POST /api/v3/order hold=$HOLD has=.0.3.b count=1"
touch "$HOLD"
trader_args --only alice,bob --target 3000 --lock-dir "$LT_TMP/locks" --pid-file "$LT_TMP/lt.pid" \
    --rest-url "$PROXY_URL"
: >"$LT_TMP/pipe-closed"
( "$LT_BIN/looptrader" "${TRADER_ARGS[@]}" 2>"$LT_TMP/trader.err" | true
  echo "${PIPESTATUS[0]}" >"$LT_TMP/rc" ) &
wait_until 30 test -s "$PROXY_LOG" || fail "alice's round 3 buy never reached the proxy"
wait_until 5 test -s "$LT_TMP/lt.pid" || fail "no pid file"
pid=$(cat "$LT_TMP/lt.pid")
kill -0 "$pid" || fail "the pid file does not name a live process"
mv "$TRADER_LOG" "$LT_TMP/trader.log.1"
kill -HUP "$pid"
wait_for_line "$TRADER_LOG" 'SIGHUP: log file .* reopened' 10 || fail "no reopened log file"
ok "SIGHUP reopened the log file"
rm -f "$HOLD"
wait_until 60 test -s "$LT_TMP/rc" || fail "the run did not finish"
assert_eq "$(cat "$LT_TMP/rc")" 0 "the run finished, exit 0"
assert_contains "$(cat "$TRADER_LOG")" "done" "the new log file got the rest of the run"
assert_contains "$(cat "$LT_TMP/trader.log.1")" "round 2" "the old file kept the first lines"
assert_eq "$(report_status alice)" done "alice done"
assert_eq "$(report_status bob)" done "bob done"
[ -e "$LT_TMP/lt.pid" ] && fail "the pid file outlived the run"
ok "the pid file is removed at exit"
lt_done
