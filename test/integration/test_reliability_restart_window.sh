#!/usr/bin/env bash
# After a crash, the window total counts what the killed run's open order
# bought until the restart cancelled it.  The trader is killed with SIGKILL
# while alice's buy of 600 USDT rests; it is started again with the same
# command while a proxy holds its open-orders requests until bob has sold
# into alice's resting buy (after the restart read alice's window total
# from the order history, before it can cancel the order).
# The restart must count that fill (the window total is to be recomputed
# once the earlier run is settled): read back from the simulator, the
# report's window total equals the exchange's, the target is reached and
# not passed by more than one round, nothing is open, base balances back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

TARGET=700 ROUND=600
# bob holds base from the start, so that his sale below moves no price.
sed '/name = "bob"/{n;s/ALPHA = "0"/ALPHA = "5000"/}' \
    "$SIM_CONFIG_DEFAULT" >"$LT_TMP/sim.conf"
grep -A1 'name = "bob"' "$LT_TMP/sim.conf" | grep -q 'ALPHA = "5000"' || fail "could not give bob base"
# The market is held still and steps every 2 s (rl_sim_config): her buy at
# the touch fills by itself 30 ALPHA a step, so it is still open, most of it
# unfilled, when bob sells into it and when the restart settles it.
rl_sim_config 2000 "$LT_TMP/sim.conf"
sim_start --seed 34 --config "$RL_SIM_CONFIG"
# the restart's open-orders requests wait while this file exists
HOLD=$LT_TMP/hold-open-orders
rl_proxy_start "GET /api/v3/openOrders hold=$HOLD"
trader_snapshot alice
ARGS=(--only alice --target "$TARGET" --buy-amount "$ROUND" --slippage 0 --fill-timeout-ms 2000
      --rest-url "$PROXY_URL")
trader_start "${ARGS[@]}"
rl_wait_open alice 'o["side"] == "BUY" and D(o["executedQty"]) < D(o["origQty"]) / 2' 20 ||
    fail "alice's buy never rested"
kill -KILL "$TRADER_PID"
{ wait "$TRADER_PID"; } 2>/dev/null
lt_forget_pid "$TRADER_PID"
cid=$(jget 'j["clientOrderId"]' <<<"$RL_OPEN")
price=$(jget 'j["price"]' <<<"$RL_OPEN")
http_as_ok alice GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$cid"
filled0=$(jget 'j["executedQty"]' <<<"$BODY")
ok "killed while alice's buy $cid rests at $price ($filled0 of $(jget 'j["origQty"]' <<<"$BODY") filled)"

runs_before=$(grep -c 'alice: window buy total' "$TRADER_LOG")
touch "$HOLD"
trader_start "${ARGS[@]}"
wait_until 10 eval '[ "$(grep -c "alice: window buy total" "$TRADER_LOG")" -gt "$runs_before" ]' ||
    fail "the restart did not read alice's window total"
# bob sells at alice's price: his order would take any bid above her price
# first, so it is sized from the book to reach into her order by 100 (she
# bought 30 of 479.8 at once and the market fills her at most 30 a step).
http_as_ok bob GET /api/v3/depth symbol="$SYMBOL" limit=100
qty=$(jget "str(sum(D(q) for p, q in j['bids'] if D(p) > D('$price')) + 100)" <<<"$BODY")
http_as_ok bob POST /api/v3/order symbol="$SYMBOL" side=SELL type=LIMIT timeInForce=IOC \
    quantity="$qty" price="$price"
http_as_ok alice GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$cid"
filled1=$(jget 'j["executedQty"]' <<<"$BODY")
assert_true "D('$filled1') > D('$filled0') and j['status'] in ('NEW', 'PARTIALLY_FILLED', 'FILLED')" "$BODY" \
    "bob's sale filled alice's order further before the restart settled it ($filled0 -> $filled1)"
rm -f "$HOLD"
trader_wait 40
assert_eq "$TRADER_RC" 0 "the restart exits 0"
# Her order may have filled completely meanwhile (bob's sale, when the book
# moved between the depth read and the sale, or the market): then there was
# nothing left to cancel.  Otherwise the restart cancelled it.
http_as_ok alice GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$cid"
if [ "$(jget 'j["status"]' <<<"$BODY")" = FILLED ]; then
    ok "$cid filled completely before the restart settled it: nothing to cancel"
else
    assert_contains "$(cat "$TRADER_LOG")" "alice: cancelling open order $cid of an earlier run" \
        "the restart cancelled $cid"
fi
rl_check_counted_once alice
rl_check_window alice "$TARGET" "$ROUND"
trader_check_flat alice
lt_done
