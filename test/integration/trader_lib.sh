# trader_lib.sh - helpers for the trader's end-to-end tests (sourced after
# lib.sh): run looptrader against the simulator started by sim_start, and
# read each account back over the standard API (orders, balances, window
# volume) to check what the run left behind.
#
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/trader_lib.sh"
#   sim_start --seed 7
#   trader_snapshot alice bob            # base balances before the run
#   trader_run --only alice,bob          # TRADER_RC, $LT_TMP/report.json
#   trader_check_flat alice bob          # nothing open, base back (± 1 step)

SYMBOL=${SYMBOL:-ALPHAUSDT}
BASE_ASSET=${BASE_ASSET:-ALPHA}
TRADER_CONFIG=${TRADER_CONFIG:-$LT_ROOT/etc/demo.conf}
TRADER_STATE=$LT_TMP/state
TRADER_REPORT=$LT_TMP/report.json
TRADER_LOG=$LT_TMP/trader.log
declare -A BASE_BEFORE=()

trader_args() {
    TRADER_ARGS=(--config "$TRADER_CONFIG" --rest-url "$SIM_URL" --ws-url "$SIM_WS"
                 --state-dir "$TRADER_STATE" --report "$TRADER_REPORT"
                 --log-file "$TRADER_LOG" "$@")
}

# trader_config_with 'SETTINGS' FILE: a copy of etc/demo.conf with SETTINGS
# added to its exchange block ('timeout_ms = 800;'), written to FILE.
trader_config_with() {
    sed "s|^\(\s*user_stream = .*\)$|\1\n  $1|" "$LT_ROOT/etc/demo.conf" >"$2"
    grep -qF -- "$1" "$2" || fail "could not add '$1' to the exchange block of $2"
}

# Runs looptrader in the foreground (bounded); sets TRADER_RC.  Output in
# $LT_TMP/trader.out and trader.err.
trader_run() {
    trader_args "$@"
    TRADER_RC=0
    timeout -k 5 "${TRADER_TIMEOUT:-60}" "$LT_BIN/looptrader" "${TRADER_ARGS[@]}" \
        >"$LT_TMP/trader.out" 2>"$LT_TMP/trader.err" || TRADER_RC=$?
    echo "# looptrader exited $TRADER_RC"
}

# Starts looptrader in the background; its pid in TRADER_PID.
trader_start() {
    trader_args "$@"
    lt_bg "$LT_TMP/trader.out" "$LT_BIN/looptrader" "${TRADER_ARGS[@]}"
    TRADER_PID=$LT_LAST_PID
}

# METRICS_PORT: where the trader started with --metrics-addr 127.0.0.1:0
# serves, from its "metrics: serving" line after MARK (lt_lines of
# TRADER_LOG before the start: the log may hold an earlier run's line).
trader_metrics_port() {
    local mark=$1 re='metrics: serving http://127\.0\.0\.1:([0-9]+)/'
    wait_for_line_after "$mark" "$TRADER_LOG" "$re" 20 ||
        fail "the trader never said where it serves its metrics"
    METRICS_PORT=$(tail -n +"$((mark + 1))" "$TRADER_LOG" | sed -nE "s#.*$re.*#\1#p" | head -n 1)
    [ -n "$METRICS_PORT" ] || fail "no port in the metrics line"
}

# trader_kill_holding CHECK [LIMIT]: SIGKILLs the background trader at a
# moment when the command CHECK succeeds (e.g. the account holds base or
# has an order open) as read while the trader is frozen (SIGSTOP), so
# that what CHECK read is what the kill left, however late the test's
# shell gets the CPU: a kill aimed by a log line can land meanwhile in a
# gap (a sell filled, the next buy not yet sent) where nothing is held.
# Otherwise SIGCONT and again 50 ms later, for up to LIMIT s (default
# 20); 1 if it never succeeded (the trader still runs).
trader_kill_holding() {
    local check=$1 limit=${2:-20} t0=$SECONDS
    while ((SECONDS - t0 < limit)) && lt_running "$TRADER_PID"; do
        kill -STOP "$TRADER_PID"
        if "$check"; then
            kill -KILL "$TRADER_PID"
            { wait "$TRADER_PID"; } 2>/dev/null
            lt_forget_pid "$TRADER_PID"
            return 0
        fi
        kill -CONT "$TRADER_PID"
        sleep 0.05
    done
    return 1
}

# Waits for the background trader; sets TRADER_RC.
trader_wait() {
    TRADER_RC=0
    lt_wait_pid "$TRADER_PID" "${1:-60}" || TRADER_RC=$?
    echo "# looptrader exited $TRADER_RC"
}

# http_as, retried while the simulator's injected faults (5xx, 429) answer.
http_as_ok() {
    local i
    for i in 1 2 3 4 5 6 7 8; do
        http_as "$@"
        [ "$STATUS" = 200 ] && return 0
        sleep 0.3
    done
}

# Total (free + locked) base balance of a demo account.
base_balance() {
    http_as_ok "$1" GET /api/v3/account
    [ "$STATUS" = 200 ] || fail "account of $1: HTTP $STATUS $BODY"
    jget "str(sum(D(b['free']) + D(b['locked']) for b in j['balances'] if b['asset'] == '$BASE_ASSET'))" <<<"$BODY"
}

step_size() {
    local i
    for i in 1 2 3 4 5 6 7 8; do
        http GET /api/v3/exchangeInfo symbol="$SYMBOL"
        [ "$STATUS" = 200 ] && break
        sleep 0.3
    done
    jget "[f['stepSize'] for f in j['symbols'][0]['filters'] if f['filterType'] == 'LOT_SIZE'][0]" <<<"$BODY"
}

# Records the base balance of each named account.
trader_snapshot() {
    local u
    for u in "$@"; do BASE_BEFORE[$u]=$(base_balance "$u"); done
}

# For each account: no open order, base balance back where the snapshot
# had it (± one step).
trader_check_flat() { check_flat 0 "$@"; }

# After a stop: as trader_check_flat, but a stop may leave dust below the
# venue's minimums (a partly filled sell's rest that cannot be an order of
# its own): never silently, the balance is what it was plus the residual
# the report states for that user (± one step).
trader_check_stopped_flat() { check_flat 1 "$@"; }

# check_flat WITH_RESIDUAL USER...: the two above.
check_flat() {
    local with_residual=$1 u step now res=0 what
    shift
    step=$(step_size)
    for u in "$@"; do
        http_as_ok "$u" GET /api/v3/openOrders symbol="$SYMBOL"
        assert_eq "$STATUS" 200 "$u: open orders read back"
        assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "$u: no open order"
        now=$(base_balance "$u")
        what="back at ${BASE_BEFORE[$u]}"
        if [ "$with_residual" = 1 ]; then
            res=$(report_user "$u" residual_base)
            what="= ${BASE_BEFORE[$u]} + the reported residual $res"
        fi
        assert_true "abs(D('$now') - D('${BASE_BEFORE[$u]}') - D(str($res))) <= D('$step')" '{}' \
            "$u: base balance $now $what (± $step)"
    done
}

# A + B in decimal, as a plain number the trader's flags take (python's
# float sum can print 17 digits or an exponent).
plus() { python3 -c 'import sys; from decimal import Decimal as D; print(D(sys.argv[1]) + D(sys.argv[2]))' "$1" "$2"; }

# Window (UTC day) buy volume of an account, from allOrders.
window_buy() {
    local start
    start=$(python3 -c 'import time; t = int(time.time()); print((t - t % 86400) * 1000)')
    http_as_ok "$1" GET /api/v3/allOrders symbol="$SYMBOL" startTime="$start" limit=1000
    [ "$STATUS" = 200 ] || fail "allOrders of $1: HTTP $STATUS $BODY"
    jget "str(sum(D(o['cummulativeQuoteQty']) for o in j if o['side'] == 'BUY' and D(o['executedQty']) > 0 and o['time'] >= $start))" <<<"$BODY"
}

# Each account's window buy volume is at least target.
trader_check_target() {
    local target=$1 u v; shift
    for u in "$@"; do
        v=$(window_buy "$u")
        assert_true "D('$v') >= D('$target')" '{}' "$u: window buy volume $v >= $target"
    done
}

# Evaluates a Python expression over the report (j).
report_get() { jget "$1" <"$TRADER_REPORT"; }

# A field of the named user's entry in the report: report_user USER FIELD.
report_user() { report_get "[u['$2'] for u in j['users'] if u['name'] == '$1'][0]"; }

# The named user's status in the report.
report_status() { report_user "$1" status; }

# Nothing secret from the demo accounts in anything the trader wrote.
trader_check_no_secrets() {
    local f s
    for s in demo-alice-secret-7f3a9c demo-bob-secret-1d8e42 erin-session-cookie-55aa erin-token-99bb; do
        for f in "$LT_TMP/trader.out" "$LT_TMP/trader.out.err" "$LT_TMP/trader.err" \
                 "$TRADER_LOG" "$TRADER_REPORT" "$TRADER_STATE"/*.jsonl; do
            [ -f "$f" ] || continue
            grep -qF -- "$s" "$f" && fail "a secret appears in $(basename "$f")"
        done
    done
    ok "no secret in output, log, report or journal"
}

# After a restart: every user done at target (the window total at least
# target), flat, and never with two live orders.
trader_check_restarted_done() {
    local target=$1 u
    shift
    for u in "$@"; do
        assert_eq "$(report_status "$u")" done "$u done after the restart"
    done
    trader_check_target "$target" "$@"
    trader_check_flat "$@"
    trader_check_one_live_order "$@"
}

# One live order per user: among the account's orders of ours (client id
# "lt."), each was final (updateTime) before the next one was created.
trader_check_one_live_order() {
    local u
    for u in "$@"; do
        http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
        assert_true '(lambda o: all(a["updateTime"] <= b["time"] for a, b in zip(o, o[1:])))(sorted([x for x in j if x["clientOrderId"].startswith("lt.")], key=lambda x: x["orderId"]))' \
            "$BODY" "$u: never two live orders at once"
    done
}

# A run through faults ended well: exit 0, every user done at its target
# (TARGET), never two live orders, flat, and no client id reached the
# exchange twice.  LABEL prefixes the messages ("" for none).
#   trader_check_survived TARGET LABEL USER...
trader_check_survived() {
    local target=$1 label=${2:+$2: } u; shift 2
    assert_eq "$TRADER_RC" 0 "${label}looptrader exits 0"
    for u in "$@"; do
        assert_eq "$(report_status "$u")" done "$label$u done"
    done
    trader_check_target "$target" "$@"
    trader_check_one_live_order "$@"
    trader_check_flat "$@"
    for u in "$@"; do
        http_as_ok "$u" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
        assert_true 'len([o["clientOrderId"] for o in j]) == len(set(o["clientOrderId"] for o in j))' \
            "$BODY" "$label$u: no client id sent twice"
    done
}
