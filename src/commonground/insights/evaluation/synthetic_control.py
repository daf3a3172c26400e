"""Synthetic control (Abadie, Diamond & Hainmueller): a weighted mix of untreated places that
tracks the treated place before the intervention stands in for it afterwards.

Weights are non-negative and sum to one, fitted to the pre-period outcomes (SLSQP in scipy).
Inference is by placebos in space: each donor in turn is treated as if it had been, and the
treated place's post/pre RMSPE ratio is ranked among theirs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import optimize

from commonground.errors import InvalidInput
from commonground.insights.evaluation.panel import Panel


def fit_weights(treated: np.ndarray, donors: np.ndarray) -> np.ndarray:
    """Simplex weights w minimising ||treated - donors.T @ w|| over the pre-period."""
    n = donors.shape[0]
    if n == 1:
        return np.ones(1)

    def loss(w: np.ndarray) -> float:
        gap = treated - donors.T @ w
        return float(gap @ gap)

    def grad(w: np.ndarray) -> np.ndarray:
        gradient: np.ndarray = -2.0 * donors @ (treated - donors.T @ w)
        return gradient

    found = optimize.minimize(loss, np.full(n, 1.0 / n), jac=grad, method="SLSQP",
                              bounds=[(0.0, 1.0)] * n,
                              constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
                              options={"maxiter": 500, "ftol": 1e-10})
    weights: np.ndarray = np.clip(found.x, 0.0, None)
    normalised: np.ndarray = weights / weights.sum()
    return normalised


@dataclass(frozen=True)
class SyntheticControlResult:
    effect: float  # mean post-period gap (treated - synthetic), per period
    relative_effect: float
    pre_rmspe: float
    post_rmspe: float
    p_value: float  # placebo-in-space rank of the RMSPE ratio
    placebos: int
    weights: dict[str, float] = field(default_factory=dict)
    sms_level: int = 4

    def to_dict(self) -> dict[str, Any]:
        return {"method": "synthetic_control", **asdict(self)}


def _gaps(series: np.ndarray, donors: np.ndarray, pre: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray]:
    weights = fit_weights(series[pre], donors[:, pre])
    return series - donors.T @ weights, weights


def synthetic_control(panel: Panel, start: int, *, max_placebos: int = 50
                      ) -> SyntheticControlResult:
    """The treated units (summed into one series) against a synthetic twin from the rest."""
    treated = panel.treated_units
    if not treated.any() or treated.all():
        raise InvalidInput("synthetic control needs treated units and untreated donors")
    pre = np.array(panel.periods) < start
    if pre.sum() < 2 or (~pre).sum() < 1:
        raise InvalidInput("synthetic control needs at least two periods before and one after")
    # Scale donors to the treated total, so weights on the simplex can reach its level.
    series = panel.outcome[treated].sum(axis=0)
    donors = panel.outcome[~treated] * treated.sum()
    gap, weights = _gaps(series, donors, pre)
    ratio = _rmspe(gap[~pre]) / max(_rmspe(gap[pre]), 1e-9)
    placebo_ratios = []
    for i in range(min(len(donors), max_placebos)):
        others = np.delete(donors, i, axis=0)
        g, _ = _gaps(donors[i], others, pre)
        placebo_ratios.append(_rmspe(g[~pre]) / max(_rmspe(g[pre]), 1e-9))
    p = (1 + sum(r >= ratio for r in placebo_ratios)) / (1 + len(placebo_ratios))
    synthetic_post = float((series - gap)[~pre].mean())
    donor_names = [u for u, t in zip(panel.units, treated, strict=True) if not t]
    return SyntheticControlResult(
        effect=float(gap[~pre].mean()),
        relative_effect=float(gap[~pre].mean() / synthetic_post) if synthetic_post else 0.0,
        pre_rmspe=_rmspe(gap[pre]), post_rmspe=_rmspe(gap[~pre]), p_value=float(p),
        placebos=len(placebo_ratios),
        weights={n: round(float(w), 4) for n, w in zip(donor_names, weights, strict=True)
                 if w > 1e-3})


def _rmspe(gap: np.ndarray) -> float:
    return float(np.sqrt(np.mean(gap**2))) if len(gap) else 0.0
