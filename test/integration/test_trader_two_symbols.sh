#!/usr/bin/env bash
# The token is a per-user setting: alice trades the run's symbol (ALPHAUSDT,
# streamed), bob overrides it with BETAUSDT (priced over REST).  Both reach
# their targets on their own pair, and both accounts end flat on it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

cat >"$LT_TMP/two.conf" <<CONF
strategy = { symbol = "ALPHAUSDT"; buy_amount = 50.0; target = 150.0; };
users = (
  { name = "alice"; api_key = "demo-alice-key"; api_secret = "demo-alice-secret-7f3a9c"; },
  { name = "bob"; api_key = "demo-bob-key"; api_secret = "demo-bob-secret-1d8e42";
    strategy = { symbol = "BETAUSDT"; }; }
);
CONF
TRADER_CONFIG=$LT_TMP/two.conf
sim_start --seed 31
SYMBOL=ALPHAUSDT BASE_ASSET=ALPHA trader_snapshot alice
alpha_before=${BASE_BEFORE[alice]}
SYMBOL=BETAUSDT BASE_ASSET=BETA trader_snapshot bob
BASE_BEFORE[alice]=$alpha_before
trader_run
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_status alice)" done "alice done"
assert_eq "$(report_status bob)" done "bob done"
SYMBOL=ALPHAUSDT BASE_ASSET=ALPHA trader_check_target 150 alice
SYMBOL=BETAUSDT BASE_ASSET=BETA trader_check_target 150 bob
SYMBOL=ALPHAUSDT BASE_ASSET=ALPHA trader_check_flat alice
SYMBOL=BETAUSDT BASE_ASSET=BETA trader_check_flat bob
window_alpha_bob=$(SYMBOL=ALPHAUSDT window_buy bob)
assert_true "D('$window_alpha_bob') == 0" '{}' "bob bought no ALPHA"
lt_done
