#!/usr/bin/env bash
# The control socket and /metrics answer during start-up, while the
# accounts' histories are read (a venue answering every request 400 ms
# late, one filter thread): `ctl status --json` and the metrics show the
# accounts starting/filtering/queued, and a `ctl stop USER` given then is
# applied once the account is handed to the executor: it ends stopped
# with nothing sent while the others trade to their target.  Off a
# terminal the main thread logs how far the history pass is
# ("start-up: filtering, k of n ...") while the filter thread reads.
# Start-up lasts until the test has looked: a proxy holds the history
# reads (GET /api/v3/allOrders) until the stop is given.  (Without it the
# pass took some 2.4 s from the metrics line on, and the test's ctl,
# python and scrape processes in between, 100-500 ms each on a loaded
# machine, could reach the stop after u5 was handed over.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

N=6
python3 - "$LT_ROOT/etc/sim-demo.conf" "$LT_TMP/sim.conf" "$LT_TMP/trader.conf" $N <<'PY'
import re, sys
demo, sim, trader, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
symbols = re.search(r'^symbols = \(.*?^\);', open(demo).read(), re.S | re.M).group(0)
with open(sim, "w") as f:
    f.write("tick_ms = 100;\nfees = { maker = \"0.001\"; taker = \"0.001\"; };\n" + symbols)
    f.write("\naccounts = (\n" + ",\n".join(
        '  { name = "u%d"; api_key = "key-%d"; api_secret = "secret-%d-xyz";'
        ' balances = { USDT = "100"; ALPHA = "0"; }; }' % (i, i, i) for i in range(n)) + "\n);\n")
with open(trader, "w") as f:
    f.write("strategy = { symbol = \"ALPHAUSDT\"; buy_amount = 6.0; target = 6.0; };\n")
    f.write("users = (\n" + ",\n".join(
        '  { name = "u%d"; api_key = "key-%d"; api_secret = "secret-%d-xyz"; }' % (i, i, i)
        for i in range(n)) + "\n);\n")
PY
chmod 600 "$LT_TMP/trader.conf"
sim_start --seed 43 --config "$LT_TMP/sim.conf" --fault latency_ms=400
HOLD=$LT_TMP/hold-histories
rl_proxy_start "GET /api/v3/allOrders hold=$HOLD"
touch "$HOLD"
mark=$(lt_lines "$TRADER_LOG")
ctl() { "$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" "$@"; }
TRADER_CONFIG=$LT_TMP/trader.conf
trader_start --workers 1 --lock-dir "$LT_TMP/locks" --metrics-addr 127.0.0.1:0 \
    --progress-interval 1 --rest-url "$PROXY_URL"
trader_metrics_port "$mark"
wait_until 10 ctl status --json >"$LT_TMP/s0.json" 2>/dev/null || fail "no status during start-up"
steps=$(jget '[u["step"] for u in j["users"]]' <"$LT_TMP/s0.json")
echo "# steps during start-up: $steps"
assert_true "all(u['status'] == 'pending' and u['step'] in ('starting', 'filtering', 'queued') for u in j['users'])" \
    "$(cat "$LT_TMP/s0.json")" "status JSON during start-up: every account starting, filtering or queued"
assert_true "any(u['step'] in ('starting', 'filtering') for u in j['users'])" \
    "$(cat "$LT_TMP/s0.json")" "some account is still to be filtered"
grep -q 'window buy total' "$TRADER_LOG" && [ "$(grep -c 'window buy total' "$TRADER_LOG")" -ge $N ] &&
    fail "start-up was over before the status"
scrape_port "$METRICS_PORT" /metrics >"$LT_TMP/m0.txt" || fail "scrape during start-up"
assert_contains "$(head -1 "$LT_TMP/m0.txt")" "200 OK" "/metrics answers during start-up"
grep -Eq '^looptrader_account_step\{account="u5",step="(starting|filtering|queued)"\} 1$' "$LT_TMP/m0.txt" ||
    fail "u5's start-up step in the metrics: $(grep 'account_step{account="u5"' "$LT_TMP/m0.txt")"
ok "the metrics show the start-up steps"
ctl stop u5 >"$LT_TMP/stop.out" || fail "ctl stop u5 during start-up: $(cat "$LT_TMP/stop.out")"
assert_contains "$(cat "$LT_TMP/stop.out")" "u5: stopping (during start-up" "the stop is taken during start-up"
ctl stop nosuch >"$LT_TMP/bad.out" 2>&1 && fail "a stop for an unknown account succeeded"
assert_contains "$(cat "$LT_TMP/bad.out")" "unknown account nosuch" "an unknown account is refused during start-up"
ctl resume u5 >"$LT_TMP/bad.out" 2>&1 && fail "resume during start-up succeeded"
assert_contains "$(cat "$LT_TMP/bad.out")" "starting" "resume waits for the run to trade"
rm -f "$HOLD"
trader_wait 40
assert_eq "$TRADER_RC" 3 "a run with an account stopped exits 3"
assert_eq "$(report_status u5)" stopped "u5, stopped during start-up, ended stopped"
assert_eq "$(report_get "[u['orders'] for u in j['users'] if u['name'] == 'u5'][0]")" 0 "u5 sent no order"
http --key key-5 --secret secret-5-xyz GET /api/v3/allOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "the venue has no order of u5"
for i in 0 1 2 3 4; do
    assert_eq "$(report_status u$i)" done "u$i traded to its target"
done
# the progress line came while histories were still being read: before
# the last account's window total
first=$(grep -nE 'start-up: filtering, [0-9]+ of 6 account histories read' "$TRADER_LOG" |
        head -n 1 | cut -d: -f1)
last=$(grep -n 'window buy total' "$TRADER_LOG" | tail -n 1 | cut -d: -f1)
[ -n "$first" ] || fail "no start-up progress line in the log"
[ -n "$last" ] && [ "$first" -lt "$last" ] ||
    fail "the start-up progress line (line $first) came after the pass (line $last)"
ok "off a terminal, start-up progress lines while the histories are read"
grep -qE 'progress u[0-9]: filtering' "$TRADER_LOG" &&
    fail "per-account progress lines during start-up"
ok "no per-account line during start-up"
lt_done
