#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 in a temporary directory, runs the
# given command with LINGTING_TEST_POSTGRES_URL pointing at it, then stops it.
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
PORT=${LINGTING_TEST_PG_PORT:-55432}
DIR=$(mktemp -d /tmp/lingting-pg.XXXXXX)
PW=lingting-test
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
echo "$PW" >"$DIR/pw"
[ "$(id -u)" = 0 ] && chown postgres "$DIR/pw"
as_pg "$PGBIN/initdb -D $DIR/data -U postgres -E UTF8 --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 --pwfile=$DIR/pw" >/dev/null
as_pg "$PGBIN/pg_ctl -D $DIR/data -l $DIR/log -w -o \"-p $PORT -c listen_addresses=127.0.0.1 -k $DIR -c fsync=off -c max_connections=300\" start" >/dev/null
cleanup() {
  as_pg "$PGBIN/pg_ctl -D $DIR/data -m fast -w stop" >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
export LINGTING_TEST_POSTGRES_URL="postgres://postgres:$PW@127.0.0.1:$PORT/postgres?sslmode=disable"
"$@"
