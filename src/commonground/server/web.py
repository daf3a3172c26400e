"""Who is calling, and the guards every web route shares.

Two ways in, never mixed: a browser holds a server-side session (its cookie carries a random
id, never a token) and must echo the session's CSRF token on every form; a script or a
partner's platform sends an API token as a Bearer header, which a browser never attaches by
itself, so it needs no CSRF token.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, HTTPException, Request, Response, status

from commonground import settings
from commonground.governance import Actor, AuthenticationFailed, authenticate
from commonground.governance.accounts import IDLE_MINUTES, session_actor
from commonground.store import open_hub
from commonground.store.hub import Hub

SESSION_COOKIE = "cg_session"
CSRF_FIELD = "csrf_token"


@dataclass(frozen=True)
class Caller:
    """The signed-in person and how they came: by session (with its CSRF token) or token."""

    actor: Actor
    csrf: str | None = None
    session_id: str | None = None

    @property
    def by_browser(self) -> bool:
        return self.session_id is not None


def hub_path(request: Request) -> Path:
    return request.app.state.hub_path  # type: ignore[no-any-return]


_OPENING = threading.Lock()


def shared_hub(app: Any) -> Hub:
    """The app's one Hub: its engine pools connections for every request's thread (opening
    a hub per request cost a new engine and a schema check each time: most of a page's time
    under load). Opened on first use; the app's lifespan closes it, and it reconnects if used
    again."""
    hub: Hub | None = getattr(app.state, "hub", None)
    if hub is None:
        with _OPENING:
            hub = getattr(app.state, "hub", None)
            if hub is None:
                hub = app.state.hub = open_hub(app.state.hub_path)
    return hub


async def hub_dep(request: Request) -> Hub:
    # async: FastAPI runs a sync dependency on a worker thread (a generator one twice, to
    # enter and to leave), a hop that cost more than the lookup.
    return shared_hub(request.app)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def caller_of(request: Request, hub: Hub) -> Caller:
    """The caller, or 401: a Bearer token wins over a session cookie."""
    token = _bearer(request)
    try:
        if token:
            return Caller(authenticate(hub, token))
        session_id = request.cookies.get(SESSION_COOKIE)
        if session_id:
            idle = request.app.state.idle_minutes
            actor, csrf = session_actor(hub, session_id, idle_minutes=idle)
            return Caller(actor, csrf, session_id)
    except AuthenticationFailed as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc)) from None
    raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in first")


def caller_dep(request: Request, hub: Hub = Depends(hub_dep)) -> Caller:  # noqa: B008
    return caller_of(request, hub)


def optional_caller(request: Request, hub: Hub = Depends(hub_dep)) -> Caller | None:  # noqa: B008
    try:
        return caller_of(request, hub)
    except HTTPException:
        return None


async def form_caller(request: Request, caller: Caller = Depends(caller_dep)) -> Caller:  # noqa: B008
    """The caller of a state-changing request; a browser's must carry its session's CSRF token.

    The token comes in the form field `csrf_token` or the `X-CSRF-Token` header (for the few
    pages that post JSON with fetch).
    """
    if caller.by_browser:
        sent = request.headers.get("x-csrf-token")
        if sent is None and "form" in request.headers.get("content-type", ""):
            sent = str((await request.form()).get(CSRF_FIELD) or "")
        if not sent or caller.csrf is None or not secrets.compare_digest(sent, caller.csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                "this form has expired or did not come from this site; "
                                "reload the page and try again")
    return caller


def secure_cookies(request: Request) -> bool:
    """Mark cookies Secure behind TLS (the scheme uvicorn sees with --proxy-headers) or when
    COMMONGROUND_SECURE_COOKIES=1 says the hub is only ever reached over https."""
    return settings.current().secure_cookies or request.url.scheme == "https"


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path="/",
                        max_age=IDLE_MINUTES * 60 * 16)
