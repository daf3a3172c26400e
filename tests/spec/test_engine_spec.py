"""The engine spec: tiny tables, the same pipeline on every engine, the same answer.

Each case is data drawn as text, a pipeline, and the expected rows: it documents what a
pipeline means as much as it tests the engines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commonground.engines import Engine, EngineError, ParquetSource, Pipeline

CRIMES = pa.table({
    "crime_id": ["c1", "c2", "c3", "c4", "c5", "c6"],
    "crime_type": ["Burglary", "Burglary", "Drugs", "Burglary", None, "Drugs"],
    "lsoa": ["E01", "E01", "E02", "E03", "E02", "E02"],
    "occurred": [dt.datetime(2018, 1, d, 22, 30) for d in (1, 3, 5, 8, 9, 30)],
    "easting": [584545.0, 584600.5, 583661.0, 590000.0, 583700.0, 583650.0],
})


def rows(table: pa.Table) -> list[dict[str, object]]:
    return table.to_pylist()


def test_steps_build_on_each_other(engine: Engine) -> None:
    pipeline = Pipeline.of(
        ("typed", "SELECT lsoa, coalesce(crime_type, 'Unknown') AS crime_type FROM crimes"),
        ("counts", "SELECT lsoa, crime_type, count(*) AS n FROM typed GROUP BY ALL"),
        ("ordered", "SELECT * FROM counts ORDER BY n DESC, lsoa, crime_type"),
    )
    assert rows(engine.run(pipeline, {"crimes": CRIMES})) == [
        {"lsoa": "E01", "crime_type": "Burglary", "n": 2},
        {"lsoa": "E02", "crime_type": "Drugs", "n": 2},
        {"lsoa": "E02", "crime_type": "Unknown", "n": 1},
        {"lsoa": "E03", "crime_type": "Burglary", "n": 1},
    ]


def test_dates_strings_and_arithmetic(engine: Engine) -> None:
    pipeline = Pipeline.of((
        "features",
        """
        SELECT crime_id,
               strftime(occurred, '%Y-%m') AS month,
               extract(hour FROM occurred) AS hour,
               lower(substr(crime_type, 1, 4)) AS prefix,
               floor(easting / 250) * 250 AS cell_e,
               date_diff('day', DATE '2018-01-01', CAST(occurred AS DATE)) AS day
        FROM crimes WHERE crime_type IS NOT NULL ORDER BY crime_id
        """,
    ))
    got = rows(engine.run(pipeline, {"crimes": CRIMES}))
    assert got[0] == {"crime_id": "c1", "month": "2018-01", "hour": 22, "prefix": "burg",
                      "cell_e": 584500.0, "day": 0}
    assert [r["day"] for r in got] == [0, 2, 4, 7, 29]
    assert {r["cell_e"] for r in got} == {584500.0, 583500.0, 590000.0}


def test_window_functions(engine: Engine) -> None:
    pipeline = Pipeline.of((
        "ranked",
        """
        SELECT crime_id, lsoa,
               row_number() OVER (PARTITION BY lsoa ORDER BY occurred) AS seq,
               count(*) OVER (PARTITION BY lsoa) AS in_area
        FROM crimes ORDER BY lsoa, seq
        """,
    ))
    got = rows(engine.run(pipeline, {"crimes": CRIMES}))
    assert [(r["crime_id"], r["seq"], r["in_area"]) for r in got] == [
        ("c1", 1, 2), ("c2", 2, 2), ("c3", 1, 3), ("c5", 2, 3), ("c6", 3, 3), ("c4", 1, 1),
    ]


def test_joins_between_inputs(engine: Engine) -> None:
    areas = pa.table({"lsoa": ["E01", "E02", "E04"], "population": [1500, 1600, 1700]})
    pipeline = Pipeline.of((
        "rates",
        """
        SELECT a.lsoa, a.population, count(c.crime_id) AS crimes
        FROM areas a LEFT JOIN crimes c ON c.lsoa = a.lsoa
        GROUP BY a.lsoa, a.population ORDER BY a.lsoa
        """,
    ))
    got = rows(engine.run(pipeline, {"crimes": CRIMES, "areas": areas}))
    assert got == [
        {"lsoa": "E01", "population": 1500, "crimes": 2},
        {"lsoa": "E02", "population": 1600, "crimes": 3},
        {"lsoa": "E04", "population": 1700, "crimes": 0},
    ]


def test_reads_parquet_and_writes_the_lake_layout(engine: Engine, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    pq.write_table(CRIMES.slice(0, 3), source / "part-00000.parquet")
    pq.write_table(CRIMES.slice(3), source / "part-00001.parquet")
    pipeline = Pipeline.of(("kept", "SELECT crime_id, lsoa FROM crimes WHERE lsoa <> 'E03'"))
    result = engine.write(pipeline, {"crimes": ParquetSource.of(source)}, tmp_path / "v1")
    assert result.rows == 5
    assert sorted(p.name for p in (tmp_path / "v1").iterdir()) == list(result.files)
    assert all(name.startswith("part-") and name.endswith(".parquet") for name in result.files)
    back = pq.read_table(tmp_path / "v1").sort_by("crime_id")
    assert back.column("crime_id").to_pylist() == ["c1", "c2", "c3", "c5", "c6"]


def test_write_never_overwrites_a_version(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    with pytest.raises(FileExistsError):
        engine.write(Pipeline.of(("x", "SELECT 1 AS a")), {}, tmp_path / "v1")


def test_failed_write_leaves_nothing_behind(engine: Engine, tmp_path: Path) -> None:
    bad = Pipeline.of(("ok", "SELECT crime_type FROM crimes"),
                      ("boom", "SELECT CAST(crime_type AS INTEGER) AS n FROM ok"))
    with pytest.raises(EngineError) as raised:
        engine.write(bad, {"crimes": CRIMES}, tmp_path / "v1")
    assert raised.value.step == "boom"
    assert list(tmp_path.iterdir()) == []


def test_error_names_the_step_and_carries_its_sql(engine: Engine) -> None:
    pipeline = Pipeline.of(("fine", "SELECT * FROM crimes"),
                           ("broken", "SELECT no_such_column FROM fine"))
    with pytest.raises(EngineError) as raised:
        engine.run(pipeline, {"crimes": CRIMES})
    assert raised.value.step == "broken"
    assert "no_such_column" in raised.value.sql
    assert "broken" in str(raised.value)


def test_runtime_error_is_pinned_on_the_step_that_caused_it(engine: Engine) -> None:
    names = pa.table({"who": ["Jane Doe", "12"]})
    pipeline = Pipeline.of(("as_number", "SELECT CAST(who AS INTEGER) AS n FROM people"),
                           ("after", "SELECT n + 1 AS m FROM as_number"))
    with pytest.raises(EngineError) as raised:
        engine.run(pipeline, {"people": names})
    assert raised.value.step == "as_number"
    # The value that failed is record-level data: it must not appear in the message.
    assert "Jane" not in str(raised.value) and "Jane" not in raised.value.details()


def test_engines_leave_no_views_behind(engine: Engine) -> None:
    engine.run(Pipeline.of(("tmp_view", "SELECT * FROM crimes")), {"crimes": CRIMES})
    with pytest.raises(EngineError):
        engine.query("SELECT * FROM tmp_view")


def test_a_session_keeps_a_materialised_step_for_several_reads(engine: Engine,
                                                               tmp_path: Path) -> None:
    """Validate once, read three ways: the step is computed once and survives each run."""
    with engine.session({"crimes": CRIMES}) as session:
        session.define(Pipeline.of(
            ("typed", "SELECT crime_id, coalesce(crime_type, 'Unknown') AS crime_type "
                      "FROM crimes")), materialise=True)
        counts = session.run(Pipeline.of(
            ("counts", "SELECT crime_type, count(*) AS n FROM typed GROUP BY ALL "
                       "ORDER BY crime_type")))
        unknown = session.run(Pipeline.of(
            ("unknown", "SELECT crime_id FROM typed WHERE crime_type = 'Unknown'")))
        written = session.write(Pipeline.of(
            ("drugs", "SELECT crime_id FROM typed WHERE crime_type = 'Drugs'")),
            tmp_path / "drugs")
    assert rows(counts) == [{"crime_type": "Burglary", "n": 3}, {"crime_type": "Drugs", "n": 2},
                            {"crime_type": "Unknown", "n": 1}]
    assert rows(unknown) == [{"crime_id": "c5"}]
    assert written.rows == 2
    assert sorted(pq.read_table(tmp_path / "drugs")["crime_id"].to_pylist()) == ["c3", "c6"]
    # Everything the session made is gone: the name can be used again.
    again = engine.run(Pipeline.of(("typed", "SELECT count(*) AS n FROM crimes")),
                       {"crimes": CRIMES})
    assert rows(again) == [{"n": 6}]


def test_a_failing_materialised_step_is_named(engine: Engine) -> None:
    with engine.session({"crimes": CRIMES}) as session, pytest.raises(EngineError) as caught:
        session.define(Pipeline.of(
            ("fine", "SELECT crime_id FROM crimes"),
            ("broken", "SELECT CAST(crime_id AS INTEGER) AS n FROM fine")), materialise=True)
    assert caught.value.step == "broken"


def test_dictionary_columns_join_and_write_as_their_values(engine: Engine,
                                                           tmp_path: Path) -> None:
    """Arrow dictionaries (DuckDB reads them as ENUMs) behave as plain text in SQL."""
    lookup = pa.table({
        "crime_type": ["Burglary", "Drugs"],
        "code": pa.array(["B", "D"]).dictionary_encode(),
    })
    pipeline = Pipeline.of(("coded", "SELECT c.crime_id, l.code FROM crimes AS c "
                                     "LEFT JOIN lookup AS l ON c.crime_type = l.crime_type"))
    engine.write(pipeline, {"crimes": CRIMES, "lookup": lookup}, tmp_path / "coded")
    got = pq.read_table(tmp_path / "coded").sort_by("crime_id")
    assert got["code"].cast(pa.string()).to_pylist() == ["B", "B", "D", "B", None, "D"]
    filtered = engine.run(pipeline.then("b", "SELECT crime_id FROM coded WHERE code = 'B' "
                                             "ORDER BY crime_id"),
                          {"crimes": CRIMES, "lookup": lookup})
    assert filtered["crime_id"].to_pylist() == ["c1", "c2", "c4"]
