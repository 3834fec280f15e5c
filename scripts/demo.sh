#!/usr/bin/env bash
# make demo: the embedded simulator on a free loopback port; looptrader with
# etc/demo.conf (Spot dialect) and, at the same time on the same engine, a
# second looptrader with etc/demo-alpha.conf (Binance Alpha web dialect);
# both summaries printed, the simulator stopped.
set -u
BUILD=${BUILD:-build/release}
BIN="$BUILD/bin"
SIM_LOG=$(mktemp)
SIM_PID=
cleanup() {
    if [ -n "$SIM_PID" ]; then
        kill -TERM "$SIM_PID" 2>/dev/null
        wait "$SIM_PID" 2>/dev/null
    fi
    rm -f "$SIM_LOG"
}
trap cleanup EXIT INT TERM

"$BIN/looptrader-sim" --port 0 --config etc/sim-demo.conf --seed 42 >"$SIM_LOG" 2>&1 &
SIM_PID=$!
PORT=
for _ in $(seq 1 100); do
    PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$SIM_LOG" | head -n1)
    [ -n "$PORT" ] && break
    kill -0 "$SIM_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$PORT" ]; then
    echo "demo: the simulator did not start:" >&2
    cat "$SIM_LOG" >&2
    exit 1
fi
echo "demo: simulator on 127.0.0.1:$PORT (seed 42)"

mkdir -p build
rm -rf build/demo-state build/demo-alpha-state
t0=$(date +%s)
"$BIN/looptrader" --config etc/demo-alpha.conf \
    --rest-url "http://127.0.0.1:$PORT" --ws-url "ws://127.0.0.1:$PORT" \
    --report build/demo-alpha-report.json --state-dir build/demo-alpha-state \
    --log-file build/demo-alpha.log --log-level info >build/demo-alpha.out 2>build/demo-alpha.stderr &
ALPHA_PID=$!
echo "demo: Spot accounts (dialect binance, etc/demo.conf):"
"$BIN/looptrader" --config etc/demo.conf \
    --rest-url "http://127.0.0.1:$PORT" --ws-url "ws://127.0.0.1:$PORT" \
    --report build/demo-report.json --state-dir build/demo-state \
    --log-file build/demo.log --log-level info 2>build/demo.stderr
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    tail -n 20 build/demo.stderr >&2
fi
wait "$ALPHA_PID"
arc=$?
echo
echo "demo: Alpha accounts (dialect binance-alpha, etc/demo-alpha.conf), traded at the same time:"
cat build/demo-alpha.out
if [ "$arc" -ne 0 ] && [ "$arc" -ne 3 ]; then
    tail -n 20 build/demo-alpha.stderr >&2
fi
echo "demo: looptrader exited $rc (Spot) and $arc (Alpha) after $(( $(date +%s) - t0 )) s;" \
     "reports build/demo-report.json and build/demo-alpha-report.json," \
     "logs build/demo.log and build/demo-alpha.log"
[ "$rc" -ne 0 ] && exit $rc
exit $arc
