#!/usr/bin/env bash
# test_alpha_trader.sh - looptrader on the Binance Alpha dialect
# (exchange.dialect = "binance-alpha") against the simulator's Alpha web
# endpoints: targets in points on counted volume, with the multiplier
# taken from the token list (mulPoint 4 and 2, whatever the configuration
# says); progress read back from the venue's lagging counted volume; and a
# session that expires and another that demands a step-up mid-run: those
# two accounts fail with a message naming what to refresh, the third
# reaches its target; after the run, the counted volume re-read once the
# venue's lag is over (exchange.counted_recheck_ms).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/alpha_lib.sh"

TRADER_CONFIG=$ALPHA_TRADER_CONFIG
SYMBOL=ALPHA_971USDT BASE_ASSET=ALPHA_971

# The sessions end 3 s after the simulator starts: time for the trader's
# start-up and a first round of grace and heidi on a loaded machine (calm,
# they trade from 0.3 s on), and well before frank's run ends (some 9 s).
sed -E 's/volume_lag_ms = [0-9]+/volume_lag_ms = 1500/; s/expire_after_s = [0-9.]+/expire_after_s = 3.0/;
        s/step_up_after_s = [0-9.]+/step_up_after_s = 3.0/' "$ALPHA_SIM_CONFIG" >"$LT_TMP/alpha.conf"

# Slow answers (latency) so the run outlives the sessions of grace and heidi.
sim_start --seed 5 --config "$LT_TMP/alpha.conf" --fault latency_ms=40
# 2^8 = 256 counted at mulPoint 4: 64 USDT of real buys in rounds of 1.
trader_run --target-points 8 --volume-multiplier 1 --buy-amount 1
assert_eq "$TRADER_RC" 1 "two accounts failed: exit 1"
assert_eq "$(report_status frank)" done "frank reached his target"
assert_true 'D([u for u in j["users"] if u["name"] == "frank"][0]["target"]) == 64 and [u for u in j["users"] if u["name"] == "frank"][0]["volume_multiplier"] == 4' \
    "$(cat "$TRADER_REPORT")" "the target is 2^8 / mulPoint 4 = 64 real (the token list beat volume_multiplier = 1)"
assert_contains "$(cat "$TRADER_LOG")" "counts each buy of ALPHA_971USDT 4 times" "the log says where the multiplier came from"
assert_eq "$(report_status grace)" failed "grace failed"
assert_contains "$(report_user grace error)" "refresh this account's cookies and csrftoken" "grace's error tells the operator what to refresh"
assert_contains "$(report_user grace error)" "session expired" "and that the session expired"
assert_eq "$(report_status heidi)" failed "heidi failed"
assert_contains "$(report_user heidi error)" "verification" "heidi's error names the step-up verification"
# mid-run: grace and heidi had traded before their sessions ran out, and
# were then blocked while frank went on
for u in grace heidi; do
    assert_true "int('$(report_user $u rounds)') >= 1" '{}' "$u traded before its session ended (mid-run)"
done
echo "# rounds: frank $(report_user frank rounds), grace $(report_user grace rounds), heidi $(report_user heidi rounds)"
assert_true "int('$(report_user frank rounds)') > int('$(report_user grace rounds)')" '{}' \
    "frank went on trading after grace was blocked"
bought=$(report_user frank bought_quote)
assert_true "D('$bought') >= 64 and D('$bought') < 64 + 1 + 1" '{}' "frank bought 64 USDT (+ less than a round)"
sleep 1.7
counted=$(alpha_counted frank KOGE)
assert_true "D('$counted') == D('$bought') * 4 and D('$counted') >= 256" '{}' "after the lag the venue counts frank's buys x4 = $counted >= 2^8"
alpha_as frank GET "$A_PRIV/alpha-trade/order/get-open-order"
assert_eq "$DATA" "[]" "frank left no open order"
alpha_check_no_secrets

# ---- mulPoint 2: ZKJ, the configuration silent on the multiplier ----
sim_stop
sim_start --seed 6 --config "$ALPHA_SIM_CONFIG"
rm -rf "$TRADER_STATE"
# After the run, re-read the counted volume once the venue's lag (3 s) is over.
sed 's/dialect = "binance-alpha";/dialect = "binance-alpha"; counted_recheck_ms = 3300;/' \
    "$ALPHA_TRADER_CONFIG" >"$LT_TMP/recheck.conf"
TRADER_CONFIG=$LT_TMP/recheck.conf
trader_run --only frank --symbol ALPHA_118USDT --target-points 6 --buy-amount 5
assert_eq "$TRADER_RC" 0 "ZKJ run: exit 0"
assert_contains "$(cat "$TRADER_LOG")" "frank: the venue counts" "the run re-read the counted volume after the lag"
assert_contains "$(cat "$TRADER_LOG")" "as our fills make it (" "and found the venue counting every fill x2"
assert_true 'D(j["users"][0]["target"]) == 32 and j["users"][0]["volume_multiplier"] == 2' "$(cat "$TRADER_REPORT")" "2^6 / mulPoint 2 = 32 real"
bought=$(report_user frank bought_quote)
counted=$(alpha_counted frank ZKJ)
assert_true "D('$counted') == D('$bought') * 2 and D('$counted') >= 64" '{}' "the venue counts $counted >= 2^6"
# The next run reads the counted figure back: already at target.
TRADER_CONFIG=$ALPHA_TRADER_CONFIG
trader_run --only frank --symbol ALPHA_118USDT --target-points 6 --buy-amount 5
assert_eq "$TRADER_RC" 0 "second run: exit 0"
assert_eq "$(report_status frank)" skipped "second run: frank is already at target"
assert_contains "$(cat "$TRADER_LOG")" "the venue counts $(python3 -c "from decimal import Decimal as D; print(D('$counted').normalize())")" "start-up logged the venue's counted figure"
lt_done
