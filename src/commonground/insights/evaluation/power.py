"""Power for a two-arm place-based trial analysed as a Poisson difference-in-differences.

The effect is a relative change in crime (e.g. -0.25). The log rate ratio's variance is the
sum of 1/count over the four arm-by-period totals, times an over-dispersion factor (1 for
Poisson; larger when counts at a place vary more than Poisson from period to period).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import stats

from commonground.errors import InvalidInput


@dataclass(frozen=True)
class PowerResult:
    places_per_arm: int
    effect: float
    baseline_per_place_period: float
    periods_before: int
    periods_after: int
    alpha: float
    overdispersion: float
    power: float
    minimum_detectable_effect: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _se(places: int, mean: float, effect: float, before: int, after: int, phi: float) -> float:
    totals = np.array([places * after * mean * (1 + effect), places * before * mean,
                       places * after * mean, places * before * mean])
    return float(np.sqrt(phi * np.sum(1.0 / totals)))


def trial_power(places_per_arm: int, baseline_per_place_period: float, effect: float, *,
                periods_before: int, periods_after: int, alpha: float = 0.05,
                overdispersion: float = 1.0) -> PowerResult:
    """The chance a two-sided test at `alpha` detects `effect`, and the effect 80% power needs."""
    if places_per_arm < 1 or baseline_per_place_period <= 0 or effect <= -1:
        raise InvalidInput("need places, a positive baseline rate and an effect above -100%")
    z = stats.norm.ppf(1 - alpha / 2)
    se = _se(places_per_arm, baseline_per_place_period, effect, periods_before, periods_after,
             overdispersion)
    shift = abs(np.log1p(effect)) / se
    power = float(stats.norm.sf(z - shift) + stats.norm.cdf(-z - shift))
    se0 = _se(places_per_arm, baseline_per_place_period, 0.0, periods_before, periods_after,
              overdispersion)
    mde = float(np.expm1(-(z + stats.norm.ppf(0.8)) * se0))
    return PowerResult(places_per_arm, effect, baseline_per_place_period, periods_before,
                       periods_after, alpha, overdispersion, power, mde)


def places_needed(baseline_per_place_period: float, effect: float, *, periods_before: int,
                  periods_after: int, power: float = 0.8, alpha: float = 0.05,
                  overdispersion: float = 1.0, limit: int = 100_000) -> int:
    """The fewest places per arm that reach `power`."""
    for n in range(1, limit + 1):
        if trial_power(n, baseline_per_place_period, effect, periods_before=periods_before,
                       periods_after=periods_after, alpha=alpha,
                       overdispersion=overdispersion).power >= power:
            return n
    raise InvalidInput(f"more than {limit} places per arm would be needed")
