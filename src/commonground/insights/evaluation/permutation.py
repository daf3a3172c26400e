"""Randomisation inference: re-draw the allocation the way the trial did, many times.

The statistic is the two-way fixed effects coefficient on a balanced panel, computed in
closed form (two-way demeaning), so thousands of re-draws are cheap. The p-value needs no
distributional assumption: only that the allocation really was random as designed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from commonground.insights.evaluation.panel import Panel


def _demean(values: np.ndarray) -> np.ndarray:
    centred: np.ndarray = (values - values.mean(axis=1, keepdims=True)
                           - values.mean(axis=0, keepdims=True) + values.mean())
    return centred


def twfe_statistic(outcome: np.ndarray, dose: np.ndarray, log: bool = True) -> float:
    """The TWFE coefficient of `dose` on log(1 + outcome) (or the outcome itself)."""
    y = np.log1p(outcome) if log else outcome
    d = _demean(dose)
    denominator = float((d * d).sum())
    return float((d * _demean(y)).sum() / denominator) if denominator > 0 else 0.0


@dataclass(frozen=True)
class PermutationResult:
    statistic: float
    p_value: float  # two-sided
    permutations: int
    sms_level: int = 5

    def to_dict(self) -> dict[str, Any]:
        return {"method": "permutation", **asdict(self)}


def permutation_test(panel: Panel, redraw: Callable[[np.random.Generator], np.ndarray], *,
                     permutations: int = 999, seed: int = 0) -> PermutationResult:
    """`redraw(rng)` returns a new dose matrix drawn by the trial's own allocation scheme."""
    rng = np.random.default_rng(seed)
    observed = twfe_statistic(panel.outcome, panel.dose)
    draws = np.array([twfe_statistic(panel.outcome, redraw(rng)) for _ in range(permutations)])
    extreme = int((np.abs(draws) >= abs(observed) - 1e-12).sum())
    return PermutationResult(observed, (1 + extreme) / (1 + permutations), permutations)


def arm_redraw(panel: Panel, n_treated: int | None = None
               ) -> Callable[[np.random.Generator], np.ndarray]:
    """Re-draw which units are treated (complete randomisation), keeping the timing."""
    treated = panel.treated_units
    timing = panel.dose[treated].max(axis=0)
    k = int(treated.sum()) if n_treated is None else n_treated

    def draw(rng: np.random.Generator) -> np.ndarray:
        arm = np.zeros(len(panel.units))
        arm[rng.permutation(len(panel.units))[:k]] = 1.0
        dose: np.ndarray = np.outer(arm, timing)
        return dose

    return draw
