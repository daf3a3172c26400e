"""Hotspot methods and metrics on small, hand-checkable data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from commonground.insights.hotspots import (
    CountCube,
    CrimePoints,
    Grid,
    History,
    backtest,
    coverage_metrics,
    fit_etas,
    flagged_hits,
    load_crimes,
    load_police_uk,
    month_index,
    predict,
    to_geojson,
)
from commonground.insights.hotspots.baselines import kde, naive_count, naive_recent
from commonground.insights.hotspots.history import gaussian_smooth, month_span, ring_kernel
from commonground.insights.hotspots.prospective import prospective

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context\n")


def police_uk_files(folder: Path, months: int = 5, seed: int = 0) -> list[Path]:
    """Small police.uk-format files: a few stable hot points plus scatter, some unlocated."""
    rng = np.random.default_rng(seed)
    hot = np.array([[0.47, 51.73], [0.48, 51.735], [0.70, 51.88]])
    files = []
    for m in range(months):
        lines = [HEADER]
        for i in range(120):
            if i % 40 == 39:
                lon, lat = "", ""
            elif i % 3:
                spot = hot[rng.integers(0, len(hot))] + rng.normal(0, 0.0008, 2)
                lon, lat = f"{spot[0]:.6f}", f"{spot[1]:.6f}"
            else:
                lon, lat = f"{rng.uniform(0.4, 0.9):.6f}", f"{rng.uniform(51.6, 51.95):.6f}"
            kind = "Burglary" if i % 2 else "Violence and sexual offences"
            lines.append(f"x{m}-{i},2018-{m + 1:02d},Essex Police,Essex Police,{lon},{lat},"
                         f"On or near Somewhere,E01000001,Chelmsford 001A,{kind},,\n")
        path = folder / f"2018-{m + 1:02d}-essex-street.csv"
        path.write_text("".join(lines))
        files.append(path)
    return files


def test_flagged_hits_share_ties_at_the_boundary() -> None:
    scores = np.array([3.0, 1.0, 1.0, 1.0, 0.0])
    actual = np.array([2.0, 3.0, 0.0, 0.0, 5.0])
    assert flagged_hits(scores, actual, 1) == 2.0
    # Two slots among three tied cells holding 3 crimes: 2/3 of them in expectation.
    assert flagged_hits(scores, actual, 3) == pytest.approx(2.0 + 2.0)


def test_hit_rate_pai_and_pei() -> None:
    scores = np.arange(100, dtype=float)[::-1]
    actual = np.zeros(100)
    actual[0], actual[50] = 3.0, 1.0
    metrics = coverage_metrics(scores, actual, (0.01, 0.05))
    assert metrics["hit_rate"][0.01] == pytest.approx(0.75)
    assert metrics["pai"][0.01] == pytest.approx(75.0)
    assert metrics["pei"][0.01] == pytest.approx(1.0)
    assert metrics["pei"][0.05] == pytest.approx(0.75)


def test_month_numbers_and_spans() -> None:
    assert month_index("2018-04") == 2018 * 12 + 3
    first, days = month_span(month_index("2018-02"), "day")
    assert days == 28
    assert np.int64(first).astype("datetime64[D]") == np.datetime64("2018-02-01")


def _line_grid(n: int = 9) -> Grid:
    return Grid(100.0, np.arange(n), np.zeros(n, np.int64))


def test_grid_index_and_smoothing_keep_mass() -> None:
    grid = Grid(100.0, np.arange(-20, 21), np.zeros(41, np.int64))
    assert list(grid.index(np.array([-20, 0, 99]), np.array([0, 0, 0]))) == [0, 20, -1]
    values = np.zeros(41)
    values[20] = 1.0
    smooth = gaussian_smooth(grid, values, 100.0)
    # The kernel spreads mass in two dimensions; along the line we see its central row.
    assert smooth[20] == smooth.max()
    assert smooth[19] == pytest.approx(smooth[21])


def test_prospective_weights_decay_with_distance_and_age() -> None:
    grid = _line_grid()
    counts = np.zeros((9, 3))
    counts[4, 2] = 1.0  # last month, centre cell
    cube = CountCube(grid, counts, first=0, bin_unit="month")
    score = prospective(History(cube), 3, 1, radius_m=250.0)
    kernel = ring_kernel(100.0, 250.0)
    assert kernel[2, 2] == 1.0 and kernel[2, 3] == pytest.approx(0.5)
    age_weeks = 0.5 * 365.25 / 12 / 7
    assert score[4] == pytest.approx(1.0 / (1.0 + age_weeks))
    assert score[5] == pytest.approx(0.5 / (1.0 + age_weeks))
    assert score[7] == 0.0
    older = np.zeros((9, 3))
    older[4, 0] = 1.0  # two and a half months ago: outside the 8-week window
    assert prospective(History(CountCube(grid, older, 0, "month")), 3, 1)[4] == 0.0


def test_baselines_use_only_the_past() -> None:
    grid = _line_grid(3)
    counts = np.array([[1.0, 0.0, 5.0], [0.0, 2.0, 0.0], [0.0, 0.0, 0.0]])
    history = History(CountCube(grid, counts, first=10, bin_unit="month"))
    assert list(naive_count(history, 12, 1)) == [1.0, 2.0, 0.0]
    assert list(naive_recent(history, 12, 1)) == [0.0, 2.0, 0.0]
    assert kde(history, 12, 1).sum() > 0


def test_etas_em_recovers_a_self_exciting_process() -> None:
    rng = np.random.default_rng(3)
    cells, bins, theta, beta = 400, 300, 0.5, 0.6
    mu = rng.gamma(1.0, 0.05, cells)
    counts = np.zeros((cells, bins))
    memory = np.zeros(cells)
    for t in range(bins):
        rate = mu + theta * (1 - beta) * memory
        counts[:, t] = rng.poisson(rate)
        memory = beta * memory + counts[:, t]
    fit = fit_etas(counts, iterations=200)
    assert fit.theta == pytest.approx(theta, abs=0.08)
    assert fit.mean_lag_bins == pytest.approx(1 / (1 - beta), rel=0.25)


def test_police_uk_loader_counts_rows_without_coordinates(tmp_path: Path) -> None:
    police_uk_files(tmp_path, months=2)
    points = load_police_uk([tmp_path])
    assert points.rows_read == 240
    assert points.without_coordinates == 6
    assert len(points) == 234
    assert points.unit == "month"
    # BNG metres: Chelmsford is around easting 570 km, northing 207 km.
    assert 540_000 < np.median(points.x) < 620_000
    assert 190_000 < np.median(points.y) < 240_000


def test_exact_time_extract_is_read_in_days(tmp_path: Path) -> None:
    path = tmp_path / "crimes.csv"
    path.write_text("URN,OFFENCE_DATETIME,CRIME_TYPE,EASTING,NORTHING\n"
                    "1,2018-03-31 23:30:00,Burglary,570000,207000\n"
                    "2,2018-04-01 00:10:00,Burglary,570100,207050\n"
                    "3,2018-04-02 10:00:00,Burglary,,\n")
    points = load_crimes([path])
    assert points.unit == "day"
    assert points.without_coordinates == 1
    assert [int(m) for m in points.month] == [month_index("2018-03"), month_index("2018-04")]


def test_unknown_crime_type_is_named(tmp_path: Path) -> None:
    police_uk_files(tmp_path, months=2)
    with pytest.raises(ValueError, match="no crimes of type"):
        load_police_uk([tmp_path]).of_type("Burglry")


def test_backtest_reports_region_methods_and_comparisons(tmp_path: Path) -> None:
    police_uk_files(tmp_path)
    result = backtest(load_police_uk([tmp_path]), crime_type="Burglary", cell_size=250,
                      test_months=["2018-04", "2018-05"]).to_dict()
    assert result["region"]["crs"] == "EPSG:27700"
    assert result["region"]["cell_size_m"] == 250
    assert result["data"]["without_coordinates"] == 15
    assert set(result["methods"]) >= {"naive_count", "kde", "prospective", "etas", "learned"}
    for values in result["methods"].values():
        assert set(values["hit_rate"]) == {"0.01", "0.02", "0.05", "0.1"}
        assert all(0.0 <= v <= 1.0 for v in values["hit_rate"].values())
    assert result["comparisons"]["reference"] in {"naive_count", "naive_recent", "kde"}
    # Stable hot points: every method finds most crime in a tenth of the cells.
    assert result["methods"]["naive_count"]["hit_rate"]["0.1"] > 0.5


def test_backtest_needs_history(tmp_path: Path) -> None:
    police_uk_files(tmp_path, months=2)
    with pytest.raises(ValueError, match="earlier month"):
        backtest(load_police_uk([tmp_path]), test_months=["2018-01"])


def test_predict_flags_cells_and_writes_geojson(tmp_path: Path) -> None:
    police_uk_files(tmp_path, months=3)
    result = predict(load_police_uk([tmp_path]), method_name="prospective", coverage=0.1)
    assert result["month"] == "2018-04"
    assert result["cells"][0]["rank"] == 1
    scores = [c["score"] for c in result["cells"]]
    assert scores == sorted(scores, reverse=True)
    geo = to_geojson(result)
    assert geo["features"][0]["geometry"]["type"] == "Polygon"
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0]
    assert 0.3 < lon < 1.0 and 51.5 < lat < 52.0


def test_points_describe_holds_counts_only() -> None:
    points = CrimePoints(np.array([1.0]), np.array([2.0]), np.array([0.5]), np.array([24216]),
                         np.array(["Burglary"]), "month", rows_read=2, without_coordinates=1)
    assert points.describe()["without_coordinates"] == 1
