#!/usr/bin/env bash
# Secrets never leave the configuration: no API secret, cookie or auth
# header value from the users file appears in stdout, stderr, the log file,
# the report or the journal (every file of the state dir), on the normal
# path and on error paths: a wrong secret (-1022), an unknown session
# (401), HTTP errors (sim 5xx/429 faults), debug logging, a crash (SIGKILL)
# and the restart that recovers from it, and configuration errors naming
# the field that holds a secret.  Secrets come inline, from a file and from
# the environment.  A users file or secret file readable by group or others
# is refused (exit 2) unless --allow-insecure-secrets is given.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/reliability_lib.sh"

LT=$LT_BIN/looptrader
USERS_FILE=$LT_TMP/users.conf
SECRETS=(demo-alice-secret-7f3a9c demo-bob-secret-1d8e42 demo-carol-secret-c0ffee
         erin-session-cookie-55aa erin-token-99bb
         wrong-dave-secret-31337 frank-cookie-deadbeef frank-token-feedface)
KEYS=(demo-alice-key demo-bob-key demo-carol-key demo-dave-key)

# Writes the users file (mode 600) and bob's secret file; $1 replaces
# carol's entry when given (a configuration error to provoke).
write_users() {
    local carol=${1:-'{ name = "carol"; api_key = "demo-carol-key"; api_secret = "demo-carol-secret-c0ffee"; }'}
    printf '%s\n' 'demo-bob-secret-1d8e42' >"$LT_TMP/bob.secret"
    chmod 600 "$LT_TMP/bob.secret"
    cat >"$USERS_FILE" <<CONF
users = (
  { name = "alice"; api_key = "demo-alice-key"; api_secret_env = "LT_TEST_ALICE_SECRET"; },
  { name = "bob"; api_key = "demo-bob-key"; api_secret_file = "bob.secret"; },
  $carol,
  { name = "dave"; api_key = "demo-dave-key"; api_secret = "wrong-dave-secret-31337"; },
  { name = "erin"; cookies = "session=erin-session-cookie-55aa";
    headers = [ "X-Session-Token: erin-token-99bb" ]; },
  { name = "frank"; cookies = "session=frank-cookie-deadbeef";
    headers = [ "X-Session-Token: frank-token-feedface" ]; }
);
CONF
    chmod 600 "$USERS_FILE"
}
export LT_TEST_ALICE_SECRET=demo-alice-secret-7f3a9c

# Fails when a secret appears in any file the trader wrote (the named
# files, the log, the report, every file under the state dir).
scan_secrets() {
    local what=$1 f s found=0 files=("$LT_TMP/trader.out" "$LT_TMP/trader.err" "$LT_TMP/trader.out.err"
                                      "$TRADER_LOG" "$TRADER_REPORT")
    [ -d "$TRADER_STATE" ] && while IFS= read -r f; do files+=("$f"); done < <(find "$TRADER_STATE" -type f)
    for f in "${files[@]}"; do
        [ -f "$f" ] || continue
        for s in "${SECRETS[@]}"; do
            grep -qF -- "$s" "$f" && { echo "# secret ${s:0:6}... in $f" >&2; found=1; }
        done
        for s in "${KEYS[@]}"; do
            grep -qF -- "$s" "$f" && echo "# note: API key $s appears in $(basename "$f") (a key is not a secret)"
        done
    done
    [ "$found" = 0 ] || fail "$what: a secret appears in the trader's output"
    ok "$what: no secret in stdout, stderr, log, report or journal (${#files[@]} files)"
}

TRADER_CONFIG=$LT_ROOT/etc/demo.conf
write_users
sim_start --seed 31 --fault http5xx=0.1 --fault http429=0.05

# 1. A run with every kind of secret, a wrong one, an unknown session and
#    HTTP errors, at debug level.
trader_run --users "$USERS_FILE" --target 60 --log-level debug
echo "# first run exited $TRADER_RC"
assert_contains "$(cat "$TRADER_LOG")" "-1022" "the wrong secret's error path ran (-1022)"
assert_eq "$(report_status dave)" failed "dave (wrong secret) failed"
assert_eq "$(report_status frank)" failed "frank (unknown session) failed"
grep -qE 'outcome unknown|HTTP (429|5[0-9][0-9])|-100[013]' "$TRADER_LOG" ||
    fail "no HTTP error path ran (5xx/429 faults)"
ok "HTTP error paths ran (5xx/429)"
http_as_ok alice GET /api/v3/allOrders symbol="$SYMBOL"
assert_true 'len(j) > 0' "$BODY" "alice traded with the secret from the environment"
http_as_ok erin GET /api/v3/allOrders symbol="$SYMBOL"
assert_true 'len(j) > 0' "$BODY" "erin traded with her cookie and header"
scan_secrets "run with errors"

# 2. A crash, and the restart that settles it (then stopped by SIGTERM),
#    on a venue without faults (start-up calls are not what is tested here).
sim_stop
sim_start --seed 32
trader_start --users "$USERS_FILE" --target 5000 --buy-amount 600 --slippage 0 --fill-timeout-ms 3000 --log-level debug
rl_wait_open alice 'True' 40 || fail "alice never had an order open"
kill -KILL "$TRADER_PID"
{ wait "$TRADER_PID"; } 2>/dev/null
lt_forget_pid "$TRADER_PID"
ok "looptrader killed with SIGKILL while alice's order was open"
scan_secrets "after a crash"
# the log file is appended to: the restart's lines are those after the mark
mark=$(lt_lines "$TRADER_LOG")
trader_start --users "$USERS_FILE" --target 5000 --buy-amount 600 --slippage 0 --fill-timeout-ms 3000 --log-level debug
# The order seen open may have filled before the kill landed: then the
# restart sells what it bought instead of cancelling it.
wait_for_line_after "$mark" "$TRADER_LOG" 'alice: (cancelling open order .* of an earlier run|selling .* left unsold by an earlier run)' 20 ||
    fail "the restart did not settle the crashed run"
ok "the restart settles the crashed run"
kill -TERM "$TRADER_PID"
trader_wait 30
scan_secrets "crash recovery and stop"

# 3. Configuration errors in the fields that hold secrets: exit 2, the
#    message names the field, and never its value.
config_error() { # DESCRIPTION CAROL-ENTRY
    write_users "$2"
    local rc=0
    "$LT" --config "$TRADER_CONFIG" --users "$USERS_FILE" --rest-url http://127.0.0.1:9 \
        --log-file "$TRADER_LOG" --report "$TRADER_REPORT" --state-dir "$TRADER_STATE" \
        >"$LT_TMP/trader.out" 2>"$LT_TMP/trader.err" || rc=$?
    assert_eq "$rc" 2 "$1: exit 2"
    assert_contains "$(cat "$LT_TMP/trader.err")" "users.conf" "$1: the message names the file"
    scan_secrets "$1"
}
config_error "a syntax error after a secret" \
    '{ name = "carol"; api_key = "demo-carol-key"; api_secret = "demo-carol-secret-c0ffee" oops; }'
config_error "a header without a colon" \
    '{ name = "carol"; cookies = "session=erin-session-cookie-55aa"; headers = [ "X-Session-Token erin-token-99bb" ]; }'
config_error "two secret sources" \
    '{ name = "carol"; api_key = "demo-carol-key"; api_secret = "demo-carol-secret-c0ffee"; api_secret_env = "LT_TEST_ALICE_SECRET"; }'
config_error "a secret of the wrong type" \
    '{ name = "carol"; api_key = "demo-carol-key"; api_secret = [ "demo-carol-secret-c0ffee" ]; }'

# 4. File permissions: a users file or secret file readable by group or
#    others is refused, unless --allow-insecure-secrets.
write_users
dry() { # EXPECTED-RC DESCRIPTION [FLAGS]   (a dry run against the simulator)
    local want=$1 what=$2 rc=0; shift 2
    "$LT" --config "$TRADER_CONFIG" --users "$USERS_FILE" --rest-url "$SIM_URL" --ws-url "$SIM_WS" \
        --state-dir "$TRADER_STATE" --dry-run --only alice,bob "$@" \
        >"$LT_TMP/trader.out" 2>"$LT_TMP/trader.err" || rc=$?
    if [ "$want" = 2 ]; then
        assert_eq "$rc" 2 "$what: refused (exit 2)"
        assert_contains "$(cat "$LT_TMP/trader.err")" "readable by group or others" "$what: says why"
    else
        assert_eq "$rc" 0 "$what: accepted (the dry run exits 0)"
        [[ "$(cat "$LT_TMP/trader.err")" != *"readable by group"* ]] || fail "$what: still refused"
    fi
}
dry 0 "users file 600"
for mode in 640 604 644; do
    chmod "$mode" "$USERS_FILE"
    dry 2 "users file $mode"
    dry 0 "users file $mode with --allow-insecure-secrets" --allow-insecure-secrets
done
chmod 600 "$USERS_FILE"
chmod 644 "$LT_TMP/bob.secret"
dry 2 "bob's secret file 644"
dry 0 "bob's secret file 644 with --allow-insecure-secrets" --allow-insecure-secrets
scan_secrets "permission errors"
lt_done
