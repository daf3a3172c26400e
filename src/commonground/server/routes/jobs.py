"""A background job's status: JSON for scripts and partners' platforms, and a page with a
progress bar (it refreshes itself, so it needs no script) for people."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from commonground.server.jobs import JobView, job_status
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["jobs"])

# How a page speaks of each kind of job: caption, running, done, failed, where next, back.
WORDS: dict[str, dict[str, Any]] = {
    "contribution.create": {
        "caption": "Upload", "running": "Checking your file",
        "done": "Your file has been checked", "failed": "Your file could not be contributed",
        "next": None, "back": ("/steward", "Back to your organisation's data")},
    "link.run": {
        "caption": "Linkage", "running": "Linking the partners' records",
        "done": "The records are linked", "failed": "The link run did not finish",
        "next": ("/analysis/review", "Review the uncertain pairs"),
        "back": ("/analysis", "Back to analysis")},
    "risk.build": {
        "caption": "Risk list", "running": "Building the risk list",
        "done": "The risk list is ready", "failed": "The risk list could not be built",
        "next": ("/analysis/risk", "Open the risk list"),
        "back": ("/analysis", "Back to analysis")},
    "report.publish": {
        "caption": "Board pack", "running": "Computing the board's figures",
        "done": "The board's figures are published", "failed": "The figures were not published",
        "next": ("/board", "See the board's pages"), "back": ("/analysis", "Back to analysis")},
}
OTHER = {"caption": "Job", "running": "Working", "done": "Done", "failed": "It did not finish",
         "next": None, "back": ("/", "Back to your home page")}


def _facts(job: JobView) -> list[tuple[str, str]]:
    """A finished job's plain figures (top-level numbers and words), for its page."""
    result = job.result or {}
    return [(key.replace("_", " ").capitalize(), f"{value:,}" if isinstance(value, int)
             and not isinstance(value, bool) else str(value))
            for key, value in result.items()
            if isinstance(value, str | int | float | bool)][:12]


def job_page(request: Request, caller: Caller, hub: Hub, job_id: int) -> Any:
    job = job_status(hub, caller.actor, job_id)
    return render(request, "job.html", caller, title=f"Job {job.id}", job=job,
                  words=WORDS.get(job.kind, OTHER), facts=_facts(job),
                  refresh=job.status in ("queued", "running"))


@router.get("/api/jobs/{job_id}")
def get_job(job_id: int, caller: Caller = Depends(caller_dep),  # noqa: B008
            hub: Hub = Depends(hub_dep)) -> JobView:  # noqa: B008
    """A job you started: queued, running, done (with its result) or failed (with why)."""
    return job_status(hub, caller.actor, job_id)


@router.get("/jobs/{job_id}", include_in_schema=False)
def job(request: Request, job_id: int, caller: Caller = Depends(caller_dep),  # noqa: B008
        hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    return job_page(request, caller, hub, job_id)
