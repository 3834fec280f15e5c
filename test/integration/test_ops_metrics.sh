#!/usr/bin/env bash
# --metrics-addr: Prometheus text at /metrics and /health on loopback,
# scraped during a run; a silent client and a garbage request leave it
# serving; a non-loopback address or a port in use is refused before
# anything is sent (exit 2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scrape() { python3 - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n" % sys.argv[2]).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
PY
}

sim_start --seed 35
trader_run --only alice --metrics-addr 10.1.2.3:"$PORT"
assert_eq "$TRADER_RC" 2 "a non-loopback metrics address is refused"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG")" "only a loopback address" "and says why"

trader_start --only alice,bob --target 100000 --lock-dir "$LT_TMP/locks" --metrics-addr 127.0.0.1:"$PORT"
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
# a client that connects and never writes, and one that sends garbage
python3 - "$PORT" >"$LT_TMP/garbage.out" <<'PY' &
import socket, sys, time
idle = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
g = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
g.sendall(b"\x00\x01garbage\r\n\r\n")
print(g.recv(4096).decode().splitlines()[0])
time.sleep(1)
PY
GPID=$!
scrape /metrics >"$LT_TMP/m1.txt" || fail "scrape"
wait "$GPID"
assert_contains "$(head -1 "$LT_TMP/garbage.out")" "HTTP/1.1 400" "a garbage request gets a 400"
assert_contains "$(head -1 "$LT_TMP/m1.txt")" "HTTP/1.1 200 OK" "/metrics answers 200"
M=$(cat "$LT_TMP/m1.txt")
assert_contains "$M" 'looptrader_account_status{account="alice",status="running"} 1' "alice running"
assert_contains "$M" 'looptrader_accounts{status="running"} 2' "two accounts running"
assert_contains "$M" '# TYPE looptrader_account_orders_total counter' "typed families"
assert_contains "$M" 'looptrader_account_target_quote{account="bob"} 100000' "bob's target"
assert_contains "$M" 'looptrader_ratelimit_waits_total{limit="weight"} ' "rate-limit waits exported"
weight=$(sed -nE 's/^looptrader_weight_used ([0-9]+)?$/\1/p' "$LT_TMP/m1.txt")
[ "${weight:-0}" -gt 0 ] || fail "weight used in the metrics: '$weight'"
ok "weight used exported ($weight)"
alice_rounds=$(sed -nE 's/^looptrader_account_rounds_total\{account="alice"\} ([0-9]+)$/\1/p' "$LT_TMP/m1.txt")
[ "${alice_rounds:-0}" -ge 1 ] || fail "alice's rounds in the metrics: '$alice_rounds'"
ok "alice's rounds counted ($alice_rounds)"
assert_contains "$(scrape /health)" $'\r\n\r\nok' "/health says ok while trading"
assert_contains "$(scrape /nope | head -1)" "404" "an unknown path is a 404"
# a second trader cannot take the same port: refused before sending anything
TRADER_STATE=$LT_TMP/state2 trader_run --only carol --metrics-addr 127.0.0.1:"$PORT" --lock-dir "$LT_TMP/locks"
assert_eq "$TRADER_RC" 2 "a metrics port in use is refused"
http_as_ok carol GET /api/v3/allOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "nothing was sent for carol"
TRADER_STATE=$LT_TMP/state
"$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" stop --all >/dev/null || fail "ctl stop --all"
trader_wait 30
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
scrape /health >/dev/null 2>&1 && fail "the endpoint outlived the run"
ok "the endpoint closes with the run"
lt_done
