#!/usr/bin/env bash
# The coordinator's start-up (issue 11): unreachable -> a clear error and
# exit 2 with the password nowhere (wherever in the URL libpq reads it); no
# schema or one of another version -> refused with the hint (db init / db
# migrate / upgrade), exit 2; db init
# and db migrate create and upgrade the schema.  Then one process runs two
# accounts through PostgreSQL: both reach their targets, every order the
# simulator saw was first written to the fenced order journal under the
# account's epoch, and the leases are given up at the end.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/pg_lib.sh"

LT=$LT_BIN/looptrader

rc=0
out=$("$LT" db init --coordinator "postgresql://lt:s3cr3tpw@127.0.0.1:1/lt" 2>&1) || rc=$?
assert_eq "$rc" 2 "db init against nothing exits 2"
assert_contains "$out" "unreachable" "db init says the coordinator is unreachable"
case $out in *s3cr3tpw*) fail "the password was printed: $out" ;; esac
ok "the password is not in db init's message"
# libpq reads a password from a repeated or percent-encoded query key too
for url in "postgresql://lt@127.0.0.1:1/lt?password=a&password=s3cr3tpw" \
           "postgresql://lt@127.0.0.1:1/lt?pass%77ord=s3cr3tpw"; do
    out=$("$LT" db init --coordinator "$url" 2>&1) && fail "db init against nothing: $out"
    case $out in *s3cr3tpw*) fail "the password was printed: $out" ;; esac
done
ok "nor when libpq finds it under a repeated or percent-encoded password key"

sim_start --seed 41
rc=0
trader_run --only alice --coordinator "postgresql://lt:s3cr3tpw@127.0.0.1:1/lt" || true
assert_eq "$TRADER_RC" 2 "the trader exits 2 when the coordinator is unreachable"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG")" "unreachable" "it says so"
grep -q s3cr3tpw "$LT_TMP/trader.err" "$TRADER_LOG" "$TRADER_REPORT" 2>/dev/null &&
    fail "the password reached the log, stderr or the report"
ok "the password reached neither the log, stderr nor the report"

pg_start
: >"$TRADER_LOG"; trader_run --only alice --coordinator "$PG_URL"
assert_eq "$TRADER_RC" 2 "no schema: exit 2"
assert_contains "$(cat "$TRADER_LOG")" "db init" "no schema: the db init hint"

pg_sql "CREATE TABLE lt_schema (version integer NOT NULL); INSERT INTO lt_schema VALUES (0)"
: >"$TRADER_LOG"; trader_run --only alice --coordinator "$PG_URL"
assert_eq "$TRADER_RC" 2 "an older schema: exit 2"
assert_contains "$(cat "$TRADER_LOG")" "db migrate" "an older schema: the migrate hint"
out=$("$LT" db init --coordinator "$PG_URL" 2>&1) && fail "db init over an older schema: $out"
assert_contains "$out" "db migrate" "db init over an older schema points to db migrate"
out=$("$LT" db migrate --coordinator "$PG_URL" 2>&1) || fail "db migrate: $out"
assert_contains "$out" "from version 0 to 2" "db migrate upgrades 0 -> 2"
out=$("$LT" db migrate --coordinator "$PG_URL" 2>&1) || fail "db migrate again: $out"
assert_contains "$out" "already" "db migrate again changes nothing"
# a version 1 schema (the first release's) takes step 2 alone
pg_sql "ALTER TABLE lt_account_state DROP COLUMN target; ALTER TABLE lt_account_lease DROP COLUMN done_day; UPDATE lt_schema SET version = 1"
out=$("$LT" db migrate --coordinator "$PG_URL" 2>&1) || fail "db migrate from 1: $out"
assert_contains "$out" "from version 1 to 2" "db migrate upgrades 1 -> 2"
assert_eq "$(pg_sql "SELECT count(*) FROM information_schema.columns WHERE column_name IN ('target', 'done_day')")" 2 "step 2 adds target and done_day"

pg_sql "UPDATE lt_schema SET version = 3"
: >"$TRADER_LOG"; trader_run --only alice --coordinator "$PG_URL"
assert_eq "$TRADER_RC" 2 "a newer schema: exit 2"
assert_contains "$(cat "$TRADER_LOG")" "upgrade looptrader" "a newer schema: the upgrade hint"
pg_sql "DROP TABLE lt_order_journal, lt_account_state, lt_account_lease, lt_process, lt_schema"
out=$("$LT" db init --coordinator "$PG_URL" 2>&1) || fail "db init: $out"
assert_contains "$out" "schema created (version 2)" "db init creates version 2"

trader_snapshot alice bob
trader_run --only alice,bob --coordinator "$PG_URL" --lease-ms 4000 --target 150
assert_eq "$TRADER_RC" 0 "one process with a coordinator runs both accounts to target"
assert_eq "$(report_status alice)" done "alice done"
assert_eq "$(report_status bob)" done "bob done"
trader_check_flat alice bob
assert_eq "$(pg_sql "SELECT count(*) FROM lt_account_lease WHERE owner IS NOT NULL")" 0 \
    "every lease given up at the end"
assert_eq "$(pg_sql "SELECT string_agg(account, ',' ORDER BY account) FROM lt_account_lease WHERE done")" \
    "alice,bob" "both accounts marked done"
for u in alice bob; do
    http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    ids=$(jget '"\n".join(o["clientOrderId"] for o in j if o["clientOrderId"].startswith("lt."))' <<<"$BODY" | sort)
    [ -n "$ids" ] || fail "$u: no orders of ours at the venue"
    journaled=$(pg_sql "SELECT client_id FROM lt_order_journal WHERE account = '$u' ORDER BY 1" | sort)
    missing=$(comm -23 <(echo "$ids") <(echo "$journaled"))
    assert_eq "$missing" "" "$u: every order at the venue was journaled in PostgreSQL first"
    assert_eq "$(pg_sql "SELECT count(DISTINCT epoch) FROM lt_order_journal WHERE account = '$u'")" 1 \
        "$u: one epoch"
done
lt_done
