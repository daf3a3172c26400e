"""Signing in with the partnership's identity provider (OpenID Connect; see `server.oidc`).

Served only when the hub is configured for a provider. The callback opens a session exactly
as a password sign-in does; every refusal is audited, with the reason but no token.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import RedirectResponse

from commonground.governance import AuthenticationFailed
from commonground.governance.accounts import refuse_external, sign_in_external
from commonground.server.oidc import PENDING_SECONDS, OidcClient, OidcRefused
from commonground.server.routes.auth import client_of, login_page, safe_next
from commonground.server.web import hub_dep, secure_cookies, set_session_cookie
from commonground.store.hub import Hub

router = APIRouter(include_in_schema=False)

PENDING_COOKIE = "cg_oidc"
CALLBACK = "/login/oidc/callback"


def _client(request: Request) -> OidcClient:
    return request.app.state.oidc  # type: ignore[no-any-return]


def _redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@router.get("/login/oidc")
def oidc_begin(request: Request, next: str = "/") -> Any:  # noqa: A002
    try:
        target, key = _client(request).begin(_redirect_uri(request), safe_next(next))
    except OidcRefused as exc:
        return login_page(request, error=str(exc), next_=next, status_code=502)
    response = RedirectResponse(target, status.HTTP_303_SEE_OTHER)
    # Lax, not Strict: the provider's redirect back is a cross-site navigation.
    response.set_cookie(PENDING_COOKIE, key, max_age=PENDING_SECONDS, httponly=True,
                        samesite="lax", secure=secure_cookies(request), path=CALLBACK)
    return response


@router.get(CALLBACK, name="oidc_callback")
def oidc_callback(request: Request, state: str = "", code: str = "", error: str = "",
                  hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    oidc = _client(request)
    issuer = oidc.config.issuer
    client = client_of(request)
    key = request.cookies.get(PENDING_COOKIE)
    try:
        if error:
            oidc.pending.take(key or "")
            raise OidcRefused(f"the identity provider did not sign you in ({error[:100]})")
        email, pending = oidc.finish(key, state, code, _redirect_uri(request))
        _, session_id, _ = sign_in_external(hub, email, issuer, client=client)
    except OidcRefused as exc:
        refuse_external(hub, issuer, str(exc), client=client)
        return _refused(request, str(exc))
    except AuthenticationFailed:  # audited by sign_in_external
        return _refused(request, "no one in this hub has the e-mail address your identity "
                                 "provider gave; ask your governance lead to add it")
    response = RedirectResponse(safe_next(pending.next), status.HTTP_303_SEE_OTHER)
    response.delete_cookie(PENDING_COOKIE, path=CALLBACK)
    set_session_cookie(request, response, session_id)
    return response


def _refused(request: Request, message: str) -> Any:
    response = login_page(request, error=message, status_code=401)
    response.delete_cookie(PENDING_COOKIE, path=CALLBACK)
    return response
