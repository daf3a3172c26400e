"""The web app: pages for every role and the API for scripts and partners' platforms.

The app holds no logic of its own. Each route authenticates the caller (`web`), calls one
operation of a room's public API, which checks the policy and audits exactly as it does for
the CLI, and renders the result as a page or JSON. Every route is listed against its
operation in the registry (`governance.operations`), or in `NOT_OPERATION_ROUTES` with why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import configure_mappers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commonground import settings
from commonground.engines import EngineError, EngineUnavailable
from commonground.engines.sandbox import SandboxRefusal
from commonground.errors import CommonGroundError, status_of
from commonground.governance.accounts import IDLE_MINUTES
from commonground.server.jobs import Jobs
from commonground.server.oidc import HubPendingStore, OidcClient
from commonground.server.render import compile_templates, render
from commonground.server.routes import (
    analysis,
    api_contribute,
    api_governance,
    api_insights,
    api_link,
    api_research,
    approvals,
    auth,
    board,
    catalogue,
    checking,
    governance,
    home,
    jobs,
    oidc,
    research,
    steward,
)
from commonground.server.web import shared_hub
from commonground.store.hub import HubError
from commonground.store.lake import InvalidSlug

STATIC = Path(__file__).parent / "static"

# Web routes that are not operations on the hub's data, and why.
NOT_OPERATION_ROUTES: dict[str, str] = {
    "GET /": "the home page: links to the sections the caller's roles use",
    "GET /login": "the sign-in form",
    "POST /login": "signing in (governance.accounts.sign_in, audited)",
    "POST /logout": "signing out (governance.accounts.sign_out, audited)",
    "GET /login/oidc": "single sign-on, step one: off to the identity provider (served only "
                       "when the single sign-on settings configure one)",
    "GET /login/oidc/callback": "single sign-on, step two: the provider's answer checked, then "
                                "governance.accounts.sign_in_external (audited)",
    "GET /api/docs": "the API's documentation",
    "GET /docs/oauth2-redirect": "FastAPI's documentation helper",
    "GET /api/docs/oauth2-redirect": "FastAPI's documentation helper",
    "GET /api/openapi.json": "the API's OpenAPI schema",
    "GET /jobs/{job_id}": "a background job's page with its progress bar, for who started it "
                          "only (as GET /api/jobs/{job_id})",
    "GET /api/jobs/{job_id}": "a background job's status, for who started it only; the job's "
                              "work is an operation, checked when it ran",
    "GET /steward/jobs/{job_id}": "an upload's job page, for who started it only (as "
                                  "GET /api/jobs/{job_id}); the job ran contribution.create",
    "GET /steward/erasure": "the erasure request form; posting it is erasure.request",
    "GET /governance/retention": "the retention confirmation form; posting it is "
                                 "retention.run",
    "GET /analysis": "the analyst's start page: links to the analyst's pages",
    "GET /api/geography/lsoa.geojson": "public geography: Essex's LSOA boundaries (ONS Open "
                                       "Geography, Open Government Licence), no hub data",
}

# Pages may load only this site's own scripts and styles: no CDN, no inline script. Vega
# compiles its expressions with Function(), hence 'unsafe-eval'; Leaflet and Vega set inline
# styles on the elements they draw, hence 'unsafe-inline' for styles only.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
           (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI: no buffering of bodies)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers)


def served_routes(app: FastAPI) -> dict[str, Any]:
    """Every "METHOD /path" the app serves (HEAD aside), with its route object.

    FastAPI 0.16x keeps included routers as nodes of their own; this walks them (the app
    mounts its routers without prefixes).
    """
    found: dict[str, Any] = {}

    def walk(routes: list[Any]) -> None:
        for route in routes:
            nested = getattr(route, "original_router", None)
            if nested is not None:
                walk(nested.routes)
                continue
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    found[f"{method} {route.path}"] = route

    walk(list(app.router.routes))
    return found


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", "").split(",")[0]


def _error(request: Request, status_code: int, message: str) -> Any:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code)
    if status_code == status.HTTP_401_UNAUTHORIZED:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/login?next={target}", status.HTTP_303_SEE_OTHER)
    titles = {403: "You cannot do this", 404: "Page not found", 409: "This cannot be done now",
              429: "Too many attempts"}
    title = titles.get(status_code, "Sorry, there is a problem with the service"
                       if status_code >= 500 else "There is a problem")
    return render(request, "error.html", None, status_code=status_code, title=title,
                  message=message)


def served_app() -> FastAPI:
    """The app of one of `serve`'s worker processes, over the hub `serve` hands down in
    COMMONGROUND_HUB (uvicorn starts workers from an import string, so the app cannot be
    passed in). `serve` has already failed the jobs the last server left unfinished, so a
    worker that starts (or restarts) later must not."""
    return create_app(Path(settings.current().hub), abandon_jobs=False)


def _warm(app: FastAPI) -> None:
    """Do once at start what the first requests would otherwise pay for under load: the
    ORM's mapper configuration, every page template's compilation, and each included
    router's routes (FastAPI 0.16x builds them, dependencies and models, on the first
    request that reaches the router: 150-550 ms, measured, with every other request waiting).
    """
    configure_mappers()
    compile_templates()

    def build(routes: list[Any]) -> None:
        for route in routes:
            for built in ("effective_candidates", "effective_low_priority_routes"):
                if callable(getattr(route, built, None)):
                    build(getattr(route, built)())

    build(list(app.router.routes))


def create_app(hub_path: Path, *, idle_minutes: int = IDLE_MINUTES,
               oidc_client: OidcClient | None = None, abandon_jobs: bool = True) -> FastAPI:
    """The app over the hub at `hub_path`. Single sign-on is on when `oidc_client` is given
    or the single sign-on settings (COMMONGROUND_OIDC_ISSUER and the rest) configure a
    provider (`server.oidc`). `abandon_jobs`: mark the jobs a stopped server left running
    as failed, at start (one process serving the hub)."""
    runner = Jobs(Path(hub_path))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if abandon_jobs:
            runner.abandon_unfinished()
        shared_hub(app)  # opened before the first request, not on the event loop during one
        _warm(app)
        yield
        runner.shutdown()
        if getattr(app.state, "hub", None) is not None:
            app.state.hub.close()

    app = FastAPI(title="CommonGround", lifespan=lifespan, version="1", docs_url="/api/docs",
                  redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="The hub's operations for scripts and partners' platforms. "
                              "Send an API token as `Authorization: Bearer cg_...`.")
    app.state.hub_path = Path(hub_path)
    app.state.idle_minutes = idle_minutes
    app.state.jobs = runner
    app.state.oidc = oidc_client or OidcClient.from_env()
    if app.state.oidc is not None:  # sign-ins under way, seen by every server process
        app.state.oidc.pending = HubPendingStore(lambda: shared_hub(app))
    app.state.oidc_name = app.state.oidc.config.name if app.state.oidc else None
    app.add_middleware(SecurityHeaders)

    # Starlette's own HTTPException (an unknown path, a wrong method) as well as FastAPI's:
    # every 404 is the service's page, not a bare JSON body.
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Any:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors()[:5])
        return _error(request, status.HTTP_422_UNPROCESSABLE_CONTENT, problems)

    # The one mapping from our errors to HTTP: each carries its status (`commonground.errors`);
    # the store's and engines' errors carry it too, as plain attributes. A 5xx is the hub's own
    # trouble: its message (paths, engine steps) is for the operator, not the caller.
    async def domain_error(request: Request, exc: Exception) -> Any:
        _, http_status = status_of(exc) or (1, status.HTTP_500_INTERNAL_SERVER_ERROR)
        message = str(exc) if http_status < 500 else "the hub cannot serve this request now"
        return _error(request, http_status, message)

    for kind in (CommonGroundError, HubError, EngineError, EngineUnavailable, InvalidSlug,
                 SandboxRefusal):
        app.add_exception_handler(kind, domain_error)

    for router in (auth.router, home.router, jobs.router, research.router, catalogue.router):
        app.include_router(router)
    app.include_router(api_governance.router)
    app.include_router(api_contribute.router)
    app.include_router(approvals.router)
    app.include_router(checking.router)
    app.include_router(steward.router)
    app.include_router(governance.router)
    app.include_router(analysis.router)
    app.include_router(board.router)
    app.include_router(board.geography)
    app.include_router(api_link.router)
    app.include_router(api_research.router)
    app.include_router(api_insights.router)
    if app.state.oidc is not None:
        app.include_router(oidc.router)
    if (STATIC / "vendor" / "govuk" / "assets").exists():
        # GOV.UK Frontend's stylesheet asks for its fonts and images at /assets.
        app.mount("/assets", StaticFiles(directory=STATIC / "vendor" / "govuk" / "assets"),
                  name="assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
