"""The analyst's pages: clerical review of uncertain pairs, the risk list with each address's
explanation and visit outcomes, the hotspot map, interventions and their trials, and the
board pack (the aggregates an analyst publishes for the partnership board)."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request, status
from fastapi.responses import RedirectResponse

from commonground.engines import Engine, get_engine
from commonground.errors import InvalidInput, NotFound
from commonground.governance import Actor, Resource
from commonground.insights.evaluation import list_evaluations, list_interventions
from commonground.insights.reports import publish_board_report, report_lsoa_counts
from commonground.insights.risk import (
    OUTCOMES,
    build_risk_list,
    explain_address,
    read_list,
    record_visit,
)
from commonground.insights.risk import PURPOSE as RISK_PURPOSE
from commonground.link import decide_review, pending_reviews, run_linkage
from commonground.server.figures import (
    lsoa_page_data,
    review_chart,
    risk_chart,
    trial_chart,
    trial_rows,
)
from commonground.server.jobs import Check, Report
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

router = APIRouter(include_in_schema=False)

REVIEW_PAGE = 10  # pairs per page: a sitting's work, most doubtful first
DECISION_WORDS = {"same": "the same", "different": "different"}
NOTICES = {"decided": "Your decision is recorded. Later linkage runs will follow it.",
           "visit": "The visit's outcome is recorded.",
           "publishing": "Publishing the board's figures has started. The board sees them "
                         "when it finishes (usually within a minute)."}
ERRORS = {"outcome": "Choose what the visit found",
          "visited_on": "Enter the visit's date as a real date, for example 2026-03-27",
          "decision": "Choose whether the two records are the same or different"}
OUTCOME_WORDS = {"concern_found": "Concern found", "no_concern": "No concern",
                 "no_access": "No access"}


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status.HTTP_303_SEE_OTHER)


def _notice(request: Request) -> str:
    return NOTICES.get(request.query_params.get("done", ""), "")


def _errors(request: Request) -> list[tuple[str, str]]:
    """A form's error after post/redirect/get: the field and a fixed message, never echoed."""
    field = request.query_params.get("error", "")
    return [(field, ERRORS[field])] if field in ERRORS else []


@router.get("/analysis")
def analysis(request: Request, caller: Caller = Depends(caller_dep)) -> Any:  # noqa: B008
    job = request.query_params.get("job", "")
    return render(request, "analysis/index.html", caller, title="Analysis",
                  notice=_notice(request), job=job if job.isdigit() else "")


def _bayes_factor(weight: float) -> str:
    """A match weight (log2 of the Bayes factor) as the factor itself, for people: 299,
    or 1/3,120 for evidence against."""
    factor = math.pow(2.0, weight)

    def plain(x: float) -> str:
        return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"

    return plain(factor) if factor >= 1 else f"1/{plain(1 / factor)}"


def _review_view(item: dict[str, Any]) -> dict[str, Any]:
    steps = [dict(step) for step in item.get("explanation") or []]
    for step in steps:
        step["bayes_factor"] = _bayes_factor(float(step["weight"]))
    return {**item, "steps": steps}


@router.get("/analysis/review")
def review(request: Request, kind: str | None = None,
           caller: Caller = Depends(caller_dep),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    if kind not in (None, "", "person", "address"):
        raise InvalidInput("kind is person or address")
    items = pending_reviews(hub, caller.actor, kind or None, REVIEW_PAGE)
    pairs = [_review_view(item) for item in items]
    charts = {str(p["id"]): review_chart([s for s in p["steps"] if s["column"] != "total"])
              for p in pairs}
    return render(request, "analysis/review.html", caller, title="Review uncertain pairs",
                  pairs=pairs, kind=kind or "", charts=charts, decisions=DECISION_WORDS,
                  notice=_notice(request), error_summary=_errors(request))


@router.post("/analysis/review/{item_id}")
def decide(item_id: int, decision: Annotated[str, Form()] = "",
           kind: Annotated[str, Form()] = "",
           caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    back = f"&kind={quote(kind)}" if kind in ("person", "address") else ""
    if decision not in DECISION_WORDS:
        return _see_other(f"/analysis/review?error=decision{back}#pair-{item_id}")
    decide_review(hub, caller.actor, item_id, decision)
    return _see_other(f"/analysis/review?done=decided{back}")


def _top(explanation: str, n: int = 3) -> str:
    """The strongest few indicators of a row, for the list (the page per address has all)."""
    items = json.loads(explanation)
    return ", ".join(str(c["indicator"]) for c in items[:n] if c["contribution"] > 0)


@router.get("/analysis/risk")
def risk(request: Request, list_id: Annotated[int | None, Query(alias="list")] = None,
         caller: Caller = Depends(caller_dep),  # noqa: B008
         hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    meta, table = read_list(hub, caller.actor, list_id)
    rows = [{**r, "top": _top(r["explanation"])} for r in
            table.select(["address_id", "rank", "score", "explanation"]).to_pylist()]
    return render(request, "analysis/risk.html", caller, title=f"Risk list {meta['list']}",
                  meta=meta, rows=rows)


@router.get("/analysis/risk/{list_id}/{address_id}")
def explain(request: Request, list_id: int, address_id: str,
            caller: Caller = Depends(caller_dep),  # noqa: B008
            hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    found = explain_address(hub, caller.actor, address_id, list_id)
    chart = risk_chart(found["contributions"])
    return render(request, "analysis/explain.html", caller,
                  title=f"Why {address_id} is on list {list_id}", found=found, chart=chart,
                  outcomes=OUTCOME_WORDS, today=date.today().isoformat(),
                  notice=_notice(request), error_summary=_errors(request))


@router.post("/analysis/risk/{list_id}/{address_id}/visit")
def visit(list_id: int, address_id: str, outcome: Annotated[str, Form()] = "",
          visited_on: Annotated[str, Form()] = "",
          caller: Caller = Depends(form_caller),  # noqa: B008
          hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    page = f"/analysis/risk/{list_id}/{quote(address_id)}"
    try:
        day = date.fromisoformat(visited_on) if visited_on else None
    except ValueError:
        return _see_other(f"{page}?error=visited_on")
    if outcome not in OUTCOMES:
        return _see_other(f"{page}?error=outcome")
    record_visit(hub, caller.actor, list_id, address_id, outcome, day)
    return _see_other(f"{page}?done=visit")


@router.get("/analysis/hotspots")
def hotspots(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
             hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    try:
        counts = report_lsoa_counts(hub, caller.actor)
    except NotFound as exc:
        return render(request, "board/unpublished.html", caller, title="Hotspots by area",
                      message=str(exc))
    return render(request, "analysis/hotspots.html", caller, title="Hotspots by area",
                  **lsoa_page_data(counts))


@router.get("/analysis/interventions")
def interventions(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    found = list_interventions(hub, caller.actor)
    return render(request, "analysis/interventions.html", caller,
                  title="Interventions", interventions=found, base="/analysis/interventions")


@router.get("/analysis/interventions/{intervention_id}")
def intervention(request: Request, intervention_id: int,
                 caller: Caller = Depends(caller_dep),  # noqa: B008
                 hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    return trial_page(request, caller, hub, intervention_id, back="/analysis/interventions")


def trial_page(request: Request, caller: Caller, hub: Hub, intervention_id: int, *,
               back: str) -> Any:
    """One intervention's trial results (intervention.evaluations), for analysts and board."""
    found = list_evaluations(hub, caller.actor, intervention_id)
    return render(request, "analysis/trial.html", caller,
                  title=f"Trial results for intervention {intervention_id}",
                  intervention_id=intervention_id, rows=trial_rows(found),
                  chart=trial_chart(found), back=back)


def _job(request: Request, hub: Hub, caller: Caller, kind: str, doing: str,
         operation: Callable[[Hub, Actor, Engine], Any], check: Check | None = None
         ) -> RedirectResponse:
    """Run `operation` as the caller's background job and send them to its page."""
    actor = caller.actor

    def work(job_hub: Hub, report: Report) -> Any:
        report(0.05, doing)
        with get_engine() as engine:
            return operation(job_hub, actor, engine)

    job = request.app.state.jobs.start(hub, actor, kind, work, check=check)
    return _see_other(f"/jobs/{job.id}")


@router.post("/analysis/board-pack")
def publish(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
            hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    """Publish the board's figures in the background (the operation checks the policy)."""
    return _job(request, hub, caller, "report.publish", "computing the board's figures",
                publish_board_report)


@router.post("/analysis/link-run")
def link_run(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
             hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    """Link people and addresses again in the background; entity ids carry over."""
    return _job(request, hub, caller, "link.run",
                "linking people and addresses across every contributed dataset", run_linkage)


@router.post("/analysis/risk-build")
def risk_build(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
               hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    """Build the next risk list (the operation's defaults: top 100, usable 28 days)."""
    return _job(request, hub, caller, "risk.build",
                "scoring every linked address from all partners' records", build_risk_list,
                Check("risk.build", Resource("risk_list"), RISK_PURPOSE))
