"""The demo's research stage (Level 2): a university project on modern slavery, commissioned
by the police, approved by police, council and fire, queried in its workspace, one table
through the airlock with its small cells suppressed, two reviews, a release."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commonground.demo.context import DemoContext
from commonground.governance import actor_for, add_organisation, add_person
from commonground.research import (
    approve_project,
    download_output,
    propose_project,
    query_workspace,
    release_output,
    request_output,
    review_output,
    submit_output,
)

PROJECT = "modern-slavery-signals"
DATASETS = {
    "fire/safety_visits": {"columns": ["visit_date", "postcode", "occupants_observed",
                                       "overcrowding", "locked_internal_doors",
                                       "mattresses_in_communal_areas"]},
    "district_council/housing_complaints": {"columns": ["Date Received", "Complaint Type",
                                                       "Postcode"]},
    "police/intelligence": {"columns": ["DATE_RECORDED", "CATEGORY", "POSTCODE"]},
}


def stage_research(ctx: DemoContext) -> dict[str, Any]:
    hub = ctx.require_hub()
    admin = actor_for(hub, "admin")
    add_organisation(hub, "university", "University of Essex", "university", actor=admin)
    add_person(hub, "uni-researcher", "university", ["researcher"], actor=admin)
    add_person(hub, "police-output-checker", "police", ["output_checker"], actor=admin)
    add_person(hub, "county-output-checker", "county_council", ["output_checker"], actor=admin)
    researcher = actor_for(hub, "uni-researcher")
    today = datetime.now(UTC).date()  # the day the project's status is judged by
    propose_project(
        hub, researcher, slug=PROJECT,
        title="Signals of labour exploitation at addresses across agencies",
        question="Which combinations of fire, council and police signals mark addresses "
                 "where people are exploited?",
        commissioned_by="police", purpose="research:modern-slavery",
        researchers=["uni-researcher"], datasets=DATASETS,
        ethics_reference="UoE-ETH-2026-0142", starts_on=today,
        ends_on=today + timedelta(days=365))
    for org in ("police", "district_council", "fire"):
        view = approve_project(hub, actor_for(hub, f"{org}-ig-lead"), PROJECT)
    visits = query_workspace(
        hub, researcher, PROJECT, "SELECT count(*) AS n, CAST(count(*) FILTER (WHERE "
        "overcrowding) AS BIGINT) AS overcrowded FROM fire_safety_visits").to_pylist()[0]
    output = request_output(
        hub, researcher, PROJECT, kind="table",
        title="Fire safety visits by overcrowding, locked internal doors and mattresses",
        spec={"view": "fire_safety_visits", "rows": ["overcrowding", "locked_internal_doors"],
              "columns": ["mattresses_in_communal_areas"], "aggfunc": "count"},
        justification="Co-occurrence of two fire signals, for the commissioning force.")
    submit_output(hub, researcher, output.id)
    review_output(hub, actor_for(hub, "police-output-checker"), output.id, "approve",
                  "Small cells suppressed; totals are of published cells.")
    review_output(hub, actor_for(hub, "county-output-checker"), output.id, "approve", "Agreed.")
    released = release_output(hub, actor_for(hub, "police-output-checker"), output.id)
    download_output(hub, researcher, output.id, ctx.partners_dir / "university" / "outputs"
                    / str(output.id))
    return {"project": PROJECT, "project_status": view.status,
            "approved_by": sorted(view.approvals), "workspace_views": len(DATASETS),
            "fire_visits_seen": visits["n"], "overcrowded_visits": visits["overcrowded"],
            "output": output.id, "cells_suppressed": output.checks["suppressed"],
            "reviews": 2, "released": 1 if released.state == "released" else 0}
