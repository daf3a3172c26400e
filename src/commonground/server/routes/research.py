"""The researcher's pages and the workspace API: projects, views, queries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from commonground.research import list_projects, query_workspace, workspace_views
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

MAX_ROWS_SHOWN = 1000

router = APIRouter()


class Query(BaseModel):
    sql: str


@router.get("/research", include_in_schema=False)
def research(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
             hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    mine = list_projects(hub, caller.actor, mine=True)
    return render(request, "research/projects.html", caller, title="Your research projects",
                  mine=mine)


@router.get("/research/{slug}", include_in_schema=False)
def workspace_page(request: Request, slug: str, caller: Caller = Depends(caller_dep),  # noqa: B008
                   hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    views = workspace_views(hub, caller.actor, slug)
    return render(request, "research/workspace.html", caller, title=f"Workspace {slug}",
                  slug=slug, views=views, first=next(iter(views), "view"))


@router.get("/api/projects/{slug}/views", tags=["research"])
def api_views(slug: str, caller: Caller = Depends(caller_dep),  # noqa: B008
              hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """The project's views: dataset, version, rows and columns (its researchers only)."""
    return {"views": workspace_views(hub, caller.actor, slug)}


@router.post("/api/projects/{slug}/query", tags=["research"])
def api_query(slug: str, query: Query, caller: Caller = Depends(form_caller),  # noqa: B008
              hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
    """Run one SELECT in the project's sandbox, over its views only; audited."""
    table = query_workspace(hub, caller.actor, slug, query.sql)
    rows = table.slice(0, MAX_ROWS_SHOWN).to_pylist()
    return {"columns": table.column_names, "rows": rows, "row_count": table.num_rows,
            "truncated": table.num_rows > MAX_ROWS_SHOWN}
