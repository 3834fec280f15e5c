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
