#!/usr/bin/env bash
# The control socket against a running trader: `ctl status` (table and
# JSON), `ctl stop USER` (the others go on), `ctl resume USER` (it goes on
# to its target), `ctl set USER target=` (applied at its next round), and
# bad input that must leave the trader unaffected: an unknown account, a
# huge command line, a client that connects and never writes or reads, a
# stale socket file left by a killed run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

ctl() { "$LT_BIN/looptrader" ctl --state-dir "$TRADER_STATE" "$@"; }
SOCK=$TRADER_STATE/looptrader.sock

sim_start --seed 31
trader_snapshot alice bob carol
# a stale socket file, as a SIGKILLed run leaves it
mkdir -p "$TRADER_STATE"
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK"
trader_start --only alice,bob,carol --target 100000 --lock-dir "$LT_TMP/locks" --progress-interval 1
wait_for_line "$TRADER_LOG" 'alice: round 2 ' 30 || fail "alice never reached round 2"
wait_until 10 ctl status >"$LT_TMP/status.txt" || fail "ctl status: no answer"
assert_contains "$(cat "$LT_TMP/status.txt")" "carol" "ctl status prints the table"
assert_contains "$(head -1 "$LT_TMP/status.txt")" "step" "the table has a step column"
assert_contains "$(head -1 "$LT_TMP/status.txt")" "last_fill" "and the last fill price"
assert_contains "$(cat "$LT_TMP/status.txt")" "orders/s; weight " "the totals line has orders/s and the weight"
assert_contains "$(cat "$TRADER_LOG")" "replaced a stale" "the stale socket file was replaced"
assert_eq "$(stat -c %a "$SOCK")" 600 "the socket is owner-only"
wait_for_line "$TRADER_LOG" 'progress carol: (queued|recovering|buying|selling|rate-limit wait)( r[0-9]+)? \[[#.]{20}\] [0-9.]+/100000.00 rounds [0-9]+ orders [0-9]+ last [0-9.-]+ cost_bps' 10 ||
    fail "no progress line off a terminal"
ok "a progress line per account every --progress-interval seconds"

# bad input: clear errors, nothing done
ctl stop alice nosuch >"$LT_TMP/bad.out" 2>&1 && fail "stop of an unknown account succeeded"
assert_contains "$(cat "$LT_TMP/bad.out")" "unknown account nosuch" "unknown account named"
ctl frobnicate >"$LT_TMP/bad.out" 2>&1 && fail "an unknown command succeeded"
assert_contains "$(cat "$LT_TMP/bad.out")" "unknown command" "unknown command named"
ctl stop "$(printf 'a%.0s' $(seq 1 70000))" >"$LT_TMP/bad.out" 2>&1
assert_eq $? 2 "a huge command line is refused by the client"
# the same straight to the socket, and a client that holds a connection
# without writing, one that writes and never reads
python3 - "$SOCK" >"$LT_TMP/raw.out" <<'PY'
import socket, sys, time
def conn():
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); return s
idle = conn()                       # connects, never writes
deaf = conn(); deaf.sendall(b"status --json\n")   # never reads
big = conn()
try:
    big.sendall(b"stop " + b"x" * 200000 + b"\n")
except OSError:
    pass
big.settimeout(10)
print(big.recv(4096).decode().splitlines()[0])
time.sleep(0.2)
PY
assert_contains "$(cat "$LT_TMP/raw.out")" "error command line too long" "the server refuses a huge line"
ctl status --json >"$LT_TMP/s0.json" || fail "status after the bad clients"
assert_eq "$(jget '[u["status"] for u in j["users"]]' <"$LT_TMP/s0.json")" \
    '["pending","pending","pending"]' "every account still running after the bad input"
assert_true "all(u['step'] in ('queued', 'recovering', 'buying', 'selling', 'rate-limit wait') for u in j['users'])" \
    "$(cat "$LT_TMP/s0.json")" "status JSON: each running account's step"
assert_true "all(u['last_fill_price'] > 0 for u in j['users'] if u['rounds'] > 0)" \
    "$(cat "$LT_TMP/s0.json")" "status JSON: the last fill price of each account that traded"
assert_true "all(D(str(u['last_fill_price'])) % D('0.0001') == 0 for u in j['users'])" \
    "$(cat "$LT_TMP/s0.json")" "status JSON: the last fill price at ALPHAUSDT's tick (0.0001)"
assert_true "all(0 <= u['rung'] < 5 for u in j['users'] if 'rung' in u)" \
    "$(cat "$LT_TMP/s0.json")" "status JSON: the rung of a buy or sell"
for u in alice bob carol; do
    grep -Eq "^$u +(queued|recovering|buying|selling|rate-limit wait)( r[0-4])? +\[" "$LT_TMP/status.txt" ||
        fail "$u's step in the table: $(grep "^$u " "$LT_TMP/status.txt")"
done
ok "the table names each account's step, as the JSON does"

[ "$(grep -c 'progress alice: ' "$TRADER_LOG")" -ge 1 ] || fail "no progress line for alice"

# stop carol for good, bob for a while
ctl stop carol >/dev/null || fail "ctl stop carol"
ctl status --json >"$LT_TMP/s_stop.json" || fail "status after the stop"
assert_eq "$(jget '[u["step"] for u in j["users"] if u["name"] == "carol"][0] in ("stopping", "stopped")' <"$LT_TMP/s_stop.json")" \
    true "carol's step says stopping (or stopped) once asked"
wait_for_line "$TRADER_LOG" 'carol: stopped' 30 || fail "carol did not stop"
ctl stop bob >/dev/null || fail "ctl stop bob"
wait_for_line "$TRADER_LOG" 'bob: stopped' 30 || fail "bob did not stop"
lt_running "$TRADER_PID" || fail "the trader ended with carol and bob"
ctl status --json >"$LT_TMP/s1.json" || fail "status"
assert_eq "$(jget '[u["status"] for u in j["users"]]' <"$LT_TMP/s1.json")" \
    '["pending","stopped","stopped"]' "status: alice runs, bob and carol stopped"
ok "alice goes on while bob and carol are stopped"
ctl resume alice >"$LT_TMP/bad.out" 2>&1 && fail "resume of a running account succeeded"
assert_contains "$(cat "$LT_TMP/bad.out")" "not stopped" "resume of a running account refused"

# bob resumes with a target a little above what he has bought, alice gets
# one below hers: both finish at their next rounds
ctl resume bob >/dev/null || fail "ctl resume bob"
bob_target=$(jget '["%.2f" % (u["window_buy_after"] + 60) for u in j["users"] if u["name"] == "bob"][0]' <"$LT_TMP/s1.json")
ctl set bob "target=$bob_target" >/dev/null || fail "ctl set bob"
ctl set alice target=1 >/dev/null || fail "ctl set alice"
ctl set nosuch target=1 >/dev/null 2>&1 && fail "set for an unknown account succeeded"
ctl set alice target=-5 >/dev/null 2>&1 && fail "a negative target accepted"
trader_wait 60
assert_eq "$TRADER_RC" 3 "a run with a stopped account exits 3"
assert_eq "$(report_status alice)" done "alice finished at her new target"
assert_eq "$(report_status bob)" done "bob, resumed, finished"
bob_row=$(report_get "[u for u in j['users'] if u['name'] == 'bob'][0]")
assert_true "abs(j['target'] - $bob_target) < 1e-9" "$bob_row" "bob's report carries the target set"
assert_true "j['window_buy_after'] >= $bob_target" "$bob_row" "bob reached the target set"
assert_eq "$(report_status carol)" stopped "carol stayed stopped"
assert_eq "$(jget '[u for u in j["users"] if u["name"] == "carol"][0]' <"$LT_TMP/s1.json")" \
    "$(report_get "[u for u in j['users'] if u['name'] == 'carol'][0]")" \
    "carol's status JSON matches the final report"
trader_check_flat alice bob
trader_check_stopped_flat carol
[ -e "$SOCK" ] && fail "the socket outlived the run"
ctl status >/dev/null 2>&1 && fail "ctl status after the run"
ok "no socket once the run is over"
lt_done
