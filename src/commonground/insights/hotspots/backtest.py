"""Rolling-origin backtests: predict each test month from the months before it, then score.

Every method sees exactly the same history and is scored on the same study region (stated in
the result). Means and standard errors are over test months; each method is compared with
the best baseline by a paired t-test over the test months (two-sided), the honest test when
months are the unit of replication.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from commonground.engines import Engine
from commonground.errors import InvalidInput
from commonground.insights.hotspots.grid import Grid, build_cube, build_grid, time_bins
from commonground.insights.hotspots.history import History
from commonground.insights.hotspots.methods import BASELINES, METHODS, method
from commonground.insights.hotspots.metrics import COVERAGES, coverage_metrics
from commonground.insights.hotspots.points import CrimePoints, month_index, month_label

log = logging.getLogger(__name__)
MIN_HISTORY_MONTHS = 3
COMPARISON_TEST = "paired t-test over test months, two-sided"


@dataclass
class Backtest:
    region: dict[str, Any]
    data: dict[str, Any]
    crime_type: str
    test_months: list[str]
    coverages: tuple[float, ...]
    # method -> month -> measure -> coverage -> value
    scores: dict[str, dict[str, dict[str, dict[float, float]]]] = field(default_factory=dict)

    def per_month(self, name: str, measure: str, coverage: float) -> np.ndarray:
        return np.array([self.scores[name][m][measure][coverage] for m in self.test_months])

    def mean(self, name: str, measure: str, coverage: float) -> float:
        return float(np.mean(self.per_month(name, measure, coverage)))

    def se(self, name: str, measure: str, coverage: float) -> float:
        values = self.per_month(name, measure, coverage)
        return float(np.std(values, ddof=1) / np.sqrt(len(values))) if len(values) > 1 else 0.0

    def best_baseline(self, coverage: float = 0.05) -> str:
        present = [b for b in BASELINES if b in self.scores]
        return max(present, key=lambda b: self.mean(b, "hit_rate", coverage))

    def compare(self, name: str, reference: str, coverage: float) -> dict[str, Any]:
        ours = self.per_month(name, "hit_rate", coverage)
        theirs = self.per_month(reference, "hit_rate", coverage)
        difference = ours - theirs
        p = float(stats.ttest_rel(ours, theirs).pvalue) if len(ours) > 1 and np.any(
            difference != difference[0]) else float("nan")
        return {"difference": float(difference.mean()), "p_value": p,
                "months_better": int((difference > 0).sum()), "months": len(difference)}

    def to_dict(self) -> dict[str, Any]:
        methods: dict[str, Any] = {}
        for name in self.scores:
            entry: dict[str, Any] = {}
            for measure in ("hit_rate", "pai", "pei"):
                entry[measure] = {_key(c): self.mean(name, measure, c) for c in self.coverages}
            entry["se"] = {measure: {_key(c): self.se(name, measure, c) for c in self.coverages}
                           for measure in ("hit_rate", "pai", "pei")}
            entry["by_month"] = {m: {measure: {_key(c): v for c, v in values.items()}
                                     for measure, values in self.scores[name][m].items()}
                                 for m in self.test_months}
            methods[name] = entry
        reference = self.best_baseline()
        comparisons = {name: {_key(c): self.compare(name, reference, c) for c in self.coverages}
                       for name in self.scores if name not in BASELINES}
        return {"region": self.region, "data": self.data, "crime_type": self.crime_type,
                "test_months": self.test_months, "coverages": list(self.coverages),
                "methods": methods,
                "comparisons": {"reference": reference, "test": COMPARISON_TEST,
                                "methods": comparisons}}


def _key(coverage: float) -> str:
    return f"{coverage:g}"


def prepare_history(points: CrimePoints, crime_type: str | None, cell_size: float,
                    engine: Engine | None = None,
                    covariates: Mapping[str, CrimePoints] | None = None) -> History:
    """The region from all crime, the target type's cube, and context cubes on the same bins."""
    grid: Grid = build_grid(points, cell_size, engine)
    bins, _ = time_bins(points)
    first, last = int(bins.min()), int(bins.max())
    target = points.of_type(crime_type)
    cube = build_cube(target, grid, engine, first, last)
    context = {}
    if target is not points:
        context["all_crime"] = build_cube(points, grid, engine, first, last)
    for name, extra in (covariates or {}).items():
        context[name] = build_cube(extra, grid, engine, first, last)
    return History(cube, context)


def default_test_months(points: CrimePoints) -> list[int]:
    months = points.months()
    return months[MIN_HISTORY_MONTHS:] if len(months) > MIN_HISTORY_MONTHS else months[-1:]


def backtest(points: CrimePoints, *, crime_type: str | None = None, cell_size: float = 250.0,
             test_months: Sequence[str] | None = None, methods: Sequence[str] | None = None,
             engine: Engine | None = None, coverages: tuple[float, ...] = COVERAGES,
             covariates: Mapping[str, CrimePoints] | None = None) -> Backtest:
    """Predict each test month from the months before it with every method, and score."""
    names = list(methods or METHODS)
    for name in names:
        method(name)  # fail before the work on an unknown name
    history = prepare_history(points, crime_type, cell_size, engine, covariates)
    months = ([month_index(m) for m in test_months] if test_months
              else default_test_months(points))
    first_month = points.months()[0]
    if any(m <= first_month for m in months):
        raise InvalidInput("every test month needs at least one earlier month of data")
    result = Backtest(region=history.grid.describe(), data=points.describe(),
                      crime_type=crime_type or "all crime",
                      test_months=[month_label(m) for m in months], coverages=coverages)
    for month in months:
        origin, horizon = history.month_span(month)
        actual = history.cube.between(origin, origin + horizon)
        for name in names:
            scores = method(name)(history, origin, horizon)
            result.scores.setdefault(name, {})[month_label(month)] = coverage_metrics(
                scores, actual, coverages)
        log.info("backtest %s: %d crimes, %d methods", month_label(month), int(actual.sum()),
                 len(names))
    return result
