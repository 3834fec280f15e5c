#!/usr/bin/env bash
# A user whose journal cannot be opened fails alone, and says so: alice's
# journal path is taken by a directory, so her journal cannot be opened
# (whoever runs the test, root included).  The run logs the error, reports
# alice failed with her target and the journal named, sends none of her
# orders, and bob trades to his target.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 43
trader_snapshot bob
mkdir -p "$TRADER_STATE/alice.jsonl"
trader_run --only alice,bob --target 60
assert_eq "$TRADER_RC" 1 "a failed user makes the run exit 1"
assert_eq "$(report_status alice)" failed "alice failed"
assert_eq "$(report_get "[u['target'] for u in j['users'] if u['name'] == 'alice'][0]")" 60 \
    "alice's target is in the report"
assert_contains "$(report_get "[u['error'] for u in j['users'] if u['name'] == 'alice'][0]")" \
    "journal" "the report names the journal"
assert_contains "$(grep 'ERROR' "$TRADER_LOG")" "alice: journal: cannot open" "the log says why alice failed"
http_as_ok alice GET /api/v3/allOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "no order of alice reached the venue"
assert_eq "$(report_status bob)" done "bob done"
trader_check_target 60 bob
trader_check_flat bob
lt_done
