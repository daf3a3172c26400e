"""The demo's insights stage: hotspots on the county's crimes, and a randomised trial whose
true effect is known, evaluated exactly as pre-registered.

The simulation half of the trial lives beside the simulator (`simulate.trial`); here it meets
the analysis. `rehearse_trial` is the trial on its own (allocate, simulate outcomes with a
known effect, analyse): the demo runs it once through the hub's register, bench/trial.py runs
it over hundreds of seeds to check that the 95% interval covers the truth 95% of the time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
import pyarrow.compute as pc

from commonground.demo.context import DemoContext
from commonground.insights.evaluation import (
    allocate,
    default_plan,
    run_plan,
    trial_power,
)
from commonground.simulate.trial import (
    TRUE_EFFECT,
    candidate_places,
    hot_places,
    place_id,
    simulate_outcomes,
)


def rehearse_trial(seed: int, *, places: int = 100, weeks_before: int = 12,
                   weeks_after: int = 12, effect: float = TRUE_EFFECT,
                   scheme: str = "blocked", permutations: int = 199,
                   layout: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                   ) -> dict[str, Any]:
    """One randomised trial from allocation to estimate; reports whether the CI covers truth."""
    easting, northing, weekly = layout or candidate_places(seed, places)
    ids = [place_id(i) for i in range(len(weekly))]
    allocation = allocate(ids, scheme, seed, scores=dict(zip(ids, weekly, strict=True)))
    treated = np.array([ids.index(p) for p in allocation.treated()])
    rows = simulate_outcomes(seed, easting, northing, weekly, treated,
                             weeks_before=weeks_before, weeks_after=weeks_after, effect=effect)
    plan = {**default_plan(weeks_before), "permutations": permutations,
            "secondary": ["permutation"]}
    result = run_plan(allocation, plan, rows, seed=seed)
    return summarise(result, effect)


def summarise(result: dict[str, Any], effect: float) -> dict[str, Any]:
    primary = result["primary"]
    low, high = primary["relative_ci_low"], primary["relative_ci_high"]
    return {"estimate": primary["relative_effect"], "ci_low": low, "ci_high": high,
            "true_effect": effect, "covered": bool(low <= effect <= high),
            "p_value": primary["p_value"],
            "permutation_p": result["secondary"].get("permutation", {}).get("p_value"),
            "sms_level": primary["sms_level"]}


def _partner_points(ctx: DemoContext) -> tuple[dict[str, Any], dict[str, int]]:
    """Fire visits and council complaints placed on the map through linked address entities
    (the police hold coordinates for the same places): multi-agency context for the model."""
    import numpy as np

    from commonground.governance import actor_for
    from commonground.insights.hotspots import CrimePoints
    from commonground.link import entity_locations, placed_records

    hub = ctx.require_hub()
    analyst = actor_for(hub, "police-analyst")
    purpose = "crime-prevention"
    locations = entity_locations(hub, analyst, {
        "police/crimes": ("LOCATION", "EASTING", "NORTHING"),
        "police/calls": ("LOCATION", "EASTING", "NORTHING")}, purpose)
    points: dict[str, Any] = {}
    unplaced: dict[str, int] = {}
    for name, ref, address, when in (
            ("fire_safety_visits", "fire/safety_visits", "address", "visit_date"),
            ("housing_complaints", "district_council/housing_complaints", "Address",
             "Date Received")):
        placed, missing = placed_records(hub, analyst, ref, address, when, locations, purpose)
        days = np.asarray(pc.cast(pc.cast(placed["time"], "date32"), "int32"), float)
        month = (days.astype("int64").astype("datetime64[D]").astype("datetime64[M]")
                 .astype("int64") + 1970 * 12)
        points[name] = CrimePoints(
            x=np.asarray(placed["easting"], float), y=np.asarray(placed["northing"], float),
            time=days, month=month, crime_type=np.array([name] * len(days)), unit="day",
            rows_read=placed.num_rows + missing, without_coordinates=missing)
        unplaced[name] = missing
    return points, unplaced


def _hotspot_backtest(ctx: DemoContext) -> dict[str, Any]:
    from commonground.insights.hotspots import backtest, load_crimes, load_exact_crimes

    # From the lake, as an analyst would: the contributed crimes; calls for service, and the
    # fire and council records placed through linked addresses, as the learned model's context.
    lake = ctx.require_hub().lake / "police"
    points = load_crimes([lake / "crimes" / "v1"])
    calls = load_exact_crimes([lake / "calls" / "v1"], time_column="CALL_DATETIME",
                              type_column="INCIDENT_TYPE")
    partners, unplaced = _partner_points(ctx)
    months = points.months()
    test = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months[-3:]]
    result = backtest(points, crime_type="Burglary", cell_size=250.0, test_months=test,
                      engine=ctx.engine,
                      covariates={"calls_for_service": calls, **partners}).to_dict()
    return {"region": result["region"], "test_months": test,
            "covariates": {"calls_for_service": len(calls),
                           **{k: len(v) for k, v in partners.items()}},
            "covariate_records_without_a_place": unplaced,
            "hit_rate_5pct": {m: round(v["hit_rate"]["0.05"], 3)
                              for m, v in result["methods"].items()},
            "pai_5pct": {m: round(v["pai"]["0.05"], 2) for m, v in result["methods"].items()}}


def stage_insights(ctx: DemoContext, places: int = 100, seed: int | None = None
                   ) -> dict[str, Any]:
    """Hotspot backtest on the county, then a pre-registered randomised patrol trial."""
    from commonground.governance import actor_for
    from commonground.insights.evaluation import add_intervention, allocate_trial, evaluate_trial

    hub = ctx.require_hub()
    figures: dict[str, Any] = {"hotspots": _hotspot_backtest(ctx)}
    ctx.progress("insights: trial", 0.5)
    seed = ctx.seed if seed is None else seed
    easting, northing, weekly = hot_places(ctx.truth, places)
    ids = [place_id(i) for i in range(len(weekly))]
    analyst = actor_for(hub, "police-analyst")
    weeks_before, weeks_after = 12, 12
    start = date(2019, 1, 7)
    registered = add_intervention(
        hub, analyst, name="Hot-spot patrols (demo trial)", places=ids, area="county hot places",
        starts_on=start + timedelta(weeks=weeks_before),
        ends_on=start + timedelta(weeks=weeks_before + weeks_after),
        outcome_measure="recorded crimes per place per week")
    power = trial_power(len(ids) // 2, float(weekly.mean()), TRUE_EFFECT,
                        periods_before=weeks_before, periods_after=weeks_after)
    frozen = allocate_trial(hub, analyst, registered.id, plan=default_plan(weeks_before),
                            scheme="blocked", seed=seed,
                            scores=dict(zip(ids, weekly.tolist(), strict=True)),
                            power=power.to_dict())
    from commonground.insights.evaluation import trial_allocation

    allocation = trial_allocation(hub, analyst, registered.id)
    treated = np.array([ids.index(p) for p in allocation.treated()])
    rows = simulate_outcomes(seed, easting, northing, weekly, treated,
                             weeks_before=weeks_before, weeks_after=weeks_after,
                             effect=TRUE_EFFECT)
    result = evaluate_trial(hub, analyst, registered.id, rows, seed=seed)
    summary = summarise(result, TRUE_EFFECT)
    figures["trial"] = {"intervention": registered.id, "places": len(ids),
                        "treatment": frozen["treatment"], "control": frozen["control"],
                        "registration_sha256": frozen["registration_sha256"][:16],
                        "power": round(power.power, 3),
                        **{k: (round(v, 4) if isinstance(v, float) else v)
                           for k, v in summary.items()}}
    return figures


def coverage(seeds: Sequence[int], **options: Any) -> dict[str, Any]:
    """Share of seeds whose 95% interval covers the true effect (bench/trial.py)."""
    runs = [rehearse_trial(s, **options) for s in seeds]
    covered = np.array([r["covered"] for r in runs])
    estimates = np.array([r["estimate"] for r in runs])
    share = float(covered.mean())
    return {"seeds": len(runs), "coverage": share,
            "coverage_se": float(np.sqrt(share * (1 - share) / len(runs))),
            "mean_estimate": float(estimates.mean()), "true_effect": runs[0]["true_effect"],
            "rejections_at_5pct": float(np.mean([r["p_value"] < 0.05 for r in runs]))}
