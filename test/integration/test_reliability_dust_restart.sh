#!/usr/bin/env bash
# Dust left by a run that then crashed is not forgotten.  A round whose sell
# leaves a rest too small to be an order of its own (below the minimum
# notional) carries that rest into the next round's sell and journals it as
# the round's residual; when the run is killed before that next sell, only
# the journal remains to say that this base is ours.  Each crash can leave
# such a rest, and together they make a sellable quantity nobody sells.
# Here alice holds 4 ALPHA bought by an earlier run (a real order with our
# client id) whose journal settled round 1 with residual 4 and then ends, as
# a SIGKILL leaves it.  The next run must take the residue along with its
# first sell: read back from the simulator, alice reaches the target and
# ends with her starting base balance (± one step), nothing open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

sim_start --seed 33
trader_snapshot alice
# The earlier run "rl0dst": round 1 bought 4 ALPHA (4 x 1.25 = 5 USDT, the
# minimum notional: sellable only at or above 1.25) and sold none of it.
http_as alice POST /api/v3/order symbol="$SYMBOL" side=BUY type=LIMIT timeInForce=GTC \
    quantity=4 price=1.3 newClientOrderId=lt.rl0dst.0.1.b1
assert_true 'j["status"] == "FILLED"' "$BODY" "the earlier run's buy of 4 ALPHA filled"
quote=$(jget 'j["cummulativeQuoteQty"]' <<<"$BODY")
now=$(python3 -c 'import time; print(int(time.time() * 1000))')
mkdir -p "$TRADER_STATE"
cat >"$TRADER_STATE/alice.jsonl" <<JOURNAL
{"ev":"intent","run":"rl0dst","round":1,"cid":"lt.rl0dst.0.1.b1","side":"BUY","price":"1.3","qty":"4","ts":$now,"user":"alice"}
{"ev":"ack","cid":"lt.rl0dst.0.1.b1","status":"FILLED","executed":"4","quote":"$quote","ts":$now,"user":"alice"}
{"ev":"final","cid":"lt.rl0dst.0.1.b1","status":"FILLED","executed":"4","quote":"$quote","ts":$now,"user":"alice"}
{"ev":"settled","run":"rl0dst","round":1,"bought":"4","sold":"0","residual":"4","ts":$now,"user":"alice"}
JOURNAL
chmod 600 "$TRADER_STATE/alice.jsonl"
trader_run --only alice --target 100
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_status alice)" done "alice done"
rl_check_window alice 100 50
trader_check_flat alice
lt_done
