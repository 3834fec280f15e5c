#!/usr/bin/env bash
# --metrics-addr: Prometheus text at /metrics and /health on loopback,
# scraped during a run; a silent client and a garbage request leave it
# serving; a non-loopback address or a port in use is refused before
# anything is sent (exit 2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

scrape() { scrape_port "$METRICS_PORT" "$1"; }

# the venue drops every WebSocket connection every 3 s: reconnects to count
sim_start --seed 35 --fault ws_drop_ms=3000
trader_run --only alice --metrics-addr 10.1.2.3:9464
assert_eq "$TRADER_RC" 2 "a non-loopback metrics address is refused"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG")" "only a loopback address" "and says why"

mark=$(lt_lines "$TRADER_LOG")
trader_start --only alice,bob --target 100000 --lock-dir "$LT_TMP/locks" --metrics-addr 127.0.0.1:0
trader_metrics_port "$mark"
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
# a client that connects and never writes, and one that sends garbage
python3 - "$METRICS_PORT" >"$LT_TMP/garbage.out" <<'PY' &
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
# the live families: steps, orders by side and result, fills, fees, the
# HTTP latency histogram, the weight budget
grep -Eq '^looptrader_account_step\{account="alice",step="(queued|buying|selling|rate-limit wait)"\} 1$' "$LT_TMP/m1.txt" ||
    fail "alice's step: $(grep 'account_step{account="alice"' "$LT_TMP/m1.txt")"
ok "alice's step exported"
python3 - "$LT_TMP/m1.txt" <<'PY' || fail "the live families"
import re, sys
t = open(sys.argv[1]).read()
def v(name, labels=""):
    m = re.search(r'^%s%s (\S+)$' % (re.escape(name), re.escape(labels)), t, re.M)
    assert m, "no %s%s" % (name, labels)
    return float(m.group(1))
for side in ("buy", "sell"):
    for res in ("filled", "partially_filled", "cancelled", "rejected", "unknown"):
        v("looptrader_orders_total", '{side="%s",result="%s"}' % (side, res))
done = sum(v("looptrader_orders_total", '{side="buy",result="%s"}' % r) for r in ("filled", "partially_filled"))
assert done >= 1, "no buy counted as filled"
# (read a moment apart from the orders: an order may end in between)
assert 0 <= v("looptrader_fills_total", '{side="buy"}') - done <= 2, "fills != filled + partially filled buys"
assert v("looptrader_fees_total", '{asset="USDT"}') > 0
assert "# TYPE looptrader_http_request_duration_seconds histogram" in t
for cls in ("order", "query", "account", "other"):
    b = [float(x) for x in re.findall(
        r'^looptrader_http_request_duration_seconds_bucket\{class="%s",le="[^"]+"\} (\S+)$' % cls, t, re.M)]
    assert len(b) == 13 and b == sorted(b), (cls, b)  # 12 bounds + Inf, cumulative
    assert b[-1] == v("looptrader_http_request_duration_seconds_count", '{class="%s"}' % cls)
assert v("looptrader_http_request_duration_seconds_count", '{class="order"}') >= done
assert v("looptrader_weight_limit") >= 0
v("looptrader_ws_reconnects_total")
v("looptrader_account_last_fill_price", '{account="alice"}')
v("looptrader_account_cost_quote", '{account="alice"}')
PY
ok "orders by side and result, fills, fees, the HTTP latency histogram, the weight budget"
wait_for_line "$SIM_LOG" 'fault ws_drop_ms: dropped' 10 || fail "the venue dropped no connection"
wait_for_line "$TRADER_LOG" 'connection lost' 10 || fail "the trader saw no drop"
scrape_reconnects() { scrape /metrics | grep -Eq '^looptrader_ws_reconnects_total [1-9]'; }
wait_until 10 scrape_reconnects || fail "WebSocket reconnects not counted"
ok "WebSocket reconnects counted"
assert_contains "$(scrape /health)" $'\r\n\r\nok' "/health says ok while trading"
assert_contains "$(scrape /nope | head -1)" "404" "an unknown path is a 404"
# a second trader cannot take the same port: refused before sending anything
TRADER_STATE=$LT_TMP/state2 trader_run --only carol --metrics-addr 127.0.0.1:"$METRICS_PORT" --lock-dir "$LT_TMP/locks"
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
