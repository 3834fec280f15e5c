#!/usr/bin/env bash
# Runs the unit tests ($BUILD/unit/test_*) and the integration tests
# (test/integration/test_*.sh), each under a time limit; fails if any fails.
# Integration tests mostly wait on the network and timers, so JOBS of them
# (default 3) run at once; each uses its own port and temporary directory.
#   scripts/run-tests.sh [unit|integration|all] [name-filter]
set -u
BUILD=${BUILD:-build/release}
JOBS=${JOBS:-3}
what=${1:-all}
filter=${2:-}
export BUILD
export LT_BIN="$PWD/$BUILD/bin" LT_TOOLS="$PWD/$BUILD/tools" LT_ROOT="$PWD"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# run NAME LIMIT CMD...: runs one test, leaves NAME.ok or NAME.fail (+ .log).
run() {
    local name=$1 limit=$2; shift 2
    local key=${name//\//_}
    local t0=$SECONDS
    if timeout -k 5 "$limit" "$@" >"$results/$key.log" 2>&1; then
        printf 'PASS %-44s %3ss\n' "$name" $((SECONDS - t0))
        touch "$results/$key.ok"
    else
        printf 'FAIL %-44s %3ss\n' "$name" $((SECONDS - t0))
        tail -n 60 "$results/$key.log" | sed 's/^/    | /'
        echo "$name" >"$results/$key.fail"
    fi
}

wanted() { [ -z "$filter" ] || [[ "$1" == *"$filter"* ]]; }

if [ "$what" = all ] || [ "$what" = unit ]; then
    for t in "$BUILD"/unit/test_*; do
        [ -x "$t" ] && wanted "unit/$(basename "$t")" && run "unit/$(basename "$t")" 120 "$t"
    done
fi
if [ "$what" = all ] || [ "$what" = integration ]; then
    for t in test/integration/test_*.sh; do
        name="integration/$(basename "$t" .sh)"
        [ -f "$t" ] && wanted "$name" || continue
        while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
        run "$name" 240 bash "$t" &
    done
    wait
fi
pass=$(find "$results" -name '*.ok' | wc -l)
fail=$(find "$results" -name '*.fail' | wc -l)
echo "passed: $pass  failed: $fail"
[ "$fail" -eq 0 ] || { echo "failed: $(cat "$results"/*.fail | tr '\n' ' ')"; exit 1; }
