#!/usr/bin/env bash
# make valgrind, coordinator part: one looptrader process running two
# accounts (alice, bob) through a throwaway PostgreSQL (leases, fenced order
# journal, heartbeats: libpq's code paths, which the demo does not reach),
# `db init` and the run both under valgrind memcheck, after a run against an
# unreachable coordinator (exit 2: the start-up's error path).  Fails on any memory
# error or leak (definitely/indirectly lost).  Built on the integration
# tests' helpers (test/integration/lib.sh, trader_lib.sh, pg_lib.sh), so the
# cluster is the tests' own (private unix socket, no TCP) and, without
# PostgreSQL's server binaries, this prints SKIP and passes.
set -u
BUILD=${BUILD:-build/release}
LT_ROOT=$(cd "$(dirname "$0")/.." && pwd)
LT_BIN=$LT_ROOT/$BUILD/bin
LT_TOOLS=$LT_ROOT/$BUILD/tools
LT_NAME=valgrind-coord
. "$LT_ROOT/test/integration/lib.sh"
. "$LT_ROOT/test/integration/trader_lib.sh"
. "$LT_ROOT/test/integration/pg_lib.sh"

out=$LT_ROOT/build/valgrind
mkdir -p "$out"
VG=(valgrind --quiet --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --error-exitcode=99)

sim_start --seed 42
trader_args --only alice,bob --coordinator "postgresql://lt@127.0.0.1:1/lt"
rc=0
timeout -k 5 120 "${VG[@]}" --log-file="$out/coord-unreachable.vg" "$LT_BIN/looptrader" \
    "${TRADER_ARGS[@]}" >"$out/coord-unreachable.out" 2>&1 || rc=$?
assert_eq "$rc" 2 "an unreachable coordinator under valgrind: exit 2 (99 = errors or leaks)"
pg_start
rc=0
"${VG[@]}" --log-file="$out/coord-dbinit.vg" "$LT_BIN/looptrader" db init \
    --coordinator "$PG_URL" >"$out/coord-dbinit.out" 2>&1 || rc=$?
assert_eq "$rc" 0 "db init under valgrind exits 0"
trader_args --only alice,bob --coordinator "$PG_URL" --lease-ms 4000 --target 150
rc=0
timeout -k 5 300 "${VG[@]}" --log-file="$out/coord.vg" "$LT_BIN/looptrader" "${TRADER_ARGS[@]}" \
    >"$out/coord.out" 2>&1 || rc=$?
cp "$TRADER_LOG" "$out/coord.log" 2>/dev/null
for f in coord-unreachable coord-dbinit coord; do
    if [ -s "$out/$f.vg" ]; then echo "== $f: valgrind reports"; cat "$out/$f.vg"; fi
done
assert_eq "$rc" 0 "the coordinated run of alice and bob under valgrind exits 0 (99 = errors or leaks)"
assert_eq "$(report_status alice),$(report_status bob)" done,done "both accounts reached their target"
for f in coord-unreachable coord-dbinit coord; do
    [ ! -s "$out/$f.vg" ] || fail "valgrind reported errors or leaks in $f"
done
ok "valgrind: 0 errors, 0 definite or indirect leaks"
lt_done
