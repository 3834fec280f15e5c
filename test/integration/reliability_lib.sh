# reliability_lib.sh - helpers for the reliability scenarios (sourced after
# lib.sh and trader_lib.sh).
#
# The simulator's faults hit every request alike (latency_ms delays every
# response, http5xx fails any call).  A scenario such as "the order request
# times out although the venue accepted it" needs one kind of request to
# misbehave and the rest to work, so rl_proxy_start puts a small HTTP proxy
# between the trader and the simulator's REST port that forwards everything
# and applies fault rules to chosen requests only, after the simulator has
# executed them:
#
#   rl_proxy_start 'POST /api/v3/order delay=1500 count=2'
#   trader_run --rest-url "$PROXY_URL" ...     # the last --rest-url wins
#   rl_proxy_hits                              # how many requests a rule hit
#
# Rule: METHOD PATH ACTION [skip=N] [count=N] [every=N]
#   ACTION  delay=MS   forward, then hold the answer MS ms (a client timeout)
#           lag=MS     hold the request MS ms, then forward (a slow path)
#           hold=PATH  hold the request while the file PATH exists (60 s at
#                      most), then forward: late until the test says so
#           fail500    forward, then answer 500 -1000 (executed, client sees 5xx)
#           drop       forward, then close the connection without an answer
#           fail503    do not forward; answer 503 -1001 (not executed)
#   skip=N  leave the first N matching requests alone (default 0)
#   count=N apply to at most N requests (default: all)
#   every=N apply to every N-th matching request only (default 1)
#   has=S   match only requests whose parameters (query string, then form
#           body, then "&") contain S (side=BUY)
# Every request a rule hit is logged to $PROXY_LOG as "METHOD PATH ACTION
# CLIENT_ORDER_ID" (the new or original client order id, else -), and
# every request as it arrives to $PROXY_TRACE as "TIME METHOD PATH ID".
#
# Read-back checks shared by the scenarios (all from the simulator's API):
#   rl_config 'timeout_ms = 800;'        a demo.conf copy with exchange settings
#   rl_sim_config 1000                   a sim-demo.conf copy, market still, slow steps
#   rl_own_pairs                         alice on ALPHAUSDT, bob on BETAUSDT (TRADER_CONFIG)
#   rl_on_pair USER CMD...               CMD with SYMBOL and BASE_ASSET of USER's pair
#   rl_orders USER                       our orders (client id lt.*) -> RL_ORDERS
#   rl_check_window USER TARGET ROUND    target <= window buy <= target + round
#   rl_check_counted_once USER           report's window total = the exchange's
#   rl_check_ids_once USER               no client order id sent twice

# Writes a copy of the demo configuration with extra settings in its
# exchange block (e.g. 'timeout_ms = 800;') to $LT_TMP/rl.conf and points
# TRADER_CONFIG at it.
rl_config() {
    TRADER_CONFIG=$LT_TMP/rl.conf
    trader_config_with "$1" "$TRADER_CONFIG"
}

# Writes a copy of the demo venue (or of $2) with a market that is held
# still and steps only every $1 ms to $LT_TMP/rl-sim.conf, its path in
# RL_SIM_CONFIG (for sim_start --config).
# Each market step refills the synthetic levels and crosses resting orders
# at the touch (one level's quantity, 30 ALPHA, a step); with the price held
# still it crosses nothing else.  So an order resting at the touch fills by
# itself at a known slow rate instead of at random (a price walk through it
# fills it at once): a scenario that must find an order still open seconds
# later finds it open, and a rung that crosses the spread still fills.
rl_sim_config() {
    RL_SIM_CONFIG=$LT_TMP/rl-sim.conf
    sed -E "s/^tick_ms = [0-9]+;/tick_ms = $1;/; s/volatility = [0-9.]+/volatility = 0.0/" \
        "${2:-$SIM_CONFIG_DEFAULT}" >"$RL_SIM_CONFIG"
    grep -q "^tick_ms = $1;" "$RL_SIM_CONFIG" || fail "rl_sim_config: no tick_ms in ${2:-$SIM_CONFIG_DEFAULT}"
}

# Points TRADER_CONFIG at a copy of etc/demo.conf in which bob trades
# BETAUSDT; PAIR and BASE name alice's and bob's pair and base asset.  On
# one pair each account fills the other's resting orders (a sell at the
# bid meets the other's buy resting there), so rounds race through in a
# fraction of a second and how far a run has got depends on both: a
# scenario that must find one account's order open, or count its fills,
# gives each account its own pair.
rl_own_pairs() {
    declare -gA PAIR=([alice]=ALPHAUSDT [bob]=BETAUSDT) BASE=([alice]=ALPHA [bob]=BETA)
    TRADER_CONFIG=$LT_TMP/pairs.conf
    sed '/name = "bob"/,/}; },/s|strategy = {|strategy = { symbol = "BETAUSDT";|' \
        "$LT_ROOT/etc/demo.conf" >"$TRADER_CONFIG"
    grep -q 'symbol = "BETAUSDT"' "$TRADER_CONFIG" || fail "could not give bob BETAUSDT in $TRADER_CONFIG"
}

# rl_on_pair USER CMD...: CMD with SYMBOL and BASE_ASSET those of USER's
# pair (rl_own_pairs).
rl_on_pair() {
    local u=$1
    shift
    SYMBOL=${PAIR[$u]} BASE_ASSET=${BASE[$u]} "$@"
}

rl_proxy_start() {
    local rule args=()
    for rule in "$@"; do args+=(--rule "$rule"); done
    PROXY_LOG=$LT_TMP/proxy.hits
    : >"$PROXY_LOG"
    cat >"$LT_TMP/proxy.py" <<'EOF'
import http.client, http.server, json, os, socket, sys, threading, time, urllib.parse

upstream = sys.argv[1].split("//", 1)[-1]
host, port = upstream.rsplit(":", 1)
log_path = sys.argv[2]
trace = sys.argv[3]
rules, lock = [], threading.Lock()
args = sys.argv[4:]
for i in range(0, len(args), 2):
    w = args[i + 1].split()
    r = {"method": w[0], "path": w[1], "action": w[2], "skip": 0, "count": 1 << 30,
         "every": 1, "seen": 0, "hits": 0}
    for kv in w[3:]:
        k, v = kv.split("=", 1)
        r[k] = v if k == "has" else int(v)
    rules.append(r)

def client_id(query):
    q = urllib.parse.parse_qs(query)
    return (q.get("newClientOrderId") or q.get("origClientOrderId") or ["-"])[0]

def pick(method, path, query):
    """Counts the request for every rule matching it (so skip= counts all
    such requests), then applies the first rule that wants it."""
    with lock:
        mine = [r for r in rules if r["method"] == method and r["path"] == path and
                r.get("has", "") in query]
        for r in mine:
            r["seen"] += 1
        for r in mine:
            n = r["seen"] - r["skip"]
            if n <= 0 or r["hits"] >= r["count"] or (n - 1) % r["every"]:
                continue
            r["hits"] += 1
            with open(log_path, "a") as f:
                f.write("%s %s %s %s\n" % (method, path, r["action"], client_id(query)))
            return r["action"]
    return None

HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}

class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def relay(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else None
        path, _, query = self.path.partition("?")
        if body:  # parameters may come in a form body too
            query = (query + "&" if query else "") + body.decode("latin-1")
        query += "&"
        with lock, open(trace, "a") as f:  # every request as it arrives
            f.write("%.3f %s %s %s\n" % (time.time(), self.command, path, client_id(query)))
        action = pick(self.command, path, query)
        if action and action.startswith("lag="):  # late to the venue
            time.sleep(int(action.split("=")[1]) / 1000.0)
        if action and action.startswith("hold="):  # late until the test lets it go
            t0 = time.time()
            while os.path.exists(action.split("=", 1)[1]) and time.time() - t0 < 60:
                time.sleep(0.02)
        if action == "fail503":  # refused before the venue saw it
            status, rh, data = 503, [("Content-Type", "application/json")], json.dumps(
                {"code": -1001, "msg": "Internal error; unable to process your request. "
                 "Please try again."}).encode()
        else:
            up = http.client.HTTPConnection(host, int(port), timeout=60)
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP}
            up.request(self.command, self.path, body=body, headers=hdrs)
            r = up.getresponse()
            status, rh, data = r.status, r.getheaders(), r.read()
            up.close()
        if action and action.startswith("delay="):
            time.sleep(int(action.split("=")[1]) / 1000.0)
        elif action == "fail500":
            status, data = 500, json.dumps({"code": -1000, "msg": "An unknown error occurred "
                                            "while processing the request."}).encode()
        elif action == "drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.send_response(status)
            for k, v in rh:
                if k.lower() not in HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True
    do_GET = do_POST = do_PUT = do_DELETE = relay

srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
print("listening on 127.0.0.1:%d" % srv.server_address[1], flush=True)
srv.serve_forever()
EOF
    PROXY_TRACE=$LT_TMP/proxy.trace
    : >"$PROXY_TRACE"
    lt_bg "$LT_TMP/proxy.out" "$LT_PY" -S "$LT_TMP/proxy.py" "$SIM_URL" "$PROXY_LOG" "$PROXY_TRACE" \
        "${args[@]}"
    PROXY_PID=$LT_LAST_PID
    wait_for_line "$LT_TMP/proxy.out" '^listening on 127\.0\.0\.1:[0-9]+' 10 ||
        fail "fault proxy did not start: $(cat "$LT_TMP/proxy.out.err")"
    PROXY_URL=http://127.0.0.1:$(sed -nE 's/^listening on 127\.0\.0\.1:([0-9]+).*/\1/p' "$LT_TMP/proxy.out")
}

# Number of requests the proxy's rules hit (optionally only ACTION's).
rl_proxy_hits() { grep -c -- "${1:-}" "$PROXY_LOG" || true; }

# Our orders of an account (client id lt.*), oldest first, as a JSON list
# in RL_ORDERS.
rl_orders() {
    http_as_ok "$1" GET /api/v3/allOrders symbol="$SYMBOL" limit=1000
    [ "$STATUS" = 200 ] || fail "allOrders of $1: HTTP $STATUS $BODY"
    RL_ORDERS=$(jget 'sorted([o for o in j if o["clientOrderId"].startswith("lt.")], key=lambda o: o["orderId"])' <<<"$BODY")
}

# target <= the account's window buy volume <= target + round (read from
# the exchange): reached, and not overfilled by more than one round.
rl_check_window() {
    local u=$1 target=$2 round=$3 v
    v=$(window_buy "$u")
    assert_true "D('$target') <= D('$v') <= D('$target') + D('$round')" '{}' \
        "$u: window buy $v in [$target, $target + $round]"
}

# The report's window total after the run equals the exchange's: every
# fill counted once, none lost (the order of an unknown outcome included).
rl_check_counted_once() {
    local u=$1 rep ex
    rep=$(report_get "[u['window_buy_after'] for u in j['users'] if u['name'] == '$u'][0]")
    ex=$(window_buy "$u")
    assert_true "abs(D(str($rep)) - D('$ex')) < D('0.01')" '{}' \
        "$u: reported window total $rep = the exchange's $ex (counted once)"
}

# No client order id was placed twice (an unknown outcome is settled by
# query, never by sending the order again).
rl_check_ids_once() {
    rl_orders "$1"
    assert_true 'len(j) > 0 and len(set(o["clientOrderId"] for o in j)) == len(j)' "$RL_ORDERS" \
        "$1: $(jget 'len(j)' <<<"$RL_ORDERS") orders, each client id once"
}

# Checks every order request the proxy's rules hit against the accounts'
# order lists (the named users'): an order the venue executed (delay,
# fail500, drop) exists exactly once under its client id, was found by the
# trader (its final state is known: not open), and an order the venue never
# saw (fail503) does not exist.  The path is the rules' (POST order or
# DELETE order); prints the figures.
rl_check_hit_orders() {
    local u all='[]'
    for u in "$@"; do
        rl_orders "$u"
        all=$(python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]) + json.loads(sys.argv[2])))' "$all" "$RL_ORDERS")
    done
    [ -s "$PROXY_LOG" ] || fail "the proxy's rules hit no request"
    python3 - "$all" "$PROXY_LOG" <<'PY' || fail "orders hit by the proxy's faults were not settled right"
import json, sys
orders = json.loads(sys.argv[1])
bad = 0
for line in open(sys.argv[2]):
    method, path, action, cid = line.split()
    mine = [o for o in orders if o["clientOrderId"] == cid]
    if method == "POST" and action == "fail503":
        ok = not mine
        what = "never placed, and not at the venue"
    elif method == "POST":
        ok = len(mine) == 1 and mine[0]["status"] not in ("NEW", "PARTIALLY_FILLED")
        what = "placed once, final"
    else:
        ok = len(mine) == 1 and mine[0]["status"] not in ("NEW", "PARTIALLY_FILLED")
        what = "final after the cancel's fault"
    st = ",".join("%s %s/%s" % (o["status"], o["executedQty"], o["origQty"]) for o in mine) or "absent"
    print("%s - %s %s %s: %s (%s)" % ("ok" if ok else "not ok", method, action, cid, what, st))
    bad += not ok
sys.exit(1 if bad else 0)
PY
    ok "every order hit by a proxy fault settled ($(wc -l <"$PROXY_LOG") hits)"
}

# Every order request that reached the proxy carried a new client order id:
# none was sent twice (by the trader or by its HTTP client's retries).
rl_check_sent_once() {
    local dups
    dups=$(awk '$2 == "POST" && $3 == "/api/v3/order" { n[$4]++ } END { for (c in n) if (n[c] > 1) printf "%s x%d ", c, n[c] }' "$PROXY_TRACE")
    [ -z "$dups" ] || fail "order requests sent more than once: $dups"
    ok "each order request sent once ($(awk '$2 == "POST" && $3 == "/api/v3/order"' "$PROXY_TRACE" | wc -l) sent)"
}

# Counts, among the account's orders (rl_orders first), the partly filled
# orders that were cancelled and followed by another order of the same
# round and side (the remainder one rung up); prints it.
rl_partial_retries() {
    jget '(lambda o: sum(1 for a in o if a["status"] == "CANCELED" and 0 < D(a["executedQty"]) < D(a["origQty"]) and any(b["orderId"] > a["orderId"] and b["clientOrderId"].split(".")[:4] == a["clientOrderId"].split(".")[:4] and b["side"] == a["side"] for b in o)))(j)' <<<"$RL_ORDERS"
}

# Polls the account's open orders until one of ours satisfies the Python
# predicate over `o` (e.g. 'o["side"] == "SELL"'), for up to $3 seconds
# (default 20).  Sets RL_OPEN to that order (JSON); 1 on timeout.
rl_wait_open() {
    local u=$1 pred=$2 limit=${3:-20} t0=$SECONDS
    auth_for "$u"
    while ((SECONDS - t0 < limit)); do
        RL_OPEN=$("$BNC" --url "$SIM_URL" "${AUTH[@]}" GET /api/v3/openOrders symbol="$SYMBOL" 2>/dev/null |
            sed 1d | jget "next((o for o in j if o['clientOrderId'].startswith('lt.') and ($pred)), None)" 2>/dev/null)
        [ -n "$RL_OPEN" ] && [ "$RL_OPEN" != null ] && return 0
        sleep 0.05
    done
    return 1
}
