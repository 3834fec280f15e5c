#!/usr/bin/env bash
# Issue 12/7: 300 Ed25519 users share WebSocket API connections.  Each
# subscribes with an Ed25519-signed userDataStream.subscribe.signature,
# users_per_connection (64) to a connection, so the trader opens
# ceil(300/64) = 5 WS API connections and the market stream, never one per
# user (the simulator's --stats-file counts what it accepted).  The
# simulator cuts every WebSocket every 2 s (ws_drop_ms): each shared
# connection comes back and re-subscribes all of its users, every account
# still reaches its target, and the subscriptions (paced at the default
# ws_requests_per_second) are never refused.  One test key signs for every
# account (the simulator allows one public key on many API keys).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

N=300
PER=64
install -m 600 "$LT_ROOT/test/data/test_ed25519.pem" "$LT_TMP/ed.pem"
python3 - "$LT_ROOT/etc/sim-demo.conf" "$LT_TMP/sim.conf" "$LT_TMP/users.conf" $N \
    "$LT_ROOT/test/data/test_ed25519.pub.pem" "$LT_TMP/ed.pem" <<'PY'
import re, sys
demo, sim, users, n, pub, priv = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
text = open(demo).read()
symbols = re.search(r'^symbols = \(.*?^\);', text, re.S | re.M).group(0)
with open(sim, "w") as f:
    f.write("tick_ms = 100;\nfees = { maker = \"0.001\"; taker = \"0.001\"; };\n")
    # 300 start-up history reads alone would spend Binance's 6,000 per minute
    f.write("limits = { weight_per_minute = 1000000; orders_per_10s = 1000000; };\n")
    f.write(symbols + "\naccounts = (\n")
    f.write(",\n".join('  { name = "m%03d"; api_key = "mux-ed-%03d"; public_key_file = "%s";'
                       ' balances = { USDT = "100"; ALPHA = "0"; }; }' % (i, i, pub) for i in range(n)))
    f.write("\n);\n")
with open(users, "w") as f:
    f.write("users = (\n")
    f.write(",\n".join('  { name = "m%03d"; api_key = "mux-ed-%03d"; key_type = "ed25519";'
                       ' private_key_file = "%s"; }' % (i, i, priv) for i in range(n)))
    f.write("\n);\n")
PY
chmod 600 "$LT_TMP/users.conf"
STATS=$LT_TMP/stats.json
sim_start --seed 31 --config "$LT_TMP/sim.conf" --stats-file "$STATS" --fault ws_drop_ms=2000
cat >"$LT_TMP/trader.conf" <<CONF
exchange = { rest_url = "$SIM_URL"; ws_url = "$SIM_WS"; users_per_connection = $PER; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 6.0; target = 240.0; fill_timeout_ms = 3000; };
users_file = "users.conf";
workers = 16;
CONF
TRADER_CONFIG=$LT_TMP/trader.conf
TRADER_TIMEOUT=${TRADER_TIMEOUT:-90}
trader_run
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_get 'len([u for u in j["users"] if u["status"] == "done"])')" $N \
    "all $N Ed25519 accounts done"
auth_for() { AUTH=(--key "mux-ed-${1#m}" --private-key "$LT_TMP/ed.pem"); }
trader_check_target 240 m000 m150 m299

grep -q "logged on" "$TRADER_LOG" && fail "an Ed25519 user logged on a session of its own"
labels=$(sed -nE 's/.*ws (ws-api#[0-9]+): m[0-9]+ subscribed.*/\1/p' "$TRADER_LOG" | sort -u | wc -l)
assert_eq "$labels" $(( (N + PER - 1) / PER )) "subscriptions spread over ceil($N/$PER) connections"
subs=$(sed -nE 's/.*ws ws-api#[0-9]+: (m[0-9]+) subscribed.*/\1/p' "$TRADER_LOG" | sort -u | wc -l)
assert_eq "$subs" $N "every user subscribed"
drops=$(grep -c "fault ws_drop_ms: dropped" "$SIM_LOG" || true)
[ "$drops" -ge 1 ] || fail "the simulator never cut the connections during the run"
ok "the simulator cut every WebSocket $drops time(s) during the run"
again=$(sed -nE 's/.*ws ws-api#[0-9]+: (m[0-9]+) subscribed.*/\1/p' "$TRADER_LOG" | sort | uniq -d | wc -l)
[ "$again" -ge $PER ] || fail "only $again users re-subscribed after a drop"
ok "$again users re-subscribed on a re-connected shared connection"
grep -q "subscription refused" "$TRADER_LOG" && fail "a subscription was refused: $(grep -m1 'subscription refused' "$TRADER_LOG")"
ok "no subscription refused"

sim_stop
assert_eq "$?" 0 "simulator stopped cleanly"
S=$(cat "$STATS")
assert_true "j['WS /ws-api/v3']['peak'] == $(( (N + PER - 1) / PER ))" "$S" \
    "the simulator saw at most ceil($N/$PER) WS API connections open at once"
assert_true "j['WS /ws']['peak'] == 1" "$S" "and one market stream: ceil(users/per_conn)+1 in all"
assert_true "j['WS /ws-api/v3']['connections'] >= 2 * $(( (N + PER - 1) / PER ))" "$S" \
    "the WS API connections were opened again after the drop"
assert_true "j['WS /ws-api/v3']['weight'] >= 2 * $N" "$S" "each subscription charged weight 2"

# A reconnect storm (a new simulator): 40 users on a connection each,
# every WebSocket cut every 100 ms, for a few seconds of trading.  Unpaced,
# 41 connections reconnecting every ~0.2 s would make hundreds of attempts
# a second; the trader keeps to Binance's 300 WS API connection attempts
# per 5 minutes per IP (twice that at most when the run crosses a window's
# edge; the market stream has a budget of its own, as on Binance), says so
# once, and stops cleanly on SIGTERM (exit 3) with its users polling.
rm -f "$STATS"
sim_start --seed 32 --config "$LT_TMP/sim.conf" --stats-file "$STATS" --fault ws_drop_ms=100
sed -i -e "s|$PER; };|1; };|" -e "s|127.0.0.1:[0-9]*|127.0.0.1:$SIM_PORT|g" "$LT_TMP/trader.conf"
grep -q "users_per_connection = 1;" "$LT_TMP/trader.conf" || fail "users_per_connection not set to 1"
ONLY=$(python3 -c 'print(",".join("m%03d" % i for i in range(40)))')
TRADER_LOG=$LT_TMP/trader2.log TRADER_REPORT=$LT_TMP/report2.json \
    trader_start --only "$ONLY" --target 100000
wait_for_line "$LT_TMP/trader2.log" "WebSocket API connection attempts in 5 minutes, the venue's limit" 30 ||
    fail "the trader never reached its connection-attempt budget"
ok "the trader stopped at its connection-attempt budget and said so"
sleep 3 # the storm goes on: unpaced, hundreds more attempts would come now
kill -TERM "$TRADER_PID"
trader_wait 30
assert_eq "$TRADER_RC" 3 "storm: SIGTERM stops the run cleanly (exit 3)"
sim_stop
S=$(cat "$STATS")
assert_true "j['WS /ws-api/v3']['connections'] <= 600" "$S" \
    "storm: at most 300 WS API connection attempts per 5-minute window ($(jget "j['WS /ws-api/v3']['connections']" <<<"$S") accepted)"
lt_done
