#!/usr/bin/env bash
# Starts (or reuses) a throwaway PostgreSQL 15 cluster for the server's integration tests and prints
#   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:54329/postgres
# on stdout (progress goes to stderr). Idempotent: a cluster already running on the port is reused.
#   scripts/ci-postgres.sh          start / reuse
#   scripts/ci-postgres.sh stop     stop it and delete its data
# Env: PG_BIN (/usr/lib/postgresql/15/bin), PG_PORT (54329), PG_DIR (/tmp/hpasc-ci-postgres),
# PG_DURABLE (unset).
# Tests run with fsync, synchronous_commit and full_page_writes off: a crash loses nothing a test
# needs, and commits stop costing a disk flush. PG_DURABLE=1 leaves the three at PostgreSQL's
# defaults (on), as a centre runs it: the benchmarks use that. Both apply when the cluster starts;
# a cluster already running is reused as it is, so give each mode its own PG_PORT and PG_DIR.
# initdb and pg_ctl refuse to run as root, and CI runs as root: they run as the `postgres` user then.
set -euo pipefail

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_PORT="${PG_PORT:-54329}"
PG_DIR="${PG_DIR:-/tmp/hpasc-ci-postgres}"
DATA="$PG_DIR/data"
URL="postgres://postgres@127.0.0.1:${PG_PORT}/postgres"

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ ! -x "$PG_BIN/pg_ctl" ]; then
  echo "ci-postgres: no PostgreSQL binaries in $PG_BIN (apt-get install postgresql-15)" >&2
  exit 1
fi
if [ "$(id -u)" = "0" ] && ! id postgres >/dev/null 2>&1; then
  echo "ci-postgres: running as root but there is no 'postgres' user to run the cluster as" >&2
  exit 1
fi

if [ "${1:-start}" = "stop" ]; then
  if [ -f "$DATA/PG_VERSION" ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2 || true
  fi
  rm -rf "$PG_DIR"
  echo "ci-postgres: stopped and removed $PG_DIR" >&2
  exit 0
fi

mkdir -p "$PG_DIR"
if [ "$(id -u)" = "0" ]; then chown postgres: "$PG_DIR"; fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  as_pg "$PG_BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1 ||
    { cat "$PG_DIR/initdb.log" >&2; exit 1; }
fi

if [ "${PG_DURABLE:-}" = "1" ]; then
  DURABILITY=""
else
  DURABILITY="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi

if ! as_pg "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  # Trust auth and TCP on 127.0.0.1 only; the socket lives in the cluster folder (not /run/postgresql).
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR $DURABILITY" \
    start >&2 || { cat "$PG_DIR/server.log" >&2; exit 1; }
fi

for _ in $(seq 1 30); do
  if "$PG_BIN/pg_isready" -h 127.0.0.1 -p "$PG_PORT" -q; then
    echo "TEST_DATABASE_URL=$URL"
    exit 0
  fi
  sleep 0.5
done
echo "ci-postgres: PostgreSQL did not become ready on port $PG_PORT" >&2
exit 1
