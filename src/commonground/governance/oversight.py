"""What governance leads and admins read about the hub itself: the audit log and its chain."""

from __future__ import annotations

from typing import Any

from commonground.governance.actors import Actor
from commonground.governance.audit import AuditReport, entries, verify
from commonground.governance.policy import Resource, require
from commonground.store import Hub

AUDIT = Resource("audit")


def verify_audit(hub: Hub, actor: Actor) -> AuditReport:
    """Check the audit log's hash chain: the first entry edited, deleted, inserted or moved."""
    require(hub, actor, "audit.verify", AUDIT)
    return verify(hub)


def audit_entries(hub: Hub, actor: Actor, limit: int = 100, *, who: str | None = None,
                  action: str | None = None, outcome: str | None = None,
                  search: str | None = None) -> list[dict[str, Any]]:
    """The newest audit entries, newest first (who, what, on what, allowed or refused).

    Optional filters: the actor's user name (`who`), the action (exactly, or a prefix such as
    "agreement"), the outcome (allowed, refused, done) and text in the resource or details.
    """
    filters = {"who": who, "action": action, "outcome": outcome, "search": search}
    require(hub, actor, "audit.read", AUDIT,
            details={"limit": limit, **{k: v[:100] for k, v in filters.items() if v}})
    return entries(hub, limit, **filters)
