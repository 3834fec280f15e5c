#!/usr/bin/env bash
# --trades: the CSV of filled orders across a SIGKILL and a restart.  The
# trader is killed while alice has an order open with a fill; the same
# command run again settles it and finishes.  The CSV must then hold each
# of our filled orders exactly once (the simulator's list of them, per
# account), its per-account per-side quantity and quote totals must equal
# the simulator's, and a torn last line (a kill in mid-write) is cut when
# the file is opened again.
# alice trades ALPHAUSDT and bob BETAUSDT (rl_own_pairs) on a market held
# still that steps once a second (rl_sim_config): a buy of 300 at the ask
# takes one level at once and rests for its rung's 1.5 s filling one level
# a second, so each round's buy is open with a fill for 1.5 s whoever is
# fast.  On one pair a sell at the bid filled the other account's resting
# buy at once and the three rounds of a run could pass in 3 s with no buy
# of alice's open with a fill for longer than 300-400 ms: a loaded
# machine's polls (100-500 ms each) could miss every one.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
rl_own_pairs
CSV=$LT_TMP/trades.csv
ARGS=(--only alice,bob --target 900 --buy-amount 300 --slippage 0 --fill-timeout-ms 1500
      --lock-dir "$LT_TMP/locks" --trades "$CSV")
rl_sim_config 1000
sim_start --seed 33 --config "$RL_SIM_CONFIG"
for u in "${USERS[@]}"; do rl_on_pair "$u" trader_snapshot "$u"; done
trader_start "${ARGS[@]}"
rl_wait_open alice 'o["side"] == "BUY" and D(o["executedQty"]) > 0' 30 ||
    fail "alice never had a buy open with a fill"
kill -KILL "$TRADER_PID"
{ wait "$TRADER_PID"; } 2>/dev/null
lt_forget_pid "$TRADER_PID"
ok "killed with alice's buy open and partly filled"
[ -s "$CSV" ] || fail "no CSV after the first run"
printf '2026-01-01T00:00:00.000Z,alice,%s,BUY,12' "$SYMBOL" >>"$CSV"   # a torn row
trader_run "${ARGS[@]}"
assert_eq "$TRADER_RC" 0 "the restarted run finishes"
assert_contains "$(cat "$TRADER_LOG")" "cutting a torn last line" "the torn row was cut"
head -1 "$CSV" | grep -q '^time,account,symbol,side,order_id,client_id,price,qty,quote,fee,fee_asset,round,order_no,rung$' ||
    fail "the CSV header"
for u in "${USERS[@]}"; do
    http_as_ok "$u" GET /api/v3/allOrders symbol="${PAIR[$u]}"
    printf '%s' "$BODY" >"$LT_TMP/orders-$u.json"
    python3 - "$CSV" "$u" "$LT_TMP/orders-$u.json" <<'PY' || fail "the CSV disagrees with the simulator for $u"
import csv, json, sys
from decimal import Decimal as D
path, user, orders = sys.argv[1:]
rows = [r for r in csv.DictReader(open(path)) if r["account"] == user]
ids = [r["order_id"] for r in rows]
assert len(ids) == len(set(ids)), f"duplicate rows: {sorted(ids)}"
sim = [o for o in json.load(open(orders))
       if o["clientOrderId"].startswith("lt.") and D(o["executedQty"]) > 0]
want = sorted(str(o["orderId"]) for o in sim)
assert sorted(ids) == want, f"orders in the CSV {sorted(ids)} != filled on the venue {want}"
for side in ("BUY", "SELL"):
    cq = sum(D(r["qty"]) for r in rows if r["side"] == side)
    cv = sum(D(r["quote"]) for r in rows if r["side"] == side)
    sq = sum(D(o["executedQty"]) for o in sim if o["side"] == side)
    sv = sum(D(o["cummulativeQuoteQty"]) for o in sim if o["side"] == side)
    assert cq == sq and cv == sv, f"{side}: CSV {cq}/{cv} != venue {sq}/{sv}"
for r in rows:
    assert r["client_id"].startswith("lt."), r
    assert D(r["price"]) > 0 and r["round"] != "", r
print(f"# {user}: {len(rows)} orders, totals equal")
PY
    ok "$u: every filled order once, totals equal the simulator's"
done
for u in "${USERS[@]}"; do rl_on_pair "$u" trader_check_flat "$u"; done
# `looptrader report` prints the finished run's table again, from its JSON
"$LT_BIN/looptrader" report "$TRADER_REPORT" >"$LT_TMP/again.out" || fail "looptrader report"
assert_eq "$(sed -n '/^user /,$p' "$LT_TMP/again.out")" "$(sed -n '/^user /,$p' "$LT_TMP/trader.out")" \
    "looptrader report prints the run's summary table"
"$LT_BIN/looptrader" report "$CSV" >/dev/null 2>"$LT_TMP/again.err" && fail "report of a CSV succeeded"
assert_contains "$(cat "$LT_TMP/again.err")" "report $CSV" "a file that is not a report is refused"
# a file that is not ours is refused before anything is sent
echo "hello" >"$LT_TMP/other.csv"
trader_run --only alice --trades "$LT_TMP/other.csv" --lock-dir "$LT_TMP/locks"
assert_eq "$TRADER_RC" 2 "a non-trades file is refused"
assert_contains "$(cat "$TRADER_LOG")" "not a looptrader trades file" "the refusal says why"
lt_done
