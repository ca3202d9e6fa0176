#!/usr/bin/env bash
# Runs a command (default: npm test) against a throwaway PostgreSQL: its own
# data dir under /tmp, its own port, listening on 127.0.0.1 only, stopped and
# removed on exit whatever happens. The command sees
#   POCKETSTACK_TEST_DATABASE=postgres://pocketstack:pocketstack@127.0.0.1:PORT/postgres
# with which every test cloud (test/helpers.ts) gets a database of its own.
# Needs Debian's postgresql package (apt-get install -y postgresql); as root
# the server runs as the postgres user.
#
#   scripts/postgres-test.sh                      # the whole npm test on PostgreSQL
#   scripts/postgres-test.sh npx vitest run test/services/network
#   scripts/postgres-test.sh --shell              # a server to play with; Ctrl-D stops it
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "postgres-test: PostgreSQL is not installed (apt-get install -y postgresql)" >&2
  exit 2
fi

dir=$(mktemp -d /tmp/pocketstack-pg.XXXXXX)
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"

cleanup() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# a free port on loopback, chosen by the kernel
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

echo pocketstack >"$dir/pw"
chmod 600 "$dir/pw"
[ "$(id -u)" = 0 ] && chown postgres "$dir/pw"
as_pg "$bin/initdb" -D "$dir/data" -U pocketstack --pwfile="$dir/pw" --auth=scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# a throwaway server: no durability, many connections (every test cloud has a pool)
cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 600
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 64MB
max_locks_per_transaction = 256
log_min_messages = warning
EOF
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
  { cat "$dir/server.log" >&2; exit 1; }

export POCKETSTACK_TEST_DATABASE="postgres://pocketstack:pocketstack@127.0.0.1:$port/postgres"
echo "postgres-test: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)"
if [ "${1:-}" = --shell ]; then
  echo "POCKETSTACK_TEST_DATABASE=$POCKETSTACK_TEST_DATABASE"
  PGPASSWORD=pocketstack psql -h 127.0.0.1 -p "$port" -U pocketstack postgres || true
  exit 0
fi
[ $# -eq 0 ] && set -- npm test
# The command runs in a process group of its own and the script waits for it
# in the background: bash runs a trap only once a foreground command ends, so
# a `timeout` (CI's) or Ctrl-C would otherwise wait for a hung suite. On
# INT or TERM the whole group (npm, vitest, its workers) is stopped.
setsid "$@" &
child=$!
trap 'kill -TERM -- "-$child" 2>/dev/null; wait "$child"; exit 130' INT TERM
status=0
wait "$child" || status=$?
exit $status
