"""The partners' API for insights: interventions and trials, risk lists and visits,
prevalence from the hub's referrals, and networks of addresses."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from commonground.engines import get_engine
from commonground.governance import Resource
from commonground.insights.evaluation import (
    add_intervention,
    allocate_trial,
    default_plan,
    evaluate_trial,
    list_interventions,
)
from commonground.insights.networks import MAX_DEGREE, network_report
from commonground.insights.prevalence import hub_prevalence
from commonground.insights.risk import PURPOSE as RISK_PURPOSE
from commonground.insights.risk import (
    build_risk_list,
    explain_address,
    export_list,
    list_risk_lists,
    record_visit,
    uplift_report,
)
from commonground.server.api_responses import (
    JOB_RESPONSES,
    MAX_ID,
    file_responses,
    send_file,
    start_job,
)
from commonground.server.jobs import Check, Report, json_ready
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["insights"])

Id = Annotated[int, PathParam(ge=1, le=MAX_ID, description="The intervention's id.")]
Model = Literal["checklist", "logistic", "boosted"]
ListNumber = Annotated[int | None, Query(ge=1, le=MAX_ID, description="The list's number "
                                                                      "(default: the latest).")]


class InterventionIn(BaseModel):
    """An intervention: what is done, where, when, and its planned outcome measure."""

    name: str = Field(min_length=1, max_length=500, description="What is done, e.g. "
                                                                "'Hot-spot patrols'.")
    places: list[str] = Field(min_length=1, description="The place ids it covers.")
    starts_on: date = Field(description="The first day.")
    outcome_measure: str = Field(min_length=1, description="The planned outcome measure.")
    ends_on: date | None = Field(None, description="The last day (default: open).")
    area: str = Field("", description="Where, in words.")
    description: str = Field("", description="What, in more words.")


class Allocation(BaseModel):
    """How to randomise the places, and the analysis plan frozen with the allocation."""

    treatment_start: int = Field(ge=0, le=100_000, description="First outcome period under "
                                                               "treatment.")
    treatment_end: int | None = Field(None, ge=0, le=100_000, description="First period "
                                      "after treatment (default: open).")
    scheme: Literal["simple", "complete", "blocked", "stratified", "crossover"] = Field(
        "complete", description="How places are randomised.")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="The allocation's random seed.")
    scores: dict[str, float] | None = Field(None, description="Blocked: place to score (e.g. "
                                                              "last year's crimes).")
    strata: dict[str, str] | None = Field(None, description="Stratified: place to stratum.")
    block_size: int = Field(4, ge=2, le=10_000, description="Blocked: places per block.")
    days: int = Field(0, ge=0, le=3_650, description="Crossover: days in the trial.")
    family: Literal["poisson", "linear"] = Field("poisson", description="The model family.")
    permutations: int = Field(999, ge=0, le=99_999, description="Re-randomisations for the "
                                                               "permutation test (0: none).")


class Outcome(BaseModel):
    place: str = Field(description="The place id.")
    period: int = Field(ge=-100_000, le=100_000, description="The outcome period.")
    count: float = Field(ge=0, le=1e12, description="The outcome count in that period.")


class Outcomes(BaseModel):
    outcomes: list[Outcome] = Field(min_length=1, description="One row per place and period.")


class RiskBuild(BaseModel):
    """A new risk list: every linked address scored, the top k kept."""

    model: Model = Field("logistic", description="checklist, logistic or boosted.")
    k: int = Field(100, ge=1, le=10_000, description="How many addresses the list keeps.")
    cutoff: date | None = Field(None, description="Use records before this day (default: "
                                                  "the day after the newest).")
    agreement: str | None = Field(None, max_length=200, description="The agreement's slug "
                                  "(default: the one the policy finds).")
    days: int = Field(28, ge=1, le=365, description="How many days the list may be used.")


class Uplift(BaseModel):
    """What each partner's data adds to the risk list."""

    k: int = Field(50, ge=1, le=10_000, description="Judge each list by its top k.")
    model: Model = Field("logistic", description="checklist, logistic or boosted.")
    cutoff: date | None = Field(None, description="The cut-off day (default: the day after "
                                                  "the newest record).")
    horizon: int = Field(182, ge=7, le=3_650, description="Validate on referrals made in "
                                                          "this many days before the cut-off.")
    bootstrap: int = Field(1_000, ge=0, le=100_000, description="Bootstrap draws for the "
                                                               "intervals.")


class Visit(BaseModel):
    """What a safeguarding visit to an address on a list found."""

    list: int = Field(ge=1, le=MAX_ID, description="The number of the list the address is "
                                                   "on.")
    address_id: str = Field(max_length=100, description="The linked address entity id, e.g. "
                                                        "A0000123.")
    outcome: Literal["concern_found", "no_concern", "no_access"] = Field(
        description="What the visit found.")
    visited_on: date | None = Field(None, description="The day of the visit (default: "
                                                      "today).")


@router.get("/api/interventions")
def api_interventions(caller: Caller = Depends(caller_dep),  # noqa: B008
                      hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Every registered intervention: what, where, when, by whom, its outcome measure."""
    views = list_interventions(hub, caller.actor)
    return {"interventions": json_ready([v.to_dict() for v in views])}


@router.post("/api/interventions", status_code=201)
def api_add_intervention(body: InterventionIn, caller: Caller = Depends(form_caller),  # noqa: B008
                         hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Register an intervention of your organisation."""
    view = add_intervention(hub, caller.actor, **body.model_dump())
    return json_ready(view.to_dict())  # type: ignore[no-any-return]


@router.post("/api/interventions/{intervention_id}/allocation", status_code=201)
def api_allocate(intervention_id: Id, body: Allocation,
                 caller: Caller = Depends(form_caller),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Randomise the places and freeze design, plan and allocation (pre-registration)."""
    plan = {**default_plan(body.treatment_start, body.treatment_end), "family": body.family,
            "permutations": body.permutations}
    result = allocate_trial(hub, caller.actor, intervention_id, plan=plan, scheme=body.scheme,
                            seed=body.seed, scores=body.scores or None, strata=body.strata,
                            block_size=body.block_size, days=body.days)
    return json_ready(result)  # type: ignore[no-any-return]


@router.post("/api/interventions/{intervention_id}/evaluations", status_code=201)
def api_evaluate(intervention_id: Id, body: Outcomes,
                 caller: Caller = Depends(form_caller),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Run the pre-registered analysis on the outcomes (refused if the plan changed)."""
    rows = [(o.place, o.period, o.count) for o in body.outcomes]
    return json_ready(evaluate_trial(hub, caller.actor, intervention_id, rows))  # type: ignore[no-any-return]


@router.post("/api/risk/lists", status_code=202, responses=JOB_RESPONSES)
def api_build_risk_list(request: Request, body: RiskBuild,
                        caller: Caller = Depends(form_caller),  # noqa: B008
                        hub: Hub = Depends(hub_dep)) -> JSONResponse:  # noqa: B008
    """Start building a risk list as a background job: every linked address scored from all
    partners' records, the top k saved for safeguarding visits."""

    def work(job_hub: Hub, report: Report) -> dict[str, Any]:
        report(0.05, "scoring addresses")
        with get_engine() as engine:
            return build_risk_list(job_hub, caller.actor, engine, model=body.model, k=body.k,
                                   cutoff=body.cutoff, agreement=body.agreement,
                                   days=body.days)

    return start_job(request, hub, caller, "risk.build", work, check=Check(
        "risk.build", Resource("risk_list"), RISK_PURPOSE, under=body.agreement))


@router.post("/api/risk/uplift", status_code=202, responses=JOB_RESPONSES)
def api_uplift(request: Request, body: Uplift, caller: Caller = Depends(form_caller),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> JSONResponse:  # noqa: B008
    """Start the uplift report as a background job: precision at k of every subset of
    partners, with Shapley shares and intervals."""

    def work(job_hub: Hub, report: Report) -> dict[str, Any]:
        report(0.05, "scoring every subset of partners")
        with get_engine() as engine:
            return uplift_report(job_hub, caller.actor, engine, k=body.k, model=body.model,
                                 cutoff=body.cutoff, horizon=body.horizon,
                                 boot=body.bootstrap)

    return start_job(request, hub, caller, "risk.uplift", work)


@router.get("/api/risk/lists")
def api_risk_lists(caller: Caller = Depends(caller_dep),  # noqa: B008
                   hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """The saved risk lists: number, model, who built them, under which agreement, expiry."""
    return {"lists": json_ready(list_risk_lists(hub, caller.actor))}


@router.get("/api/risk/addresses/{address_id}")
def api_explain(address_id: Annotated[str, PathParam(max_length=100, description=(
                    "The linked address entity id, e.g. A0000123."))],
                list_number: Annotated[int | None, Query(alias="list", ge=1, le=MAX_ID,
                                                         description="The list's number "
                                                         "(default: the latest).")] = None,
                caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Why an address is on a list: its rank, score and each indicator's contribution."""
    return json_ready(explain_address(hub, caller.actor, address_id, list_number))  # type: ignore[no-any-return]


@router.get("/api/risk/export", response_class=FileResponse,
            responses=file_responses("csv", "xlsx", "geojson"))
def api_export_risk_list(
        fmt: Annotated[Literal["csv", "xlsx", "geojson"], Query(
            alias="format", description="csv, xlsx or geojson (WGS84, for QGIS and ArcGIS).")],
        list_number: Annotated[int | None, Query(alias="list", ge=1, le=MAX_ID,
                                                 description="The list's number (default: "
                                                             "the latest).")] = None,
        caller: Caller = Depends(caller_dep),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> FileResponse:  # noqa: B008
    """A risk list as CSV, Excel or GeoJSON."""
    name = f"risk-list-{list_number or 'latest'}.{fmt}"
    return send_file(lambda folder: export_list(hub, caller.actor, folder / name, fmt,
                                                list_number), name, fmt)


@router.post("/api/risk/visits", status_code=201)
def api_record_visit(body: Visit, caller: Caller = Depends(form_caller),  # noqa: B008
                     hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Record what a safeguarding visit to an address on a list found."""
    result = record_visit(hub, caller.actor, body.list, body.address_id, body.outcome,
                          body.visited_on)
    return json_ready(result)  # type: ignore[no-any-return]


@router.get("/api/prevalence")
def api_prevalence(
        method: Annotated[Literal["stepwise", "aic", "bic", "independence"], Query(
            description="How the log-linear model is chosen.")] = "stepwise",
        bootstrap: Annotated[int, Query(ge=0, le=5_000, description="Bootstrap replicates "
                                        "for the BCa intervals (0: none).")] = 1_000,
        seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="Seed for the bootstrap "
                                                                   "draws.")] = 1234,
        threshold: Annotated[float, Query(ge=0.0, le=1.0, description="Stepwise stops when "
                                          "no term has a p-value below this.")] = 0.02,
        compare: Annotated[bool, Query(description="Every method side by side.")] = False,
        linkage: Annotated[bool, Query(description="The estimate at each linkage "
                                                   "threshold.")] = False,
        caller: Caller = Depends(caller_dep),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """How many potential victims no list saw, from the hub's linked referrals (multiple
    systems estimation)."""
    with get_engine() as engine:
        # One worker: a web request does not fork processes on the hub's machine.
        found = hub_prevalence(hub, caller.actor, engine, method=method, bootstrap=bootstrap,
                               seed=seed, threshold=threshold, workers=1, compare=compare,
                               linkage=linkage)
    return json_ready(found)  # type: ignore[no-any-return]


@router.get("/api/network")
def api_network(
        addresses: Annotated[list[str] | None, Query(
            max_length=10_000, description="Address entity ids (default: every address).")]
        = None,
        purpose: Annotated[str, Query(max_length=200, description="Why the data is read; an "
                                      "agreement must allow it.")] = "safeguarding",
        max_degree: Annotated[int, Query(ge=1, le=10_000, description="A person, vehicle or "
                                         "business at more addresses than this ties "
                                         "nothing.")] = MAX_DEGREE,
        caller: Caller = Depends(caller_dep),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Clusters of addresses tied together by shared people, vehicles or businesses."""
    found = network_report(hub, caller.actor, addresses=addresses or None, purpose=purpose,
                           max_degree=max_degree)
    return json_ready(found)  # type: ignore[no-any-return]
