"""How well a ranking of cells catches next period's crime: hit rate, PAI and PEI.

Ties at the coverage boundary are shared out in expectation (as if broken at random): a
method that gives many cells the same score gets no credit for the order we happen to store
them in. Coverage is the share of the study region's cells flagged.
"""

from __future__ import annotations

import numpy as np

COVERAGES = (0.01, 0.02, 0.05, 0.10)


def flagged_hits(scores: np.ndarray, actual: np.ndarray, k: int) -> float:
    """Expected crimes caught by the top `k` cells, breaking ties at the boundary at random."""
    if k <= 0:
        return 0.0
    if k >= len(scores):
        return float(actual.sum())
    order = np.argsort(-scores, kind="stable")
    threshold = scores[order[k - 1]]
    above = scores > threshold
    tied = scores == threshold
    slots = k - int(above.sum())
    return float(actual[above].sum() + actual[tied].sum() * slots / int(tied.sum()))


def coverage_metrics(scores: np.ndarray, actual: np.ndarray,
                     coverages: tuple[float, ...] = COVERAGES) -> dict[str, dict[float, float]]:
    """hit rate, PAI = hit rate / area share, PEI = hit rate / best possible hit rate."""
    total = float(actual.sum())
    out: dict[str, dict[float, float]] = {"hit_rate": {}, "pai": {}, "pei": {}}
    for coverage in coverages:
        k = max(1, int(round(coverage * len(scores))))
        area = k / len(scores)
        hit = flagged_hits(scores, actual, k) / total if total else float("nan")
        best = flagged_hits(actual, actual, k) / total if total else float("nan")
        out["hit_rate"][coverage] = hit
        out["pai"][coverage] = hit / area
        out["pei"][coverage] = hit / best if best else float("nan")
    return out
