"""Grid counting is SQL: DuckDB and Spark must put every crime in the same cell and bin."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from commonground.engines import Engine
from commonground.insights.hotspots import CrimePoints, build_cube, build_grid, count_steps

#   x (m)      y (m)      bin    -> cell (250 m)
POINTS = pa.table({
    "x": [0.0, 249.9, 250.0, -0.1, 570_123.4, 570_200.0, None],
    "y": [0.0, 10.0, 10.0, 5.0, 207_001.0, 207_249.0, 3.0],
    "bin": [1, 1, 1, 2, 3, 3, 3],
})


def test_points_fall_in_half_open_cells(engine: Engine) -> None:
    rows = engine.run(count_steps(250.0), {"points": POINTS}).to_pylist()
    assert rows == [
        {"ix": -1, "iy": 0, "bin": 2, "n": 1},  # just west of the origin: floor, not truncate
        {"ix": 0, "iy": 0, "bin": 1, "n": 2},
        {"ix": 1, "iy": 0, "bin": 1, "n": 1},  # 250.0 starts the next cell
        {"ix": 2280, "iy": 828, "bin": 3, "n": 2},
    ]


def test_cubes_agree_on_every_engine(engine: Engine) -> None:
    rng = np.random.default_rng(5)
    n = 2_000
    points = CrimePoints(x=rng.uniform(560_000, 565_000, n), y=rng.uniform(200_000, 204_000, n),
                         time=rng.integers(0, 6, n) + 0.5,
                         month=24_216 + rng.integers(0, 6, n),
                         crime_type=np.array(["Burglary"] * n), unit="month")
    grid = build_grid(points, 250.0, engine)
    cube = build_cube(points, grid, engine)
    assert cube.counts.sum() == n
    ix = np.floor(points.x / 250).astype(int)
    iy = np.floor(points.y / 250).astype(int)
    expected = np.zeros_like(cube.counts)
    np.add.at(expected, (grid.index(ix, iy), points.month - cube.first), 1)
    assert np.array_equal(cube.counts, expected)
    assert len(grid) == len({(a, b) for a, b in zip(ix, iy, strict=True)})
