"""The governance lead's approvals: the projects that ask for their organisation's data.

Each providing organisation decides for itself: approve (a reason is optional), refuse (with
a reason, kept with the decision) or, once a project runs, revoke its access (with a reason).
The operations check that the lead's organisation provides data to the project.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request

from commonground.research import approve_project, list_projects, refuse_project, revoke_project
from commonground.server.forms import message_for, see_other
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

PAGE = "/governance/approvals"
DONE = {"approved": "You approved the use of your organisation's data in the project.",
        "refused": "You refused the use of your organisation's data in the project.",
        "revoked": "The project's access to the data was revoked."}
ERRORS = {"refuse-reason": "Give a reason for refusing the project",
          "revoke-reason": "Give a reason for revoking the project"}

router = APIRouter(include_in_schema=False)


@router.get(PAGE)
def approvals(request: Request, done: str = "", error: str = "", slug: str = "",
              caller: Caller = Depends(caller_dep),  # noqa: B008
              hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    projects = list_projects(hub, caller.actor, providing=True)
    waiting = [p for p in projects if p.status == "proposed"
               and caller.actor.organisation not in p.approvals]
    others = [p for p in projects if p not in waiting]
    problem = message_for(error, ERRORS)
    field = f"{error.split('-')[0]}-reason-{slug}" if problem else ""
    return render(request, "governance/approvals.html", caller,
                  title="Project approvals", waiting=waiting, others=others,
                  organisation=caller.actor.organisation, notice=message_for(done, DONE),
                  error_summary=[(field, problem)] if problem else [], error_slug=slug,
                  error_kind=error.split("-")[0] if problem else "")


@router.post(PAGE + "/{slug}/approve")
def approve(slug: str, reason: str = Form(""), caller: Caller = Depends(form_caller),  # noqa: B008
            hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    approve_project(hub, caller.actor, slug, reason.strip())
    return see_other(PAGE, done="approved")


@router.post(PAGE + "/{slug}/refuse")
def refuse(slug: str, reason: str = Form(""), caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    if not reason.strip():
        return see_other(PAGE, error="refuse-reason", slug=slug)
    refuse_project(hub, caller.actor, slug, reason.strip())
    return see_other(PAGE, done="refused")


@router.post(PAGE + "/{slug}/revoke")
def revoke(slug: str, reason: str = Form(""), caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    if not reason.strip():
        return see_other(PAGE, error="revoke-reason", slug=slug)
    revoke_project(hub, caller.actor, slug, reason.strip())
    return see_other(PAGE, done="revoked")
