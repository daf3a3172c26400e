"""A learned model that combines the other methods with lagged, neighbouring and partner counts.

Features are rates per month so that origins with longer histories stay comparable. The
model is gradient boosting with a Poisson loss (scikit-learn), trained on the months before
the origin: for each earlier month, the features as they stood at its start and the crimes
that month then brought. Context cubes (all crime, fire safety visits, complaints...) add
their own recent and long-window rates, in the cell and around it.
"""

from __future__ import annotations

import numpy as np

from commonground.insights.hotspots.baselines import LONG_WINDOW_DAYS, RECENT_WINDOW_DAYS
from commonground.insights.hotspots.etas import etas
from commonground.insights.hotspots.history import History, gaussian_smooth, neighbours
from commonground.insights.hotspots.points import DAYS_PER_MONTH
from commonground.insights.hotspots.prospective import prospective

MAX_TRAINING_MONTHS = 6


def features(history: History, origin: int, horizon: int) -> np.ndarray:
    """One row per cell: the target crime's signals, then each context cube's."""
    key = (origin, horizon)
    if key not in history.cache:
        history.cache[key] = _features(history, origin, horizon)
    return history.cache[key]


def _features(history: History, origin: int, horizon: int) -> np.ndarray:
    months = max(1.0, min(LONG_WINDOW_DAYS, _span_days(history, origin)) / DAYS_PER_MONTH)
    long = history.window(origin, LONG_WINDOW_DAYS) / months
    recent = history.window(origin, RECENT_WINDOW_DAYS)
    columns = [
        long, recent, history.window(origin, 2 * RECENT_WINDOW_DAYS),
        gaussian_smooth(history.grid, long, 250.0), gaussian_smooth(history.grid, long, 500.0),
        neighbours(history.grid, long), neighbours(history.grid, recent),
        prospective(history, origin, horizon),
        etas(history, origin, horizon, iterations=25) / horizon,
    ]
    for cube in history.context.values():
        c_long = history.window(origin, LONG_WINDOW_DAYS, cube) / months
        c_recent = history.window(origin, RECENT_WINDOW_DAYS, cube)
        columns += [c_long, c_recent, neighbours(history.grid, c_long),
                    gaussian_smooth(history.grid, c_long, 500.0)]
    return np.column_stack(columns)


def _span_days(history: History, origin: int) -> float:
    return (origin - history.cube.first) * history.days_per_bin


def _training_months(history: History, origin: int) -> list[int]:
    """Earlier months that have at least one month of history before them."""
    first_month = _month_of_bin(history, history.cube.first)
    target_month = _month_of_bin(history, origin)
    start = max(first_month + 1, target_month - MAX_TRAINING_MONTHS)
    return list(range(start, target_month))


def _month_of_bin(history: History, bin_number: int) -> int:
    if history.cube.bin_unit == "month":
        return bin_number
    day = np.int64(bin_number).astype("datetime64[D]")
    return int(day.astype("datetime64[M]").astype(np.int64)) + 1970 * 12


def learned(history: History, origin: int, horizon: int, seed: int = 0) -> np.ndarray:
    """Expected crimes per cell over the horizon; falls back to KDE without training months."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    rows, targets = [], []
    for month in _training_months(history, origin):
        start, length = history.month_span(month)
        rows.append(features(history, start, length))
        targets.append(history.cube.between(start, start + length) * (horizon / length))
    current = features(history, origin, horizon)
    # No training months, or no crime at all in them (a small area, a rare type): nothing to
    # learn from, and a Poisson fit is undefined; fall back to the KDE feature.
    if not rows or not np.concatenate(targets).sum() > 0:
        return current[:, 3]
    model = HistGradientBoostingRegressor(
        loss="poisson", max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
        min_samples_leaf=40, l2_regularization=1.0, early_stopping=False, random_state=seed)
    # One thread: OpenMP's default of a thread per core thrashes on a shared machine (5x slower).
    with threadpool_limits(1):
        model.fit(np.vstack(rows), np.concatenate(targets))
        predicted: np.ndarray = model.predict(current)
    return predicted
