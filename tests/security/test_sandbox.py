"""Sandbox escapes: each attempt refused with a clear message and an audit entry."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from commonground.governance import actor_for
from commonground.research.workspace import QueryRefused, Workspace
from commonground.store import Hub

PROJECT = "modern-slavery-signals"

ESCAPES = [
    ("read a file", "SELECT * FROM read_csv('/etc/passwd')", "table_function"),
    ("read a file by path", "SELECT * FROM '/etc/passwd'", "unknown_view"),
    ("read parquet in the lake", "SELECT * FROM read_parquet('lake/police/crimes/v1/*.parquet')",
     "table_function"),
    ("glob the disk", "SELECT * FROM glob('/*')", "table_function"),
    ("attach a database", "ATTACH '/tmp/other.db' AS other", "not_select"),
    ("copy out", "COPY fire_safety_visits TO '/tmp/out.csv'", "not_select"),
    ("copy a query out", "COPY (SELECT 1) TO '/tmp/out.csv' (FORMAT csv)", "not_select"),
    ("export the database", "EXPORT DATABASE '/tmp/dump'", "syntax"),
    ("install an extension", "INSTALL httpfs", "not_select"),
    ("load an extension", "LOAD httpfs", "not_select"),
    ("raise the memory limit", "SET memory_limit = '100GB'", "not_select"),
    ("reset a setting", "RESET threads", "not_select"),
    ("pragma", "PRAGMA database_list", "not_select"),
    ("read settings", "SELECT * FROM duckdb_settings()", "table_function"),
    ("read the catalogue", "SELECT * FROM duckdb_tables()", "table_function"),
    ("information schema", "SELECT * FROM information_schema.tables", "table_function"),
    ("environment", "SELECT getenv('HOME')", "function"),
    ("current setting", "SELECT current_setting('memory_limit')", "function"),
    ("two statements", "SELECT 1; SELECT 2", "statements"),
    ("create a table", "CREATE TABLE x AS SELECT * FROM fire_safety_visits", "not_select"),
    ("drop a view", "DROP VIEW fire_safety_visits", "not_select"),
    ("insert", "INSERT INTO fire_safety_visits SELECT * FROM fire_safety_visits", "not_select"),
    ("other project's view", "SELECT * FROM other_project.police_crimes", "table_function"),
    ("a dataset not approved", "SELECT * FROM police_crimes", "unknown_view"),
    ("huge cross join",
     "SELECT count(*) FROM fire_safety_visits a, fire_safety_visits b, fire_safety_visits c, "
     "fire_safety_visits d, fire_safety_visits e, fire_safety_visits f WHERE "
     "a.occupants_observed + b.occupants_observed + c.occupants_observed + "
     "d.occupants_observed + e.occupants_observed + f.occupants_observed > -1", "timeout"),
    ("huge result", "SELECT a._row FROM fire_safety_visits a, fire_safety_visits b, "
                    "fire_safety_visits c, fire_safety_visits d", "too_many_rows"),
    ("call", "CALL pragma_version()", "not_select"),
    ("not SQL", "SELEC * FRM x", "not_select"),
    ("unbalanced", "SELECT (1", "syntax"),
]


@pytest.mark.parametrize(("attempt", "sql", "kind"), ESCAPES, ids=[e[0] for e in ESCAPES])
def test_escape_is_refused_and_audited(demo_hub: Hub, attempt: str, sql: str, kind: str) -> None:
    from commonground.engines.sandbox import Limits

    researcher = actor_for(demo_hub, "uni-researcher")
    workspace = Workspace(demo_hub, researcher, PROJECT,
                          limits=Limits(seconds=2, max_rows=200_000))
    with demo_hub.engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = "
                                      "'workspace.query' AND outcome = 'refused'")).scalar()
    with pytest.raises(QueryRefused) as refused:
        workspace.sql(sql)
    assert refused.value.kind == kind, attempt
    assert str(refused.value).startswith("query refused: ")
    with demo_hub.engine.connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM audit_log WHERE action = "
                                     "'workspace.query' AND outcome = 'refused'")).scalar()
    assert after == before + 1


def test_a_fair_query_runs_and_is_audited(demo_hub: Hub) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    result = Workspace(demo_hub, researcher, PROJECT).sql(
        "SELECT overcrowding, count(*) AS n FROM fire_safety_visits GROUP BY ALL ORDER BY 1")
    assert result.num_rows >= 1 and sum(result.column("n").to_pylist()) > 0
