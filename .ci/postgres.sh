#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the backend tests and benches:
#   .ci/postgres.sh start            initdb (once) and start; prints the URL to export
#   .ci/postgres.sh stop-immediate   pg_ctl stop -m immediate (the fault runs' crash)
#   .ci/postgres.sh stop | restart | url
# Installs Debian's postgresql if no server is found. Data under $YZ_PG_DIR
# (default /tmp/yinzheng-pg), port $YZ_PG_PORT (default 55432), trust authentication on
# 127.0.0.1 only: never point it at a cluster you keep.
set -euo pipefail
DIR=${YZ_PG_DIR:-/tmp/yinzheng-pg}
PORT=${YZ_PG_PORT:-55432}
URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

bindir() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$found" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    found=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$found"
}

# initdb and postgres refuse to run as root: run them as the postgres user when we are root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

BIN=$(bindir)
case "${1:-start}" in
  start)
    if [ ! -f "$DIR/PG_VERSION" ]; then
      mkdir -p "$DIR"
      [ "$(id -u)" = 0 ] && chown postgres "$DIR"
      as_pg "$BIN/initdb" -D "$DIR" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
      cat >> "$DIR/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DIR'
synchronous_commit = on
fsync = on
max_connections = 200
shared_buffers = 256MB
CONF
    fi
    if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
      as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >/dev/null
    fi
    echo "export YINZHENG_TEST_POSTGRES=$URL"
    ;;
  stop) as_pg "$BIN/pg_ctl" -D "$DIR" -m fast -w stop >/dev/null ;;
  stop-immediate) as_pg "$BIN/pg_ctl" -D "$DIR" -m immediate -w stop >/dev/null ;;
  restart) as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 restart >/dev/null ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|stop-immediate|restart|url" >&2; exit 2 ;;
esac
