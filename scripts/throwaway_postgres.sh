#!/usr/bin/env bash
# start: initdb a temporary cluster on a free port and print `export ...` lines for eval.
# stop DIR: stop that cluster and delete its folder.
set -euo pipefail
bindir=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n1 || command -v initdb)")
run_as_owner() {  # PostgreSQL refuses to run as root: use the postgres user when we are root
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    dir=$(mktemp -d /tmp/commonground-pg.XXXXXX)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [ "$(id -u)" = 0 ]; then
      id postgres >/dev/null 2>&1 || useradd --system --home "$dir" postgres
      chown postgres "$dir"
    fi
    run_as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust >/dev/null
    run_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1" start >/dev/null
    run_as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres test
    echo "export THROWAWAY_PGDATA=$dir"
    echo "export COMMONGROUND_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$port/test"
    ;;
  stop)
    dir=$2
    run_as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
