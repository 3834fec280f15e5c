# hostile_lib.sh - helpers for the hostile-venue tests (sourced after lib.sh
# and trader_lib.sh).  Issue 9: whatever a venue says, the trader's damage
# stays bounded.
#
# Each case runs its own hostile server (build/.../tools/hostile: the real
# simulator engine whose answers and pushes are rewritten by --lie MODE) and
# its own trader, in $LT_TMP/<case>/, so the cases of one script run at the
# same time.  The server's ground truth (GET /hostile/truth: real orders,
# balances, live and maximum simultaneously live orders per account) is read
# back after the trader exited and checked against the invariants:
#
#   hostile_start CASE [--lie MODE]... [--fault K=V]...  its server (hostile_url CASE)
#   hostile_trader CASE USERS [trader flags...]          its trader, in the background
#   hostile_wait CASE BOUND_S / hostile_stop CASE GRACE  its end by itself / after SIGTERM
#   hostile_check CASE NEED ROUND USERS                  the invariants below
#   hostile_told CASE MODE [VIA]                         how often the lie was told
#                                                        (VIA: rest, ws-api or push only)
#   hostile_expect CASE 'PYTHON' WHAT                    one more check of the case
#   hostile_done                                         servers stopped; fail if any broke
#
# A broken invariant does not end the script (every case is checked and
# reported); hostile_done fails the test when any did.
#
# Invariants (hostile_check): the trader ended by itself within its bound;
# per account, from the truth: no live order at exit (at most
# HOSTILE_LIVE_AT_EXIT, for a venue that never cancels), never two live orders
# at once, the volume this run bought <= NEED + ROUND (NEED: what the target
# still needed at start), every venue order of ours (client id lt.*) in the
# journal <state>/<user>.jsonl; base grown at the venue no more than the
# reported residual (+ one step); a report that says "done" is true (the
# window really reached the target, the base really came back, bought_quote
# matches what was really bought); a failed account has an ERROR or WARN
# line naming it (a run that ended before reporting on it: an ERROR line);
# no sanitizer report and no secret fragment (hostile_no_secrets) in what
# the trader wrote; exit status 0 only when every account is done or skipped.

HOSTILE=$LT_TOOLS/hostile
# The cases of a script run side by side, and against today's trader some
# spin flat out until their bound: at a lower priority they leave the CPU
# to the timing-sensitive tests running beside them (their own bounds are
# generous).
HOSTILE_NICE=${HOSTILE_NICE:-5}
HOSTILE_SIM_CONFIG=${HOSTILE_SIM_CONFIG:-$SIM_CONFIG_DEFAULT}
# Every secret of the demo accounts (etc/sim-demo.conf, etc/demo.conf), and
# the public strings that share text with them (a fragment found only in a
# public string is no leak).
HOSTILE_SECRETS=(demo-alice-secret-7f3a9c demo-bob-secret-1d8e42 demo-carol-secret-c0ffee
                 demo-dave-secret-5a5a5a session=erin-session-cookie-55aa erin-token-99bb)
HOSTILE_PUBLIC=(demo-alice-key demo-bob-key demo-carol-key demo-dave-key alice bob carol dave
                erin session= X-Session-Token)

HOSTILE_FAILED=()  # cases whose invariants broke: all cases are checked, then hostile_done fails

hostile_dir() { echo "$LT_TMP/$1"; }

# hostile_fail CASE WHAT: a broken invariant, reported now, failed by
# hostile_done.
hostile_fail() {
    echo "not ok - $1: $2" >&2
    HOSTILE_FAILED+=("$1")
}

HOSTILE_SERVERS=()  # cases whose server runs, for hostile_done

# Ends the test: stops every hostile server (each must exit 0 and, but the
# blackhole, write its ground truth: under make sanitize that is also where
# its own ASan/UBSan findings would show), then fails when any case broke
# an invariant.
hostile_done() {
    local c d rc
    for c in "${HOSTILE_SERVERS[@]+"${HOSTILE_SERVERS[@]}"}"; do
        d=$(hostile_dir "$c")
        rc=0
        lt_stop_pid "$(cat "$d/hostile.pid")" 5 || rc=$?
        lt_forget_pid "$(cat "$d/hostile.pid")"
        [ "$rc" = 0 ] || fail "$c: the hostile server exited $rc: $(tail -n 5 "$d/hostile.out.err")"
        grep -q -- '--lie blackhole' "$d/args" || python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
            "$d/truth-exit.json" 2>/dev/null || fail "$c: the hostile server wrote no ground truth at exit"
    done
    ok "every hostile server stopped cleanly${HOSTILE_SERVERS[0]+ and wrote its ground truth}"
    [ ${#HOSTILE_FAILED[@]} -eq 0 ] || fail "invariants broken in: ${HOSTILE_FAILED[*]}"
    lt_done
}

# Writes a copy of etc/demo.conf with extra exchange settings to CASE's dir
# and prints its path ('timeout_ms = 1000;').
hostile_config() {
    local d; d=$(hostile_dir "$1")
    mkdir -p "$d"
    trader_config_with "$2" "$d/trader.conf"
    echo "$d/trader.conf"
}

hostile_start() {
    local name=$1 d; shift
    d=$(hostile_dir "$name")
    mkdir -p "$d"
    [ -x "$HOSTILE" ] || fail "no hostile server at $HOSTILE (run make $HOSTILE)"
    lt_bg "$d/hostile.out" nice -n "$HOSTILE_NICE" ${SIM_WRAPPER:-} "$HOSTILE" --port 0 --config "$HOSTILE_SIM_CONFIG" \
        --truth "$d/truth-exit.json" "$@"
    echo "$LT_LAST_PID" >"$d/hostile.pid"
    echo "$*" >"$d/args"
    HOSTILE_SERVERS+=("$name")
    wait_for_line "$d/hostile.out" '^listening on 127\.0\.0\.1:[0-9]+' 15 ||
        fail "$name: hostile server did not start: $(cat "$d/hostile.out.err")"
    sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$d/hostile.out" | head -n 1 >"$d/port"
    grep -q -- '--lie blackhole' "$d/args" ||
        { hostile_truth "$name" && mv "$d/truth.json" "$d/truth-start.json"; }
}

hostile_url() { echo "http://127.0.0.1:$(cat "$(hostile_dir "$1")/port")"; }
hostile_ws() { echo "ws://127.0.0.1:$(cat "$(hostile_dir "$1")/port")"; }

# hostile_trader CASE USERS [flags]: the trader against CASE's server, in the
# background; --config defaults to etc/demo.conf (a later one wins).
hostile_trader() {
    local name=$1 users=$2 d; shift 2
    d=$(hostile_dir "$name")
    mkdir -p "$d/state"
    rm -f "$d/rc" "$d/t1"
    date +%s.%N >"$d/t0"
    # A watcher records the exit status and time as the trader ends, so that
    # cases running side by side are timed by their own exit.
    (
        nice -n "$HOSTILE_NICE" "$LT_BIN/looptrader" --config "$LT_ROOT/etc/demo.conf" \
            --rest-url "$(hostile_url "$name")" --ws-url "$(hostile_ws "$name")" \
            --state-dir "$d/state" --report "$d/report.json" --log-file "$d/trader.log" \
            --only "$users" "$@" >"$d/trader.out" 2>"$d/trader.out.err" &
        echo $! >"$d/trader.pid"
        rc=0
        wait $! || rc=$?
        date +%s.%N >"$d/t1"
        echo "$rc" >"$d/rc"
    ) &
    LT_PIDS+=($!)
    wait_until 5 test -s "$d/trader.pid" || fail "$name: the trader did not start"
    # only while the watcher has not seen it end: its pid may be another's since
    lt_on_exit "[ -s '$d/rc' ] || kill -KILL $(cat "$d/trader.pid") 2>/dev/null"
}

# The trader's pid (for signals).
hostile_trader_pid() { cat "$(hostile_dir "$1")/trader.pid"; }

# hostile_await CASE SECONDS: the trader's end, or SIGKILL and status 124.
hostile_await() {
    local d; d=$(hostile_dir "$1")
    if ! test -s "$d/rc" && ! wait_until "$2" test -s "$d/rc"; then
        kill -KILL "$(cat "$d/trader.pid")" 2>/dev/null
        wait_until 5 test -s "$d/rc"
        echo 124 >"$d/rc"
    fi
}

# hostile_wait CASE BOUND: waits until BOUND s after the trader started for
# it to end (then kills it: status 124); records how long it ran.
hostile_wait() {
    local name=$1 bound=$2 d left
    d=$(hostile_dir "$name")
    left=$(python3 -c 'import sys, time; print(max(0, int(float(sys.argv[2]) - (time.time() - float(open(sys.argv[1]).read())) + 0.999)))' "$d/t0" "$bound")
    hostile_await "$name" "$left"
    python3 -c 'import sys; print("%.1f" % (float(open(sys.argv[2]).read()) - float(open(sys.argv[1]).read())))' \
        "$d/t0" "$d/t1" >"$d/elapsed"
    echo "# $name: looptrader exited $(cat "$d/rc") after $(cat "$d/elapsed") s"
}

hostile_rc() { cat "$(hostile_dir "$1")/rc"; }

# Reads the server's ground truth into CASE/truth.json.
hostile_truth() {
    local d; d=$(hostile_dir "$1")
    "$BNC" --url "$(hostile_url "$1")" GET /hostile/truth 2>/dev/null | sed 1d >"$d/truth.json"
    [ -s "$d/truth.json" ] || fail "$1: no ground truth from the hostile server"
}

# How many times the server told lie MODE (proves the case exercised it);
# with VIA, only in REST answers ("rest"), WebSocket API answers
# ("ws-api") or pushes ("push"): proves it reached the transport under test.
hostile_told() {
    python3 -c 'import json, sys
t = json.load(open(sys.argv[1]))
print((t["told_via"][sys.argv[3]] if sys.argv[3] else t["told"]).get(sys.argv[2], 0))' \
        "$(hostile_dir "$1")/truth.json" "$2" "${3:-}"
}

# The trader ended by itself within its bound (not stopped by hostile_wait).
hostile_check_exit() {
    local rc; rc=$(hostile_rc "$1")
    if [ "$rc" != 124 ] && [ "$rc" -lt 128 ]; then
        ok "$1: looptrader exited by itself with status $rc after $(cat "$(hostile_dir "$1")/elapsed") s"
    else
        hostile_fail "$1" "looptrader did not exit by itself within its bound (status $rc; $(tail -n 2 "$(hostile_dir "$1")/trader.log" 2>/dev/null | tr '\n' ' '))"
    fi
}

# hostile_check CASE NEED ROUND USERS(comma separated)
hostile_check() {
    local name=$1 need=$2 round=$3 users=$4 d
    d=$(hostile_dir "$name")
    hostile_check_exit "$name"
    hostile_truth "$name"
    python3 - "$d" "$need" "$round" "$users" "$(hostile_rc "$name")" "${HOSTILE_LIVE_AT_EXIT:-0}" <<'PY' || { hostile_fail "$name" "invariants broken (above)"; return 0; }
import json, os, re, sys, time
from decimal import Decimal as D
d, need, rnd, users, rc = sys.argv[1], D(sys.argv[2]), D(sys.argv[3]), sys.argv[4].split(","), int(sys.argv[5])
live_at_exit = int(sys.argv[6])
truth = {a["name"]: a for a in json.load(open(os.path.join(d, "truth.json")))["accounts"]}
start = {a["name"]: a for a in json.load(open(os.path.join(d, "truth-start.json")))["accounts"]}
def base_total(a, asset):
    b = a["balances"].get(asset, {"free": "0", "locked": "0"})
    return D(b["free"]) + D(b["locked"])
try:
    report = {u["name"]: u for u in json.load(open(os.path.join(d, "report.json")))["users"]}
except (OSError, ValueError, KeyError):
    report = {}
log = ""
for f in ("trader.log", "trader.out.err"):
    try:
        log += open(os.path.join(d, f), errors="replace").read()
    except OSError:
        pass
t = time.time()
day0 = (int(t) - int(t) % 86400) * 1000
bad = 0
def check(cond, what):
    global bad
    print(("ok - " if cond else "not ok - ") + what)
    bad += not cond
for u in users:
    a = truth[u]
    ours = [o for o in a["orders"] if o["clientOrderId"].startswith("lt.")]
    bought = sum(D(o["cummulativeQuoteQty"]) for o in ours if o["side"] == "BUY")
    window = sum(D(o["cummulativeQuoteQty"]) for o in a["orders"]
                 if o["side"] == "BUY" and o["time"] >= day0 and D(o["executedQty"]) > 0)
    check(a["live"] <= live_at_exit, "%s: %d live orders at the venue after the exit (at most %d)"
          % (u, a["live"], live_at_exit))
    check(a["max_live"] <= 1, "%s: at most one live order at once (max %d)" % (u, a["max_live"]))
    check(bought <= need + rnd, "%s: bought %s this run <= need %s + one round %s (%d orders)"
          % (u, bought, need, rnd, len(ours)))
    jpath = os.path.join(d, "state", u + ".jsonl")
    journal = open(jpath, errors="replace").read() if os.path.exists(jpath) else ""
    missing = [o["clientOrderId"] for o in ours if o["clientOrderId"] not in journal]
    check(not missing, "%s: every venue order journaled (%d orders, missing %s)"
          % (u, len(ours), missing[:3]))
    r = report.get(u)
    st = r["status"] if r else "absent"
    # An order a never-cancelling venue keeps may go on filling after the
    # exit: what it bought is not the trader's to report.
    late = sum(D(o["executedQty"]) * (1 if o["side"] == "BUY" else -1) for o in ours
               if o["status"] in ("NEW", "PARTIALLY_FILLED"))
    grown = base_total(a, "ALPHA") - base_total(start[u], "ALPHA") - late
    residual = D(str(r.get("residual_base", 0))) if r else D(0)
    check(grown <= residual + D("0.1"), "%s: base grew by %s, reported residual %s (nothing stranded silently)"
          % (u, grown, residual))
    if st == "done":
        target = D(str(r["target"]))
        check(window >= target, "%s: reported done and the window really holds %s >= %s"
              % (u, window, target))
        check(grown <= D("0.1"), "%s: reported done and the base really came back (grew %s)"
              % (u, grown))
        rb = D(str(r["bought_quote"]))
        check(abs(rb - bought) <= max(D("0.01"), bought / 100),
              "%s: reported bought %s = really bought %s" % (u, rb, bought))
    elif st == "absent":  # the run ended before this account was reported on
        line = re.search(r"ERROR .*", log)
        check(line is not None, "%s: not reported, the run ended with an ERROR line%s"
              % (u, (": " + line.group(0)[:160]) if line else ""))
    elif st != "skipped" and st != "stopped":
        named = re.search(r"(ERROR|WARN) +%s\b.*" % re.escape(u), log)
        check(named is not None, "%s: status %s with an ERROR/WARN line naming it%s"
              % (u, st, (": " + named.group(0)[:160]) if named else ""))
    if rc == 0:
        check(st in ("done", "skipped"), "%s: exit 0 only when done or skipped (%s)" % (u, st))
san = re.search(r"runtime error:.*|ERROR: (Address|Leak)Sanitizer.*", log)
check(san is None, "no sanitizer report from the trader%s" % ((": " + san.group(0)) if san else ""))
sys.exit(1 if bad else 0)
PY
    ok "$name: invariants hold for $users"
    hostile_no_secrets "$name"
}

# hostile_expect CASE 'PYTHON over j' WHAT: a check of the case that does not
# end the test (j: any JSON given as $4, default {}).
hostile_expect() {
    local out
    if out=$(assert_true "$2" "${4:-{\}}" "$1: $3" 2>&1); then
        ok "$1: $3"
    else
        hostile_fail "$1" "$3 (${out#not ok - })"
    fi
}

# No fragment of 8 or more characters of a secret, other than text it shares
# with a public string (key, user name), in anything the trader wrote.
hostile_no_secrets() {
    local d; d=$(hostile_dir "$1")
    python3 - "$d" "${#HOSTILE_SECRETS[@]}" "${HOSTILE_SECRETS[@]}" "${HOSTILE_PUBLIC[@]}" <<'PY' || { hostile_fail "$1" "a secret fragment reached the trader's output"; return 0; }
import glob, os, sys
d, n = sys.argv[1], int(sys.argv[2])
secrets, public = sys.argv[3:3 + n], sys.argv[3 + n:]
files = [os.path.join(d, f) for f in ("trader.out", "trader.out.err", "trader.log", "report.json")]
files += glob.glob(os.path.join(d, "state", "*"))
bad = 0
for f in files:
    if not os.path.isfile(f):
        continue
    text = open(f, errors="replace").read()
    for s in secrets:
        for i in range(len(s) - 7):
            frag = s[i:i + 8]
            if frag in text and not any(frag in p for p in public):
                print("not ok - %s holds %r of a secret" % (os.path.basename(f), frag))
                bad += 1
                break
sys.exit(1 if bad else 0)
PY
    ok "$1: no secret fragment of 8 characters in output, log, report or journal"
}

# The trader's log (and stderr) has a line matching the regex (any case).
hostile_log_has() {
    local d; d=$(hostile_dir "$1")
    if grep -Eiq -- "$2" "$d/trader.log" "$d/trader.out.err" 2>/dev/null; then
        ok "$1: log says /$2/"
    else
        hostile_fail "$1" "no log line matching /$2/ ($(tail -n 2 "$d/trader.out.err" | tr '\n' ' '))"
    fi
}

# hostile_stop CASE GRACE: SIGTERM to the trader, then up to GRACE s for it
# to end (killed otherwise: status 124); prints how long it took.
hostile_stop() {
    local name=$1 grace=$2 d t
    d=$(hostile_dir "$name")
    t=$(date +%s.%N)
    kill -TERM "$(cat "$d/trader.pid")" 2>/dev/null
    hostile_await "$name" "$grace"
    python3 -c 'import sys; print("%.1f" % (float(open(sys.argv[1]).read()) - float(sys.argv[2])))' \
        "$d/t1" "$t" >"$d/stop_elapsed"
    cp "$d/stop_elapsed" "$d/elapsed"
    echo "# $name: looptrader exited $(cat "$d/rc") $(cat "$d/stop_elapsed") s after SIGTERM"
}

# The trader's log has a line matching the regex within $3 s (default 20);
# 1 otherwise.
hostile_wait_log() {
    local d; d=$(hostile_dir "$1")
    wait_for_line "$d/trader.log" "$2" "${3:-20}" || wait_for_line "$d/trader.out.err" "$2" 1
}
