#!/usr/bin/env bash
# bench.sh - `make bench`: the trader's figures against looptrader-sim.
#
# The scenarios, what bounds each figure and the latest results are in
# docs/performance.md; the driver is scripts/bench.py (python3, stdlib only,
# as the integration tests use), because it samples /proc, reaps the trader
# with wait4 for its rusage and prints JSON, which bash does badly.
#   scripts/bench.sh [--only latency,marginal,reference,weight,throughput,scale] [--quick] [--keep]
#                     [--workers 16,64,256]
#                     [--log-level L] [--order-transport rest|ws-api] [--reference-fills watch,poll]
# Environment: BUILD (default build/release; make bench builds it with -O2).
set -u
cd "$(dirname "$0")/.."
PY=$(command -v python3) || { echo "bench: python3 is needed" >&2; exit 2; }
exec "$PY" -S scripts/bench.py "$@"
