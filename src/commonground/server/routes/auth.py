"""Signing in and out of the web app (local accounts; OpenID Connect lives in `oidc`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import RedirectResponse

from commonground.governance import AuthenticationFailed
from commonground.governance.accounts import SignInThrottled, sign_in, sign_out
from commonground.server.render import render
from commonground.server.web import (
    SESSION_COOKIE,
    Caller,
    form_caller,
    hub_dep,
    optional_caller,
    set_session_cookie,
)
from commonground.store.hub import Hub

router = APIRouter(include_in_schema=False)


def safe_next(target: str) -> str:
    """Only a path on this site: an open redirect would help a phishing page.

    Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil.example"
    and "/<tab>/evil.example" lead off the site as "//evil.example" does: any backslash or
    control character is refused too.
    """
    parts = urlsplit(target)
    if (parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//")
            or "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)):
        return "/"
    return target


def client_of(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_page(request: Request, *, error: str = "", username: str = "", next_: str = "/",
                status_code: int = 200) -> Any:
    return render(request, "login.html", None, status_code=status_code, title="Sign in",
                  error=error, username=username, next=safe_next(next_),
                  oidc=request.app.state.oidc_name,
                  error_summary=[("username", error)] if error else [])


@router.get("/login")
def login_form(request: Request, next: str = "/",  # noqa: A002
               caller: Caller | None = Depends(optional_caller)) -> Any:  # noqa: B008
    if caller is not None:
        return RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)
    return login_page(request, next_=next)


@router.post("/login")
def login(request: Request, username: str = Form(""), password: str = Form(""),  # noqa: B008
          next: str = Form("/"), hub: Hub = Depends(hub_dep)) -> Any:  # noqa: A002, B008
    try:
        _, session_id, _ = sign_in(hub, username, password, client=client_of(request))
    except SignInThrottled as exc:
        return login_page(request, error=str(exc), username=username, next_=next,
                           status_code=429)
    except AuthenticationFailed:
        return login_page(request, error="The user name or password is wrong",
                           username=username, next_=next, status_code=401)
    # A new random id at every sign-in: a session id planted before sign-in is worthless.
    response = RedirectResponse(safe_next(next), status.HTTP_303_SEE_OTHER)
    set_session_cookie(request, response, session_id)
    return response


@router.post("/logout")
def logout(request: Request, caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> RedirectResponse:  # noqa: B008
    if caller.session_id:
        sign_out(hub, caller.session_id)
    response = RedirectResponse("/login", status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
