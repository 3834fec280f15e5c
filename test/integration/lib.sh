# lib.sh - shared helpers for the integration tests (sourced, not run).
#
# Every end-to-end test starts looptrader-sim on port 0, drives it over
# loopback and must stop what it started, even when an assertion fails
# half-way.  These helpers do that bookkeeping once: a private temp dir,
# background processes tracked and stopped by an EXIT trap, the simulator's
# port read from its "listening on" line, bounded waits, and assertions that
# stop the test at the first failure with a readable message.
#
#   . "$(dirname "$0")/lib.sh"
#   sim_start --seed 7 --fault partial=0.3      # sets SIM_URL, SIM_WS, SIM_PORT, SIM_PID
#   http_as alice POST /api/v3/order symbol=ALPHAUSDT ...   # sets STATUS, BODY
#   assert_eq "$STATUS" 200 "order accepted"
#   jget 'j["status"]' <<<"$BODY"
#   lt_done                                      # prints the summary; exit 0
#
# A test must pass on a loaded 2-core CI machine on the first try.  What
# made tests flip there, and what to do instead:
#   - a poll matching an earlier process's or phase's line: poll a fresh
#     file (lt_bg empties its files before it returns; give each process
#     its own names), or only the lines after a mark (lt_lines, then
#     wait_for_line_after) on a file that is appended to, as TRADER_LOG is;
#   - a port picked, closed and handed over: every server here binds port 0
#     and names its port (the simulator, tls_front, hostile, the proxy, the
#     trader's --metrics-addr 127.0.0.1:0, see trader_metrics_port);
#   - a wall-clock bound as an assertion, or a fixed lag that one step had
#     to fit in: show the effect by what the processes themselves count or
#     log, and hold a request with the proxy's hold=PATH rule until the
#     test has done its part;
#   - kill -0 on a reaped pid (it may be a stranger's by then): a pid is
#     ours while the job table lists it (lt_running).
#
# Environment (set by scripts/run-tests.sh; defaults for a manual run from
# the repository root): LT_BIN (looptrader, looptrader-sim), LT_TOOLS (bnc,
# bench_sim), LT_ROOT.  LT_KEEP_TMP=1 keeps the temp dir for inspection.

set -u

LT_ROOT=${LT_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LT_BIN=${LT_BIN:-$LT_ROOT/build/release/bin}
LT_TOOLS=${LT_TOOLS:-$LT_ROOT/build/release/tools}
BNC=$LT_TOOLS/bnc
SIM_CONFIG_DEFAULT=$LT_ROOT/etc/sim-demo.conf

# python3 (stdlib only) checks JSON.  A version manager's shim can cost
# 200 ms a start, and tests start it hundreds of times: resolve the real
# interpreter once and skip site packages (-S), which nothing here needs.
LT_PY=$(command python3 -c 'import sys; print(sys.executable)')
python3() { "$LT_PY" -S "$@"; }

# The trader's default window is the UTC day, and tests read window totals
# back from the venue: a test that straddles 00:00 UTC would compare two
# different days.  One that would start in the last 100 s of a day waits
# for the next.
lt_secs_to_midnight=$((86400 - $(date -u +%s) % 86400))
if [ "$lt_secs_to_midnight" -le 100 ]; then
    echo "# waiting ${lt_secs_to_midnight} s for the UTC day to roll over" >&2
    sleep $((lt_secs_to_midnight + 1))
fi
LT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/lt-test.XXXXXX")
LT_PIDS=()          # background processes to stop at exit
LT_EXIT_HOOKS=()    # extra commands to run at exit (lt_on_exit)
LT_CHECKS=0
LT_NAME=$(basename "${0%.sh}")

# ---- process bookkeeping ----

# Registers a command run (by eval) at exit, before processes are stopped.
lt_on_exit() { LT_EXIT_HOOKS+=("$1"); }

# 0 when pid is a background job of this shell still running (or
# stopped).  Not `kill -0`: bash reaps a child as it exits, and its pid is
# then free for the system to give to any new process (pid_max may be
# 32768, and a loaded CI machine goes through thousands a minute), which
# `kill -0` cannot tell from ours.  The job table can; read from a file,
# so that polling it forks nothing.
lt_running() {
    local p
    { jobs -rp; jobs -sp; } >"$LT_TMP/.jobs"
    while read -r p; do [ "$p" = "$1" ] && return 0; done <"$LT_TMP/.jobs"
    return 1
}

# Stops pid: SIGTERM, then SIGKILL after $2 seconds (default 3).  Returns
# the process's exit status when it was our child (143 = died of TERM).
lt_stop_pid() {
    local pid=$1 grace=${2:-3} i
    lt_running "$pid" || { wait "$pid" 2>/dev/null; return $?; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < grace * 20; i++)); do
        lt_running "$pid" || break
        sleep 0.05
    done
    lt_running "$pid" && { echo "# pid $pid ignored SIGTERM; killing" >&2; kill -KILL "$pid" 2>/dev/null; }
    wait "$pid" 2>/dev/null
}

lt_cleanup() {
    local rc=$? h p
    trap - EXIT INT TERM
    for h in "${LT_EXIT_HOOKS[@]+"${LT_EXIT_HOOKS[@]}"}"; do eval "$h" || true; done
    for p in "${LT_PIDS[@]+"${LT_PIDS[@]}"}"; do lt_stop_pid "$p" 2 >/dev/null 2>&1 || true; done
    if [ "${LT_KEEP_TMP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        [ "$rc" -ne 0 ] && [ -f "${SIM_LOG:-}" ] && {
            echo "# last lines of the latest simulator's log ($SIM_LOG):" >&2
            tail -n 20 "$SIM_LOG" | sed 's/^/#   /' >&2
        }
        # the trader's own last words: why it exited as it did
        [ "$rc" -ne 0 ] && [ -s "$LT_TMP/trader.err" ] && {
            echo "# last lines of the trader's stderr:" >&2
            tail -n 15 "$LT_TMP/trader.err" | sed 's/^/#   /' >&2
        }
        [ "$rc" -ne 0 ] && [ -s "${TRADER_LOG:-}" ] && {
            echo "# last lines of the trader's log ($TRADER_LOG):" >&2
            tail -n 15 "$TRADER_LOG" | sed 's/^/#   /' >&2
        }
        [ "${LT_KEEP_TMP:-0}" = 1 ] && echo "# kept $LT_TMP" >&2 || rm -rf "$LT_TMP"
    else
        rm -rf "$LT_TMP"
    fi
    exit "$rc"
}
trap lt_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Runs a command in the background, tracked for cleanup; its pid in LT_LAST_PID.
#   lt_bg OUTFILE CMD [ARGS...]     (stdout to OUTFILE, stderr to OUTFILE.err)
# Both files are emptied before this returns: the child's own redirection
# runs after the fork, so a caller polling OUTFILE for a line (a port, say)
# could otherwise read what an earlier process left there.
lt_bg() {
    local out=$1; shift
    : >"$out"; : >"$out.err"
    "$@" >"$out" 2>"$out.err" &
    LT_LAST_PID=$!
    LT_PIDS+=("$LT_LAST_PID")
}

# Stops tracking pid (it was stopped or waited for already).
lt_forget_pid() {
    local keep=() p
    for p in "${LT_PIDS[@]+"${LT_PIDS[@]}"}"; do [ "$p" = "$1" ] || keep+=("$p"); done
    LT_PIDS=("${keep[@]+"${keep[@]}"}")
}

# Waits for a tracked background process to exit by itself within $2
# seconds (default 30); returns its status, or 124 after stopping it.
lt_wait_pid() {
    local pid=$1 limit=${2:-30} i
    for ((i = 0; i < limit * 20; i++)); do
        lt_running "$pid" || { wait "$pid"; return $?; }
        sleep 0.05
    done
    lt_stop_pid "$pid" 1
    return 124
}

# Polls until FILE has a line matching the extended regex, for up to
# $3 seconds (default 10).  0 when found, 1 on timeout.
wait_for_line() { wait_for_line_after 0 "$@"; }

# How many lines FILE has now (0 when absent): a mark for
# wait_for_line_after, on a file that an earlier process or phase wrote to
# as well (the trader's log file is appended to, run after run).
lt_lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# wait_for_line_after MARK FILE RE [LIMIT]: as wait_for_line, matching
# only the lines after the first MARK.
wait_for_line_after() {
    local mark=$1 file=$2 re=$3 limit=${4:-10} i
    for ((i = 0; i < limit * 20; i++)); do
        if [ "$mark" = 0 ]; then
            grep -Eq -- "$re" "$file" 2>/dev/null && return 0
        else
            tail -n +"$((mark + 1))" "$file" 2>/dev/null | grep -Eq -- "$re" && return 0
        fi
        sleep 0.05
    done
    return 1
}

# Polls until the command succeeds, for up to $1 seconds.
wait_until() {
    local limit=$1 i; shift
    for ((i = 0; i < limit * 20; i++)); do
        "$@" && return 0
        sleep 0.05
    done
    return 1
}

# ---- the simulator ----

# Starts looptrader-sim on a free port with the given extra arguments
# (--seed, --fault ..., --config FILE; the demo config when none is given)
# and waits for its "listening on 127.0.0.1:PORT" line.  Sets SIM_PID,
# SIM_PORT, SIM_URL (http://...), SIM_WS (ws://...), SIM_LOG.  Several
# simulators may run at once: the variables describe the latest.
sim_start() {
    local args=("$@") have_config=0 a
    for a in "${args[@]+"${args[@]}"}"; do [ "$a" = --config ] && have_config=1; done
    [ $have_config = 1 ] || args+=(--config "$SIM_CONFIG_DEFAULT")
    SIM_LOG=$LT_TMP/sim.log
    [ -e "$SIM_LOG" ] && SIM_LOG=$(mktemp "$LT_TMP/sim.XXXX.log")
    [ -x "$LT_BIN/looptrader-sim" ] || fail "no simulator at $LT_BIN/looptrader-sim (run make)"
    ${SIM_WRAPPER:-} "$LT_BIN/looptrader-sim" --port 0 "${args[@]}" >"$SIM_LOG" 2>&1 &
    SIM_PID=$!
    LT_PIDS+=("$SIM_PID")
    if ! wait_for_line "$SIM_LOG" '^listening on 127\.0\.0\.1:[0-9]+' 15; then
        kill -0 "$SIM_PID" 2>/dev/null || echo "# simulator exited early" >&2
        cat "$SIM_LOG" >&2
        fail "simulator did not report its port"
    fi
    SIM_PORT=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$SIM_LOG" | head -n 1)
    SIM_URL=http://127.0.0.1:$SIM_PORT
    SIM_WS=ws://127.0.0.1:$SIM_PORT
    export BNC_URL=$SIM_URL
}

# Stops the latest simulator with SIGTERM; returns its exit status (0 when
# it shut down cleanly).
sim_stop() {
    local pid=$SIM_PID rc=0
    lt_stop_pid "$pid" 5 || rc=$?
    lt_forget_pid "$pid"
    return $rc
}

# ---- accounts of etc/sim-demo.conf ----

# Sets AUTH (an array of bnc options) to the named demo account's
# credentials: API key + secret, or erin's session cookie + header.
# Unknown names fail the test.  Tests using another config set AUTH
# themselves.
auth_for() {
    case $1 in
        alice) AUTH=(--key demo-alice-key --secret demo-alice-secret-7f3a9c) ;;
        bob)   AUTH=(--key demo-bob-key --secret demo-bob-secret-1d8e42) ;;
        carol|dave)
            local k s
            k=$(demo_account_field "$1" api_key) s=$(demo_account_field "$1" api_secret)
            [ -n "$k" ] && [ -n "$s" ] || fail "no credentials for $1 in $SIM_CONFIG_DEFAULT"
            AUTH=(--key "$k" --secret "$s") ;;
        erin)  AUTH=(--cookie "session=erin-session-cookie-55aa" --header "X-Session-Token: erin-token-99bb") ;;
        *) fail "auth_for: unknown demo account '$1'" ;;
    esac
}

# Prints a string field of a named account block in the demo config
# (libconfig text: `name = "carol"; ... api_key = "...";`).
demo_account_field() {
    python3 - "$SIM_CONFIG_DEFAULT" "$1" "$2" <<'EOF'
import re, sys
text, name, field = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
m = re.search(r'name\s*=\s*"%s"' % re.escape(name), text)
if m:
    block = text[m.end():]
    nxt = re.search(r'\bname\s*=\s*"', block)
    block = block[:nxt.start()] if nxt else block
    f = re.search(r'\b%s\s*=\s*"([^"]*)"' % re.escape(field), block)
    if f:
        print(f.group(1))
EOF
}

# ---- HTTP and JSON ----

# Runs one bnc request against the simulator (bnc options first, then
# METHOD PATH k=v...).  Sets STATUS (HTTP status, 0 on transport failure),
# BODY (the JSON body, compact), HEADERS (JSON object, lower-case names)
# and RESP (the whole {status,headers,body} object).
http() {
    RESP=$("$BNC" -j --url "$SIM_URL" "$@" 2>"$LT_TMP/bnc.err") || {
        STATUS=0 BODY= HEADERS='{}'
        echo "# bnc failed: $(cat "$LT_TMP/bnc.err")" >&2
        return 0
    }
    local parts
    parts=$(python3 -c '
import json, sys
r = json.loads(sys.stdin.read())
for v in (r["status"], r["body"], r["headers"]):
    print(json.dumps(v, separators=(",", ":")))
' <<<"$RESP")
    { read -r STATUS; read -r BODY; read -r HEADERS; } <<<"$parts"
}

# The trader's metrics endpoint, raw HTTP/1.1 read to the close (status
# line, headers, body): scrape_port PORT PATH.
scrape_port() { python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUser-Agent: test\r\n\r\n" % sys.argv[2]).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.write(data.decode())
PY
}

# http with the named demo account's credentials: http_as alice GET /api/v3/account
http_as() {
    local who=$1; shift
    auth_for "$who"
    http "${AUTH[@]}" "$@"
}

# Evaluates a Python expression over the JSON document on stdin, bound to
# `j`; prints strings raw, None as "null", other values as compact JSON.
#   jget 'j["orderId"]' <<<"$BODY"
#   jget 'len([o for o in j if o["status"] == "NEW"])' <<<"$BODY"
jget() {
    python3 -c '
import json, sys
from decimal import Decimal as D
j = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), default=str))
' "$1"
}

# Like jget over a file of JSON lines: `j` is the list of parsed lines.
jlines() {
    python3 -c '
import json, sys
from decimal import Decimal as D
j = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v, separators=(",", ":"), default=str))
' "$1" "$2"
}

# ---- assertions (each failure ends the test) ----

fail() {
    echo "not ok - $*" >&2
    exit 1
}

ok() {
    LT_CHECKS=$((LT_CHECKS + 1))
    echo "ok - $*"
}

# assert_eq ACTUAL EXPECTED MESSAGE
assert_eq() {
    [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"
    ok "$3"
}

# assert_ne ACTUAL UNEXPECTED MESSAGE
assert_ne() {
    [ "$1" != "$2" ] || fail "$3: got '$1'"
    ok "$3"
}

# assert_contains HAYSTACK NEEDLE MESSAGE
assert_contains() {
    [[ "$1" == *"$2"* ]] || fail "$3: '$2' not in '${1:0:400}'"
    ok "$3"
}

# assert_true 'PYTHON EXPR over j' JSON MESSAGE  (true when the expression is truthy)
assert_true() {
    local v
    v=$(python3 -c '
import json, sys
from decimal import Decimal as D
j = json.loads(sys.argv[2])
print("yes" if eval(sys.argv[1]) else "no")
' "$1" "$2" 2>&1) || fail "$3: cannot evaluate $1 on '${2:0:300}': $v"
    [ "$v" = yes ] || fail "$3: not true: $1 on '${2:0:400}'"
    ok "$3"
}

# assert_error EXPECTED_HTTP EXPECTED_CODE MESSAGE: the last http call got
# a Binance error body {"code":EXPECTED_CODE,"msg":...} with that status.
assert_error() {
    local code msg
    code=$(jget 'j.get("code") if isinstance(j, dict) else None' <<<"${BODY:-null}")
    msg=$(jget 'j.get("msg") if isinstance(j, dict) else None' <<<"${BODY:-null}")
    [ "$STATUS" = "$1" ] && [ "$code" = "$2" ] && [ -n "$msg" ] && [ "$msg" != null ] ||
        fail "$3: got HTTP $STATUS $BODY, expected HTTP $1 code $2 with a msg"
    ok "$3 ($2 \"$msg\")"
}

# assert_error_in EXPECTED_HTTP "CODE1 CODE2 ..." MESSAGE: like assert_error
# where the venue may answer with any of several codes.
assert_error_in() {
    local code
    code=$(jget 'j.get("code") if isinstance(j, dict) else None' <<<"${BODY:-null}")
    [ "$STATUS" = "$1" ] && [[ " $2 " == *" $code "* ]] ||
        fail "$3: got HTTP $STATUS $BODY, expected HTTP $1 with a code in ($2)"
    ok "$3 ($code)"
}

# The simulator is alive and answering (after hostile input, say).
assert_sim_serves() {
    kill -0 "$SIM_PID" 2>/dev/null || fail "${1:-simulator}: process is gone"
    http GET /api/v3/ping
    assert_eq "$STATUS $BODY" "200 {}" "${1:-simulator} still serves"
}

# Prints the summary line; call last.
lt_done() {
    echo "# $LT_NAME: $LT_CHECKS checks passed"
    exit 0
}
