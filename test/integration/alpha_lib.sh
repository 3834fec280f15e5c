# alpha_lib.sh - helpers for the Binance Alpha dialect's end-to-end tests
# (sourced after lib.sh): the accounts of etc/sim-alpha.conf as browser
# sessions, Alpha requests with JSON bodies, and the envelope unwrapped.
#
#   sim_start --config "$ALPHA_SIM_CONFIG"
#   alpha_as frank GET "$A_PRIV/wallet-direct/cloud-wallet/alpha"
#   assert_alpha_ok "balances"; jget 'j["list"]' <<<"$DATA"
#   alpha_post frank "$A_PLACE" '{"baseAsset":"ALPHA_971",...}'

ALPHA_SIM_CONFIG=$LT_ROOT/etc/sim-alpha.conf
ALPHA_TRADER_CONFIG=$LT_ROOT/etc/alpha.conf
A_PUB=/bapi/defi/v1/public
A_PRIV=/bapi/defi/v1/private
A_PLACE=/bapi/asset/v1/private/alpha-trade/order/place
A_OTO=/bapi/asset/v1/private/alpha-trade/oto-order/place
A_VOLUME=$A_PRIV/wallet-direct/buw/wallet/today/user-volume

# Sets AUTH to the account's browser session (cookie, csrftoken and the
# other headers the web page sends).
alpha_auth() {
    local cookie csrf
    case $1 in
        frank) cookie=p20t=web.frank-p20t-4c1d9e csrf=frank-csrf-0a77 ;;
        grace) cookie=p20t=web.grace-p20t-77b2c0 csrf=grace-csrf-51e3 ;;
        heidi) cookie=p20t=web.heidi-p20t-e1f04a csrf=heidi-csrf-9c20 ;;
        *) fail "alpha_auth: unknown account '$1'" ;;
    esac
    AUTH=(--cookie "$cookie" --header "csrftoken: $csrf" --header "bnc-uuid: uuid-$1"
          --header "device-info: di-$1" --header "fvideo-id: fv-$1"
          --header "fvideo-token: fvt-$1" --header "clienttype: web")
}

# Unwraps the last answer's envelope: CODE, SUCCESS, MESSAGE, DATA (JSON).
alpha_unwrap() {
    local parts
    parts=$(python3 -c '
import json, sys
j = json.loads(sys.stdin.read() or "null")
ok = isinstance(j, dict)
print(j.get("code") if ok else None)
print(j.get("success") if ok else None)
print(j.get("message") if ok else None)
print(json.dumps(j.get("data") if ok else None, separators=(",", ":")))
' <<<"$BODY")
    { read -r CODE; read -r SUCCESS; read -r MESSAGE; read -r DATA; } <<<"$parts"
}

# alpha_as USER METHOD PATH [k=v...]: a GET/POST with USER's session.
alpha_as() {
    local who=$1; shift
    alpha_auth "$who"
    http "${AUTH[@]}" "$@"
    alpha_unwrap
}

# alpha_post USER PATH JSON: a POST with a JSON body.
alpha_post() {
    alpha_auth "$1"
    http "${AUTH[@]}" --content-type application/json --raw-body "$3" POST "$2"
    alpha_unwrap
}

# The answer was {"code":"000000","success":true,...}.
assert_alpha_ok() {
    [ "$STATUS" = 200 ] && [ "$CODE" = 000000 ] && [ "$SUCCESS" = True ] ||
        fail "$1: got HTTP $STATUS $BODY"
    ok "$1"
}

# assert_alpha_error CODE MESSAGE: success false with that code and a message.
assert_alpha_error() {
    [ "$CODE" = "$1" ] && [ "$SUCCESS" = False ] && [ -n "$MESSAGE" ] && [ "$DATA" = null ] ||
        fail "$2: got HTTP $STATUS $BODY, expected code $1"
    ok "$2 ($1 \"$MESSAGE\")"
}

# A limit order body: alpha_order BASE SIDE PRICE QTY [CLIENT_ID]
alpha_order() {
    python3 -c '
import json, sys
from decimal import Decimal as D
base, side, px, qty = sys.argv[1:5]
cid = sys.argv[5] if len(sys.argv) > 5 else None
amount = str(D(px) * D(qty)) if side == "BUY" else qty
o = {"baseAsset": base, "quoteAsset": "USDT", "side": side, "price": px, "quantity": qty,
     "orderType": "LIMIT",
     "paymentDetails": [{"amount": amount, "paymentWalletType": "CARD" if side == "BUY" else "ALPHA"}]}
if cid:
    o["clientOrderId"] = cid
print(json.dumps(o))
' "$@"
}

# Today's counted volume of USER's token NAME ("KOGE"), as the venue says.
alpha_counted() {
    alpha_as "$1" GET "$A_VOLUME"
    jget "str(sum(D(t['volume']) for t in j['tradeVolumeInfoList'] if t['tokenName'] == '$2'))" <<<"$DATA"
}

# Nothing of the sessions (cookies, csrftoken, fvideo-token) in anything
# the trader wrote.
alpha_check_no_secrets() {
    local f s
    for s in frank-p20t-4c1d9e grace-p20t-77b2c0 heidi-p20t-e1f04a frank-csrf-0a77 \
             grace-csrf-51e3 heidi-csrf-9c20 fvt-frank fvt-grace fvt-heidi; do
        for f in "$LT_TMP/trader.out" "$LT_TMP/trader.err" "$TRADER_LOG" "$TRADER_REPORT" \
                 "$TRADER_STATE"/*.jsonl; do
            [ -f "$f" ] || continue
            grep -qF -- "$s" "$f" && fail "a session secret appears in $(basename "$f")"
        done
    done
    ok "no session cookie or header value in output, log, report or journal"
}
