#!/usr/bin/env bash
# SIGHUP (logrotate's postrotate, a dropped SSH session) reopens the log
# file instead of killing the run: the log is moved away, HUP, the new file
# gets the following lines, the run finishes, exit 0.  SIGPIPE is ignored
# too: stdout is a pipe whose reader is gone.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 23
trader_args --only alice,bob --target 3000 --lock-dir "$LT_TMP/locks" --pid-file "$LT_TMP/lt.pid"
: >"$LT_TMP/pipe-closed"
( "$LT_BIN/looptrader" "${TRADER_ARGS[@]}" 2>"$LT_TMP/trader.err" | true
  echo "${PIPESTATUS[0]}" >"$LT_TMP/rc" ) &
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
wait_until 5 test -s "$LT_TMP/lt.pid" || fail "no pid file"
pid=$(cat "$LT_TMP/lt.pid")
kill -0 "$pid" || fail "the pid file does not name a live process"
mv "$TRADER_LOG" "$LT_TMP/trader.log.1"
kill -HUP "$pid"
wait_for_line "$TRADER_LOG" 'SIGHUP: log file .* reopened' 10 || fail "no reopened log file"
ok "SIGHUP reopened the log file"
wait_until 60 test -s "$LT_TMP/rc" || fail "the run did not finish"
assert_eq "$(cat "$LT_TMP/rc")" 0 "the run finished, exit 0"
assert_contains "$(cat "$TRADER_LOG")" "done" "the new log file got the rest of the run"
assert_contains "$(cat "$LT_TMP/trader.log.1")" "round 2" "the old file kept the first lines"
assert_eq "$(report_status alice)" done "alice done"
assert_eq "$(report_status bob)" done "bob done"
[ -e "$LT_TMP/lt.pid" ] && fail "the pid file outlived the run"
ok "the pid file is removed at exit"
lt_done
