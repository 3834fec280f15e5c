#!/usr/bin/env bash
# Signals are handled from the first line of main: SIGTERM while start-up
# waits on a venue that accepts connections and never answers ends the run
# (exit 3) with the report written, every account marked stopped; no
# SIGKILL needed.  The wait is bounded by the HTTP timeout (2 s here).
# The signal is sent once the silent server has a connection from the
# trader (it writes a line per connection): the trader is then in
# start-up, past the first line of main, whatever the machine's load.  A
# fixed 0.5 s was a lag the trader's exec and start had to fit in; a
# SIGTERM before the handlers kills it with 143.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

# the interpreter itself, not lib.sh's python3 function: run in the
# background, the function is a subshell whose pid $! names, and the exit
# trap's SIGTERM ended that subshell and left the server running for 60 s
"$LT_PY" -S - "$LT_TMP/port" "$LT_TMP/conns" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
s.settimeout(60)
try:
    while True:
        c, _ = s.accept()
        held.append(c)  # read nothing, answer nothing
        with open(sys.argv[2], "a") as f:
            f.write("connection\n")
except Exception:
    pass
PY
LT_PIDS+=($!)
wait_until 10 test -s "$LT_TMP/port" || fail "the silent server did not start"
url=127.0.0.1:$(cat "$LT_TMP/port")
cat >"$LT_TMP/trader.conf" <<CONF
exchange = { rest_url = "http://$url"; ws_url = "ws://$url"; timeout_ms = 2000; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 10.0; target = 50.0; };
users = ( { name = "alice"; api_key = "demo-alice-key"; api_secret = "demo-alice-secret-7f3a9c"; },
          { name = "bob"; api_key = "demo-bob-key"; api_secret = "demo-bob-secret-1d8e42"; } );
CONF
chmod 600 "$LT_TMP/trader.conf"
lt_bg "$LT_TMP/trader.out" "$LT_BIN/looptrader" --config "$LT_TMP/trader.conf" \
    --state-dir "$TRADER_STATE" --lock-dir "$LT_TMP/locks" --report "$TRADER_REPORT" \
    --log-file "$TRADER_LOG"
pid=$LT_LAST_PID
wait_until 20 test -s "$LT_TMP/conns" || fail "the trader never connected to the venue"
lt_running "$pid" || fail "the trader ended before the signal"
kill -TERM "$pid"
rc=0
lt_wait_pid "$pid" 20 || rc=$?
assert_eq "$rc" 3 "SIGTERM during start-up: exit 3"
assert_contains "$(cat "$TRADER_LOG")" "SIGTERM: stopping every user" "the signal is logged"
assert_eq "$(report_get 'j["stopped"]')" true "the report says stopped"
for u in alice bob; do
    assert_eq "$(report_status $u)" stopped "$u stopped"
    assert_contains "$(report_user $u error)" "start-up" "$u: stopped during start-up"
done
lt_done
