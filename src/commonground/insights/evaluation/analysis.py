"""Run a pre-registered analysis plan on a trial's outcomes: the plan decides, not the analyst.

A plan names the primary analysis ("did", Poisson or linear), the treatment periods, alpha,
and secondary analyses ("permutation", "event_study"). Each result carries its Maryland SMS
level: a randomised trial with several places per arm earns level 5.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from commonground.errors import InvalidInput
from commonground.insights.evaluation.allocation import Allocation
from commonground.insights.evaluation.did import did, event_study
from commonground.insights.evaluation.panel import Panel
from commonground.insights.evaluation.permutation import arm_redraw, permutation_test
from commonground.insights.evaluation.scale import describe, sms_level

PLAN_KEYS = {"primary", "family", "treatment_start", "treatment_end", "alpha", "permutations",
             "secondary", "outcome", "period"}


def default_plan(treatment_start: int, treatment_end: int | None = None, *,
                 outcome: str = "recorded crimes per place per period",
                 period: str = "week") -> dict[str, Any]:
    return {"primary": "did", "family": "poisson", "treatment_start": treatment_start,
            "treatment_end": treatment_end, "alpha": 0.05, "permutations": 999,
            "secondary": ["permutation", "event_study"], "outcome": outcome, "period": period}


def check_plan(plan: Mapping[str, Any]) -> None:
    unknown = set(plan) - PLAN_KEYS
    if unknown:
        raise InvalidInput(f"unknown analysis plan field(s): {', '.join(sorted(unknown))}")
    if plan.get("primary") != "did":
        raise InvalidInput("the primary analysis must be 'did' (difference-in-differences)")
    if plan.get("family", "poisson") not in {"poisson", "linear"}:
        raise InvalidInput("the plan's family must be 'poisson' or 'linear'")
    if "treatment_start" not in plan:
        raise InvalidInput("the plan must say when treatment starts (treatment_start)")
    for name in plan.get("secondary", []):
        if name not in {"permutation", "event_study"}:
            raise InvalidInput(f"unknown secondary analysis '{name}'")


def trial_panel(allocation: Allocation, plan: Mapping[str, Any],
                rows: Iterable[tuple[str, int, float]]) -> Panel:
    places = sorted(allocation.arms)
    if allocation.scheme == "crossover":
        start = int(plan["treatment_start"])
        schedule = {p: [start + d for d in days] for p, days in allocation.schedule.items()}
        return Panel.from_schedule(rows, schedule, units=places)
    return Panel.from_counts(rows, allocation.treated(), int(plan["treatment_start"]),
                             plan.get("treatment_end"), units=places)


def _crossover_redraw(panel: Panel):  # type: ignore[no-untyped-def]
    per_unit = panel.dose.sum(axis=1).astype(int)

    def draw(rng: np.random.Generator) -> np.ndarray:
        dose = np.zeros_like(panel.dose)
        for i, k in enumerate(per_unit):
            dose[i, rng.permutation(panel.dose.shape[1])[:k]] = 1.0
        return dose

    return draw


def run_plan(allocation: Allocation, plan: Mapping[str, Any],
             rows: Iterable[tuple[str, int, float]], seed: int = 0) -> dict[str, Any]:
    """Every analysis the plan names, in order, with SMS levels; nothing the plan does not."""
    check_plan(plan)
    panel = trial_panel(allocation, plan, list(rows))
    randomised = True
    treated = int(panel.treated_units.sum()) if allocation.scheme != "crossover" else len(
        panel.units)
    control = len(panel.units) - treated if allocation.scheme != "crossover" else len(panel.units)
    level = sms_level("did", randomised=randomised, treated_units=treated,
                      control_units=control)
    primary = did(panel, family=plan.get("family", "poisson"), alpha=plan.get("alpha", 0.05),
                  sms_level=level).to_dict()
    results: dict[str, Any] = {"primary": primary, "sms": describe(level), "secondary": {}}
    for name in plan.get("secondary", []):
        if name == "permutation":
            redraw = (_crossover_redraw(panel) if allocation.scheme == "crossover"
                      else arm_redraw(panel))
            results["secondary"][name] = permutation_test(
                panel, redraw, permutations=int(plan.get("permutations", 999)), seed=seed
            ).to_dict()
        elif name == "event_study" and allocation.scheme != "crossover":
            results["secondary"][name] = event_study(panel, int(plan["treatment_start"]),
                                                     family=plan.get("family", "poisson"))
    return results
