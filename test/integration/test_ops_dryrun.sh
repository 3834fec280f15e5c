#!/usr/bin/env bash
# A dry run that tells the truth: the venue URL, each account's real free
# balance, the order size after the venue's minimums (buy_amount 1 USDT is
# raised to the minimum notional), rounds and cost from the live book; an
# account too poor for one round and one whose credentials are rejected
# are marked CANNOT RUN, and the exit code is 1.  Nothing is placed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

{ sed -n '/^symbols = (/,/^);/p' "$LT_ROOT/etc/sim-demo.conf"
  cat <<'CONF'
accounts = (
  { name = "rich"; api_key = "rich-key"; api_secret = "rich-secret-11aa22";
    balances = { USDT = "500"; ALPHA = "0"; }; },
  { name = "poor"; api_key = "poor-key"; api_secret = "poor-secret-33bb44";
    balances = { USDT = "3"; ALPHA = "0"; }; }
);
CONF
} >"$LT_TMP/sim.conf"
sim_start --seed 26 --config "$LT_TMP/sim.conf"
cat >"$LT_TMP/trader.conf" <<CONF
exchange = { rest_url = "$SIM_URL"; ws_url = "$SIM_WS"; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 1.0; target = 100.0; };
users = (
  { name = "rich"; api_key = "rich-key"; api_secret = "rich-secret-11aa22"; },
  { name = "poor"; api_key = "poor-key"; api_secret = "poor-secret-33bb44"; },
  { name = "wrong"; api_key = "nobody-key"; api_secret = "not-a-secret-55cc"; }
);
CONF
chmod 600 "$LT_TMP/trader.conf"
TRADER_CONFIG=$LT_TMP/trader.conf
trader_run --dry-run --lock-dir "$LT_TMP/locks"
out=$(cat "$LT_TMP/trader.out")
echo "$out" | sed 's/^/# /'
assert_eq "$TRADER_RC" 1 "a dry run with accounts that cannot run exits 1"
assert_contains "$out" "venue $SIM_URL" "the plan names the venue"
rich=$(sed -n '/^rich /,/^[a-z]/p' <<<"$out")
assert_contains "$(head -n 1 <<<"$rich")" "queued" "rich can run"
assert_contains "$rich" "free 500 USDT" "rich's real free balance"
assert_contains "$rich" "raised to the venue's minimums" "the minimum order size is said"
qty=$(sed -nE 's/.*per round: buy ([0-9.]+) ALPHA at ([0-9.]+) = ([0-9.]+) USDT.*/\1 \3/p' <<<"$rich")
read -r q quote <<<"$qty"
assert_true "D('$quote') >= 5 and D('$q') * 10 == int(D('$q') * 10)" '{}' \
    "rich buys $q ALPHA = $quote USDT a round (min notional 5, step 0.1), not 1 USDT"
rounds=$(sed -nE 's/.*rounds ~([0-9]+).*/\1/p' <<<"$rich")
assert_true "$rounds - 1 < D(100) / D('$quote') <= $rounds" '{}' "rounds ~$rounds for 100 USDT at $quote a round"
assert_contains "$rich" "est. cost" "a cost estimate"
assert_contains "$(grep '^poor ' <<<"$out")" "CANNOT RUN" "poor is marked"
assert_contains "$out" "balance too low for one round: free 3 USDT" "poor's reason"
assert_contains "$(grep '^wrong ' <<<"$out")" "CANNOT RUN" "wrong credentials marked"
assert_contains "$(grep '^wrong ' <<<"$out")" "credentials rejected" "wrong's reason"
assert_contains "$out" "2 account(s) cannot run" "the count"
for u in rich poor; do
    http --key "$u-key" --secret "$u-secret-$([ $u = rich ] && echo 11aa22 || echo 33bb44)" \
        GET /api/v3/allOrders symbol="$SYMBOL"
    assert_eq "$STATUS" 200 "$u: orders read back"
    assert_eq "$(jget 'len(j)' <<<"$BODY")" 0 "$u: nothing placed"
done
assert_eq "$(report_get 'j["exit_code"]')" 1 "the report says exit 1"
lt_done
