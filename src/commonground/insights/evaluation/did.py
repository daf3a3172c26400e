"""Difference-in-differences: two-way fixed effects and the event study (statsmodels).

The main estimator is Poisson with place and period fixed effects (crime counts are counts;
Poisson keeps the effect a relative change and is consistent with many fixed effects), with
standard errors clustered by place. `linear` gives the classic OLS TWFE on counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from commonground.errors import InvalidInput
from commonground.insights.evaluation.panel import Panel


@dataclass(frozen=True)
class DidResult:
    method: str
    family: str
    estimate: float  # the coefficient: log rate ratio (poisson) or crimes per period (linear)
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    relative_effect: float  # exp(estimate) - 1 for poisson; estimate / control mean for linear
    relative_ci_low: float
    relative_ci_high: float
    units: int
    periods: int
    treated_units: int
    sms_level: int = 3
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _design(panel: Panel, extra: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows (unit, period) flattened; columns: extra, unit dummies, period dummies, constant."""
    n_units, n_periods = panel.outcome.shape
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(n_periods), n_units)
    unit_fe = (unit[:, None] == np.arange(1, n_units)[None, :]).astype(float)
    period_fe = (period[:, None] == np.arange(1, n_periods)[None, :]).astype(float)
    x = np.column_stack([extra, unit_fe, period_fe, np.ones(len(unit))])
    return x, panel.outcome.ravel(), unit


def _fit(x: np.ndarray, y: np.ndarray, groups: np.ndarray, family: str) -> Any:
    import statsmodels.api as sm
    from threadpoolctl import threadpool_limits

    model = (sm.GLM(y, x, family=sm.families.Poisson()) if family == "poisson"
             else sm.OLS(y, x))
    # One BLAS thread: on a shared two-core machine more threads make the SVDs 10x slower.
    with threadpool_limits(1):
        return model.fit(cov_type="cluster", cov_kwds={"groups": groups})


def _drop_empty(panel: Panel) -> tuple[Panel, list[str]]:
    """Poisson fixed effects cannot use a place with no crime at all: it carries no signal."""
    keep = panel.outcome.sum(axis=1) > 0
    if keep.all():
        return panel, []
    dropped = int((~keep).sum())
    kept = Panel(tuple(u for u, k in zip(panel.units, keep, strict=True) if k), panel.periods,
                 panel.outcome[keep], panel.dose[keep])
    return kept, [f"{dropped} place(s) with no crime in any period left out (no information)"]


def did(panel: Panel, *, family: str = "poisson", alpha: float = 0.05,
        sms_level: int = 3) -> DidResult:
    """The two-way fixed effects estimate of the treatment's effect, clustered by place."""
    if family not in {"poisson", "linear"}:
        raise InvalidInput("family must be 'poisson' or 'linear'")
    used, notes = _drop_empty(panel) if family == "poisson" else (panel, [])
    if used.dose.sum() == 0 or used.dose.sum() == used.dose.size:
        raise InvalidInput("difference-in-differences needs both treated and untreated cells")
    x, y, groups = _design(used, used.dose.ravel())
    fit = _fit(x, y, groups, family)
    beta, se = float(fit.params[0]), float(fit.bse[0])
    z = stats.norm.ppf(1 - alpha / 2)
    low, high = beta - z * se, beta + z * se
    if family == "poisson":
        rel, rel_low, rel_high = float(np.expm1(beta)), float(np.expm1(low)), float(np.expm1(high))
    else:
        base = float(used.outcome[used.dose == 0].mean()) or 1.0
        rel, rel_low, rel_high = beta / base, low / base, high / base
    return DidResult("did", family, beta, se, low, high, float(fit.pvalues[0]), rel, rel_low,
                     rel_high, len(used.units), len(used.periods),
                     int(used.treated_units.sum()), sms_level, notes)


def event_study(panel: Panel, start: int, *, family: str = "poisson", alpha: float = 0.05,
                reference: int = -1) -> dict[str, Any]:
    """Effects by period relative to `start` (treated units only), against period `reference`.

    Flat, near-zero leads support the parallel-trends assumption DiD rests on.
    """
    used, notes = _drop_empty(panel) if family == "poisson" else (panel, [])
    treated = used.treated_units
    relative = np.array(used.periods) - start
    offsets = [int(k) for k in relative if k != reference]
    columns = [np.outer(treated, relative == k).ravel().astype(float) for k in offsets]
    x, y, groups = _design(used, np.column_stack(columns))
    fit = _fit(x, y, groups, family)
    z = stats.norm.ppf(1 - alpha / 2)
    rows = [{"relative_period": k, "estimate": float(fit.params[i]), "se": float(fit.bse[i]),
             "ci_low": float(fit.params[i] - z * fit.bse[i]),
             "ci_high": float(fit.params[i] + z * fit.bse[i])}
            for i, k in enumerate(offsets)]
    leads = [r for r in rows if r["relative_period"] < 0]
    return {"method": "event_study", "family": family, "reference_period": reference,
            "effects": rows, "notes": notes,
            "leads_outside_ci": sum(1 for r in leads if not r["ci_low"] <= 0 <= r["ci_high"])}
