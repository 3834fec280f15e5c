#!/usr/bin/env bash
# After a stop, a sell the market does not come to walks down the ladder
# within the stop's bound.  The market is held still (volatility and
# others' trades 0) and bob bids one tick above its best bid, so alice's
# first sell rung (slippage 0: the best bid) takes bob's 4 units and rests
# the rest at a price nobody will pay.  The fill timeout (20 s) is longer
# than the stop's time to flatten (--stop-timeout-ms 4000): on SIGTERM, the
# rung must give way to the next ones within its share of that bound
# instead of waiting out the fill timeout or the whole bound on rung 0.
# Read back from the simulator: the resting rung was cancelled after the
# SIGTERM, a lower rung sold the rest, the run ended nearer the bound than
# the fill timeout, reports no residue, and alice is flat with nothing open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

FLATTEN_S=4
sed -E 's/volatility = [0-9.]+/volatility = 0.0/; s/trade_rate = [0-9.]+/trade_rate = 0.0/' \
    "$SIM_CONFIG_DEFAULT" >"$LT_TMP/sim-still.conf"
sim_start --seed 41 --config "$LT_TMP/sim-still.conf"
trader_snapshot alice
http GET /api/v3/ticker/bookTicker symbol="$SYMBOL"
bid=$(jget 'j["bidPrice"]' <<<"$BODY")
above=$(python3 -c "from decimal import Decimal as D; print(D('$bid') + D('0.0001'))")
assert_true "D('$above') < D(j['askPrice'])" "$BODY" "a price between the best bid $bid and the ask"
http_as_ok bob POST /api/v3/order symbol="$SYMBOL" side=BUY type=LIMIT timeInForce=GTC \
    quantity=4 price="$above"
assert_true 'j["status"] == "NEW"' "$BODY" "bob bids for 4 $BASE_ASSET (the minimum notional) at $above"

trader_start --only alice --target 100000 --buy-amount 30 --slippage 0 --fill-timeout-ms 20000 \
    --stop-timeout-ms $((FLATTEN_S * 1000))
rl_wait_open alice 'o["side"] == "SELL" and D(o["executedQty"]) > 0' 30 ||
    fail "alice's first sell never rested"
cid=$(jget 'j["clientOrderId"]' <<<"$RL_OPEN")
rung0=$(jget 'j["price"]' <<<"$RL_OPEN")
ok "alice's sell $cid rests at $rung0 ($(jget 'j["executedQty"]' <<<"$RL_OPEN") of $(jget 'j["origQty"]' <<<"$RL_OPEN") filled)"
t_stop=$(python3 -c 'import time; print(int(time.time() * 1000))')
kill -TERM "$TRADER_PID"
trader_wait 40
took=$(python3 -c "import time; print(round(time.time() - $t_stop / 1000, 1))")
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
http_as alice GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$cid"
assert_true "j['status'] == 'CANCELED' and j['updateTime'] >= $t_stop" "$BODY" \
    "the resting rung was cancelled after the SIGTERM ($(jget "(j['updateTime'] - $t_stop) / 1000" <<<"$BODY") s)"
rl_orders alice
assert_true "any(o['side'] == 'SELL' and o['time'] >= $t_stop and D(o['price']) < D('$rung0') and D(o['executedQty']) > 0 for o in j)" \
    "$RL_ORDERS" "a lower rung sold after the SIGTERM"
# Bounded by the stop, not by the rung's fill timeout (20 s): the margin
# is half the gap between the two, for a loaded machine's slow exit.
assert_true "$took < ($FLATTEN_S + 20) / 2" '{}' \
    "the stop took ${took} s (flatten bound ${FLATTEN_S} s, fill timeout 20 s)"
rep=$(report_get "[u['residual_base'] for u in j['users'] if u['name'] == 'alice'][0]")
assert_true "D(str($rep)) <= D('$(step_size)')" '{}' "no residue reported ($rep)"
trader_check_flat alice
lt_done
