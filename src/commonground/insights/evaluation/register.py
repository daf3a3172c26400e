"""The intervention register: record what was done, allocate a trial, evaluate it as planned.

Every operation takes the acting person and is checked by governance (`intervention.manage`,
`intervention.evaluate`, `intervention.read`), which audits the decision either way.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonground.errors import Conflict, InvalidInput
from commonground.governance import Actor, NotFound, Resource, require
from commonground.insights.evaluation.allocation import Allocation, allocate, balance
from commonground.insights.evaluation.analysis import check_plan, run_plan
from commonground.insights.evaluation.models import Evaluation, Intervention, Trial
from commonground.insights.evaluation.preregistration import (
    registration_sha256,
    verify_registration,
)
from commonground.store import Hub, Organisation

log = logging.getLogger(__name__)


class TrialError(Conflict):
    """A trial cannot be allocated or evaluated in its current state."""


@dataclass(frozen=True)
class InterventionView:
    id: int
    name: str
    organisation: str
    places: int
    area: str
    starts_on: date
    ends_on: date | None
    outcome_measure: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _view(row: Intervention) -> InterventionView:
    return InterventionView(row.id, row.name, row.organisation.slug, len(row.places), row.area,
                            row.starts_on, row.ends_on, row.outcome_measure, row.status)


def _resource(owner: str, ident: int | None = None) -> Resource:
    return Resource("intervention", owner=owner, name=str(ident) if ident is not None else None)


def authorise(hub: Hub, actor: Actor, action: str, resource: Resource, session: Session,
              details: Mapping[str, Any] | None = None) -> None:
    """The policy decides (and audits) every change to the register."""
    require(hub, actor, action, resource, session=session, details=details)


def _load(session: Session, intervention_id: int) -> Intervention:
    row = session.get(Intervention, intervention_id)
    if row is None:
        raise NotFound(f"no intervention {intervention_id}")
    return row


def add_intervention(hub: Hub, actor: Actor, *, name: str, places: Iterable[str],
                     starts_on: date, outcome_measure: str, ends_on: date | None = None,
                     area: str = "", description: str = "") -> InterventionView:
    """Register what is done, where (place ids), when, by whom (the actor's organisation)."""
    chosen = sorted({str(p) for p in places})
    if not name.strip() or not outcome_measure.strip():
        raise InvalidInput("an intervention needs a name and a planned outcome measure")
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("an intervention cannot end before it starts")
    with hub.sessions().begin() as session:
        authorise(hub, actor, "intervention.manage", _resource(actor.organisation), session,
                  {"places": len(chosen)})
        org = session.scalar(select(Organisation).where(Organisation.slug == actor.organisation))
        if org is None:
            raise NotFound(f"no organisation '{actor.organisation}'")
        row = Intervention(name=name.strip(), description=description, organisation_id=org.id,
                           places=chosen, area=area, starts_on=starts_on, ends_on=ends_on,
                           outcome_measure=outcome_measure.strip(), created_by=actor.username)
        session.add(row)
        session.flush()
        session.refresh(row)
        return _view(row)


def list_interventions(hub: Hub, actor: Actor) -> list[InterventionView]:
    """Every registered intervention: what, where, when, by whom, and its outcome measure."""
    require(hub, actor, "intervention.read", _resource("", None))
    with hub.sessions()() as session:
        rows = session.scalars(select(Intervention).order_by(Intervention.id)).all()
        return [_view(r) for r in rows]


def allocate_trial(hub: Hub, actor: Actor, intervention_id: int, *, plan: Mapping[str, Any],
                   scheme: str = "complete", seed: int = 0,
                   scores: Mapping[str, float] | None = None, block_size: int = 4,
                   strata: Mapping[str, str] | None = None, days: int = 0,
                   power: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Allocate the intervention's places and freeze design, plan and allocation (SHA-256)."""
    check_plan(plan)
    with hub.sessions().begin() as session:
        row = _load(session, intervention_id)
        authorise(hub, actor, "intervention.manage", _resource(row.organisation.slug, row.id),
                  session, {"step": "allocate", "scheme": scheme})
        if session.scalar(select(Trial).where(Trial.intervention_id == row.id)) is not None:
            raise TrialError(f"intervention {row.id} already has a frozen trial; "
                             "a pre-registered allocation is never redrawn")
        allocation = allocate(row.places, scheme, seed, scores=scores, block_size=block_size,
                              strata=strata, days=days)
        design = {"scheme": scheme, "seed": seed, "places": len(row.places),
                  "block_size": block_size if scheme == "blocked" else None,
                  "stratified": strata is not None, "days": days or None,
                  "power": dict(power) if power else None}
        digest = registration_sha256(design, plan, allocation.to_dict())
        trial = Trial(intervention_id=row.id, design=design, plan=dict(plan),
                      allocation=allocation.to_dict(), registration_sha256=digest,
                      created_by=actor.username)
        session.add(trial)
        row.status = "allocated"
        session.flush()
        checked = balance(allocation, scores) if scores and scheme != "crossover" else None
        return {"intervention": row.id, "trial": trial.id, "scheme": scheme,
                "treatment": len(allocation.treated()), "control": len(allocation.control()),
                "registration_sha256": digest, "frozen_at": trial.frozen_at, "balance": checked}


def trial_allocation(hub: Hub, actor: Actor, intervention_id: int) -> Allocation:
    """The frozen allocation (the field team needs it to know where to patrol)."""
    require(hub, actor, "intervention.read", _resource("", intervention_id))
    with hub.sessions()() as session:
        trial = session.scalar(select(Trial).where(Trial.intervention_id == intervention_id))
        if trial is None:
            raise NotFound(f"intervention {intervention_id} has no trial")
        return Allocation.from_dict(trial.allocation)


def _clean(value: Any) -> Any:
    """NaN and infinity are not JSON (PostgreSQL refuses them): store them as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def evaluate_trial(hub: Hub, actor: Actor, intervention_id: int,
                   outcomes: Iterable[tuple[str, int, float]], seed: int = 0) -> dict[str, Any]:
    """Check the pre-registration, run its plan on (place, period, count) rows, store results."""
    rows = list(outcomes)
    with hub.sessions().begin() as session:
        row = _load(session, intervention_id)
        authorise(hub, actor, "intervention.evaluate", _resource(row.organisation.slug, row.id),
                  session, {"outcome_rows": len(rows)})
        trial = session.scalar(select(Trial).where(Trial.intervention_id == row.id))
        if trial is None:
            raise TrialError(f"intervention {row.id} has no pre-registered trial to evaluate")
        verify_registration(trial.design, trial.plan, trial.allocation,
                            trial.registration_sha256)
        results = _clean(run_plan(Allocation.from_dict(trial.allocation), trial.plan, rows,
                                  seed))
        primary = results["primary"]
        session.add(Evaluation(intervention_id=row.id, trial_id=trial.id, method="did",
                               sms_level=int(primary["sms_level"]), result=results,
                               registration_sha256=trial.registration_sha256,
                               created_by=actor.username))
        row.status = "evaluated"
        return {"intervention": row.id, "trial": trial.id,
                "registration_sha256": trial.registration_sha256, **results}


def record_evaluation(hub: Hub, actor: Actor, intervention_id: int, method: str,
                      result: Mapping[str, Any]) -> int:
    """Store an observational evaluation (WDD, synthetic control, DiD) with its SMS level."""
    with hub.sessions().begin() as session:
        row = _load(session, intervention_id)
        authorise(hub, actor, "intervention.evaluate", _resource(row.organisation.slug, row.id),
                  session, {"method": method})
        evaluation = Evaluation(intervention_id=row.id, method=method,
                                sms_level=int(result.get("sms_level", 3)),
                                result=_clean(dict(result)), created_by=actor.username)
        session.add(evaluation)
        session.flush()
        return evaluation.id


def list_evaluations(hub: Hub, actor: Actor, intervention_id: int) -> list[dict[str, Any]]:
    """The evaluations recorded for an intervention (aggregate estimates, never records)."""
    require(hub, actor, "intervention.read", _resource("", intervention_id))
    with hub.sessions()() as session:
        rows = session.scalars(select(Evaluation).where(
            Evaluation.intervention_id == intervention_id).order_by(Evaluation.id)).all()
        return [{"id": e.id, "method": e.method, "sms_level": e.sms_level,
                 "created_at": e.created_at, "result": e.result} for e in rows]
