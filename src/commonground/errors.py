"""The errors a user can act on, each carrying its exit code (CLI) and HTTP status (web).

One place turns them into an exit code (`cli.main`) and one into an HTTP response (the server's
exception handler); a room raises the kind that says what went wrong and never picks a number.

Exit codes: 1 for every error a user can act on (the code scripts have always seen), 2 is
Click's for a bad option or argument, 130 for Ctrl-C; an unexpected error (a bug) also exits 1
but says so. The kinds differ on the web, where a client can act on the status.

`engines/`, `store/` and `simulate/` import nothing of ours, so their few user-facing errors carry
the same two class attributes by duck typing; `status_of` reads either.
"""

from __future__ import annotations

from typing import ClassVar


class CommonGroundError(Exception):
    """An error whose message is one clear sentence for the person at the keyboard.

    Raised as is, it means "this request cannot be done as asked" (HTTP 400).
    """

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 400


class InvalidInput(CommonGroundError, ValueError):
    """A bad argument, option value or file; also a ValueError, as callers have caught it."""

    http_status = 400


class NotFound(CommonGroundError, LookupError):
    """Something named that does not exist (an organisation, dataset, project, output...)."""

    http_status = 404


class PermissionDenied(CommonGroundError, PermissionError):
    """The policy refused the action (and the refusal is in the audit log)."""

    http_status = 403


class AuthenticationFailed(CommonGroundError):
    """A token or user name that does not identify an active person."""

    http_status = 401


class Conflict(CommonGroundError):
    """The request does not fit the present state: already exists, already decided, not yet run."""

    http_status = 409


class Unavailable(CommonGroundError):
    """Something the request needs is missing here (an optional package, Java, an engine)."""

    http_status = 503


def status_of(exc: BaseException) -> tuple[int, int] | None:
    """(exit code, HTTP status) of an error a user can act on; None for anything else (a bug)."""
    if isinstance(exc, CommonGroundError):
        return exc.exit_code, exc.http_status
    # Duck typing for the rooms that may not import this module; only our own classes count, so
    # a library's exception that happens to have an `exit_code` is still treated as a bug.
    kind = type(exc)
    exit_code = getattr(kind, "exit_code", None)
    http_status = getattr(kind, "http_status", None)
    if (kind.__module__.startswith("commonground.") and isinstance(exit_code, int)
            and isinstance(http_status, int)):
        return exit_code, http_status
    return None
