#!/usr/bin/env bash
# The whole suite: lint, type check, the import contracts, a current docs/cli.md, then every test
# on SQLite and PostgreSQL, DuckDB and Spark.
# If no PostgreSQL answers on 127.0.0.1:5432, a throwaway server is started in a temporary
# folder on a free port and removed afterwards.
set -euo pipefail
VENV=${VENV:-.venv}
cd "$(dirname "$0")/.."

echo "== ruff" >&2
"$VENV/bin/ruff" check .
echo "== mypy" >&2
"$VENV/bin/mypy"
echo "== import contracts" >&2
"$VENV/bin/lint-imports" --no-cache --no-logo
echo "== command reference" >&2
"$VENV/bin/cog" --check --diff --check-fail-msg='run `make docs`' docs/cli.md docs/authorisation.md

export COMMONGROUND_TEST_DATABASE_URL=${COMMONGROUND_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if ! "$VENV/bin/python" scripts/pg_ready.py "$COMMONGROUND_TEST_DATABASE_URL"; then
  echo "== no PostgreSQL at $COMMONGROUND_TEST_DATABASE_URL: starting a throwaway one" >&2
  eval "$(bash scripts/throwaway_postgres.sh start)"
  trap 'bash scripts/throwaway_postgres.sh stop "$THROWAWAY_PGDATA"' EXIT
fi

echo "== pytest" >&2
"$VENV/bin/python" -m pytest "$@"
