#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite.
#
#   .ci/postgres.sh start DIR   -> initialises a cluster in DIR, starts it on 127.0.0.1 on a free
#                                  port with trust auth, waits for it, and prints its URL:
#                                  postgresql+psycopg://postgres@127.0.0.1:PORT/postgres
#   .ci/postgres.sh stop DIR    -> stops it (DIR can then be deleted)
#
# Installs PostgreSQL from the distribution's packages (apt-get install postgresql) when
# pg_ctl/initdb are not found. PostgreSQL refuses to run as root: as root the cluster is run by
# the `postgres` system user (created with useradd if missing). Progress goes to stderr; only
# the URL goes to stdout.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bin() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
    done
    return 1
}

ensure_installed() {
    if find_bin pg_ctl >/dev/null && find_bin initdb >/dev/null; then return 0; fi
    log "pg_ctl/initdb not found: installing PostgreSQL from the distribution's packages"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
    find_bin pg_ctl >/dev/null && find_bin initdb >/dev/null || { log "PostgreSQL binaries still not found"; exit 1; }
}

# run a command as the cluster's owner
as_owner() {
    if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
    if command -v runuser >/dev/null 2>&1; then runuser -u postgres -- "$@"; return; fi
    su -s /bin/sh postgres -c "$(printf '%q ' "$@")"
}

ensure_owner() {
    if [ "$(id -u)" -ne 0 ]; then return 0; fi
    if ! id postgres >/dev/null 2>&1; then
        log "creating the system user postgres"
        useradd --system --no-create-home --shell /bin/sh postgres
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
    local dir=$1
    ensure_installed
    ensure_owner
    local pg_ctl initdb port
    pg_ctl=$(find_bin pg_ctl)
    initdb=$(find_bin initdb)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; chmod 0700 "$dir"; fi
    as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null 2>"$dir/initdb.log" \
        || as_owner "$initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null 2>"$dir/initdb.log" \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    # a throwaway cluster: durability off for speed
    as_owner "$pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >&2 || { cat "$dir/server.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
    # wait until it accepts connections on the TCP port
    for _ in $(seq 1 60); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 1).close()" 2>/dev/null; then
            log "PostgreSQL is up on 127.0.0.1:$port (data in $dir)"
            echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
            return 0
        fi
        sleep 0.5
    done
    log "PostgreSQL did not come up"; cat "$dir/server.log" >&2; exit 1
}

stop() {
    local dir=$1
    [ -d "$dir/data" ] || return 0
    as_owner "$(find_bin pg_ctl)" -D "$dir/data" -m fast -w stop >&2 || true
}

case "${1:-}" in
    start) start "${2:?give a directory for the cluster}" ;;
    stop) stop "${2:?give the cluster directory}" ;;
    *) echo "usage: $0 start DIR | stop DIR" >&2; exit 2 ;;
esac
