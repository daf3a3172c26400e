"""The baselines every method must beat: counts over a window, and retrospective KDE."""

from __future__ import annotations

import numpy as np

from commonground.insights.hotspots.history import History, gaussian_smooth

LONG_WINDOW_DAYS = 365.0
RECENT_WINDOW_DAYS = 30.0


def naive_count(history: History, origin: int, horizon: int,
                days: float = LONG_WINDOW_DAYS) -> np.ndarray:
    """Crimes per cell over the long window (up to a year) before the origin."""
    return history.window(origin, days)


def naive_recent(history: History, origin: int, horizon: int,
                 days: float = RECENT_WINDOW_DAYS) -> np.ndarray:
    """Crimes per cell in the last month before the origin."""
    return history.window(origin, days)


def kde(history: History, origin: int, horizon: int, bandwidth_m: float = 250.0,
        days: float = LONG_WINDOW_DAYS) -> np.ndarray:
    """Retrospective hotspotting: a Gaussian kernel density of the long window's crimes."""
    return gaussian_smooth(history.grid, naive_count(history, origin, horizon, days), bandwidth_m)
