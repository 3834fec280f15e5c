#!/usr/bin/env bash
# The next round's first buy and its sell are armed during a round (once
# its first buy is answered, before its sell is sent): their armed lines,
# of the next round's number, are written without a wait and made durable
# by the intent log while the round's orders are out.  LT_TEST_KILL_AT_ROUND=3 makes the trader SIGKILL
# itself as round 3 starts: round 2 ended (its sell final, its settled
# line written), round 3's buy and sell armed, nothing of round 3 sent.
# The journal must hold round 3's armed lines before the outcome lines of
# round 2's sell, in the intent log too: cut from them on (what a power
# loss could take from the journal's unsynced pages), the restart puts
# them back.  The restart must then read them as round 3's orders despite
# round 2's settled line after them, find them never placed at the venue,
# and every account must reach its target with nothing open and the
# balance back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
sim_start --seed 43
trader_snapshot "${USERS[@]}"
LT_TEST_KILL_AT_ROUND=3 trader_run --only alice,bob --target 100000
assert_eq "$TRADER_RC" 137 "the hook killed the trader with SIGKILL as a round 3 started"

# Whose round 3 started (or was next): that journal holds round 2's
# settled line and round 3's armed lines (the other account may have armed
# its round 3 with its round 2's buy, its sell still out at the kill).
for u in "${USERS[@]}" none; do
    [ "$u" = none ] && fail "no journal holds round 2's settled line and round 3's armed lines"
    J="$TRADER_STATE/$u.jsonl"
    [ "$(jlines 'any(l["ev"] == "settled" and l["round"] == 2 for l in j) and any(l["ev"] == "armed" and l["round"] == 3 for l in j)' "$J")" = true ] && break
done
ok "$u's round 2 ended and its round 3 was armed at the kill"
read -r buy sell <<<"$(jlines '" ".join(l["cid"] for l in j if l["ev"] == "armed" and l["round"] == 3)' "$J")"
[ -n "$buy" ] && [ -n "$sell" ] || fail "$u's journal lacks round 3's armed buy and sell"
assert_contains "$buy $sell" ".3.b1 " "round 3's armed buy has its own id of round 3"
assert_eq "$(jlines "sum(1 for l in j if l.get('cid') in ('$buy', '$sell') and l['ev'] != 'armed')" "$J")" \
    0 "round 3's armed buy and sell were not sent (no other line of theirs)"
# Round 2's sell: its armed line came with round 2's buy; its exact line
# and outcomes after round 3's armed lines (written before it was sent).
order=$(python3 - "$J" "$buy" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
at = next(i for i, l in enumerate(lines) if l.get("cid") == sys.argv[2])
sells = {l["cid"] for l in lines if l["ev"] == "intent" and l["round"] == 2 and l["side"] == "SELL"}
first = min(i for i, l in enumerate(lines) if l.get("cid") in sells and l["ev"] != "armed")
final = max(i for i, l in enumerate(lines) if l.get("cid") in sells and l["ev"] == "final")
settled = max(i for i, l in enumerate(lines) if l["ev"] == "settled" and l["round"] == 2)
print("ok" if at < first < final < settled else "armed %d sell %d final %d settled %d" % (at, first, final, settled))
PY
)
assert_eq "$order" ok "round 3's armed buy is in the journal before round 2's sell was sent, filled and settled"
http_as_ok "$u" GET /api/v3/order symbol="$SYMBOL" origClientOrderId="$buy"
assert_eq "$(jget 'j.get("code")' <<<"$BODY")" -2013 "the venue has no order $buy"

# A power loss takes the journal's tail from round 3's armed lines on.
cut_at=$(python3 - "$J" "$buy" <<'PY'
import json, sys
off = 0
for line in open(sys.argv[1], "rb"):
    if json.loads(line).get("cid") == sys.argv[2]:
        break
    off += len(line)
print(off)
PY
)
truncate -s "$cut_at" "$J"
assert_eq "$(grep -c "\"$buy\"" "$J")" 0 "the journal lost round 3's armed lines"

before=$(python3 -c 'import sys; from decimal import Decimal as D; print(max(D(sys.argv[1]), D(sys.argv[2])))' \
    "$(window_buy alice)" "$(window_buy bob)")
target=$(plus "$before" 60)
trader_run --only alice,bob --target "$target"
assert_eq "$TRADER_RC" 0 "the restarted run exits 0"
assert_contains "$(cat "$TRADER_LOG")" "restored from the log" "the restart restored the lost lines from the intent log"
assert_eq "$(grep -c "\"ev\":\"armed\".*\"$buy\"" "$J")" 1 "round 3's armed buy is back in $u's journal"
assert_contains "$(cat "$TRADER_LOG")" "earlier order BUY $buy: never placed" "the restart read $buy as pending and found it never placed"
assert_contains "$(cat "$TRADER_LOG")" "earlier order SELL $sell: never placed" "and $sell"
for u in "${USERS[@]}"; do
    # of the restarted run, every armed intent was sent or closed unused
    assert_eq "$(jlines 'sorted({l["cid"] for l in j if l["ev"] == "armed" and l["run"] == [x["run"] for x in j if "run" in x][-1]} - {l["cid"] for l in j if l["ev"] in ("intent", "never_placed")})' "$TRADER_STATE/$u.jsonl")" \
        "[]" "$u: no armed intent of the restarted run left open"
done
trader_check_restarted_done "$target" "${USERS[@]}"
lt_done
