#!/usr/bin/env bash
# Ed25519 and RSA API keys on Spot: the simulator holds each account's
# public key (public_key_file), the trader signs with the private PEM
# (key_type + private_key_file).  Both accounts reach their targets over
# signed REST with their fills pushed, sharing one WebSocket API connection:
# ed through an Ed25519-signed, rsa through an RSA-signed
# userDataStream.subscribe.signature; with user_stream = "ws-api-logon" and
# the orders over the WS API, ed through session.logon +
# userDataStream.subscribe on its own connection instead.  A request signed
# with the wrong key is refused with -1022, a private key file readable by
# others is refused, and no line of either private key reaches the output.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"
. "$(dirname "$0")/keys_lib.sh"

keys_setup "$LT_TMP/sim.conf"

# order_transport "rest" first: the orders signed the REST way, named by the debug log
cat >"$LT_TMP/keys.conf" <<CONF
exchange = { rest_url = "http://127.0.0.1:9"; ws_url = "ws://127.0.0.1:9"; user_stream = "ws-api";
             order_transport = "rest"; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = 50.0; target = 150.0; };
users = (
  { name = "ed"; api_key = "keys-ed-key"; key_type = "ed25519"; private_key_file = "$LT_TMP/ed.pem"; },
  { name = "rsa"; api_key = "keys-rsa-key"; key_type = "rsa"; private_key_file = "$LT_TMP/rsa.pem"; }
);
CONF
TRADER_CONFIG=$LT_TMP/keys.conf

auth_for() {
    case $1 in
        ed)  AUTH=("${ED[@]}") ;;
        rsa) AUTH=("${RSA[@]}") ;;
        *) fail "auth_for: unknown account '$1'" ;;
    esac
}

sim_start --seed 12 --config "$LT_TMP/sim.conf"

# the simulator's side alone, with bnc as the client
http_as ed GET /api/v3/account
assert_eq "$STATUS" 200 "Ed25519-signed GET /api/v3/account accepted"
http_as rsa GET /api/v3/account
assert_eq "$STATUS" 200 "RSA-signed GET /api/v3/account accepted"
http --key keys-ed-key --private-key "$LT_TMP/rsa.pem" GET /api/v3/account
assert_eq "$STATUS" 400 "ed's key signed with rsa's private key: refused"
assert_eq "$(jget 'j["code"]' <<<"$BODY")" -1022 "... with -1022"
http --key keys-rsa-key --secret some-hmac-secret GET /api/v3/account
assert_eq "$(jget 'j["code"]' <<<"$BODY")" -1022 "an HMAC signature on an RSA account: -1022"

# a private key file others can read is refused, naming the file only
chmod 644 "$LT_TMP/ed.pem"
trader_run --dry-run
assert_eq "$TRADER_RC" 2 "ed.pem mode 644: refused at startup"
grep -q "chmod 600" "$LT_TMP/trader.err" || fail "the refusal says how to fix it: $(cat "$LT_TMP/trader.err")"
ok "the refusal says chmod 600"
chmod 600 "$LT_TMP/ed.pem"

trader_snapshot ed rsa
# A fill learnt from a push needs no GET /api/v3/order; with a 20 s fill
# timeout, a missing push would also show as a poll after the wait.
trader_run --log-level debug --fill-timeout-ms 20000
assert_eq "$TRADER_RC" 0 "looptrader exits 0"
assert_eq "$(report_status ed)" done "ed (Ed25519) done"
assert_eq "$(report_status rsa)" done "rsa (RSA) done"
trader_check_target 150 ed rsa
trader_check_flat ed rsa
trader_check_one_live_order ed rsa
grep -q "ws ws-api#1: ed subscribed" "$TRADER_LOG" || fail "ed's signed subscription"
ok "ed subscribed with an Ed25519-signed userDataStream.subscribe.signature"
grep -q "ws ws-api#1: rsa subscribed" "$TRADER_LOG" || fail "rsa's signed subscription"
ok "rsa subscribed with an RSA-signed userDataStream.subscribe.signature, same connection"
grep -q "logged on" "$TRADER_LOG" && fail "no session.logon by default"
grep -q "venue: POST /api/v3/order: 200" "$TRADER_LOG" || fail "the debug log names each request"
polls=$(grep -c "venue: GET /api/v3/order:" "$TRADER_LOG" || true)
assert_eq "$polls" 0 "every fill came by push: no order was polled"

# The session.logon path, for operators who choose it, with the orders over
# the WS API (the default): ed's on its logged-on session, rsa's signed.
sed -i -e 's/user_stream = "ws-api"/user_stream = "ws-api-logon"/' \
    -e 's/ *order_transport = "rest";//' \
    -e 's/target = 150.0/target = 300.0/' "$LT_TMP/keys.conf"
grep -q order_transport "$LT_TMP/keys.conf" && fail "order_transport still in keys.conf"
# the log is appended to: the second run checked from its own
mv "$TRADER_LOG" "$LT_TMP/trader-signature.log"
trader_snapshot ed rsa
trader_run --log-level debug --fill-timeout-ms 20000
assert_eq "$TRADER_RC" 0 "ws-api-logon: looptrader exits 0"
trader_check_target 300 ed rsa
grep -q "ws ws-api ed: ed logged on" "$TRADER_LOG" || fail "ed's session.logon"
grep -q "ws ws-api ed: ed subscribed" "$TRADER_LOG" || fail "ed's userDataStream.subscribe"
ok "ws-api-logon: ed (Ed25519) logged on and subscribed on its own WebSocket API session"
grep -q "ws ws-api#1: rsa subscribed" "$TRADER_LOG" || fail "rsa's signed subscription"
grep -q "venue: WS API order.place: 0" "$TRADER_LOG" || fail "no order went over the WS API"
grep -q "venue: POST /api/v3/order:" "$TRADER_LOG" && fail "an order went over REST"
ok "ws-api-logon: every order over the WS API"
polls=$(grep -cE "venue: (GET /api/v3/order|WS API order.status):" "$TRADER_LOG" || true)
assert_eq "$polls" 0 "ws-api-logon: every fill came by push"

# no base64 line of either private key in anything the trader wrote
for key in "$LT_TMP/ed.pem" "$LT_TMP/rsa.pem"; do
    while read -r line; do
        case $line in -----*) continue ;; esac
        for f in "$LT_TMP/trader.out" "$LT_TMP/trader.err" "$TRADER_LOG" "$TRADER_REPORT" \
                 "$LT_TMP/trader-signature.log" "$TRADER_STATE"/*.jsonl; do
            [ -f "$f" ] || continue
            grep -qF -- "$line" "$f" && fail "a line of $(basename "$key") appears in $(basename "$f")"
        done
    done <"$key"
done
ok "no private key material in output, log, report or journal"
lt_done
