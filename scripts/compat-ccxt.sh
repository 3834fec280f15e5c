#!/usr/bin/env bash
# compat-ccxt.sh - drives looptrader-sim with ccxt, a widely used third-party
# Binance client, pointed at the simulator by base URL only.
#
# Installs ccxt from npm into build/compat (once, scripts/ccxt-install.sh;
# needs the npm registry, so this is not part of `make test`), starts the
# simulator on a free port with the demo config and runs
# test/compat/ccxt_check.js, which prints PASS/FAIL per client call and the
# endpoints ccxt used, in two passes: with spot-only options, and with
# nothing but the URLs and the keys.
#   scripts/compat-ccxt.sh [--pass tuned|plain|both] [--verbose]
# Environment: BUILD (default build/release), CCXT_VERSION (default 4),
# SIM_ARGS (extra simulator arguments, e.g. "--fault latency_ms=5"),
# COMPAT_KEYS=1 (then the tuned pass runs once more for each of the test
# Ed25519 and RSA accounts of test/integration/keys_lib.sh, ccxt signing
# with the private key PEM as its secret).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build/release}
export LT_ROOT=$PWD LT_BIN=$PWD/$BUILD/bin LT_TOOLS=$PWD/$BUILD/tools
NODE_MODULES=$(scripts/ccxt-install.sh) || exit 2
export NODE_PATH=$NODE_MODULES

. test/integration/lib.sh
# shellcheck disable=SC2086
sim_start --seed 3 ${SIM_ARGS:-}
echo "compat-ccxt: looptrader-sim at $SIM_URL"
timeout 180 node test/compat/ccxt_check.js --url "$SIM_URL" "$@"
rc=$?
sim_stop || true
if [ "${COMPAT_KEYS:-0}" = 1 ]; then
    . test/integration/keys_lib.sh
    keys_setup "$LT_TMP/keys-sim.conf"
    sim_start --seed 3 --config "$LT_TMP/keys-sim.conf"
    for k in ed rsa; do
        echo "compat-ccxt: account $k (its private key PEM as ccxt's secret)"
        timeout 180 node test/compat/ccxt_check.js --url "$SIM_URL" \
            --pass tuned --key "keys-$k-key" --secret "$(cat "$LT_TMP/$k.pem")" || rc=1
    done
    sim_stop || true
fi
exit $rc
