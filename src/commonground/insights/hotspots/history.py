"""What a forecast may see: counts strictly before its origin, and how to smooth them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from commonground.insights.hotspots.grid import CountCube, Grid
from commonground.insights.hotspots.points import DAYS_PER_MONTH


@dataclass(frozen=True)
class History:
    """The target crime's counts, plus context cubes on the same grid and bins.

    `context` holds other counts per cell that may help (all crime, fire safety visits,
    complaints...); only the learned model reads it.
    """

    cube: CountCube
    context: dict[str, CountCube] = field(default_factory=dict)
    # Features by (origin, horizon): a backtest reuses each month's features many times.
    cache: dict[tuple[int, int], np.ndarray] = field(default_factory=dict, compare=False,
                                                     repr=False)

    @property
    def grid(self) -> Grid:
        return self.cube.grid

    @property
    def days_per_bin(self) -> float:
        return DAYS_PER_MONTH if self.cube.bin_unit == "month" else 1.0

    def month_span(self, month: int) -> tuple[int, int]:
        """(first bin, number of bins) of a running month number in this cube's bins."""
        return month_span(month, self.cube.bin_unit)

    def window(self, origin: int, days: float, cube: CountCube | None = None) -> np.ndarray:
        """Counts per cell in the `days` before `origin` (at least one bin)."""
        bins = max(1, int(round(days / self.days_per_bin)))
        return (cube or self.cube).between(origin - bins, origin)


def month_span(month: int, unit: str) -> tuple[int, int]:
    if unit == "month":
        return month, 1
    start = np.datetime64(f"{month // 12:04d}-{month % 12 + 1:02d}", "M")
    first = int(start.astype("datetime64[D]").astype(np.int64))
    last = int((start + 1).astype("datetime64[D]").astype(np.int64))
    return first, last - first


def gaussian_smooth(grid: Grid, values: np.ndarray, bandwidth_m: float) -> np.ndarray:
    """A Gaussian kernel density over the cells (bandwidth = the kernel's sd in metres)."""
    sigma = bandwidth_m / grid.cell_size
    reach = max(1, int(np.ceil(3.0 * sigma)))
    offsets = np.arange(-reach, reach + 1)
    dx, dy = np.meshgrid(offsets, offsets, indexing="ij")
    kernel = np.exp(-0.5 * (dx**2 + dy**2) / sigma**2)
    kernel[np.hypot(dx, dy) > 3.0 * sigma] = 0.0
    return grid.kernel_sum(values, kernel / kernel.sum())


def ring_kernel(cell_size: float, radius_m: float) -> np.ndarray:
    """Bowers' spatial weights: 1 / (1 + distance in cells) for centres within the radius."""
    reach = int(np.floor(radius_m / cell_size))
    offsets = np.arange(-reach, reach + 1)
    distance = np.hypot(*np.meshgrid(offsets, offsets, indexing="ij"))
    weights: np.ndarray = np.where(distance * cell_size <= radius_m, 1.0 / (1.0 + distance), 0.0)
    return weights


def convolve(grid: Grid, values: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    return grid.kernel_sum(values, kernel)


def neighbours(grid: Grid, values: np.ndarray) -> np.ndarray:
    """The sum over the eight cells around each cell (not the cell itself)."""
    kernel = np.ones((3, 3))
    kernel[1, 1] = 0.0
    return convolve(grid, values, kernel)
