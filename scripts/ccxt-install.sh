#!/usr/bin/env bash
# ccxt-install.sh - the one install step of ccxt (npm) for the scripts that
# drive the simulator with it: scripts/compat-ccxt.sh (make compat) and
# scripts/bench.py's reference scenario (make bench).
#
# Installs ccxt@${CCXT_VERSION:-4} into build/compat once (it needs the npm
# registry, so nothing in `make test` calls it) and prints the directory to
# put in NODE_PATH on stdout; progress and errors go to stderr.
#   scripts/ccxt-install.sh
# Exit 0 with the path; 2 when node or npm is missing or the install failed,
# which its callers report as "ccxt unavailable", not as a failure of theirs.
set -u
cd "$(dirname "$0")/.." || exit 2
COMPAT=$PWD/build/compat

command -v node >/dev/null || { echo "ccxt-install: node is not installed" >&2; exit 2; }
if [ ! -d "$COMPAT/node_modules/ccxt" ]; then
    command -v npm >/dev/null || { echo "ccxt-install: npm is not installed" >&2; exit 2; }
    mkdir -p "$COMPAT"
    echo "ccxt-install: installing ccxt@${CCXT_VERSION:-4} into $COMPAT" >&2
    npm install --prefix "$COMPAT" --no-audit --no-fund --loglevel=error "ccxt@${CCXT_VERSION:-4}" >&2 ||
        { echo "ccxt-install: npm install failed" >&2; exit 2; }
fi
echo "$COMPAT/node_modules"
