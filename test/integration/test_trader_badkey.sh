#!/usr/bin/env bash
# A wrong secret for one user fails that user only, with a clear message
# and no secret in any output; the others reach their targets; exit 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

TRADER_CONFIG=$LT_TMP/badkey.conf
sed 's/api_secret = "demo-alice-secret-7f3a9c"/api_secret = "wrong-alice-secret-000000"/' \
    "$LT_ROOT/etc/demo.conf" >"$TRADER_CONFIG"
grep -q wrong-alice-secret "$TRADER_CONFIG" || fail "could not plant the wrong secret"

sim_start --seed 15
trader_snapshot alice bob erin
trader_run --only alice,bob,erin --target 120
assert_eq "$TRADER_RC" 1 "a failed user makes exit code 1"
assert_eq "$(report_status alice)" failed "alice failed"
err=$(report_get "[u.get('error', '') for u in j['users'] if u['name'] == 'alice'][0]")
assert_contains "$err" "credentials" "alice's error says why"
assert_contains "$err" "-1022" "alice's error carries the exchange code"
for u in bob erin; do
    assert_eq "$(report_status "$u")" done "$u still done"
done
trader_check_target 120 bob erin
trader_check_flat alice bob erin
for f in "$LT_TMP/trader.out" "$LT_TMP/trader.err" "$TRADER_LOG" "$TRADER_REPORT"; do
    grep -qF wrong-alice-secret-000000 "$f" && fail "the wrong secret appears in $(basename "$f")"
done
ok "the wrong secret appears nowhere"
trader_check_no_secrets
lt_done
