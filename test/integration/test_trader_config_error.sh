#!/usr/bin/env bash
# Usage and configuration errors: exit 2 before anything is sent, with a
# message naming file, line and field; --help and --version exit 0.
. "$(dirname "$0")/lib.sh"

LT=$LT_BIN/looptrader
cat >"$LT_TMP/bad.conf" <<'CONF'
exchange = { rest_url = "http://127.0.0.1:9"; ws_url = "ws://127.0.0.1:9"; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 50.0; target = 300.0;
             slippage = -0.5; };
users = ( { name = "alice"; api_key = "k"; api_secret = "s3cr3t-value"; } );
CONF
rc=0; "$LT" --config "$LT_TMP/bad.conf" >"$LT_TMP/out" 2>"$LT_TMP/err" || rc=$?
assert_eq "$rc" 2 "invalid value exits 2"
err=$(cat "$LT_TMP/err")
assert_contains "$err" "bad.conf:3" "error names file and line"
assert_contains "$err" "slippage" "error names the field"
[[ "$err" == *s3cr3t-value* ]] && fail "secret in the error output"
ok "no secret in the error output"

rc=0; "$LT" --config "$LT_TMP/missing.conf" >/dev/null 2>"$LT_TMP/err" || rc=$?
assert_eq "$rc" 2 "missing config file exits 2"

rc=0; "$LT" --no-such-flag >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "unknown flag exits 2"

rc=0; out=$("$LT" --help 2>&1) || rc=$?
assert_eq "$rc" 0 "--help exits 0"
assert_contains "$out" "--config" "--help lists the flags"

rc=0; out=$("$LT" --version 2>&1) || rc=$?
assert_eq "$rc" 0 "--version exits 0"
assert_contains "$out" "looptrader" "--version names the program"
lt_done
