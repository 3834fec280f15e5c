#!/usr/bin/env bash
# A stop while the next rounds' buys and sells are armed ahead: SIGTERM once
# a round 20 or later has sent its buy, so that the first batch of rounds
# armed ahead (rounds 2 .. 1 + ARM_AHEAD) is used up and the second is in
# use (strategy_carried: its batch moved to the head).  The run
# stops gracefully (exit 3), and every intent it armed, ahead or not, was
# either sent (it has its exact line) or closed unused (never_placed), so
# none is left for a restart to ask the venue about, and closed once, never
# one the venue answered for (the rounds armed ahead close as one batch or
# two, each round once); a restart then
# trades on to a new target and ends flat.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
sim_start --seed 47
trader_snapshot "${USERS[@]}"
trader_start --only alice,bob --target 100000
wait_for_line "$TRADER_STATE/alice.jsonl" '"ev":"intent","run":"[^"]*","round":[2-9][0-9],' 30 ||
    fail "alice never sent an order of a round 20"
kill -TERM "$TRADER_PID"
trader_wait 40
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
for u in "${USERS[@]}"; do
    J="$TRADER_STATE/$u.jsonl"
    assert_eq "$(jlines 'sorted({l["cid"] for l in j if l["ev"] == "armed"} - {l["cid"] for l in j if l["ev"] in ("intent", "never_placed")})' "$J")" \
        "[]" "$u: every armed intent was sent or closed unused"
    assert_eq "$(jlines '[c for c in sorted({l["cid"] for l in j if l["ev"] == "never_placed"}) if sum(1 for l in j if l.get("cid") == c and l["ev"] == "never_placed") > 1 or any(l.get("cid") == c and l["ev"] in ("ack", "final") for l in j)]' "$J")" \
        "[]" "$u: each intent closed unused was closed once, and none the venue answered for"
done
before=$(python3 -c 'import sys; from decimal import Decimal as D; print(max(D(sys.argv[1]), D(sys.argv[2])))' \
    "$(window_buy alice)" "$(window_buy bob)")
target=$(plus "$before" 60)
trader_run --only alice,bob --target "$target"
assert_eq "$TRADER_RC" 0 "the run after the stop exits 0"
trader_check_restarted_done "$target" "${USERS[@]}"
lt_done
