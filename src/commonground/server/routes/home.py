"""The home page: where each role's work starts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from commonground.server.render import render
from commonground.server.web import Caller, caller_dep

router = APIRouter(include_in_schema=False)

ROLE_NAMES = {"steward": "data steward", "analyst": "analyst", "researcher": "researcher",
              "output_checker": "output checker", "governance_lead": "governance lead",
              "admin": "administrator", "board": "partnership board member"}


@router.get("/")
def home(request: Request, caller: Caller = Depends(caller_dep)) -> Any:  # noqa: B008
    roles = " and ".join(ROLE_NAMES.get(role, role) for role in sorted(caller.actor.roles))
    return render(request, "home.html", caller, title="Home", roles=roles or "a member")
