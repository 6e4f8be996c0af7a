#!/usr/bin/env bash
# ensure-postgres.sh — make sure a PostgreSQL server accepts connections as
# user `postgres` without a password, and print its base URL on stdout, e.g.
#   postgres://postgres@127.0.0.1:5432
# (no database name: tests append their own). All other output goes to stderr.
#
#   1. $CHAIN_TEST_PG_URL, if set, is printed as is.
#   2. A server on 127.0.0.1:${CHAIN_PG_PROBE_PORT:-5432} that lets `postgres`
#      in (psql `select 1`, or pg_isready when psql is missing) is used.
#   3. Otherwise a private, throwaway cluster is used (started if needed):
#      data in ${CHAIN_PG_DIR:-$HOME/.cache/chain/pg}/data (as root the default
#      is /var/tmp/chain/pg, because the server then runs as the system user
#      ${CHAIN_PG_USER:-chainpg}, created with `useradd -r`, which cannot enter
#      /root), initdb -U postgres --auth=trust, listening on 127.0.0.1 only, on
#      the first free port from ${CHAIN_PG_PORT:-55432}, sockets in <dir>/sock,
#      log in <dir>/postgres.log. It runs with fsync=off (test data only).
#      PostgreSQL is installed with apt-get first if no binaries are found and
#      we are root. A second run reuses the running cluster.
#
#   ensure-postgres.sh --stop   stops that private cluster (if running).
set -euo pipefail

readonly HOST=127.0.0.1
readonly PROBE_PORT="${CHAIN_PG_PROBE_PORT:-5432}"
readonly FIRST_PORT="${CHAIN_PG_PORT:-55432}"
readonly PG_USER="${CHAIN_PG_USER:-chainpg}"
if [[ "$(id -u)" -eq 0 ]]; then
    IS_ROOT=1
    PG_DIR="${CHAIN_PG_DIR:-/var/tmp/chain/pg}"
else
    IS_ROOT=0
    PG_DIR="${CHAIN_PG_DIR:-${HOME:?HOME is not set}/.cache/chain/pg}"
fi
readonly IS_ROOT PG_DIR
readonly DATA="$PG_DIR/data" SOCK="$PG_DIR/sock" LOG="$PG_DIR/postgres.log"

log() { printf 'ensure-postgres: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }
url() { printf 'postgres://postgres@%s:%s\n' "$HOST" "$1"; }

# can_connect PORT -> true if user postgres can log in on HOST:PORT without a
# password (falls back to pg_isready when psql is not installed).
can_connect() {
    local psql_bin isready_bin
    psql_bin="$(find_client psql)" || psql_bin=""
    if [[ -n "$psql_bin" ]]; then
        [[ "$(PGCONNECT_TIMEOUT=3 "$psql_bin" -X -w -h "$HOST" -p "$1" -U postgres \
            -d postgres -Atqc 'select 1' </dev/null 2>/dev/null)" == 1 ]]
        return
    fi
    isready_bin="$(find_client pg_isready)" || return 1
    "$isready_bin" -q -t 3 -h "$HOST" -p "$1" -U postgres </dev/null
}

# find_client NAME -> path of a PostgreSQL client program (PATH, then
# /usr/lib/postgresql/*/bin).
find_client() {
    local d
    if have "$1"; then
        command -v "$1"
        return 0
    fi
    for d in $(pg_bin_dirs); do
        if [[ -x "$d/$1" ]]; then
            printf '%s\n' "$d/$1"
            return 0
        fi
    done
    return 1
}

# pg_bin_dirs -> server bin dirs, newest major first.
pg_bin_dirs() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
    done | sort -rV
    if have pg_ctl; then
        dirname "$(readlink -f "$(command -v pg_ctl)")"
    fi
}

# server_bin [MAJOR] -> a bin dir with initdb, pg_ctl and postgres, preferring
# the given major version.
server_bin() {
    local d
    if [[ -n "${1:-}" && -x "/usr/lib/postgresql/$1/bin/pg_ctl" ]]; then
        printf '%s\n' "/usr/lib/postgresql/$1/bin"
        return 0
    fi
    while IFS= read -r d; do
        if [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]]; then
            printf '%s\n' "$d"
            return 0
        fi
    done < <(pg_bin_dirs)
    return 1
}

# major_of BINDIR -> server major version ("15").
major_of() {
    "$1/postgres" --version | grep -oE '[0-9]+' | head -n1
}

# as_pg CMD... -> run CMD as the cluster owner, from inside PG_DIR (initdb
# and pg_ctl fail if they cannot read the current directory). The lock fd 9
# is closed for CMD: a server started by pg_ctl would otherwise inherit it
# and hold the lock for its whole life.
as_pg() {
    if [[ "$IS_ROOT" -eq 1 ]]; then
        if have runuser; then
            (cd "$PG_DIR" && runuser -u "$PG_USER" -- "$@") 9>&-
        else
            (cd "$PG_DIR" && su -s /bin/sh "$PG_USER" -c "$(printf '%q ' "$@")") 9>&-
        fi
    else
        (cd "$PG_DIR" && "$@") 9>&-
    fi
}

# running_port BINDIR -> port of the private cluster if it is running.
running_port() {
    as_pg "$1/pg_ctl" -D "$DATA" status >/dev/null 2>&1 || return 1
    sed -n 4p "$DATA/postmaster.pid"
}

port_in_use() { (: <"/dev/tcp/$HOST/$1") 2>/dev/null; }

install_postgres() {
    if [[ "$IS_ROOT" -ne 1 ]] || ! have apt-get; then
        die "no PostgreSQL server binaries found; install PostgreSQL (or set CHAIN_TEST_PG_URL)"
    fi
    log "installing PostgreSQL with apt-get"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
}

prepare_dirs() {
    if [[ "$IS_ROOT" -eq 1 ]]; then
        if ! id -u "$PG_USER" >/dev/null 2>&1; then
            log "creating system user $PG_USER"
            local shell=/usr/sbin/nologin
            [[ -x "$shell" ]] || shell=/bin/false
            useradd -r -U -M -d "$PG_DIR" -s "$shell" "$PG_USER"
        fi
        mkdir -p "$PG_DIR"
        chown "$PG_USER:" "$PG_DIR"
        as_pg test -w "$PG_DIR" ||
            die "$PG_USER cannot write $PG_DIR (a parent directory is not traversable?); set CHAIN_PG_DIR"
        as_pg mkdir -p "$SOCK"
    else
        mkdir -p "$PG_DIR" "$SOCK"
    fi
}

stop_cluster() {
    local bin
    bin="$(server_bin)" || die "no PostgreSQL server binaries found"
    if [[ -d "$DATA" ]] && running_port "$bin" >/dev/null; then
        as_pg "$bin/pg_ctl" -D "$DATA" -m fast -w stop >&2
    else
        log "no private cluster running in $DATA"
    fi
}

# --- main ---------------------------------------------------------------

if [[ "${1:-}" == "--stop" ]]; then
    stop_cluster
    exit 0
fi
[[ $# -eq 0 ]] || die "usage: $0 [--stop]"

# 1. Explicit URL.
if [[ -n "${CHAIN_TEST_PG_URL:-}" ]]; then
    printf '%s\n' "$CHAIN_TEST_PG_URL"
    exit 0
fi

# 2. A server already listening on the probe port.
if can_connect "$PROBE_PORT"; then
    log "PostgreSQL on $HOST:$PROBE_PORT accepts user postgres"
    url "$PROBE_PORT"
    exit 0
fi
log "no PostgreSQL accepting user postgres on $HOST:$PROBE_PORT; using a private cluster in $PG_DIR"

# 3. Private cluster.
server_bin >/dev/null || install_postgres
bin="$(server_bin)" || die "PostgreSQL server binaries not found after installation"
prepare_dirs

# One run at a time per cluster directory.
if have flock; then
    exec 9>>"$PG_DIR/.lock"
    flock -w 300 9 || die "timed out waiting for the lock on $PG_DIR"
fi

# An existing data directory decides which major version must run it.
if [[ -f "$DATA/PG_VERSION" ]]; then
    data_major="$(cat "$DATA/PG_VERSION")"
    if bin_for_data="$(server_bin "$data_major")" && [[ "$(major_of "$bin_for_data")" == "$data_major" ]]; then
        bin="$bin_for_data"
    else
        aside="$DATA.pg$data_major.$(date +%Y%m%d%H%M%S)"
        log "data directory is for PostgreSQL $data_major, which is not installed; moving it to $aside"
        mv "$DATA" "$aside"
    fi
elif [[ -e "$DATA" ]]; then
    aside="$DATA.incomplete.$(date +%Y%m%d%H%M%S)"
    log "$DATA has no PG_VERSION (interrupted initdb?); moving it to $aside"
    mv "$DATA" "$aside"
fi

if port="$(running_port "$bin")" && [[ -n "$port" ]]; then
    can_connect "$port" || die "private cluster is running on port $port but refuses connections (see $LOG)"
    log "reusing the private cluster on $HOST:$port"
    url "$port"
    exit 0
fi

if [[ ! -f "$DATA/PG_VERSION" ]]; then
    log "initdb (PostgreSQL $(major_of "$bin")) in $DATA"
    no_instructions=()
    if "$bin/initdb" --help 2>/dev/null | grep -q -- --no-instructions; then
        no_instructions=(--no-instructions)
    fi
    as_pg "$bin/initdb" -D "$DATA" -U postgres --auth=trust --no-locale -E UTF8 "${no_instructions[@]}" >&2
fi

port="$FIRST_PORT"
while port_in_use "$port"; do
    port=$((port + 1))
    [[ "$port" -lt $((FIRST_PORT + 50)) ]] || die "no free port in $FIRST_PORT..$port"
done

log "starting the private cluster on $HOST:$port (log: $LOG)"
as_pg "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
    -o "-c listen_addresses=$HOST -p $port -k '$SOCK' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >&2 || {
    tail -n 20 "$LOG" >&2 || true
    die "pg_ctl start failed"
}

for _ in $(seq 1 60); do
    if can_connect "$port"; then
        url "$port"
        exit 0
    fi
    sleep 0.5
done
tail -n 20 "$LOG" >&2 || true
die "the private cluster on port $port does not accept connections"
