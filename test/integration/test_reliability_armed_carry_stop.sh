#!/usr/bin/env bash
# A stop while the next round's buy and sell are armed ahead: SIGTERM once
# a round 3 or later has been armed during the round before it.  The run
# stops gracefully (exit 3), and every intent it armed, ahead or not, was
# either sent (it has its exact line) or closed unused (never_placed), so
# none is left for a restart to ask the venue about; a restart then
# trades on to a new target and ends flat.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

USERS=(alice bob)
sim_start --seed 47
trader_snapshot "${USERS[@]}"
trader_start --only alice,bob --target 100000
wait_for_line "$TRADER_STATE/alice.jsonl" '"ev":"armed","run":"[^"]*","round":[3-9],' 30 ||
    fail "alice never armed a round 3"
kill -TERM "$TRADER_PID"
trader_wait 40
assert_eq "$TRADER_RC" 3 "the stopped run exits 3"
for u in "${USERS[@]}"; do
    J="$TRADER_STATE/$u.jsonl"
    assert_eq "$(jlines 'sorted({l["cid"] for l in j if l["ev"] == "armed"} - {l["cid"] for l in j if l["ev"] in ("intent", "never_placed")})' "$J")" \
        "[]" "$u: every armed intent was sent or closed unused"
done
before=$(python3 -c 'import sys; from decimal import Decimal as D; print(max(D(sys.argv[1]), D(sys.argv[2])))' \
    "$(window_buy alice)" "$(window_buy bob)")
target=$(plus "$before" 60)
trader_run --only alice,bob --target "$target"
assert_eq "$TRADER_RC" 0 "the run after the stop exits 0"
trader_check_restarted_done "$target" "${USERS[@]}"
lt_done
