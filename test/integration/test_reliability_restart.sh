#!/usr/bin/env bash
# Restart after kill -9 with an order open and inventory held.  Rounds of 300
# USDT at the best price (slippage 0) rest partly filled for up to 1.5 s per
# rung (the market held still and stepping once a second, an order at the
# touch fills by itself one level a second: orders open at a kill are still
# open when the restart comes, however loaded the machine, and a rung across
# the spread fills); the trader is killed with SIGKILL the moment the
# simulator shows an account holding base with one of our orders open: first
# alice's round sell, then (after a restart) a partly filled buy.  alice
# trades ALPHAUSDT and bob BETAUSDT: on one pair each fills the other's
# resting orders (a sell at the bid meets the other's buy resting there), so
# rounds race through in a fraction of a second and a run could reach the
# target before any kill found its order open.  The same
# command run again must settle the killed runs before trading: cancel their
# open orders, sell the base they left, then reach the target.  Read back
# from the simulator: the orders open at the kills are final (cancelled by a
# restart, or filled meanwhile), each killed run's orders ended before the
# next run's first order (never two live), every account at or above target
# and not beyond it by more than one round, the report's window total is the
# exchange's, nothing open, base balances back (± one step).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
rl_own_pairs
TARGET=900 ROUND=300
ARGS=(--only alice,bob --target "$TARGET" --buy-amount "$ROUND" --slippage 0 --fill-timeout-ms 1500)
rl_sim_config 1000
sim_start --seed 29 --config "$RL_SIM_CONFIG"
for u in "${USERS[@]}"; do rl_on_pair "$u" trader_snapshot "$u"; done
declare -A OPEN=() LAST_OPEN=() LAST_BASE=()
# Polls alice's and bob's open orders in turn until one of ours satisfies
# the predicate $2 (rl_wait_open) within $1 seconds; KILL_USER names whose.
wait_open_any() {
    local limit=$1 pred=$2 t0=$SECONDS u
    while ((SECONDS - t0 < limit)); do
        for u in "${USERS[@]}"; do
            rl_on_pair "$u" rl_wait_open "$u" "$pred" 1 && { KILL_USER=$u; return 0; }
        done
    done
    return 1
}
# Kill 1: alice's round sell open; kill 2 (after a restart): a buy open with
# a fill (each rung at the touch takes the level there at once).  Both leave
# base held and an order of ours open.  Kill 2 takes either account's.
for when in 'o["side"] == "SELL"' 'o["side"] == "BUY" and D(o["executedQty"]) > 0'; do
    trader_start "${ARGS[@]}"
    if [ "$when" = 'o["side"] == "SELL"' ]; then
        KILL_USER=alice
        rl_on_pair alice rl_wait_open alice "$when" 30 || fail "alice never had an order open with: $when"
    else
        wait_open_any 30 "$when" || fail "neither account had an order open with: $when"
    fi
    kill -KILL "$TRADER_PID"
    { wait "$TRADER_PID"; } 2>/dev/null
    lt_forget_pid "$TRADER_PID"
    ok "looptrader killed with SIGKILL while $KILL_USER's $(jget 'j["side"]' <<<"$RL_OPEN") $(jget 'j["clientOrderId"]' <<<"$RL_OPEN") was open"
    for u in "${USERS[@]}"; do
        http_as "$u" GET /api/v3/openOrders symbol="${PAIR[$u]}"
        LAST_OPEN[$u]=$(jget '" ".join(o["clientOrderId"] for o in j if o["clientOrderId"].startswith("lt."))' <<<"$BODY")
        OPEN[$u]+=" ${LAST_OPEN[$u]}"
        LAST_BASE[$u]=$(rl_on_pair "$u" base_balance "$u")
        echo "# after the kill $u holds ${LAST_BASE[$u]} ${BASE[$u]}; open: ${OPEN[$u]}"
    done
done

trader_run "${ARGS[@]}"
assert_eq "$TRADER_RC" 0 "the same command run again exits 0"
cancelled=0
for u in "${USERS[@]}"; do
    for cid in ${OPEN[$u]}; do
        # An order left open by a killed run may still fill by itself before
        # the restart; one that was cancelled, the restart cancelled.
        http_as "$u" GET /api/v3/order symbol="${PAIR[$u]}" origClientOrderId="$cid"
        st=$(jget 'j["status"]' <<<"$BODY")
        assert_true 'j["status"] in ("CANCELED", "FILLED")' "$BODY" "$u: $cid of a killed run is final ($st)"
        if [ "$st" = CANCELED ]; then
            assert_contains "$(cat "$TRADER_LOG")" "$u: cancelling open order $cid of an earlier run" \
                "$u: a restart cancelled $cid"
            cancelled=$((cancelled + 1))
        fi
    done
    # bob, never killed with an order open, may reach the target in a killed
    # run (a slow machine): the restart then skips him; alice always has base
    # to settle.
    st=$(report_status "$u")
    if [ "$u" = bob ] && [ "$st" = skipped ]; then
        ok "bob skipped: an earlier run reached his target"
    else
        assert_eq "$st" done "$u done"
    fi
    rl_on_pair "$u" rl_check_window "$u" "$TARGET" "$ROUND"
    rl_on_pair "$u" rl_check_counted_once "$u"
done
assert_true "$cancelled > 0" '{}' "the restarts found and cancelled $cancelled orders of killed runs"
assert_contains "$(cat "$TRADER_LOG")" "alice: selling" "the restart sells what the killed run left"
# The last restart recovers base only from an account whose order open at the
# last kill it had to cancel (one that filled by itself meanwhile sold the
# round's base already) and that held base then (the kill's, or what its
# cancelled buy bought; a buy cancelled unfilled leaves none): that
# account's report counts it.  Base worth less than the minimum notional
# (a buy cancelled after a fill of a step or two) is dust the venue refuses
# to buy back: nothing to recover either.
recovering=0
for u in "${USERS[@]}"; do
    http GET /api/v3/exchangeInfo symbol="${PAIR[$u]}"
    min_notional=$(jget "[f['minNotional'] for f in j['symbols'][0]['filters'] if f['filterType'] in ('NOTIONAL', 'MIN_NOTIONAL')][0]" <<<"$BODY")
    http GET /api/v3/depth symbol="${PAIR[$u]}" limit=5
    bid=$(jget 'j["bids"][0][0]' <<<"$BODY")
    for cid in ${LAST_OPEN[$u]}; do
        http_as "$u" GET /api/v3/order symbol="${PAIR[$u]}" origClientOrderId="$cid"
        [ "$(jget 'j["status"]' <<<"$BODY")" = CANCELED ] || continue
        [ "$(jget "D('${LAST_BASE[$u]}') > 0 or D(j['executedQty']) > 0" <<<"$BODY")" = true ] || {
            echo "# $u: $cid was cancelled unfilled with no base held: nothing to recover"
            continue
        }
        [ "$(jget "max(D('${LAST_BASE[$u]}'), D(j['executedQty'])) * D('$bid') >= D('$min_notional')" <<<"$BODY")" = true ] || {
            echo "# $u: $cid was cancelled holding dust (${LAST_BASE[$u]} x $bid < $min_notional): nothing to recover"
            continue
        }
        recovering=$((recovering + 1))
        assert_true "D(str($(report_get "[u['recovered_base'] for u in j['users'] if u['name'] == '$u'][0]"))) > 0" '{}' \
            "$u's report counts the base the restart recovered"
    done
done
echo "# $recovering order(s) open at the last kill were cancelled by the last restart"
for u in "${USERS[@]}"; do
    rl_on_pair "$u" trader_check_one_live_order "$u"
    rl_on_pair "$u" trader_check_flat "$u"
done
lt_done
