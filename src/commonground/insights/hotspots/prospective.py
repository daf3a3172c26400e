"""Prospective hotspotting (Bowers, Johnson & Pease 2004): recent, nearby crime raises risk.

Each crime within `radius_m` (400 m) and `window_days` (8 weeks) of a cell adds
1 / (1 + distance in cells) x 1 / (1 + age in weeks). With police.uk months the crimes of a
month are dated at its middle, so the 8-week window spans the last two months.
"""

from __future__ import annotations

import numpy as np

from commonground.insights.hotspots.history import History, convolve, ring_kernel


def prospective(history: History, origin: int, horizon: int, radius_m: float = 400.0,
                window_days: float = 56.0) -> np.ndarray:
    per_bin = history.days_per_bin
    past = history.cube.before(origin)
    start = history.cube.first
    weighted = np.zeros(past.shape[0])
    for column in range(past.shape[1] - 1, -1, -1):
        age_days = (origin - (start + column + 0.5)) * per_bin
        if age_days > window_days:
            break
        weighted += past[:, column] / (1.0 + age_days / 7.0)
    return convolve(history.grid, weighted, ring_kernel(history.grid.cell_size, radius_m))
