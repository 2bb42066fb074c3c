#!/usr/bin/env bash
# Starts (once) a PostgreSQL server on 127.0.0.1:55432 for the tests and prints its SQLAlchemy URL.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || exit 1
DATA=/tmp/cc-pg-test
PORT=55432
RUN_AS=""
[ "$(id -u)" -eq 0 ] && RUN_AS="runuser -u postgres --"
if ! $RUN_AS "$PGBIN/pg_isready" -h 127.0.0.1 -p $PORT -q 2>/dev/null; then
  if [ ! -s "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"; mkdir -p "$DATA"; [ -n "$RUN_AS" ] && chown postgres "$DATA"
    $RUN_AS "$PGBIN/initdb" -D "$DATA" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  $RUN_AS "$PGBIN/pg_ctl" -D "$DATA" -o "-p $PORT -c listen_addresses=127.0.0.1 -k /tmp -c fsync=off" -l "$DATA/log" -w start >/dev/null
fi
echo "postgresql+psycopg2://postgres@127.0.0.1:$PORT/postgres"
