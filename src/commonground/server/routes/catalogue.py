"""The catalogue page: what data the hub holds, for everyone signed in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from commonground.contribute import catalogue
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, hub_dep
from commonground.store.hub import Hub

router = APIRouter(include_in_schema=False)


@router.get("/catalogue")
def catalogue_page(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                   hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    entries = catalogue(hub, caller.actor)
    return render(request, "catalogue.html", caller, title="Catalogue", entries=entries)
