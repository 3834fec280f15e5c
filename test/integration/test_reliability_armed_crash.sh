#!/usr/bin/env bash
# A crash between an armed intent's send and its exact line.  The trader
# journals each order's client id, side and bounds (an "armed" line,
# durable) before it takes the price, sends the order with no sync on the
# path, then writes the exact price and quantity.  LT_TEST_KILL_AFTER_ARMED_SEND
# makes the trader SIGKILL itself right after its first armed order was
# sent and answered, before that line: the journal then holds an armed
# line and no exact line for an order the venue has.  The same command run
# again (without the hook) must find that order by client id, check it
# against the armed bounds, settle what it bought, and reach the target
# with nothing open and the balance back.
# Then a crash with several rounds armed ahead (LT_TEST_KILL_AT_ROUND=3:
# round 1 armed rounds 2.., round 2 used its pair): the restart finds
# round 3's buy unknown to the venue and so knows rounds 3.. never
# started (no query for rounds 4 and 5), settles, and reaches the target
# flat.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice)
TARGET=600 ROUND=300
ARGS=(--only alice --target "$TARGET" --buy-amount "$ROUND")
sim_start --seed 41
trader_snapshot "${USERS[@]}"

LT_TEST_KILL_AFTER_ARMED_SEND=1 trader_run "${ARGS[@]}"
assert_eq "$TRADER_RC" 137 "the hook killed the trader with SIGKILL"
J="$TRADER_STATE/alice.jsonl"
cid=$(python3 - "$J" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
armed = [l["cid"] for l in lines if l["ev"] == "armed" and l["side"] == "BUY"]
exact = {l["cid"] for l in lines if l["ev"] == "intent"}
left = [c for c in armed if c not in exact]
print(left[-1] if left else "")
PY
)
[ -n "$cid" ] || fail "the journal holds no armed buy without its exact line"
ok "the journal holds the armed buy $cid and no exact line"
assert_contains "$(grep "\"cid\":\"$cid\"" "$J")" '"max_qty"' "the armed line bounds the quantity"
http_as_ok alice GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$cid"
assert_eq "$STATUS" 200 "the venue has order $cid"

trader_run "${ARGS[@]}"
assert_eq "$TRADER_RC" 0 "the same command run again exits 0"
assert_contains "$(cat "$TRADER_LOG")" "earlier order BUY $cid" "the restart found $cid by its client id"
assert_eq "$(report_status alice)" done "alice done"
rl_check_window alice "$TARGET" "$ROUND"
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"

before=$(window_buy alice)
T2=$(plus "$before" 3000)
ARGS=(--only alice --target "$T2" --buy-amount "$ROUND")
LT_TEST_KILL_AT_ROUND=3 trader_run "${ARGS[@]}"
assert_eq "$TRADER_RC" 137 "the hook killed the trader as its round 3 started"
ahead=$(jlines 'sorted({l["round"] for l in j if l["ev"] == "armed" and l.get("ahead") == 1 and l["run"] == [x["run"] for x in j if "run" in x][-1] and l["round"] >= 3 and l["side"] == "BUY"})[:3]' "$J")
assert_eq "$ahead" "[3,4,5]" "rounds 3, 4 and 5 (at least) were armed ahead at the kill"
read -r b3 b4 b5 _ <<<"$(jlines '" ".join(l["cid"] for l in j if l["ev"] == "armed" and l.get("ahead") == 1 and l["run"] == [x["run"] for x in j if "run" in x][-1] and l["round"] >= 3 and l["side"] == "BUY")' "$J")"
trader_run "${ARGS[@]}"
assert_eq "$TRADER_RC" 0 "the restart exits 0"
assert_contains "$(cat "$TRADER_LOG")" "earlier order BUY $b3: never placed, 0 executed" "the restart asked the venue for round 3's buy $b3: never placed"
assert_contains "$(cat "$TRADER_LOG")" "earlier order BUY $b4: never placed (armed ahead for round 4, which never started)" "round 4's buy $b4 known never placed without a query"
assert_contains "$(cat "$TRADER_LOG")" "earlier order BUY $b5: never placed (armed ahead for round 5" "and round 5's $b5"
assert_eq "$(report_status alice)" done "alice done"
rl_check_window alice "$T2" "$ROUND"
trader_check_one_live_order "${USERS[@]}"
trader_check_flat "${USERS[@]}"
lt_done
