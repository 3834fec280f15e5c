#!/usr/bin/env bash
# bench-sim.sh - the simulator's signed order place+cancel throughput.
#
# Starts looptrader-sim on a free port pinned to CPU 0 and runs bench_sim
# pinned to CPU 1, so the figure is one server core's.  Both run under
# SCHED_FIFO when chrt is allowed: on a shared machine other busy processes
# otherwise preempt them for whole scheduler ticks (4 ms), and p99 measures
# the neighbours instead of the server.  Not a pass/fail test: it prints
# requests/s, p50/p99/max latency and the simulator's CPU share.
#   scripts/bench-sim.sh                      one connection for 10 s, then 4 for 5 s
#   scripts/bench-sim.sh [bench_sim options]  one run with these options
# Environment: BUILD (default build/release), SIM_CONFIG (default
# etc/sim-demo.conf, which has no order-rate limits), BENCH_KEY/BENCH_SECRET
# (default: the demo account alice), BENCH_RT=0 to skip SCHED_FIFO.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
SIM=$BUILD/bin/looptrader-sim
BENCH=$BUILD/tools/bench_sim
CONFIG=${SIM_CONFIG:-etc/sim-demo.conf}
KEY=${BENCH_KEY:-demo-alice-key}
SECRET=${BENCH_SECRET:-demo-alice-secret-7f3a9c}

for f in "$SIM" "$BENCH"; do
    [ -x "$f" ] || { echo "bench-sim: $f missing (make bench-sim builds it)" >&2; exit 2; }
done

pin_sim=() pin_bench=() how="unpinned"
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_sim=(taskset -c 0) pin_bench=(taskset -c 1) how="sim on CPU 0, client on CPU 1"
fi
if [ "${BENCH_RT:-1}" = 1 ] && command -v chrt >/dev/null && chrt -f 20 true 2>/dev/null; then
    pin_sim=(chrt -f 20 "${pin_sim[@]}") pin_bench=(chrt -f 20 "${pin_bench[@]}") how="$how, SCHED_FIFO"
fi

log=$(mktemp)
pid=
cleanup() {
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -f "$log"
}
trap cleanup EXIT

"${pin_sim[@]}" "$SIM" --port 0 --config "$CONFIG" --seed 1 >"$log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    grep -q '^listening on' "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.05
done
port=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$log" | head -n 1)
[ -n "$port" ] || { echo "bench-sim: simulator did not start" >&2; cat "$log" >&2; exit 1; }

# The simulator's CPU time (user + system clock ticks) tells whether the
# figure is the server's limit (about 100 % of its core) or the client's.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

run() {
    local t0 t1 c0 c1 rc
    t0=$(date +%s%N) c0=$(cpu_ticks)
    "${pin_bench[@]}" "$BENCH" --port "$port" --key "$KEY" --secret "$SECRET" "$@"
    rc=$?
    t1=$(date +%s%N) c1=$(cpu_ticks)
    awk -v c=$((c1 - c0)) -v hz="$(getconf CLK_TCK)" -v ns=$((t1 - t0)) \
        'BEGIN { printf "simulator CPU: %.0f %% of one core (warm-up included)\n\n", 100 * c / hz / (ns / 1e9) }'
    return $rc
}

echo "bench-sim: looptrader-sim on port $port ($how), config $CONFIG"
if [ $# -gt 0 ]; then
    run "$@"
else
    run --duration-s 10 --conns 1 && run --duration-s 5 --conns 4
fi
