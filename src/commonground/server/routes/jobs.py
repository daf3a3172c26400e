"""A background job's status, for the page's progress bar or a partner's platform to poll."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from commonground.server.jobs import JobView, job_status
from commonground.server.web import Caller, caller_dep, hub_dep
from commonground.store.hub import Hub

router = APIRouter(tags=["jobs"])


@router.get("/api/jobs/{job_id}")
def get_job(job_id: int, caller: Caller = Depends(caller_dep),  # noqa: B008
            hub: Hub = Depends(hub_dep)) -> JobView:  # noqa: B008
    """A job you started: queued, running, done (with its result) or failed (with why)."""
    return job_status(hub, caller.actor, job_id)
