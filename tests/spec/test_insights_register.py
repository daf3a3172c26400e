"""The intervention register on SQLite and PostgreSQL: register, pre-register, evaluate."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from commonground.governance import Actor, add_organisation, add_person
from commonground.governance.audit import entries
from commonground.insights.evaluation import (
    PlanChanged,
    TrialError,
    add_intervention,
    allocate_trial,
    default_plan,
    evaluate_trial,
    list_evaluations,
    list_interventions,
    record_evaluation,
    trial_allocation,
    wdd_test,
)
from commonground.insights.evaluation.models import Trial
from commonground.simulate.trial import candidate_places, place_id, simulate_outcomes
from commonground.store import Hub, current_revision, init_hub
from commonground.store.database import downgrade, migrate


@pytest.fixture
def hub(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    made = init_hub(tmp_path / "hub", database_url)
    yield made
    made.close()


@pytest.fixture
def analyst(hub: Hub) -> Actor:
    add_organisation(hub, "police", "Essex Police", "police")
    admin = add_person(hub, "admin", "police", ["admin"])
    return add_person(hub, "analyst", "police", ["analyst"], actor=admin)


def test_migration_0004_creates_and_drops_the_tables(hub: Hub) -> None:
    names = set(sa.inspect(hub.engine).get_table_names())
    assert {"interventions", "trials", "evaluations"} <= names
    downgrade(hub.engine, "0003")
    assert "trials" not in set(sa.inspect(hub.engine).get_table_names())
    migrate(hub.engine)
    assert current_revision(hub.engine) is not None


def _register(hub: Hub, analyst: Actor, places: list[str]) -> int:
    return add_intervention(hub, analyst, name="Hot-spot patrols", places=places,
                            starts_on=date(2019, 4, 1), ends_on=date(2019, 6, 24),
                            outcome_measure="recorded crimes per place per week",
                            area="Chelmsford centre").id


def test_register_allocate_and_evaluate_a_trial(hub: Hub, analyst: Actor) -> None:
    easting, northing, weekly = candidate_places(3, 40)
    ids = [place_id(i) for i in range(40)]
    intervention = _register(hub, analyst, ids)
    assert list_interventions(hub, analyst)[0].places == 40
    frozen = allocate_trial(hub, analyst, intervention, plan={**default_plan(6),
                                                              "permutations": 99},
                            scheme="blocked", seed=3,
                            scores=dict(zip(ids, weekly.tolist(), strict=True)))
    assert frozen["treatment"] == 20 and len(frozen["registration_sha256"]) == 64
    with pytest.raises(TrialError, match="already has a frozen trial"):
        allocate_trial(hub, analyst, intervention, plan=default_plan(6), seed=4)

    allocation = trial_allocation(hub, analyst, intervention)
    treated = np.array([ids.index(p) for p in allocation.treated()])
    rows = simulate_outcomes(3, easting, northing, weekly, treated, weeks_before=6,
                             weeks_after=6, effect=-0.4)
    result = evaluate_trial(hub, analyst, intervention, rows)
    assert result["primary"]["sms_level"] == 5
    assert result["primary"]["relative_effect"] < 0
    assert "permutation" in result["secondary"]
    stored = list_evaluations(hub, analyst, intervention)
    assert stored[0]["method"] == "did" and stored[0]["sms_level"] == 5
    actions = {e["action"] for e in entries(hub)}
    assert {"intervention.manage", "intervention.evaluate"} <= actions


def test_evaluation_refuses_a_changed_plan(hub: Hub, analyst: Actor) -> None:
    ids = [place_id(i) for i in range(10)]
    intervention = _register(hub, analyst, ids)
    allocate_trial(hub, analyst, intervention, plan=default_plan(2), seed=1)
    with hub.sessions().begin() as session:
        trial = session.scalars(sa.select(Trial)).one()
        trial.plan = {**trial.plan, "family": "linear"}  # an analyst "adjusts" the plan later
    rows = [(p, t, 1.0) for p in ids for t in range(4)]
    with pytest.raises(PlanChanged):
        evaluate_trial(hub, analyst, intervention, rows)


def test_observational_evaluations_are_stored_with_their_level(hub: Hub,
                                                               analyst: Actor) -> None:
    intervention = _register(hub, analyst, ["cell-1", "cell-2"])
    result = wdd_test(treated=(207, 110), control=(308, 318), displacement=(178, 157),
                      displacement_control=(150, 140)).to_dict()
    record_evaluation(hub, analyst, intervention, "wdd", result)
    stored = list_evaluations(hub, analyst, intervention)
    assert stored[0]["sms_level"] == 3
    assert stored[0]["result"]["wdd"] == -118
