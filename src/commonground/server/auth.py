"""Who is calling: an API token, as a Bearer header or in the session cookie set at login."""

from __future__ import annotations

from fastapi import HTTPException, Request, status

from commonground.governance import Actor, AuthenticationFailed, authenticate
from commonground.store.hub import Hub

COOKIE = "cg_token"


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE)


def actor_of(hub: Hub, request: Request) -> Actor:
    token = token_of(request)
    if not token:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "sign in with your API token")
    try:
        return authenticate(hub, token)
    except AuthenticationFailed:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "that token is not valid") from None
