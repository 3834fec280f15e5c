#!/usr/bin/env bash
# https:// and wss:// end to end: tls_front terminates TLS in front of the
# plain simulator with a certificate from a test CA made here.  Trusting
# that CA (--ca-file), the demo run reaches every target over TLS, REST and
# WebSocket alike.  Trusting only the system's CAs, the venue is refused at
# its first handshake and nothing is sent; an unreadable or non-PEM CA file
# is a configuration error before any connection.  With REST plain and only
# wss:// untrusted, the streams are refused with the certificate named and
# the job completes over REST.  With the venue cutting every WebSocket every
# 300 ms, the trader reconnects over wss:// and the job completes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/trader_lib.sh"

command -v openssl >/dev/null || fail "no openssl CLI (scripts/install-deps.sh installs it)"
PKI=$LT_TMP/pki
mkdir -p "$PKI"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 2 \
    -subj "/CN=looptrader test CA" 2>"$PKI/err" || { cat "$PKI/err" >&2; fail "cannot make the test CA"; }
openssl req -newkey rsa:2048 -nodes -keyout "$PKI/srv.key" -out "$PKI/srv.csr" -subj "/CN=localhost" \
    2>"$PKI/err" || { cat "$PKI/err" >&2; fail "cannot make the server key"; }
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$PKI/ext.cnf"
openssl x509 -req -in "$PKI/srv.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial \
    -out "$PKI/srv.pem" -days 2 -extfile "$PKI/ext.cnf" 2>"$PKI/err" ||
    { cat "$PKI/err" >&2; fail "cannot sign the server certificate"; }
ok "test CA and a server certificate for 127.0.0.1 made"

# tls_front_start: TLS on a free loopback port in front of the latest
# simulator; sets TLS_PORT, TLS_ERR.  The previous front is stopped first
# (its last lines written), and each front has files of its own: a front
# logs a connection's end when it sees it, which may be after the run that
# made it has exited.
tls_front_start() {
    [ -n "${TLS_PID:-}" ] && { lt_stop_pid "$TLS_PID" 5; lt_forget_pid "$TLS_PID"; }
    TLS_N=$((${TLS_N:-0} + 1))
    local out=$LT_TMP/tls_front.$TLS_N.out
    lt_bg "$out" "$LT_TOOLS/tls_front" --listen 127.0.0.1:0 --to "127.0.0.1:$SIM_PORT" \
        --cert "$PKI/srv.pem" --key "$PKI/srv.key"
    TLS_PID=$LT_LAST_PID
    wait_for_line "$out" '^listening on 127\.0\.0\.1:[0-9]+' 10 ||
        { cat "$out.err" >&2; fail "tls_front did not report its port"; }
    TLS_PORT=$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$out" | head -n 1)
    [ -n "$TLS_PORT" ] || fail "tls_front's port line is unreadable: $(cat "$out")"
    TLS_ERR=$out.err
}

USERS=(alice bob carol erin)
sim_start --seed 31
tls_front_start
SIM_URL=https://127.0.0.1:$TLS_PORT SIM_WS=wss://127.0.0.1:$TLS_PORT

# ---- the system's CAs only: refused at the handshake, nothing sent ----
before=$(SIM_URL=http://127.0.0.1:$SIM_PORT window_buy alice)
SIM_URL=http://127.0.0.1:$SIM_PORT trader_snapshot "${USERS[@]}"
trader_run
assert_eq "$TRADER_RC" 1 "untrusted venue certificate: exit 1"
assert_contains "$(cat "$LT_TMP/trader.out" "$LT_TMP/trader.err" "$TRADER_LOG" 2>/dev/null)" \
    "SSL certificate problem" "the error names the certificate problem"
assert_true 'all(u["status"] in ("failed", "skipped") and u["orders"] == 0 for u in j["users"])' \
    "$(cat "$TRADER_REPORT")" "the report is written: no user started, no order"
wait_for_line "$TLS_ERR" 'alert unknown ca' 10 ||
    fail "the trader did not refuse the front's certificate (no tls alert): $(cat "$TLS_ERR")"
ok "the trader refused the front's certificate (tls alert)"
assert_eq "$(grep -c 'handshake ok' "$TLS_ERR")" 0 "no TLS session was ever set up"
assert_eq "$(SIM_URL=http://127.0.0.1:$SIM_PORT window_buy alice)" "$before" "nothing was bought"

# ---- a CA file that is missing or holds no certificate: exit 2 ----
# a fresh front: it sees only these runs' connections
tls_front_start
SIM_URL=https://127.0.0.1:$TLS_PORT SIM_WS=wss://127.0.0.1:$TLS_PORT
trader_run --ca-file "$PKI/absent.pem"
assert_eq "$TRADER_RC" 2 "--ca-file missing: a configuration error (exit 2)"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG" 2>/dev/null)" "--ca-file: cannot read $PKI/absent.pem" \
    "the error names the flag and the file"
trader_run --ca-file "$PKI/srv.key"
assert_eq "$TRADER_RC" 2 "--ca-file with a key, no certificate: exit 2"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG" 2>/dev/null)" "holds no PEM certificate" \
    "the error says the file holds no certificate"
trader_config_with 'ca_file = "absent-ca.pem";' "$LT_TMP/ca.conf"
TRADER_CONFIG=$LT_TMP/ca.conf trader_run
assert_eq "$TRADER_RC" 2 "exchange.ca_file missing: exit 2"
assert_contains "$(cat "$LT_TMP/trader.err" "$TRADER_LOG" 2>/dev/null)" "exchange.ca_file" "the error names exchange.ca_file"
assert_eq "$(grep -c 'handshake' "$TLS_ERR")" 0 "no connection was tried with a bad CA file"
# A handshake the trader cut short itself (it exits, or drops a stream it
# no longer needs, mid-handshake) is not a trust failure: the checks of a
# trusted CA count the others, and print them when there are any.
refused() { grep -a 'handshake failed' "$TLS_ERR" | grep -avE 'unexpected eof|connection closed|Connection reset by peer|Broken pipe'; }
failed_before=$(refused | wc -l)

# ---- the test CA trusted: the demo job over https:// and wss:// ----
rm -rf "$TRADER_STATE"
trader_config_with "ca_file = \"$PKI/ca.pem\";" "$LT_TMP/ca.conf"
mark=$(lt_lines "$TRADER_LOG")  # the log is appended to, phase after phase
TRADER_CONFIG=$LT_TMP/ca.conf trader_run
assert_eq "$TRADER_RC" 0 "exchange.ca_file trusted: exit 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done over TLS"
done
assert_contains "$(tail -n +$((mark + 1)) "$TRADER_LOG")" "ws market: connected" "the market stream connected over wss://"
assert_contains "$(tail -n +$((mark + 1)) "$TRADER_LOG")" "ws user erin: connected" "a user stream connected over wss://"
assert_true "$(grep -c 'handshake ok' "$TLS_ERR") >= 3" '{}' "TLS sessions set up for REST and WebSocket"
n_refused=$(refused | wc -l)
[ "$n_refused" = "$failed_before" ] || refused | sed 's/^/# /' >&2
assert_eq "$n_refused" "$failed_before" "no handshake failed with the CA trusted"
SIM_URL=http://127.0.0.1:$SIM_PORT
trader_check_target "$(report_user alice target)" alice
trader_check_flat "${USERS[@]}"
# ---- the test CA trusted, the venue cutting every WebSocket every 300 ms ----
# Each cut ends a TLS connection mid-stream; the trader reconnects over
# wss:// (a new handshake each time) and the job still completes.
sim_start --seed 33 --fault ws_drop_ms=300
tls_front_start
SIM_URL=https://127.0.0.1:$TLS_PORT SIM_WS=wss://127.0.0.1:$TLS_PORT
rm -rf "$TRADER_STATE"
lost_before=$(grep -c 'connection lost' "$TRADER_LOG")
TRADER_CONFIG=$LT_TMP/ca.conf trader_run
assert_eq "$TRADER_RC" 0 "TLS with the venue cutting its WebSockets: exit 0"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done over TLS through the cuts"
done
lost=$(( $(grep -c 'connection lost' "$TRADER_LOG") - lost_before ))
assert_true "$lost >= 1" '{}' "the venue cut a wss:// connection during the run ($lost lost)"
assert_true "$(grep -c 'handshake ok' "$TLS_ERR") > 3" '{}' "the streams reconnected over TLS"
n_refused=$(refused | wc -l)
[ "$n_refused" = 0 ] || refused | sed 's/^/# /' >&2
assert_eq "$n_refused" 0 "no handshake failed"
SIM_URL=http://127.0.0.1:$SIM_PORT
trader_check_target "$(report_user alice target)" alice
trader_check_flat "${USERS[@]}"

# ---- REST plain, wss:// untrusted: the streams are refused, orders go on over REST ----
# A fresh venue (the run above reached every target) behind a fresh front.
sim_start --seed 32
tls_front_start
rm -rf "$TRADER_STATE"
connected_before=$(grep -c 'ws [^:]*: connected' "$TRADER_LOG") mark=$(lt_lines "$TRADER_LOG")
SIM_WS=wss://127.0.0.1:$TLS_PORT trader_run
assert_eq "$TRADER_RC" 0 "wss:// untrusted, REST trusted: the run completes (exit 0)"
for u in "${USERS[@]}"; do
    assert_eq "$(report_status "$u")" done "$u done with its streams refused"
done
assert_true "$(grep -c 'handshake failed' "$TLS_ERR") > 0" '{}' \
    "the trader refused the front's certificate on wss://"
assert_eq "$(grep -c 'handshake ok' "$TLS_ERR")" 0 "no TLS session was ever set up"
assert_contains "$(tail -n +$((mark + 1)) "$TRADER_LOG" | grep 'ws market: cannot connect')" "certificate verify failed" \
    "the market stream's warning names the certificate problem"
assert_eq "$(grep -c 'ws [^:]*: connected' "$TRADER_LOG")" "$connected_before" "no stream connected"
trader_check_target "$(report_user alice target)" alice
trader_check_flat "${USERS[@]}"
trader_check_no_secrets
lt_done
