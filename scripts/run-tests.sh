#!/usr/bin/env bash
# Runs the unit tests ($BUILD/unit/test_*) and the integration tests
# (test/integration/test_*.sh), each under a time limit; fails if any fails.
#   scripts/run-tests.sh [unit|integration] [name-filter]
set -u
BUILD=${BUILD:-build/release}
what=${1:-all}
filter=${2:-}
export BUILD
export LT_BIN="$PWD/$BUILD/bin" LT_TOOLS="$PWD/$BUILD/tools" LT_ROOT="$PWD"
pass=0; fail=0; failed=()

run() { # name timeout cmd...
    local name=$1 limit=$2; shift 2
    [ -n "$filter" ] && [[ "$name" != *"$filter"* ]] && return
    local log; log=$(mktemp)
    local t0=$SECONDS
    if timeout -k 5 "$limit" "$@" >"$log" 2>&1; then
        pass=$((pass + 1)); printf 'PASS %-40s %3ss\n' "$name" $((SECONDS - t0))
    else
        fail=$((fail + 1)); failed+=("$name")
        printf 'FAIL %-40s %3ss\n' "$name" $((SECONDS - t0))
        tail -n 60 "$log" | sed 's/^/    | /'
    fi
    rm -f "$log"
}

if [ "$what" = all ] || [ "$what" = unit ]; then
    for t in "$BUILD"/unit/test_*; do
        [ -x "$t" ] && run "unit/$(basename "$t")" 120 "$t"
    done
fi
if [ "$what" = all ] || [ "$what" = integration ]; then
    for t in test/integration/test_*.sh; do
        [ -f "$t" ] && run "integration/$(basename "$t" .sh)" 240 bash "$t"
    done
fi
echo "passed: $pass  failed: $fail"
[ "$fail" -eq 0 ] || { printf 'failed: %s\n' "${failed[*]}"; exit 1; }
