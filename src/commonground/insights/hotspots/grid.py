"""Square cells on the British National Grid, counted by SQL on any engine.

Cells are aligned to whole multiples of the cell size in BNG metres, so cell (ix, iy) covers
[ix * size, (ix + 1) * size) eastings: the same cell on every run and in every dataset, ready
to join with partners' counts. The counting is a pipeline of SQL steps (`count_steps`) so that
DuckDB and Spark give the same numbers on data too big for one machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from commonground.engines import Engine, Pipeline, Step, get_engine
from commonground.errors import InvalidInput
from commonground.insights.hotspots.points import BNG, CrimePoints


def count_steps(cell_size: float) -> Pipeline:
    """SQL: points(x, y, bin) -> counts(ix, iy, bin, n), one row per non-empty cell and bin."""
    size = float(cell_size)
    return Pipeline((
        Step("placed", f"""
            SELECT CAST(FLOOR(x / {size}) AS BIGINT) AS ix,
                   CAST(FLOOR(y / {size}) AS BIGINT) AS iy,
                   CAST(bin AS BIGINT) AS bin
            FROM points WHERE x IS NOT NULL AND y IS NOT NULL"""),
        Step("counts", """
            SELECT ix, iy, bin, CAST(COUNT(*) AS BIGINT) AS n
            FROM placed GROUP BY ix, iy, bin ORDER BY ix, iy, bin"""),
    ))


def count_cells(points: pa.Table, cell_size: float, engine: Engine | None = None) -> pa.Table:
    """Run `count_steps` on a table with columns x, y (BNG metres) and bin (an integer)."""
    own = engine is None
    runner = engine or get_engine()
    try:
        return runner.run(count_steps(cell_size), {"points": points})
    finally:
        if own:
            runner.close()


@dataclass(frozen=True)
class Grid:
    """The study region: cells with at least one crime (of any type) in the whole data.

    Cells are indexed 0..n-1 within the region; `ix`, `iy` give their BNG cell numbers.
    """

    cell_size: float
    ix: np.ndarray
    iy: np.ndarray

    def __len__(self) -> int:
        return len(self.ix)

    def kernel_sum(self, values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
        """sum over offsets of kernel[offset] * values[cell + offset], within the region.

        Cells outside the region hold no crime, so summing over region cells only is exact;
        it also keeps far-flung points (a mis-geocoded crime 300 km away) from costing a
        rectangle of millions of empty cells.
        """
        reach_x, reach_y = kernel.shape[0] // 2, kernel.shape[1] // 2
        out = np.zeros(len(self))
        for (i, j), weight in np.ndenumerate(kernel):
            if weight == 0.0:
                continue
            other = self.index(self.ix + (i - reach_x), self.iy + (j - reach_y))
            found = other >= 0
            out[found] += weight * values[other[found]]
        return out

    def index(self, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        """Region index of BNG cells (ix, iy); -1 where a cell lies outside the region."""
        key = self._key(self.ix, self.iy)
        order = np.argsort(key)
        wanted = self._key(np.asarray(ix), np.asarray(iy))
        slot = np.clip(np.searchsorted(key[order], wanted), 0, len(key) - 1)
        found = key[order][slot] == wanted
        return np.where(found, order[slot], -1)

    @staticmethod
    def _key(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        return ix.astype(np.int64) * 10_000_000 + iy.astype(np.int64)

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        return (self.ix + 0.5) * self.cell_size, (self.iy + 0.5) * self.cell_size

    def describe(self) -> dict[str, object]:
        area = len(self) * self.cell_size**2 / 1e6
        return {"definition": "grid cells with at least one crime of any type in the data",
                "cells": len(self), "cell_size_m": self.cell_size,
                "area_km2": round(area, 2), "crs": BNG}


@dataclass(frozen=True)
class CountCube:
    """Crime counts per region cell and time bin (bins of `bin_unit`, starting at `first`)."""

    grid: Grid
    counts: np.ndarray  # float, shape (cells, bins)
    first: int  # the running number of bin 0 (a month number or a day number)
    bin_unit: str  # "month" or "day"

    @property
    def bins(self) -> int:
        return int(self.counts.shape[1])

    def before(self, bin_number: int) -> np.ndarray:
        """Counts in every bin strictly before `bin_number` (running number)."""
        return self.counts[:, : max(0, bin_number - self.first)]

    def between(self, start: int, end: int) -> np.ndarray:
        """Total per cell over bins [start, end) (running numbers)."""
        a, b = max(0, start - self.first), max(0, end - self.first)
        total: np.ndarray = self.counts[:, a:b].sum(axis=1)
        return total


def _table(points: CrimePoints, bins: np.ndarray) -> pa.Table:
    return pa.table({"x": pa.array(points.x), "y": pa.array(points.y),
                     "bin": pa.array(bins.astype(np.int64))})


def build_grid(points: CrimePoints, cell_size: float, engine: Engine | None = None) -> Grid:
    """The region: every cell that holds at least one of `points` (all types, all time)."""
    if len(points) == 0:
        raise InvalidInput("no located crimes to build a grid from")
    counts = count_cells(_table(points, np.zeros(len(points), np.int64)), cell_size, engine)
    return Grid(float(cell_size), counts["ix"].to_numpy(), counts["iy"].to_numpy())


def time_bins(points: CrimePoints) -> tuple[np.ndarray, str]:
    """Each crime's bin: its month for police.uk, its day for exact timestamps."""
    if points.unit == "month":
        return points.month.astype(np.int64), "month"
    return np.floor(points.time).astype(np.int64), "day"


def build_cube(points: CrimePoints, grid: Grid, engine: Engine | None = None,
               first: int | None = None, last: int | None = None) -> CountCube:
    """Counts per region cell and bin via the engine; crimes outside the region are ignored."""
    bins, unit = time_bins(points)
    lo = int(bins.min()) if first is None else first
    hi = int(bins.max()) if last is None else last
    table = count_cells(_table(points, bins), grid.cell_size, engine)
    cell = grid.index(table["ix"].to_numpy(), table["iy"].to_numpy())
    b = table["bin"].to_numpy() - lo
    keep = (cell >= 0) & (b >= 0) & (b <= hi - lo)
    counts = np.zeros((len(grid), hi - lo + 1))
    np.add.at(counts, (cell[keep], b[keep]), table["n"].to_numpy()[keep])
    return CountCube(grid, counts, lo, unit)
