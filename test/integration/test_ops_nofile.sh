#!/usr/bin/env bash
# The open-files budget is checked before anything is sent: 2,000 accounts
# with 64 workers under `ulimit -n 256` (soft and hard) are refused with a
# clear error, exit 1, the report written, no request made for any account
# (64 workers' connections alone pass 256, however few descriptors the
# journals keep); 300 accounts with 4 workers under the same limit run to
# their targets with the journals beyond what the limit leaves opened per
# line; a soft limit below the need with room under the hard one is raised
# and the run goes on.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

N=2000
python3 - "$LT_ROOT/etc/sim-demo.conf" "$LT_TMP/sim.conf" "$LT_TMP/users.conf" $N <<'PY'
import re, sys
demo, sim, users, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
text = open(demo).read()
symbols = re.search(r'^symbols = \(.*?^\);', text, re.S | re.M).group(0)
with open(sim, "w") as f:
    f.write("tick_ms = 100;\nfees = { maker = \"0.001\"; taker = \"0.001\"; };\n")
    # 300 accounts' history reads at once (below) within the weight budget
    f.write("limits = { weight_per_minute = 1000000; orders_per_10s = 1000000; "
            "orders_per_day = 100000000; };\n")
    f.write(symbols + "\naccounts = (\n")
    f.write(",\n".join('  { name = "u%04d"; api_key = "key-%04d"; api_secret = "secret-%04d-xyz";'
                       ' balances = { USDT = "100"; ALPHA = "0"; }; }' % (i, i, i) for i in range(n)))
    f.write("\n);\n")
with open(users, "w") as f:
    f.write("users = (\n")
    f.write(",\n".join('  { name = "u%04d"; api_key = "key-%04d"; api_secret = "secret-%04d-xyz"; }'
                       % (i, i, i) for i in range(n)))
    f.write("\n);\n")
PY
chmod 600 "$LT_TMP/users.conf"
sim_start --seed 28 --config "$LT_TMP/sim.conf"
cat >"$LT_TMP/trader.conf" <<CONF
exchange = { rest_url = "$SIM_URL"; ws_url = "$SIM_WS"; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 6.0; target = 12.0; };
users_file = "users.conf";
CONF

rc=0
( ulimit -n 256; exec timeout -k 5 30 "$LT_BIN/looptrader" --config "$LT_TMP/trader.conf" \
      --workers 64 --state-dir "$TRADER_STATE" --lock-dir "$LT_TMP/locks" \
      --report "$TRADER_REPORT" --log-file "$TRADER_LOG" ) \
    >"$LT_TMP/trader.out" 2>"$LT_TMP/trader.err" || rc=$?
assert_eq "$rc" 1 "2,000 accounts, 64 workers under ulimit -n 256 are refused, exit 1"
assert_contains "$(cat "$LT_TMP/trader.err")" "need up to" "the error says what is needed"
assert_contains "$(cat "$LT_TMP/trader.err")" "limit is 256" "and the limit"
assert_eq "$(report_get 'j["exit_code"]')" 1 "the report is written"
assert_contains "$(report_get 'j["error"]')" "open files" "with the reason"
assert_eq "$(report_get 'len(j["users"])')" $N "every account is in the report"
assert_eq "$(report_get 'len([u for u in j["users"] if u["status"] == "failed"])')" $N \
    "each marked failed"
grep -q 'window buy total' "$TRADER_LOG" && fail "an account's history was read"
for i in 0000 0999 1999; do
    http --key key-$i --secret secret-$i-xyz GET /api/v3/allOrders symbol="$SYMBOL"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "u$i: nothing placed"
done

# a soft limit under the need, the hard limit above it: raised, the run goes on
head -n 11 "$LT_TMP/users.conf" | sed '$ s/,$//' >"$LT_TMP/ten.conf"
echo ');' >>"$LT_TMP/ten.conf"
chmod 600 "$LT_TMP/ten.conf"
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 200 ]; then
    rc=0
    ( ulimit -Sn 40; exec timeout -k 5 60 "$LT_BIN/looptrader" --config "$LT_TMP/trader.conf" \
          --users "$LT_TMP/ten.conf" --state-dir "$LT_TMP/state2" --lock-dir "$LT_TMP/locks" \
          --report "$LT_TMP/ten.json" --log-file "$LT_TMP/ten.log" ) \
        >"$LT_TMP/ten.out" 2>&1 || rc=$?
    assert_eq "$rc" 0 "10 accounts under a soft limit of 40: the limit is raised, exit 0"
    assert_contains "$(cat "$LT_TMP/ten.log")" "open files limit raised from 40" "the raise is logged"
    assert_eq "$(jget 'len([u for u in j["users"] if u["status"] == "done"])' <"$LT_TMP/ten.json")" 10 \
        "all 10 done"
else
    echo "# hard limit $hard: the raise case is not tried"
fi
# 300 accounts, 4 workers, ulimit -n 256: room for the workers and 128
# journals but not for every journal: the run goes on within the limit
# (after the case above: its history reads would spend the weight budget;
# u0010 on, the ten traded there are at target)
{ echo 'users = ('; sed -n '12,311p' "$LT_TMP/users.conf" | sed '$ s/,$//'; echo ');'; } \
    >"$LT_TMP/some.conf"
chmod 600 "$LT_TMP/some.conf"
sed 's/target = 12.0/target = 6.0/' "$LT_TMP/trader.conf" >"$LT_TMP/one-round.conf"
rc=0
( ulimit -n 256; exec timeout -k 5 90 "$LT_BIN/looptrader" --config "$LT_TMP/one-round.conf" \
      --users "$LT_TMP/some.conf" --workers 4 --state-dir "$LT_TMP/state300" \
      --lock-dir "$LT_TMP/locks" --report "$LT_TMP/some.json" --log-file "$LT_TMP/some.log" ) \
    >"$LT_TMP/some.out" 2>&1 || rc=$?
assert_eq "$rc" 0 "300 accounts, 4 workers under ulimit -n 256: exit 0"
assert_contains "$(cat "$LT_TMP/some.log")" "166 of 300 journals keep their descriptor" \
    "what the limit leaves beyond the base is the journals' budget, logged"
assert_eq "$(jget 'len([u for u in j["users"] if u["status"] == "done"])' <"$LT_TMP/some.json")" 300 \
    "all 300 done"
grep -q 'Too many open files' "$LT_TMP/some.log" && fail "a descriptor was refused"
assert_eq "$(ls "$LT_TMP/state300"/u*.jsonl | wc -l)" 300 "every account's journal written"
lt_done
