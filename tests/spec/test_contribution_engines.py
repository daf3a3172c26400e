"""Contribution on DuckDB and on Spark: the same accepted rows, quarantine and tokens."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commonground.contribute.contract import parse_contract
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.package import DATA, QUARANTINE, prepare
from commonground.engines import get_engine

pytestmark = pytest.mark.spark

CONTRACT = parse_contract({
    "name": "spec_referrals",
    "record_id": "ref",
    "columns": [
        {"name": "ref", "type": "string", "required": True, "role": "record_id"},
        {"name": "full_name", "type": "string", "role": "identifier", "identifier": "full_name"},
        {"name": "dob", "type": "date", "formats": ["%d/%m/%Y", "%Y-%m-%d"],
         "role": "identifier", "identifier": "dob"},
        {"name": "postcode", "type": "postcode", "role": "identifier", "identifier": "postcode"},
        {"name": "seen_at", "type": "datetime", "formats": ["%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M"]},
        {"name": "visits", "type": "integer", "min": 0, "max": 50},
        {"name": "score", "type": "decimal"},
        {"name": "urgent", "type": "boolean"},
        {"name": "band", "type": "category", "allowed": ["A", "B", "C"]},
        {"name": "month", "type": "month"},
        {"name": "notes", "type": "string", "max_length": 40},
    ],
})

ROWS = [
    # ref, full_name, dob, postcode, seen_at, visits, score, urgent, band, month, notes
    ["R1", "Popescu, Ştefan", "03/11/1990", "cm1 1aa", "2018-01-05T10:30", "3", "1.5", "yes",
     "A", "2018-01", "fine"],
    ["R2", "Stefan POPESCU", "1990-03-11", "CM11AA", "05/01/2018 10:30", "0", "-2", "N", "B",
     "2018-02", ""],
    ["R3", "  Bob Smith ", "31/02/1980", "CM1 1AA", "2018-01-05", "51", "x", "maybe", "D",
     "2018-13", "=cmd|' /C calc'!A0"],
    ["R4", "", "", "", "", "", "", "", "", "", "@SUM(1+1)"],
    ["", "Anna Kowalska", "12/12/2100", "NOTAPC", "2018-01-05T25:00", "two", "3e2", "1", "C",
     "2018-03", "a" * 60],
    ["R6", "Łukasz Wójcik", "1/2/1985", "ss0 7aa", "2018-3-4T5:06", "-1", "0.25", "false",
     "A", "2018-4", "+HYPERLINK(x)"],
]


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("src") / "referrals.csv"
    header = [c.name for c in CONTRACT.columns]
    lines = [",".join(header)]
    for row in ROWS:
        lines.append(",".join('"' + v.replace('"', '""') + '"' for v in row))
    lines.append('"R7","too","few"')  # ragged: quarantined by the reader on both engines
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _prepared(engine_name: str, source: Path, out: Path) -> tuple[pa.Table, pa.Table, dict]:
    engine = get_engine(engine_name)
    package = prepare(source, CONTRACT, PartnershipKey(b"s" * 32), engine, out,
                      today=date(2026, 1, 1))
    data = pq.read_table(package.folder / DATA).sort_by("_row")
    data = pa.table({n: data.column(n).cast(pa.string()) if pa.types.is_dictionary(
        data.column(n).type) else data.column(n) for n in data.column_names})
    quarantine = pq.read_table(package.folder / QUARANTINE)
    return data, quarantine, package.manifest


def test_duckdb_and_spark_prepare_the_same_package(source: Path, tmp_path: Path,
                                                   spark_engine) -> None:
    duck_data, duck_q, duck_m = _prepared("duckdb", source, tmp_path / "duck")
    spark_data, spark_q, spark_m = _prepared("spark", source, tmp_path / "spark")
    for key in ("rows_in", "rows_accepted", "rows_quarantined", "problems"):
        assert duck_m[key] == spark_m[key], key
    assert duck_data.to_pylist() == spark_data.to_pylist()
    assert duck_q.to_pylist() == spark_q.to_pylist()


def test_the_expected_rows_are_accepted_and_why_others_are_not(source: Path,
                                                               tmp_path: Path) -> None:
    data, quarantine, manifest = _prepared("duckdb", source, tmp_path / "duck")
    assert manifest["rows_in"] == 7
    assert manifest["rows_in"] == manifest["rows_accepted"] + manifest["rows_quarantined"]
    assert data.column("_row").to_pylist() == [1, 2]
    problems = {(r["row"], r["column"], r["problem"]) for r in quarantine.to_pylist()}
    assert (3, "dob", "bad_value") in problems  # 31 February
    assert (3, "visits", "out_of_range") in problems
    assert (3, "score", "bad_value") in problems
    assert (3, "urgent", "bad_value") in problems
    assert (3, "band", "not_allowed") in problems
    assert (3, "month", "bad_value") in problems
    assert (3, "notes", "formula") in problems
    assert (4, "notes", "formula") in problems
    assert (5, "ref", "required") in problems
    assert (5, "dob", "implausible_date") in problems
    assert (5, "postcode", "bad_value") in problems
    assert (5, "notes", "too_long") in problems
    assert (6, "visits", "out_of_range") in problems and (6, "notes", "formula") in problems
    assert any(r["problem"] == "ragged_row" and r["line"] == 8 for r in quarantine.to_pylist())
    # Same person written two ways (name order, diacritics, date format, postcode spacing):
    # the same tokens.
    first, second = data.to_pylist()
    for suffix in ("token", "sorted", "family", "given"):
        assert first[f"full_name__{suffix}"] == second[f"full_name__{suffix}"] is not None
    assert first["dob__token"] != second["dob__token"]  # 3 Nov and 11 March: a swap
    assert first["dob__unordered"] == second["dob__unordered"]
    assert first["postcode__token"] == second["postcode__token"]
