#!/usr/bin/env bash
# The intent log (src/run/intentlog.c): an intent is durable in the
# state dir's intents.wal before its order is sent, while the user's
# journal line is written without a sync.  The trader is killed with
# SIGKILL right after round 2's sell intent (the order may be out), and
# the journal then loses its tail from that intent on: what a power loss
# could take from pages never synced.  The restart must put the intent
# back from the log before it recovers ("restored from the log"), so that
# every order at the venue is in the journal again (its intent, or its
# armed line when the kill came before the exact line), the sell is
# accounted for instead of sold twice, and the run reaches its target
# flat.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

J="$TRADER_STATE/alice.jsonl"
sim_start --seed 17
trader_snapshot alice
trader_start --only alice --target 100000 --fill-timeout-ms 3000
wait_for_line "$J" '"ev":"intent","run":"[^"]*","round":2,"cid":"[^"]*","side":"SELL"' 30 ||
    fail "alice never reached round 2's sell"
kill -KILL "$TRADER_PID"
wait "$TRADER_PID" 2>/dev/null
ok "looptrader killed after round 2's sell intent"
assert_true "$(stat -c %s "$TRADER_STATE/intents.wal") > 0" '{}' "the state dir has the intent log"

# Cut the journal before round 2's sell intent: that line and all after.
cut_at=$(python3 - "$J" <<'PY'
import json, sys
off = 0
for line in open(sys.argv[1], "rb"):
    try:
        e = json.loads(line)
    except ValueError:
        e = {}
    if e.get("ev") == "intent" and e.get("round") == 2 and e.get("side") == "SELL":
        break
    off += len(line)
print(off)
PY
)
truncate -s "$cut_at" "$J"
assert_eq "$(jlines 'sum(1 for l in j if l["ev"] == "intent" and l["round"] == 2 and l["side"] == "SELL")' "$J")" \
    0 "the journal lost round 2's sell intent"

journal_cids() {
    # an armed line alone is an order's durable record too (pre-armed
    # intents: the exact line is written after the send, without a wait)
    jlines '" ".join(sorted({l["cid"] for l in j if l["ev"] in ("intent", "armed")}))' "$J"
}
before=$(window_buy alice)
# several rounds beyond: an order of the killed run still resting can fill
# after the read (one round at most), and the restart must still trade
target=$(plus "$before" 200)
trader_run --only alice --target "$target"
assert_eq "$TRADER_RC" 0 "the restarted run exits 0"
assert_contains "$(cat "$TRADER_LOG")" "restored from the log" "the restart restored the lost intent"
rl_orders alice
missing=$(python3 -c 'import json, sys; sent = {o["clientOrderId"] for o in json.loads(sys.argv[1])}; print(" ".join(sorted(sent - set(sys.argv[2].split()))))' \
    "$RL_ORDERS" "$(journal_cids)")
assert_eq "$missing" "" "each of the $(jget 'len(j)' <<<"$RL_ORDERS") orders at the venue has its intent (or armed line) in the journal"
assert_eq "$(jlines '{(l["run"], l["round"]) for l in j if l["ev"] == "intent"} <= {(l["run"], l["round"]) for l in j if l["ev"] == "settled"}' "$J")" \
    true "every journal round settled"
assert_eq "$(report_status alice)" done "alice done after the restart"
trader_check_target "$target" alice
trader_check_flat alice
lt_done
