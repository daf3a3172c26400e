"""Small helpers the form pages share: lists typed as text, errors, and fixed notices.

After a form, a page redirects (post/redirect/get) with a short code in the query string,
`?done=submitted` or `?error=reason`; the page turns the code into its own fixed sentence,
so nothing a person typed is ever reflected from the address bar.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import status
from fastapi.responses import RedirectResponse

from commonground.errors import status_of


def split_list(text: str) -> list[str]:
    """'a, b,c' -> ['a', 'b', 'c']: a list typed into one text box."""
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def http_status(exc: Exception) -> int:
    """The HTTP status a room's error carries (400 if it carries none)."""
    found = status_of(exc)
    return found[1] if found else status.HTTP_400_BAD_REQUEST


def see_other(path: str, **query: str) -> RedirectResponse:
    """Post/redirect/get, with an optional `done` or `error` code for the next page."""
    target = f"{path}?{urlencode(query)}" if query else path
    return RedirectResponse(target, status.HTTP_303_SEE_OTHER)


def message_for(code: str, messages: Mapping[str, str]) -> str:
    """The fixed sentence for a code from the query string; unknown codes show nothing."""
    return messages.get(code, "")


def json_field(text: str, default: Any) -> Any:
    """A form's hidden JSON field (options the page showed), or `default` if it is not JSON
    of the same shape. It only fills a re-rendered form's choices: operations check all."""
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return default
    return value if isinstance(value, type(default)) else default
