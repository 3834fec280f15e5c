#!/usr/bin/env bash
# Fees paid in BNB (the venue's third asset): the simulator charges them in
# BNB at the BNBUSDT mid for an account holding BNB (alice), in USDT for
# one without (bob).  The trader records them as BNB in the --trades CSV,
# values them at the BNBUSDT book it reads from the venue, and its cost
# figures (report, status JSON, /metrics) match the hand computation:
# cost = bought - sold + USDT fees + BNB fees x the BNB price; the BNB fees
# equal what left alice's BNB balance; --max-cost counts them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

BNB_PRICE=600.00
python3 - "$LT_ROOT/etc/sim-demo.conf" "$LT_TMP/sim.conf" "$BNB_PRICE" <<'PY'
import re, sys
src, dst, price = sys.argv[1], sys.argv[2], sys.argv[3]
t = open(src).read()
t = t.replace('fees = { maker = "0.001"; taker = "0.001"; };',
              'fees = { maker = "0.001"; taker = "0.001"; asset = "BNB"; };')
# a BNBUSDT book whose mid stays put (no walk, no trades by others)
bnb = ('  { symbol = "BNBUSDT"; base = "BNB"; quote = "USDT"; status = "TRADING";\n'
       '    tick_size = "0.01"; step_size = "0.001"; min_notional = "5";\n'
       '    start_price = "%s"; volatility = 0.0; trade_rate = 0.0;\n'
       '    spread_ticks = 2; level_gap_ticks = 1; levels = 5; level_qty = "10"; },\n' % price)
t = t.replace('symbols = (\n', 'symbols = (\n' + bnb, 1)
t, n = re.subn(r'(name = "alice";[^\n]*\n\s*balances = \{ USDT = "5000";)', r'\1 BNB = "5";', t)
assert n == 1, "alice's balances"
open(dst, "w").write(t)
PY
sim_start --seed 41 --config "$LT_TMP/sim.conf"
bnb_balance() {
    http_as_ok "$1" GET /api/v3/account
    jget "str(sum(D(b['free']) + D(b['locked']) for b in j['balances'] if b['asset'] == 'BNB'))" <<<"$BODY"
}
bnb_before=$(bnb_balance alice)
assert_eq "$bnb_before" "5.00000000" "alice holds 5 BNB"
CSV=$LT_TMP/trades.csv
mark=$(lt_lines "$TRADER_LOG")
trader_start --only alice,bob --target 100000 --trades "$CSV" --metrics-addr 127.0.0.1:0
trader_metrics_port "$mark"
wait_for_line "$TRADER_LOG" 'alice: round 3 ' 30 || fail "alice never reached round 3"
wait_for_line "$TRADER_LOG" 'BNB fees valued at the BNBUSDT mid 600' 40 ||
    fail "the trader never valued BNB fees"
ok "BNB fees are valued at the venue's BNBUSDT mid"
# a scrape and a status during the run
wait_until 10 "$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" status --json >"$LT_TMP/status.json" ||
    fail "ctl status --json"
scrape_port "$METRICS_PORT" /metrics >"$LT_TMP/metrics.txt" || fail "scrape"
assert_contains "$(cat "$LT_TMP/metrics.txt")" 'looptrader_fees_total{asset="BNB"} ' \
    "/metrics: fees paid in BNB"
assert_contains "$(cat "$LT_TMP/metrics.txt")" 'looptrader_account_fees_unpriced{account="alice"} 0' \
    "/metrics: alice's BNB fees are priced"
assert_true "[u for u in j['users'] if u['name'] == 'alice'][0].get('fees_other_asset') == 'BNB'" \
    "$(cat "$LT_TMP/status.json")" "status JSON: alice's fees in BNB"
"$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" stop --all >/dev/null || fail "ctl stop --all"
trader_wait 60
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
bnb_after=$(bnb_balance alice)

python3 - "$TRADER_REPORT" "$CSV" "$bnb_before" "$bnb_after" "$BNB_PRICE" <<'PY' || fail "BNB cost"
import csv, json, sys
from decimal import Decimal as D, ROUND_DOWN
rep, path, before, after, price = sys.argv[1], sys.argv[2], D(sys.argv[3]), D(sys.argv[4]), D(sys.argv[5])
users = {u["name"]: u for u in json.load(open(rep))["users"]}
rows = list(csv.DictReader(open(path)))
q8 = D("0.00000001")
def d(x):
    return D(str(x))
a, b = users["alice"], users["bob"]
bnb = sum((D(r["fee"]) for r in rows if r["account"] == "alice" and r["fee_asset"] == "BNB"), D(0))
assert bnb > 0, "alice paid no BNB fee"
assert all(r["fee_asset"] == "BNB" for r in rows if r["account"] == "alice"), "alice: a non-BNB fee"
assert all(r["fee_asset"] == "USDT" for r in rows if r["account"] == "bob"), "bob: a non-USDT fee"
assert before - after == bnb, "BNB that left alice %s != CSV's BNB fees %s" % (before - after, bnb)
assert d(a["fees_other"]) == bnb, "report fees_other %s != CSV %s" % (a["fees_other"], bnb)
assert a["fees_other_asset"] == "BNB"
want_q = (bnb * price).quantize(q8, rounding=ROUND_DOWN)
assert d(a["fees_other_quote"]) == want_q, "fees_other_quote %s != %s" % (a["fees_other_quote"], want_q)
# the fee is 0.1 % of the traded quote, paid in BNB (each fill rounded up to 1e-8 BNB)
traded = d(a["bought_quote"]) + d(a["sold_quote"])
assert abs(want_q - traded / 1000) <= D(len(rows)) * q8 * price + q8, (want_q, traded / 1000)
assert d(a["fees_quote"]) == 0, "alice paid a USDT fee"
for u in (a, b):
    cost = d(u["bought_quote"]) - d(u["sold_quote"]) + d(u["fees_quote"]) + d(u.get("fees_other_quote", 0))
    assert d(u["cost_quote"]) == cost, "%s cost %s != %s" % (u["name"], u["cost_quote"], cost)
    bps = (cost / d(u["bought_quote"]) * 10000).quantize(D("0.01"), rounding=ROUND_DOWN)
    assert abs(d(u["avg_cost_bps"]) - bps) <= D("0.01"), (u["name"], u["avg_cost_bps"], bps)
assert "cost_note" not in a
print("alice: %s BNB = %s USDT of fees; cost %s USDT, %s bps" % (bnb, want_q, a["cost_quote"], a["avg_cost_bps"]))
PY
ok "alice's BNB fees: the CSV, her balance and the report agree; the cost values them at 600"
"$LT_BIN/looptrader" report "$TRADER_REPORT" >"$LT_TMP/again.out" || fail "looptrader report"
assert_contains "$(cat "$LT_TMP/again.out")" "BNB valued" "looptrader report says how the BNB fees were valued"

# max_cost counts the BNB fees too: a run with a budget of 2 USDT stops
# within it (without them it spent 4.46 USDT, more than half of it in BNB)
TRADER_REPORT=$LT_TMP/capped.json
trader_run --only alice --target 100000 --max-cost 2
assert_eq "$TRADER_RC" 3 "the capped run ends stopped (exit 3)"
assert_true "j['users'][0]['error'] == 'max_cost reached'" "$(cat "$TRADER_REPORT")" \
    "alice stopped by max_cost"
assert_true "D(str(j['users'][0]['fees_other_quote'])) > 0 and 1.5 < D(str(j['users'][0]['cost_quote'])) <= D('2.2')" \
    "$(cat "$TRADER_REPORT")" "the cost, BNB fees included, stays within the budget (one round's variation)"
lt_done
