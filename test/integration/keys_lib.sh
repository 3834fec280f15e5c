# keys_lib.sh - the Ed25519 and RSA test accounts (sourced after lib.sh).
# keys_setup OUT [still] copies the test-only private keys to $LT_TMP/ed.pem
# and $LT_TMP/rsa.pem (mode 600: git keeps no modes) and writes OUT, the
# demo simulator config with two more accounts: "ed" (API key keys-ed-key,
# public key test/data/test_ed25519.pub.pem) and "rsa" (keys-rsa-key,
# test_rsa.pub.pem); "still" also stops the market from moving on its own.
keys_setup() {
    local out=$1 still=${2:-}
    install -m 600 "$LT_ROOT/test/data/test_ed25519.pem" "$LT_TMP/ed.pem"
    install -m 600 "$LT_ROOT/test/data/test_rsa.pem" "$LT_TMP/rsa.pem"
    python3 - "$SIM_CONFIG_DEFAULT" "$LT_ROOT/test/data" "$still" >"$out" <<'PY'
import re, sys
text, data, still = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
if still:
    text = re.sub(r'volatility = [0-9.]+', 'volatility = 0.0', text)
    text = re.sub(r'trade_rate = [0-9.]+', 'trade_rate = 0.0', text)
extra = '''accounts = (
  { name = "ed"; api_key = "keys-ed-key"; public_key_file = "%s/test_ed25519.pub.pem";
    balances = { USDT = "5000"; ALPHA = "0"; BETA = "0"; }; },
  { name = "rsa"; api_key = "keys-rsa-key"; public_key_file = "%s/test_rsa.pub.pem";
    balances = { USDT = "5000"; ALPHA = "0"; BETA = "0"; }; },''' % (data, data)
print(text.replace("accounts = (", extra, 1))
PY
    ED=(--key keys-ed-key --private-key "$LT_TMP/ed.pem")
    RSA=(--key keys-rsa-key --private-key "$LT_TMP/rsa.pem")
}
