"""Errors a person can act on; each message is one sentence and never holds record-level data."""

from __future__ import annotations

from commonground import errors
from commonground.errors import CommonGroundError


class GovernanceError(CommonGroundError):
    """A governance rule was not met (bad input, unknown name, wrong state)."""


class NotFound(GovernanceError, errors.NotFound):
    """An organisation, person or agreement that does not exist."""


class InvalidTransition(GovernanceError, errors.Conflict):
    """An agreement cannot move to the requested state from the one it is in."""


class AuthenticationFailed(GovernanceError, errors.AuthenticationFailed):
    """A token or user name that does not identify an active person."""


class PermissionDenied(GovernanceError, errors.PermissionDenied):
    """The policy refused an action; the refusal is in the audit log."""
