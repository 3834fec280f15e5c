#!/usr/bin/env bash
# make valgrind: the demo with both binaries under valgrind memcheck: the
# Spot accounts (etc/demo.conf), then the Alpha web dialect's
# (etc/demo-alpha.conf), against one simulator.  Fails on any memory error or
# leak (definitely/indirectly lost) in any of the three processes.
set -u
BUILD=${BUILD:-build/release}
BIN="$BUILD/bin"
out=build/valgrind
mkdir -p "$out"
rm -rf "$out/state" "$out/alpha-state"
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99)

"${VG[@]}" --log-file="$out/sim.vg" "$BIN/looptrader-sim" --port 0 \
    --config etc/sim-demo.conf --seed 42 >"$out/sim.out" 2>&1 &
sim=$!
trap 'kill -TERM $sim 2>/dev/null' EXIT
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out/sim.out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "valgrind: the simulator did not start"; cat "$out/sim.out"; exit 1; }

"${VG[@]}" --log-file="$out/looptrader.vg" "$BIN/looptrader" --config etc/demo.conf \
    --rest-url "http://127.0.0.1:$port" --ws-url "ws://127.0.0.1:$port" \
    --state-dir "$out/state" --report "$out/report.json" >"$out/looptrader.out" 2>&1
lt=$?
"${VG[@]}" --log-file="$out/looptrader-alpha.vg" "$BIN/looptrader" --config etc/demo-alpha.conf \
    --rest-url "http://127.0.0.1:$port" --ws-url "ws://127.0.0.1:$port" \
    --state-dir "$out/alpha-state" --report "$out/alpha-report.json" >"$out/looptrader-alpha.out" 2>&1
alt=$?
kill -TERM $sim
wait $sim
sim_rc=$?
trap - EXIT
for f in looptrader looptrader-alpha sim; do
    if [ -s "$out/$f.vg" ]; then echo "== $f: valgrind reports"; cat "$out/$f.vg"; fi
done
echo "looptrader exit $lt (Spot), $alt (Alpha), looptrader-sim exit $sim_rc (99 = valgrind found errors or leaks)"
[ "$lt" -eq 0 ] && [ "$alt" -eq 0 ] && [ "$sim_rc" -eq 0 ] && [ ! -s "$out/looptrader.vg" ] \
    && [ ! -s "$out/looptrader-alpha.vg" ] && [ ! -s "$out/sim.vg" ]
