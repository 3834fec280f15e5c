# pg_lib.sh - a throwaway PostgreSQL cluster for the coordinator's tests
# (sourced after lib.sh).
#
# initdb in the test's temp dir, listening only on a private unix socket
# (no TCP at all, so nothing on the machine can reach it and no port can
# clash), stopped by the EXIT trap.  Debian's server binaries live under
# /usr/lib/postgresql/<version>/bin; PG_BIN overrides.  PostgreSQL refuses
# to run as root, so under root the cluster runs as the `postgres` user.
# Without the binaries the test prints SKIP with the reason and passes
# (.ci/run installs them: scripts/install-deps.sh).
#
#   pg_start                  # sets PG_URL (postgresql://lt@/lt?host=SOCK&port=N)
#   pg_restart                # a fast stop, then the same cluster again
#   pg_sql "SELECT 1"         # psql -At on PG_URL
#   coord_fleet PREFIX N SEED # N accounts PREFIX01.. (ACCTS) on a started simulator,
#                             # trader.conf for them, the cluster started, db init

pg_find_bin() {
    local d
    if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return; }
    done
}

PG_BIN=$(pg_find_bin)
if [ -z "$PG_BIN" ] || ! command -v psql >/dev/null; then
    echo "# SKIP: PostgreSQL server binaries (initdb, pg_ctl, psql) not found:" \
         "scripts/install-deps.sh installs them"
    lt_done
fi

PG_DIR=$LT_TMP/pg
PG_SOCK=$LT_TMP/pgsock
PG_PORT=$((20000 + RANDOM % 20000))
PG_URL="postgresql://lt@/lt?host=$PG_SOCK&port=$PG_PORT"
PG_AS=()
[ "$(id -u)" = 0 ] && PG_AS=(runuser -u postgres --)

pg_ctl_() { "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$LT_TMP/pg.log" "$@" >/dev/null; }

pg_start() {
    mkdir -p "$PG_DIR" "$PG_SOCK"
    if [ "${#PG_AS[@]}" -gt 0 ]; then
        chmod 755 "$LT_TMP"
        chown postgres "$PG_DIR" "$PG_SOCK"
        touch "$LT_TMP/pg.log" && chown postgres "$LT_TMP/pg.log"
    fi
    "${PG_AS[@]}" "$PG_BIN/initdb" -D "$PG_DIR" -A trust -U lt --no-sync >"$LT_TMP/initdb.log" 2>&1 ||
        fail "initdb failed: $(tail -3 "$LT_TMP/initdb.log")"
    cat >>"$PG_DIR/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_SOCK'
port = $PG_PORT
fsync = off
shared_buffers = 16MB
max_connections = 40
EOF
    lt_on_exit "pg_ctl_ stop -m immediate -w 2>/dev/null"
    pg_ctl_ start -w -t 30 || fail "postgres did not start: $(tail -5 "$LT_TMP/pg.log")"
    "${PG_AS[@]}" psql -h "$PG_SOCK" -p "$PG_PORT" -U lt -d postgres -qAt \
        -c "CREATE DATABASE lt" >/dev/null || fail "cannot create the database"
    echo "# postgres on $PG_SOCK port $PG_PORT"
}

pg_restart() {
    pg_ctl_ stop -m fast -w -t 30 || fail "postgres did not stop"
    pg_ctl_ start -w -t 30 || fail "postgres did not start again"
}

pg_sql() { psql "$PG_URL" -qAt -c "$1"; }

# The coordinator's multi-process tests: N accounts PREFIX01..PREFIXNN
# (in ACCTS; auth_for then sets their AUTH) with ample USDT on the demo
# venue's symbols, the simulator started with SEED, $LT_TMP/trader.conf
# trading ALPHAUSDT to $TARGET in rounds of $ROUND (recvWindow 3 s), a
# throwaway cluster with the schema, and trader_snapshot of every account.
coord_fleet() {
    local prefix=$1 n=$2 seed=$3 i a sep
    ACCTS=()
    for i in $(seq -w 1 "$n"); do ACCTS+=("$prefix$i"); done
    sed -n '/^accounts = (/q;p' "$SIM_CONFIG_DEFAULT" >"$LT_TMP/sim.conf"
    {
        echo "accounts = ("
        for a in "${ACCTS[@]}"; do
            sep=","; [ "$a" = "${ACCTS[-1]}" ] && sep=""
            echo "  { name = \"$a\"; api_key = \"key-$a\"; api_secret = \"secret-$a-0f0f0f\";"
            echo "    balances = { USDT = \"5000\"; ALPHA = \"0\"; BETA = \"0\"; }; }$sep"
        done
        echo ");"
    } >>"$LT_TMP/sim.conf"
    sim_start --seed "$seed" --config "$LT_TMP/sim.conf"
    {
        cat <<EOF2
exchange = { rest_url = "$SIM_URL"; ws_url = "$SIM_WS"; user_stream = "ws-api";
             recv_window_ms = 3000; };
strategy = { symbol = "ALPHAUSDT"; buy_amount = $ROUND.0; target = $TARGET.0;
             slippage = 0.001; slippage_step = 0.002; max_tries = 5;
             fill_timeout_ms = 2000; time_in_force = "GTC"; window = "utc-day"; };
workers = 4;
log_level = "info";
users = (
EOF2
        for a in "${ACCTS[@]}"; do
            sep=","; [ "$a" = "${ACCTS[-1]}" ] && sep=""
            echo "  { name = \"$a\"; api_key = \"key-$a\"; api_secret = \"secret-$a-0f0f0f\"; }$sep"
        done
        echo ");"
    } >"$LT_TMP/trader.conf"
    chmod 600 "$LT_TMP/trader.conf"
    pg_start
    "$LT_BIN/looptrader" db init --coordinator "$PG_URL" >/dev/null || fail "db init"
    # the fleet's keys, for lib.sh's signed reads of its accounts
    auth_for() { AUTH=(--key "key-$1" --secret "secret-$1-0f0f0f"); }
    trader_snapshot "${ACCTS[@]}"
}
