#!/usr/bin/env bash
# A typo is an error, not a silent default: `exchang = {` and `slipage =`
# exit 2 before anything is sent, naming file:line and the setting meant.
# Under nohup stderr is gone, so the error also reaches --log-file and
# --report.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

sim_start --seed 24
users='users = ( { name = "alice"; api_key = "demo-alice-key"; api_secret = "demo-alice-secret-7f3a9c"; } );'
cat >"$LT_TMP/typo1.conf" <<CONF
exchang = { rest_url = "$SIM_URL"; ws_url = "$SIM_WS"; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 10.0; target = 50.0; };
$users
CONF
cat >"$LT_TMP/typo2.conf" <<CONF
exchange = { rest_url = "$SIM_URL"; ws_url = "$SIM_WS"; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 10.0; target = 50.0;
             slipage = 0.01; };
$users
CONF
chmod 600 "$LT_TMP"/typo*.conf

for case in "typo1.conf:1: exchang: unknown setting (did you mean \"exchange\"?)" \
            "typo2.conf:3: strategy.slipage: unknown setting (did you mean \"slippage\"?)"; do
    conf=${case%%:*}
    rm -f "$LT_TMP/t.log" "$LT_TMP/t.json"
    rc=0
    timeout -k 5 20 "$LT_BIN/looptrader" --config "$LT_TMP/$conf" --state-dir "$TRADER_STATE" \
        --log-file "$LT_TMP/t.log" --report "$LT_TMP/t.json" \
        >"$LT_TMP/t.out" 2>"$LT_TMP/t.err" || rc=$?
    assert_eq "$rc" 2 "$conf: exit 2"
    assert_contains "$(cat "$LT_TMP/t.err")" "$case" "$conf: stderr names file:line and the suggestion"
    assert_contains "$(cat "$LT_TMP/t.log")" "$case" "$conf: the log file has the error too"
    assert_contains "$(jget 'j["error"]' <"$LT_TMP/t.json")" "$case" "$conf: so has the report"
    assert_eq "$(jget 'j["exit_code"]' <"$LT_TMP/t.json")" 2 "$conf: report's exit code"
done
http_as_ok alice GET /api/v3/allOrders symbol="$SYMBOL"
assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "nothing was sent"
lt_done
