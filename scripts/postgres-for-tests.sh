#!/usr/bin/env bash
# Starts (once) a throwaway PostgreSQL server on 127.0.0.1 for the test suite and prints its
# connection string. Installs Debian's package when it is missing. Trust auth on loopback only;
# fsync off because the data is thrown away.
# Usage: scripts/postgres-for-tests.sh [start|stop]
#   start (default): start the server, creating its cluster the first time; prints the connection string.
#   stop: fast shutdown (clients are disconnected), keeping the cluster for the next start: the fault
#         drills restart PostgreSQL under running sites this way. PG_TEST_PORT / PG_TEST_DIR pick the server.
set -euo pipefail
action=${1:-start}
port=${PG_TEST_PORT:-55432}
dir=${PG_TEST_DIR:-${TMPDIR:-/tmp}/image2model-pg}
sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

# initdb refuses to run as root: run the server as the postgres user then.
as_owner() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

if [ "$action" = stop ]; then
  as_owner "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop" >/dev/null
  exit 0
fi

if ! "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
    as_owner "'$bin/initdb' -D '$dir/data' -U postgres -A trust --no-sync" >/dev/null
  fi
  as_owner "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200\" start" >/dev/null
fi
echo "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
