"""Routes for researchers' workspaces; every route names who may use it (`ROUTE_RULES`).

The app holds no logic of its own: it authenticates, then calls the research room, which
checks the policy and audits, exactly as the CLI does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel

from commonground.engines import EngineError, EngineUnavailable
from commonground.errors import CommonGroundError, status_of
from commonground.governance import Actor, record
from commonground.governance.policy import Resource
from commonground.research import list_projects, query_workspace, workspace_views
from commonground.server import pages
from commonground.server.auth import COOKIE, actor_of
from commonground.store import open_hub
from commonground.store.hub import Hub, HubError

MAX_ROWS_SHOWN = 1000

# Every route and who may use it; a test checks that no route is missing from this table.
ROUTE_RULES: dict[str, str] = {
    "/": "anyone (redirects)",
    "/login": "anyone (GET form, POST token)",
    "/logout": "anyone",
    "/research": "signed in; lists projects (project.read)",
    "/research/{slug}": "signed in; a researcher named on the active project",
    "/api/projects/{slug}/views": "Bearer or cookie; workspace.query on the active project",
    "/api/projects/{slug}/query": "Bearer or cookie; workspace.query on the active project",
}


class Query(BaseModel):
    sql: str


def create_app(hub_path: Path) -> FastAPI:
    app = FastAPI(title="CommonGround", docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json")

    @contextmanager
    def hub_session() -> Iterator[Hub]:
        hub = open_hub(hub_path)
        try:
            yield hub
        finally:
            hub.close()

    def hub_dep() -> Iterator[Hub]:
        with hub_session() as hub:
            yield hub

    def actor_dep(request: Request, hub: Hub = Depends(hub_dep)) -> Actor:  # noqa: B008
        return actor_of(hub, request)

    def error_response(request: Request, status_code: int, message: str) -> Any:
        if status_code == 401 and not request.url.path.startswith("/api/"):
            return RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
        return JSONResponse({"error": message}, status_code)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Any:
        return error_response(request, exc.status_code, exc.detail)

    # The one mapping from our errors to HTTP: each carries its status (`commonground.errors`);
    # the store's and engines' errors carry it too, as plain attributes. A 5xx is the hub's own
    # trouble: its message (paths, engine steps) is for the operator, not the caller.
    async def domain_error(request: Request, exc: Exception) -> Any:
        _, http_status = status_of(exc) or (1, status.HTTP_500_INTERNAL_SERVER_ERROR)
        message = str(exc) if http_status < 500 else "the hub cannot serve this request now"
        return error_response(request, http_status, message)

    for kind in (CommonGroundError, HubError, EngineError, EngineUnavailable):
        app.add_exception_handler(kind, domain_error)

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/research", status.HTTP_303_SEE_OTHER)

    @app.get("/login", response_class=HTMLResponse)
    def login_form(error: str = "") -> str:
        return pages.login(error)

    @app.post("/login")
    def login(token: str = Form(...), hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
        try:
            from commonground.governance import AuthenticationFailed, authenticate

            actor = authenticate(hub, token.strip())
        except AuthenticationFailed:
            return HTMLResponse(pages.login("That token is not valid."), 401)
        record(hub, actor, "login", Resource("hub", name="web"), "allowed")
        response = RedirectResponse("/research", status.HTTP_303_SEE_OTHER)
        response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict")
        return response

    @app.get("/logout")
    def logout() -> RedirectResponse:
        response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/research", response_class=HTMLResponse)
    def research(actor: Actor = Depends(actor_dep), hub: Hub = Depends(hub_dep)) -> str:  # noqa: B008
        return pages.projects(actor, list_projects(hub, actor, mine=True))

    @app.get("/research/{slug}", response_class=HTMLResponse)
    def workspace_page(slug: str, actor: Actor = Depends(actor_dep),  # noqa: B008
                       hub: Hub = Depends(hub_dep)) -> str:  # noqa: B008
        return pages.workspace(actor, slug, workspace_views(hub, actor, slug))

    @app.get("/api/projects/{slug}/views")
    def api_views(slug: str, actor: Actor = Depends(actor_dep),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
        return {"views": workspace_views(hub, actor, slug)}

    @app.post("/api/projects/{slug}/query")
    def api_query(slug: str, query: Query, actor: Actor = Depends(actor_dep),  # noqa: B008
                  hub: Hub = Depends(hub_dep)) -> dict[str, Any]:  # noqa: B008
        table = query_workspace(hub, actor, slug, query.sql)
        rows = table.slice(0, MAX_ROWS_SHOWN).to_pylist()
        return {"columns": table.column_names, "rows": rows, "row_count": table.num_rows,
                "truncated": table.num_rows > MAX_ROWS_SHOWN}

    return app
