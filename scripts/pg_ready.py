"""Exit 0 if the PostgreSQL at the SQLAlchemy URL given answers, else 1 (quietly)."""

import sys

import psycopg

url = sys.argv[1].replace("postgresql+psycopg://", "postgresql://", 1)
try:
    with psycopg.connect(url, connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except Exception:  # noqa: BLE001 - any failure means "not ready"
    sys.exit(1)
