"""Hotspot loaders read lake versions (typed Parquet) as well as partners' CSV files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from commonground.insights.hotspots import load_crimes


def test_a_police_uk_lake_version_loads_like_the_csv(tmp_path: Path) -> None:
    version = tmp_path / "lake" / "police" / "street" / "v1"
    version.mkdir(parents=True)
    pq.write_table(pa.table({
        "_row": [1, 2, 3],
        "Month": pa.array([dt.date(2018, 1, 1), dt.date(2018, 2, 1), dt.date(2018, 2, 1)]),
        "Longitude": [0.47, 0.48, None],
        "Latitude": [51.73, 51.74, None],
        "Crime type": ["Burglary", "Drugs", "Burglary"],
    }), version / "part-00000.parquet")
    (version / "_manifest.json").write_text("{}")
    points = load_crimes([version])
    assert points.rows_read == 3 and points.without_coordinates == 1
    assert points.unit == "month" and list(points.crime_type) == ["Burglary", "Drugs"]
    assert 560_000 < points.x.min() < 580_000  # Chelmsford, in British National Grid metres


def test_an_exact_time_lake_version_loads(tmp_path: Path) -> None:
    version = tmp_path / "v1"
    version.mkdir()
    pq.write_table(pa.table({
        "OFFENCE_DATETIME": pa.array([dt.datetime(2018, 3, 4, 5, 6, 7)]),
        "EASTING": [570000.0], "NORTHING": [205000.0], "CRIME_TYPE": ["Burglary"],
        "VICTIM_SURNAME__token": ["ab" * 32],
    }), version / "part-00000.parquet")
    points = load_crimes([version])
    assert points.unit == "day" and points.rows_read == 1 and points.x[0] == 570000.0
