"""Bootstrap confidence limits for the stepwise estimate, as SparseMSE computes them.

Each replicate resamples the observed cases over the observed histories (multinomial) and
redoes the whole stepwise selection. The BCa limits take their bias correction from the
share of replicates below the estimate and their acceleration from a jackknife that removes
one case from each observed history, weighted by the history's count; quantiles are R's
type 8 (numpy's "median_unbiased").
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from commonground.errors import InvalidInput
from commonground.insights.prevalence.stepwise import THRESHOLD, estimate_only, stepwise
from commonground.insights.prevalence.tables import CaptureTable

LEVELS = (0.025, 0.05, 0.1, 0.16, 0.84, 0.9, 0.95, 0.975)  # SparseMSE's default alpha

# A whole selection-and-fit: a table's estimate, +inf when it does not exist. It must be a
# module-level function (or a partial of one) so that worker processes can receive it.
Selector = Callable[[CaptureTable], float]


def stepwise_selector(threshold: float = THRESHOLD) -> Selector:
    return partial(estimate_only, threshold=threshold)


@dataclass(frozen=True)
class BootstrapResult:
    estimate: float
    terms: tuple[str, ...]
    replicates: NDArray[np.float64]  # +inf where a replicate's estimate does not exist
    acceleration: float
    limits: dict[float, float]  # level → BCa limit

    @property
    def replicates_without_estimate(self) -> int:
        return int(np.isinf(self.replicates).sum())


def quantile_type8(values: NDArray[np.float64], probs: Sequence[float]) -> NDArray[np.float64]:
    """R's quantile(type = 8), the median-unbiased definition."""
    return np.quantile(np.asarray(values, dtype=np.float64), probs, method="median_unbiased")


def bca_interval(
    replicates: Sequence[float] | NDArray[np.float64],
    estimate: float,
    acceleration: float,
    levels: Sequence[float] = LEVELS,
) -> dict[float, float]:
    """BCa limits from given replicates, estimate and acceleration (SparseMSE's bcaconfvalues)."""
    reps = np.asarray(replicates, dtype=np.float64)
    share_below = float(np.mean(reps < estimate))
    if share_below in (0.0, 1.0):
        raise InvalidInput(
            "every bootstrap replicate lies on one side of the estimate; BCa limits are undefined"
        )
    z0 = float(norm.ppf(share_below))
    za = norm.ppf(np.asarray(levels, dtype=np.float64))
    shifted = za + z0
    adjusted = norm.cdf(z0 + shifted / (1.0 - acceleration * shifted))
    limits = quantile_type8(reps, list(adjusted))
    return {float(level): float(v) for level, v in zip(levels, limits, strict=True)}


def jackknife_acceleration(
    table: CaptureTable, threshold: float = THRESHOLD, selector: Selector | None = None
) -> float:
    """a = Σ n_h r_h³ / (6 (Σ n_h r_h²)^{3/2}), r_h the jackknife residual of history h.

    `selector` redoes another selection than stepwise at `threshold` on each jackknife table.
    """
    select = selector or stepwise_selector(threshold)
    observed = np.flatnonzero(table.counts > 0)
    weights = table.counts[observed].astype(np.float64)
    estimates = np.empty(len(observed))
    for k, h in enumerate(observed):
        counts = table.counts.copy()
        counts[h] -= 1
        estimates[k] = select(table.with_counts(counts))
    if not np.isfinite(estimates).all():
        return 0.0  # a jackknife table without an estimate: no acceleration (bias-corrected only)
    residuals = np.sum(weights * estimates) / np.sum(weights) - estimates
    spread = np.sum(weights * residuals**2)
    if spread == 0:
        return 0.0
    return float(np.sum(weights * residuals**3) / (6.0 * spread**1.5))


def _replicate_chunk(
    args: tuple[CaptureTable, NDArray[np.int64], Selector],
) -> NDArray[np.float64]:
    table, counts, select = args
    return np.array([select(table.with_counts(row)) for row in counts], dtype=np.float64)


def bootstrap_replicates(
    table: CaptureTable,
    replicates: int = 1000,
    seed: int = 1234,
    threshold: float = THRESHOLD,
    workers: int | None = None,
    selector: Selector | None = None,
) -> NDArray[np.float64]:
    """Stepwise estimates of `replicates` multinomial resamples of the observed cases.

    `selector` redoes another selection than stepwise at `threshold` on each replicate.

    The resampled tables are drawn up front from one seeded generator, so the answer does
    not depend on how many processes share the work.
    """
    if replicates < 1:
        raise InvalidInput(
            f"the number of bootstrap replicates must be at least 1, got {replicates}"
        )
    rng = np.random.default_rng(seed)
    shares = table.counts / table.observed
    draws = rng.multinomial(table.observed, shares, size=replicates).astype(np.int64)
    select = selector or stepwise_selector(threshold)
    workers = min(workers or os.cpu_count() or 1, replicates)
    if workers <= 1:
        return _replicate_chunk((table, draws, select))
    chunks = np.array_split(draws, workers * 4)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_replicate_chunk, [(table, c, select) for c in chunks]))
    return np.concatenate(parts)


def bootstrap_ci(
    table: CaptureTable,
    replicates: int = 1000,
    seed: int = 1234,
    threshold: float = THRESHOLD,
    levels: Sequence[float] = LEVELS,
    workers: int | None = None,
) -> BootstrapResult:
    """Stepwise estimate with BCa limits, as SparseMSE's `estimatepopulation`."""
    selected = stepwise(table, threshold, trace=False)
    if selected.estimate is None:
        raise InvalidInput(
            "the main-effects model has no estimate for this table ("
            f"{selected.fit.existence.reason}); there is nothing to bootstrap"
        )
    reps = bootstrap_replicates(table, replicates, seed, threshold, workers)
    acceleration = jackknife_acceleration(table, threshold)
    limits = bca_interval(reps, selected.estimate, acceleration, levels)
    return BootstrapResult(selected.estimate, selected.term_names, reps, acceleration, limits)
