"""Clerical review: people decide the pairs the model is unsure of, and runs obey them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from commonground.errors import CommonGroundError, NotFound
from commonground.governance import Actor, require
from commonground.link.models import ReviewItem
from commonground.link.runs import LINKAGE
from commonground.store.hub import Hub

DECISIONS = ("same", "different")


def _view(item: ReviewItem) -> dict[str, Any]:
    return {"id": item.id, "kind": item.kind, "left": item.left_id, "right": item.right_id,
            "match_probability": round(item.match_probability, 4), "status": item.status,
            "decision": item.decision, "reviewer": item.reviewer,
            "explanation": item.explanation}


def pending_reviews(hub: Hub, actor: Actor, kind: str | None = None, limit: int = 20
                    ) -> list[dict[str, Any]]:
    """The queue, most doubtful first; mention ids and model labels only, never values."""
    require(hub, actor, "link.review", LINKAGE, details={"action": "list"})
    with hub.sessions()() as session:
        query = select(ReviewItem).where(ReviewItem.status == "pending")
        if kind:
            query = query.where(ReviewItem.kind == kind)
        rows = session.scalars(query.order_by(ReviewItem.id).limit(limit))
        return [_view(r) for r in rows]


def decide_review(hub: Hub, actor: Actor, item_id: int, decision: str) -> dict[str, Any]:
    """Record 'same' or 'different' for a pair; a later decision replaces an earlier one."""
    if decision not in DECISIONS:
        raise CommonGroundError(f"a decision is one of: {', '.join(DECISIONS)}")
    with hub.sessions().begin() as session:
        require(hub, actor, "link.review", LINKAGE, session=session,
                details={"item": item_id, "decision": decision})
        item = session.get(ReviewItem, item_id)
        if item is None:
            raise NotFound(f"no review item {item_id}")
        item.status, item.decision = "decided", decision
        item.reviewer, item.decided_at = actor.username, datetime.now(UTC)
        return _view(item)
