#!/usr/bin/env bash
# The journal is written before every order and read after a crash.  An
# order that cannot be journaled must not be sent: with a journal that
# cannot be written, no order reaches the simulator and the run fails with
# a message naming the journal; when the journal stops taking writes in the
# middle of a run (root only: chattr +i), every order at the venue is one
# the journal recorded, and the next run settles what was left.  A journal that a crash left with a
# torn last line (and a line of garbage) is read past: the next run
# settles what it can, trades to the target, and leaves nothing behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

sim_start --seed 35
trader_snapshot alice bob

# 1. A journal that cannot be written: a read-only state dir, or for root
#    (whom permissions do not stop) an immutable journal file.
mkdir -p "$TRADER_STATE"
blocked=0
if [ "$(id -u)" != 0 ]; then
    chmod 500 "$TRADER_STATE" && blocked=1
    lt_on_exit "chmod 700 '$TRADER_STATE'"
else
    touch "$TRADER_STATE/alice.jsonl"
    lt_on_exit "chattr -i '$TRADER_STATE/alice.jsonl' 2>/dev/null"
    chattr +i "$TRADER_STATE/alice.jsonl" 2>/dev/null && blocked=1
fi
if [ "$blocked" = 1 ]; then
    trader_run --only alice --target 100
    assert_ne "$TRADER_RC" 0 "a run that cannot journal does not succeed (exit $TRADER_RC)"
    assert_contains "$(report_get "[u.get('error', '') for u in j['users'] if u['name'] == 'alice'][0]")" \
        "journal" "alice failed and the report names the journal"
    http_as_ok alice GET /api/v3/allOrders symbol="$SYMBOL"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "no order reached the venue"
    chmod 700 "$TRADER_STATE"
    chattr -i "$TRADER_STATE/alice.jsonl" 2>/dev/null
    rm -f "$TRADER_STATE/alice.jsonl"
else
    echo "# cannot make the journal unwritable here: skipped"
fi

# 1b. (root) The journal stops taking writes in the middle of a run: every
#     order that reached the venue was journaled first.
if [ "$(id -u)" = 0 ] && command -v chattr >/dev/null; then
    trader_start --only alice --target 5000 --buy-amount 600 --slippage 0 --fill-timeout-ms 1000
    wait_for_line "$TRADER_LOG" 'alice: round 1 SELL' 20 || fail "alice never reached round 1's sell"
    lt_on_exit "chattr -i '$TRADER_STATE/alice.jsonl' 2>/dev/null"
    chattr +i "$TRADER_STATE/alice.jsonl" || fail "chattr +i failed"
    trader_wait 30
    assert_ne "$TRADER_RC" 0 "the run does not go on without its journal (exit $TRADER_RC)"
    chattr -i "$TRADER_STATE/alice.jsonl"
    rl_orders alice
    missing=$(python3 - "$RL_ORDERS" "$TRADER_STATE/alice.jsonl" <<'PY'
import json, sys
sent = {o["clientOrderId"] for o in json.loads(sys.argv[1])}
journaled = set()
for line in open(sys.argv[2]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    # an armed line journals an order before its price is taken (pre-armed
    # intents: the next round's first buy and sell are armed in this one)
    if e.get("ev") in ("intent", "armed"):
        journaled.add(e.get("cid"))
print(" ".join(sorted(sent - journaled)))
PY
)
    assert_eq "$missing" "" "every one of the $(jget 'len(j)' <<<"$RL_ORDERS") orders at the venue was journaled before it was sent"
    # what the failed run left is for the next run to settle
    trader_run --only alice --target 100
    assert_eq "$TRADER_RC" 0 "the next run settles it and exits 0"
    trader_check_flat alice
    rm -f "$TRADER_STATE"/alice.jsonl*
fi

# 2. A torn last line and garbage.
cat >"$TRADER_STATE/bob.jsonl" <<'JOURNAL'
not json at all
{"ev":"settled","run":"zzzzzz","round":1,"bought":"0","sold":"0","residual":"0","ts":1,"user":"bob"}
{"ev":"intent","run":"zzzzzz","round":2,"cid":"lt.zzzzzz.1.2.b1","side":"BUY","price":"1.25","qty":"40","ts":2,"user":"bo
JOURNAL
chmod 600 "$TRADER_STATE/bob.jsonl"
trader_run --only bob --target 100
assert_eq "$TRADER_RC" 0 "a journal with a torn line and garbage is read past (exit 0)"
assert_eq "$(report_status bob)" done "bob done"
rl_check_window bob 100 75
rl_check_counted_once bob
trader_check_flat bob
lt_done
