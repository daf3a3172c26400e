"""Evaluation methods against worked examples and data with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from commonground.insights.evaluation import (
    Allocation,
    Panel,
    PlanChanged,
    allocate,
    arm_redraw,
    balance,
    default_plan,
    did,
    displacement_ring,
    event_study,
    permutation_test,
    places_needed,
    registration_sha256,
    run_plan,
    sms_level,
    synthetic_control,
    trial_power,
    verify_registration,
    wdd_test,
)
from commonground.insights.hotspots import Grid


def test_wdd_reproduces_wheeler_and_ratcliffe_worked_example() -> None:
    result = wdd_test(treated=(207, 110), control=(308, 318), displacement=(178, 157),
                      displacement_control=(150, 140))
    assert result.wdd == -118
    assert result.variance == 1568
    assert result.se == pytest.approx(np.sqrt(1568))
    assert result.z == pytest.approx(-2.98, abs=0.005)
    assert result.p_value == pytest.approx(0.0029, abs=0.0002)
    assert result.sms_level == 3


def test_displacement_ring_surrounds_the_treated_cells() -> None:
    ix, iy = np.meshgrid(np.arange(-5, 6), np.arange(-5, 6), indexing="ij")
    grid = Grid(100.0, ix.ravel(), iy.ravel())
    centre = grid.index(np.array([0]), np.array([0]))
    ring = displacement_ring(grid, centre, 150.0)
    assert len(ring) == 8 and centre[0] not in ring


PLACES = [f"P{i:02d}" for i in range(20)]


def test_allocation_is_reproducible_and_balanced() -> None:
    one = allocate(PLACES, "complete", seed=4)
    assert one == allocate(PLACES, "complete", seed=4)
    assert one != allocate(PLACES, "complete", seed=5)
    assert len(one.treated()) == 10
    assert Allocation.from_dict(one.to_dict()) == one


def test_blocked_allocation_treats_half_of_each_block() -> None:
    scores = {p: float(i) for i, p in enumerate(PLACES)}
    alloc = allocate(PLACES, "blocked", seed=1, scores=scores, block_size=4)
    ranked = sorted(PLACES, key=lambda p: -scores[p])
    for start in range(0, 20, 4):
        assert sum(alloc.arms[p] == "treatment" for p in ranked[start:start + 4]) == 2
    assert abs(balance(alloc, scores)["standardised_difference"]) < 0.5


def test_stratified_and_crossover_allocation() -> None:
    strata = {p: ("north" if i < 8 else "south") for i, p in enumerate(PLACES)}
    alloc = allocate(PLACES, "stratified", seed=2, strata=strata)
    assert sum(alloc.arms[p] == "treatment" for p in PLACES[:8]) == 4
    cross = allocate(PLACES, "crossover", seed=2, days=10)
    assert all(len(days) == 5 for days in cross.schedule.values())
    with pytest.raises(ValueError, match="scheme"):
        allocate(PLACES, "coin", seed=1)


def test_power_grows_with_places_and_matches_places_needed() -> None:
    low = trial_power(10, 1.0, -0.25, periods_before=12, periods_after=12)
    high = trial_power(50, 1.0, -0.25, periods_before=12, periods_after=12)
    assert low.power < high.power
    n = places_needed(1.0, -0.25, periods_before=12, periods_after=12)
    assert trial_power(n, 1.0, -0.25, periods_before=12, periods_after=12).power >= 0.8
    assert trial_power(n - 1, 1.0, -0.25, periods_before=12, periods_after=12).power < 0.8
    assert -0.5 < high.minimum_detectable_effect < 0


def test_preregistration_hash_detects_any_change() -> None:
    design, plan = {"scheme": "complete", "seed": 1}, default_plan(4)
    alloc = allocate(PLACES, "complete", seed=1).to_dict()
    digest = registration_sha256(design, plan, alloc)
    assert digest == registration_sha256(dict(reversed(design.items())), plan, alloc)
    verify_registration(design, plan, alloc, digest)
    with pytest.raises(PlanChanged):
        verify_registration(design, {**plan, "family": "linear"}, alloc, digest)


def _panel(effect: float, seed: int = 0, units: int = 40, periods: int = 10,
           start: int = 5) -> Panel:
    rng = np.random.default_rng(seed)
    level = rng.gamma(3.0, 2.0, units)
    season = np.linspace(0.8, 1.2, periods)
    treated = [f"U{i:02d}" for i in range(units // 2)]
    rows = []
    for i in range(units):
        for t in range(periods):
            rate = level[i] * season[t] * ((1 + effect) if i < units // 2 and t >= start else 1)
            rows.append((f"U{i:02d}", t, float(rng.poisson(rate))))
    return Panel.from_counts(rows, treated, start)


def test_poisson_did_recovers_a_known_effect() -> None:
    result = did(_panel(-0.3, units=200))
    assert result.relative_ci_low < -0.3 < result.relative_ci_high
    assert result.relative_effect == pytest.approx(-0.3, abs=0.06)
    assert result.p_value < 0.001
    linear = did(_panel(-0.3, units=200), family="linear")
    assert linear.estimate < 0


def test_event_study_leads_are_flat_without_anticipation() -> None:
    study = event_study(_panel(-0.3, units=100), start=5)
    leads = [r for r in study["effects"] if r["relative_period"] < 0]
    lags = [r for r in study["effects"] if r["relative_period"] >= 0]
    assert all(abs(r["estimate"]) < 0.15 for r in leads)
    assert all(r["estimate"] < -0.15 for r in lags)


def test_permutation_test_rejects_a_real_effect_and_not_a_null() -> None:
    strong = _panel(-0.5, units=40)
    assert permutation_test(strong, arm_redraw(strong), permutations=199).p_value < 0.02
    null = _panel(0.0, seed=3, units=40)
    assert permutation_test(null, arm_redraw(null), permutations=199).p_value > 0.05


def test_synthetic_control_finds_the_donor_mix() -> None:
    rng = np.random.default_rng(1)
    periods = 20
    donors = rng.gamma(5.0, 2.0, (6, periods))
    treated = 0.6 * donors[0] + 0.4 * donors[3]
    treated[12:] *= 0.7
    outcome = np.vstack([treated, donors])
    dose = np.zeros_like(outcome)
    dose[0, 12:] = 1
    panel = Panel(tuple(f"U{i}" for i in range(7)), tuple(range(periods)), outcome, dose)
    result = synthetic_control(panel, start=12)
    assert result.weights == pytest.approx({"U1": 0.6, "U4": 0.4}, abs=0.02)
    assert result.relative_effect == pytest.approx(-0.3, abs=0.03)
    assert result.pre_rmspe < 0.1
    assert result.sms_level == 4


def test_sms_levels_follow_the_design() -> None:
    assert sms_level("did", randomised=True, treated_units=10, control_units=10) == 5
    assert sms_level("did", treated_units=10, control_units=10) == 4
    assert sms_level("wdd") == 3
    assert sms_level("before_after") == 2


def test_run_plan_runs_only_what_was_planned() -> None:
    alloc = allocate([f"U{i:02d}" for i in range(40)], "complete", seed=0)
    panel = _panel(-0.3)
    rows = [(u, p, float(panel.outcome[i, j])) for i, u in enumerate(panel.units)
            for j, p in enumerate(panel.periods)]
    plan = {**default_plan(5), "secondary": ["permutation"], "permutations": 99}
    result = run_plan(alloc, plan, rows)
    assert set(result["secondary"]) == {"permutation"}
    assert result["primary"]["sms_level"] == 5
    with pytest.raises(ValueError, match="unknown analysis plan"):
        run_plan(alloc, {**plan, "subgroups": ["north"]}, rows)
