"""What the web security tests share: the routes the app serves, their path parameters, a
minimal valid request body for each, and signing a test client in.

Everything here is generic over `served_routes(create_app(...))`, so a route another face adds
is covered the moment it is served.
"""

from __future__ import annotations

import re
import types
import typing
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel

DEMO_PASSWORD = "commonground-demo"
UPLOAD = b"Ref,Complaint\nC1,Noise\n"  # the content of any file a form asks for
PARAMETER = re.compile(r"{(\w+)(?::[^}]*)?}")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# Served paths that are documentation or files, not pages of the service.
NOT_PAGES = ("/api/", "/static", "/assets", "/docs")
# Routes anyone may open without signing in; every other route must ask for a sign-in.
PUBLIC = {"GET /login", "POST /login", "GET /api/docs", "GET /docs/oauth2-redirect",
          "GET /api/docs/oauth2-redirect", "GET /api/openapi.json", "GET /login/oidc",
          "GET /login/oidc/callback",
          "GET /api/geography/lsoa.geojson"}  # ONS open boundaries, no hub data


def routes(hub: Path) -> dict[str, Any]:
    """Every "METHOD /path" a fresh app over `hub` serves, with its route object."""
    from commonground.server import create_app
    from commonground.server.app import served_routes

    return served_routes(create_app(hub))


def method_path(key: str) -> tuple[str, str]:
    method, _, path = key.partition(" ")
    return method, path


def parameters(path: str) -> list[str]:
    return PARAMETER.findall(path)


def fill(path: str, values: dict[str, Any]) -> str:
    """The path with each {parameter} replaced by its value (KeyError names a missing one)."""
    return PARAMETER.sub(lambda m: str(values[m.group(1)]), path)


def is_page(key: str) -> bool:
    method, path = method_path(key)
    return method == "GET" and not path.startswith(NOT_PAGES)


def is_api(key: str) -> bool:
    return method_path(key)[1].startswith("/api/")


def _sample(annotation: Any) -> Any:
    """A plain value of the annotated type: enough for validation to let the call through."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _sample(options[0]) if options else None
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple, set, frozenset) or annotation in (list, tuple, set):
        items = typing.get_args(annotation)
        return [_sample(items[0]) if items else "matrix"]  # one item: lists may not be empty
    if origin is dict or annotation is dict:
        items = typing.get_args(annotation)
        return {"matrix": _sample(items[1]) if len(items) == 2 else "matrix"}
    if isinstance(annotation, type) and annotation.__name__ == "UploadFile":
        return UPLOAD
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {name: _sample(field.annotation) for name, field in
                annotation.model_fields.items() if field.is_required()}
    samples: dict[Any, Any] = {str: "matrix", int: 1, float: 1.0, bool: False,
                               date: date.today().isoformat()}
    return samples.get(annotation, "matrix")


def minimal_body(route: Any) -> tuple[str, Any] | None:
    """("json", body) or ("form", fields) that passes the route's validation, or None. A
    file field's value is `UPLOAD` (send it with `form_and_files`)."""
    fields = list(getattr(getattr(route, "dependant", None), "body_params", []) or [])
    if not fields:
        return None
    kind = "form" if any(type(f.field_info).__name__ in ("Form", "File") for f in fields) \
        else "json"
    if kind == "json" and len(fields) == 1 and not getattr(fields[0].field_info, "embed", False):
        return kind, _sample(fields[0].field_info.annotation)
    return kind, {f.alias: _sample(f.field_info.annotation) for f in fields
                  if f.field_info.is_required() or kind == "form"}


def minimal_query(route: Any) -> dict[str, Any]:
    """The route's required query parameters, with values that pass its validation."""
    fields = getattr(getattr(route, "dependant", None), "query_params", []) or []
    return {f.alias: _sample(f.field_info.annotation) for f in fields
            if f.field_info.is_required()}


def form_and_files(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A form's plain fields and its files (`UPLOAD`, or a (file name, bytes) pair), for
    httpx's data= and files=."""
    def is_file(value: Any) -> bool:
        return value is UPLOAD or (isinstance(value, tuple) and len(value) == 2
                                   and isinstance(value[1], bytes))

    files = {k: ("matrix.csv", v) if v is UPLOAD else v for k, v in data.items() if is_file(v)}
    fields = {k: v for k, v in data.items() if not is_file(v) and not isinstance(v, dict)}
    return fields, files


def sign_in(client: Any, username: str, password: str = DEMO_PASSWORD) -> str:
    """Sign a TestClient in through the form; the session's CSRF token (from the header's
    sign-out form, on every page)."""
    response = client.post("/login", data={"username": username, "password": password},
                           follow_redirects=False)
    assert response.status_code == 303, (username, response.status_code)
    home = client.get("/")
    found = CSRF.search(home.text)
    assert found, "the home page carries no CSRF token"
    return found.group(1)
