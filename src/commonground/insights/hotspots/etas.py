"""A self-exciting point process on the grid (Mohler 2015), in discrete time, fitted by EM.

Each cell n has a background rate mu_n per bin; every crime in the cell adds theta expected
follow-ups spread over later bins by a geometric kernel (1 - beta) beta^(lag - 1), the
discrete twin of Mohler's exponential decay. Bins are days for exact timestamps and months
for police.uk, so the same code serves both. EM alternates between sharing each bin's
crimes between background and triggering (E) and re-estimating mu, theta, beta (M).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commonground.insights.hotspots.history import History


@dataclass(frozen=True)
class EtasFit:
    mu: np.ndarray  # background per cell per bin
    theta: float  # expected follow-ups per crime
    beta: float  # kernel decay per bin (mean lag = 1 / (1 - beta) bins)
    iterations: int

    @property
    def mean_lag_bins(self) -> float:
        return 1.0 / (1.0 - self.beta)


def _memories(counts: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """A[:, t] = sum_{s<t} beta^(t-s-1) c_s and B[:, t] = sum_{s<t} (t-s) beta^(t-s-1) c_s."""
    cells, bins = counts.shape
    a = np.zeros((cells, bins + 1))
    b = np.zeros((cells, bins + 1))
    for t in range(1, bins + 1):
        a[:, t] = beta * a[:, t - 1] + counts[:, t - 1]
        b[:, t] = beta * b[:, t - 1] + beta * a[:, t - 1] + counts[:, t - 1]
    return a, b


def fit_etas(counts: np.ndarray, *, iterations: int = 40, theta: float = 0.2,
             mean_lag_bins: float = 2.0, tol: float = 1e-5) -> EtasFit:
    """EM for the grid ETAS model on counts (cells x bins); cells never hit keep mu = 0."""
    bins = counts.shape[1]
    active = counts.sum(axis=1) > 0
    c = counts[active]
    mu = c.sum(axis=1) / max(bins, 1) * 0.8
    beta = 1.0 - 1.0 / max(mean_lag_bins, 1.01)
    done = 0
    for done in range(1, iterations + 1):  # noqa: B007 - `done` reports the iterations used
        a, b = _memories(c, beta)
        past = a[:, :bins]
        rate = mu[:, None] + theta * (1.0 - beta) * past
        share = np.divide(c, rate, out=np.zeros_like(c), where=rate > 0)
        background = share * mu[:, None]
        triggered = share * theta * (1.0 - beta) * past
        new_mu = background.sum(axis=1) / bins
        exposure = (c * (1.0 - beta ** (bins - 1 - np.arange(bins)))).sum()
        new_theta = float(np.clip(triggered.sum() / max(exposure, 1e-12), 0.0, 0.95))
        lags = np.divide(b[:, :bins], past, out=np.zeros_like(past), where=past > 0)
        weight = triggered.sum()
        mean_lag = float((triggered * lags).sum() / weight) if weight > 0 else mean_lag_bins
        new_beta = float(np.clip(1.0 - 1.0 / max(mean_lag, 1.01), 0.0, 0.995))
        change = abs(new_theta - theta) + abs(new_beta - beta)
        mu, theta, beta = new_mu, new_theta, new_beta
        if change < tol:
            break
    full = np.zeros(counts.shape[0])
    full[active] = mu
    return EtasFit(full, theta, beta, done)


def etas(history: History, origin: int, horizon: int, iterations: int = 40) -> np.ndarray:
    """Expected crimes per cell over [origin, origin + horizon) from the fitted process.

    Offspring of crimes yet to happen are ignored (one generation ahead), as in Mohler 2015.
    """
    past = history.cube.before(origin)
    if past.shape[1] == 0:
        return np.zeros(len(history.grid))
    start_lag = 14.0 / history.days_per_bin if history.days_per_bin < 2 else 1.0
    fit = fit_etas(past, iterations=iterations, mean_lag_bins=max(start_lag, 1.5))
    memory = np.zeros(past.shape[0])
    for t in range(past.shape[1]):
        memory = fit.beta * memory + past[:, t]
    score: np.ndarray = fit.mu * horizon + fit.theta * (1.0 - fit.beta**horizon) * memory
    return score
