#!/usr/bin/env bash
# Stop while an order rests.  Rounds of 600 USDT bought at the best ask
# (slippage 0) take the first level and leave the rest resting, partly
# filled; each rung waits 3 s.  First alice alone is stopped (stop-alice +
# SIGUSR1) while her buy rests with a fill, then SIGTERM stops the run while
# bob has an order open.  Each stop must cancel the open order, sell the
# round's inventory and record it: read back from the simulator, the order
# that was open is final, nothing is open, base balances are back (± one
# step), the report says stopped with no residue (or, where the stop cut a
# sell down to a rest below the minimum notional, that dust: logged and
# held), exit code 3.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
sim_start --seed 27
trader_snapshot "${USERS[@]}"
trader_start --only alice,bob --target 100000 --buy-amount 600 --slippage 0 \
    --fill-timeout-ms 3000
rl_wait_open alice 'o["side"] == "BUY" and D(o["executedQty"]) > 0' 20 ||
    fail "alice never had a partly filled buy resting"
alice_cid=$(jget 'j["clientOrderId"]' <<<"$RL_OPEN")
ok "alice's buy $alice_cid rests with $(jget 'j["executedQty"]' <<<"$RL_OPEN") filled"
mkdir -p "$TRADER_STATE" && touch "$TRADER_STATE/stop-alice"
kill -USR1 "$TRADER_PID"
wait_for_line "$TRADER_LOG" 'alice: stopped' 15 || fail "alice did not stop within 15 s"
ok "alice stopped"
http_as alice GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$alice_cid"
assert_true 'j["status"] in ("CANCELED", "FILLED")' "$BODY" "alice's resting buy is final ($(jget 'j["status"]' <<<"$BODY"))"
trader_check_flat alice

rl_wait_open bob 'True' 20 || fail "bob never had an order open"
bob_cid=$(jget 'j["clientOrderId"]' <<<"$RL_OPEN")
ok "bob's $(jget 'j["side"]' <<<"$RL_OPEN") $bob_cid is open"
kill -TERM "$TRADER_PID"
trader_wait 20
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
http_as bob GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$bob_cid"
assert_true 'j["status"] in ("CANCELED", "FILLED")' "$BODY" "bob's open order is final ($(jget 'j["status"]' <<<"$BODY"))"
# The stop cancels the open order: a sell that had filled all but a rest
# worth less than the minimum notional leaves that rest unsellable (the
# venue refuses it).  Then, and only then, a residue is correct: it must be
# that dust, logged, and exactly what the account still holds.
http GET /api/v3/exchangeInfo symbol="$SYMBOL"
min_notional=$(jget "[f['minNotional'] for f in j['symbols'][0]['filters'] if f['filterType'] in ('NOTIONAL', 'MIN_NOTIONAL')][0]" <<<"$BODY")
step=$(step_size)
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" stopped "$u stopped"
    res=$(report_get "[u['residual_base'] for u in j['users'] if u['name'] == '$u'][0]")
    if [ "$(jget "D(str(j)) == 0" <<<"$res")" = true ]; then
        ok "$u: no residue reported"
    else
        http GET /api/v3/depth symbol="$SYMBOL" limit=5
        bid=$(jget 'j["bids"][0][0]' <<<"$BODY")
        assert_true "D(str($res)) * D('$bid') < D('$min_notional')" '{}' \
            "$u: residue $res reported is dust the venue refuses ($res x $bid < $min_notional)"
        assert_contains "$(cat "$TRADER_LOG")" "$u: stopped with $res $BASE_ASSET unsold" "$u: the residue is logged"
    fi
    http_as_ok "$u" GET /api/v3/openOrders symbol="$SYMBOL"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "$u: no open order"
    now=$(base_balance "$u")
    assert_true "abs(D('$now') - D('${BASE_BEFORE[$u]}') - D(str($res))) <= D('$step')" '{}' \
        "$u: base balance $now = ${BASE_BEFORE[$u]} + the residue $res (± $step)"
done
trader_check_one_live_order "${USERS[@]}"
lt_done
