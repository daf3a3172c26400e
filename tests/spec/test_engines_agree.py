"""Hypothesis draws random tables and aggregations; DuckDB and Spark must agree exactly."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.engines import Engine, Pipeline

pytestmark = pytest.mark.spark

values = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", None]), st.integers(-1000, 1000)),
    min_size=0, max_size=40,
)
aggregates = st.sampled_from(["count(*)", "sum(v)", "min(v)", "max(v)", "count(DISTINCT v)"])
filters = st.sampled_from(["TRUE", "v > 0", "k IS NULL", "v % 3 = 0", "k IN ('a', 'c')"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=values, agg=aggregates, where=filters)
def test_duckdb_and_spark_agree(spark_engine: Engine, data: list, agg: str, where: str) -> None:
    from commonground.engines import get_engine

    table = pa.table({"k": pa.array([k for k, _ in data], pa.string()),
                      "v": pa.array([v for _, v in data], pa.int64())})
    pipeline = Pipeline.of(
        ("filtered", f"SELECT * FROM t WHERE {where}"),
        ("grouped", f"SELECT k, {agg} AS x FROM filtered GROUP BY k"),
        ("ordered", "SELECT * FROM grouped ORDER BY k NULLS FIRST"),
    )
    with get_engine("duckdb") as duck:
        expected = duck.run(pipeline, {"t": table}).to_pylist()
    got = spark_engine.run(pipeline, {"t": table}).to_pylist()
    assert got == expected
