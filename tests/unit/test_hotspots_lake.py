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


def _points(folder: Path, n: int, seed: int) -> Path:
    import numpy as np

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    start = dt.datetime(2018, 1, 1)
    pq.write_table(pa.table({
        "OFFENCE_DATETIME": pa.array([start + dt.timedelta(hours=int(h))
                                      for h in rng.integers(0, 24 * 150, n)]),
        "EASTING": 570000.0 + rng.normal(0, 800, n).round(),
        "NORTHING": 205000.0 + rng.normal(0, 800, n).round(),
        "CRIME_TYPE": rng.choice(["Burglary", "Drugs"], n).tolist(),
    }), folder / "part-00000.parquet")
    return folder


def test_backtest_cli_takes_covariates_from_the_lake(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from commonground.cli import app

    crimes = _points(tmp_path / "crimes" / "v1", 3000, 1)
    calls = _points(tmp_path / "calls" / "v1", 2000, 2)
    done = CliRunner().invoke(app, ["insights", "hotspots", "backtest", str(crimes),
                                    "--covariate", f"calls={calls}", "--test-months",
                                    "2018-04,2018-05", "--methods", "kde,learned", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.stdout)
    assert set(result["methods"]) == {"kde", "learned"}
    bad = CliRunner().invoke(app, ["insights", "hotspots", "backtest", str(crimes),
                                   "--covariate", "no-equals-sign", "--json"])
    assert bad.exit_code != 0
