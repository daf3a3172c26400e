"""The weighted displacement difference test (Wheeler & Ratcliffe 2018).

Four areas, each counted before and after: the treated area, its control, a displacement
zone around the treated area and a displacement zone around the control. WDD is the change
in the treated area net of its control plus the change in the displacement zone net of its
control; under Poisson counts its variance is the sum of the eight counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from commonground.errors import InvalidInput
from commonground.insights.hotspots.grid import Grid


@dataclass(frozen=True)
class WddResult:
    wdd: float
    variance: float
    se: float
    z: float
    p_value: float  # two-sided, normal approximation
    ci_low: float
    ci_high: float
    sms_level: int = 3

    def to_dict(self) -> dict[str, Any]:
        return {"method": "wdd", **asdict(self)}


def wdd_test(*, treated: tuple[float, float], control: tuple[float, float],
             displacement: tuple[float, float] = (0.0, 0.0),
             displacement_control: tuple[float, float] = (0.0, 0.0),
             alpha: float = 0.05) -> WddResult:
    """Each argument is (before, after) crime counts in that area over equal periods."""
    counts = np.array([*treated, *control, *displacement, *displacement_control], float)
    if np.any(counts < 0):
        raise InvalidInput("crime counts cannot be negative")
    (t0, t1), (c0, c1) = treated, control
    (d0, d1), (dc0, dc1) = displacement, displacement_control
    value = (t1 - t0) - (c1 - c0) + (d1 - d0) - (dc1 - dc0)
    variance = float(counts.sum())
    se = float(np.sqrt(variance))
    z = value / se if se > 0 else float("nan")
    p = float(2 * stats.norm.sf(abs(z))) if se > 0 else float("nan")
    half = float(stats.norm.ppf(1 - alpha / 2) * se)
    return WddResult(float(value), variance, se, float(z), p, value - half, value + half)


def displacement_ring(grid: Grid, treated_cells: np.ndarray, ring_m: float) -> np.ndarray:
    """Region cells within `ring_m` of a treated cell (centre to centre), not themselves treated.

    The usual choice is a buffer about as wide as the treated area's own reach (e.g. 400 m,
    a few minutes' walk), so that crime pushed round the corner is counted.
    """
    treated = np.zeros(len(grid), bool)
    treated[treated_cells] = True
    reach = int(np.floor(ring_m / grid.cell_size))
    offsets = np.arange(-reach, reach + 1)
    dx, dy = np.meshgrid(offsets, offsets, indexing="ij")
    kernel = (np.hypot(dx, dy) * grid.cell_size <= ring_m).astype(float)
    near = grid.kernel_sum(treated.astype(float), kernel) > 0
    ring: np.ndarray = np.flatnonzero(near & ~treated)
    return ring
