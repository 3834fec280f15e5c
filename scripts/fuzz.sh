#!/usr/bin/env bash
# fuzz.sh - bounded libFuzzer runs of every harness in test/fuzz/ (`make fuzz`).
#
#   scripts/fuzz.sh [target ...]    targets are the <name> of test/fuzz/fuzz_<name>.c;
#                                   default: all of them, one after the other
#   FUZZ_SECONDS=N                  fuzzing time per target (default 30)
#
# The project's library objects are built with clang, coverage and ASan+UBSan
# through the Makefile (so rebuilds are incremental), each harness is linked
# against them with -fsanitize=fuzzer, then fuzzed for FUZZ_SECONDS on a
# working corpus in $BUILD/corpus/<target>: a copy of the committed seeds
# (test/fuzz/corpus/<target>) and saved crashes (test/fuzz/regressions/<target>)
# that grows across runs and is minimised (-merge) after each one.
# Leaks inside libconfig itself are suppressed (test/fuzz/lsan.supp).
# Dictionary: test/fuzz/dict/<target>.dict, else the one named by the target's
# first word (venue_order -> venue.dict).  Every run appends a line to
# $BUILD/stats.tsv.  Exits non-zero when a harness does not build or any
# target crashes, leaks, hangs or breaks an invariant; the failing input is
# kept in $BUILD/crashes/<target>/.
set -u
BUILD=${BUILD:-build/fuzz}
SECS=${FUZZ_SECONDS:-30}
PKGS="libcurl libwebsockets jansson libconfig openssl"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
OBJ=$BUILD/obj
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/test/fuzz/lsan.supp

command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang)" >&2; exit 2; }

if [ $# -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in test/fuzz/fuzz_*.c; do
        [ -f "$f" ] && targets+=("$(basename "$f" .c | sed 's/^fuzz_//')")
    done
fi
[ ${#targets[@]} -gt 0 ] || { echo "fuzz: no harness in test/fuzz/" >&2; exit 2; }

echo "fuzz: building the library with clang (coverage + ASan + UBSan) in $OBJ"
make -s CC=clang BUILD="$OBJ" OPT=-O1 SAN="$SAN -fsanitize=fuzzer-no-link" \
    "$OBJ/liblooptrader.a" "$OBJ/libltsim.a" || { echo "fuzz: library build failed" >&2; exit 1; }

mkdir -p "$BUILD/bin" "$BUILD/logs"
libs=$(pkg-config --libs $PKGS)
status=0
summary=()

build_harness() { # target -> 0 when $BUILD/bin/fuzz_<target> is up to date
    local t=$1 src=test/fuzz/fuzz_$1.c bin=$BUILD/bin/fuzz_$1
    [ -f "$src" ] || { echo "fuzz: no $src" >&2; return 1; }
    if [ -x "$bin" ] && [ "$bin" -nt "$src" ] && [ "$bin" -nt test/fuzz/fuzz.h ] &&
        [ "$bin" -nt "$OBJ/liblooptrader.a" ] && [ "$bin" -nt "$OBJ/libltsim.a" ]; then
        return 0
    fi
    # shellcheck disable=SC2086
    clang -std=c11 -O1 -g -Wall -Wextra -Werror -Iinclude -D_GNU_SOURCE -pthread \
        $SAN -fsanitize=fuzzer "$src" "$OBJ/libltsim.a" "$OBJ/liblooptrader.a" \
        $libs -lm -o "$bin"
}

dict_of() { # target -> dictionary path or nothing
    local t=$1 d=test/fuzz/dict
    if [ -f "$d/$t.dict" ]; then echo "$d/$t.dict"
    elif [ -f "$d/${t%%_*}.dict" ]; then echo "$d/${t%%_*}.dict"
    fi
}

for t in "${targets[@]}"; do
    if ! build_harness "$t"; then
        echo "fuzz: $t: harness does not build" >&2
        summary+=("$(printf '%-22s %12s  %s' "$t" - 'BUILD FAILED')")
        status=1
        continue
    fi
    corpus=$BUILD/corpus/$t
    crashes=$BUILD/crashes/$t
    log=$BUILD/logs/$t.log
    mkdir -p "$corpus" "$crashes"
    for seed in test/fuzz/corpus/"$t"/* test/fuzz/regressions/"$t"/*; do
        [ -f "$seed" ] && cp -n "$seed" "$corpus/"
    done
    dict=$(dict_of "$t")
    opts=(-max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          -artifact_prefix="$crashes/")
    [ -n "$dict" ] && opts+=(-dict="$dict")
    echo "fuzz: $t for ${SECS}s (corpus $(ls "$corpus" | wc -l) files${dict:+, dict $dict})"
    touch "$crashes/.start" # inputs saved by this run are newer
    timeout -k 10 $((SECS + 120)) "$BUILD/bin/fuzz_$t" "${opts[@]}" "$corpus" </dev/null >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$t" "$SECS" "${execs:-0}" "$rc" \
        >>"$BUILD/stats.tsv"
    if [ $rc -ne 0 ]; then
        status=1
        echo "fuzz: $t FAILED (exit $rc); the end of $log:" >&2
        tail -n 40 "$log" | sed 's/^/    | /' >&2
        find "$crashes" -type f -newer "$crashes/.start" | while read -r a; do
            echo "    input: $a  (keep it fixed: cp it to test/fuzz/regressions/$t/)" >&2
        done
        summary+=("$(printf '%-22s %12s  %s' "$t" "${execs:-?}" "FAILED (exit $rc)")")
        continue
    fi
    # Keep the working corpus minimal: only inputs that add coverage survive.
    merged=$BUILD/corpus/.$t.merge
    rm -rf "$merged" && mkdir -p "$merged"
    if "$BUILD/bin/fuzz_$t" -merge=1 "$merged" "$corpus" </dev/null >>"$log" 2>&1; then
        rm -rf "$corpus" && mv "$merged" "$corpus"
    else
        rm -rf "$merged"
    fi
    summary+=("$(printf '%-22s %12s  ok, corpus %s' "$t" "$execs" "$(ls "$corpus" | wc -l)")")
done

echo
printf '%-22s %12s  %s\n' target executions result
printf '%s\n' "${summary[@]}"
[ $status -eq 0 ] && echo "fuzz: no crash" || echo "fuzz: FAILURES (see above)"
exit $status
