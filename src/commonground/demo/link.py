"""The demo's linkage stage: link the contributed datasets on tokens, score against truth."""

from __future__ import annotations

from typing import Any

from commonground.demo.context import DemoContext
from commonground.governance import actor_for
from commonground.link import evaluate_hub, run_linkage

ANALYST = "police-analyst"


def stage_link(ctx: DemoContext) -> dict[str, Any]:
    """People and addresses linked across all ten datasets; figures beside the truth."""
    hub = ctx.require_hub()
    actor = actor_for(hub, ANALYST)
    ctx.progress("link: people and addresses", 0.0)
    ran = run_linkage(hub, actor, ctx.engine)
    scored = evaluate_hub(hub, actor, ctx.truth)
    out: dict[str, Any] = {}
    for kind in ("person", "address"):
        figures, quality = ran[kind], scored[kind]
        out[f"{kind}_mentions"] = figures["mentions"]
        out[f"{kind}_entities"] = figures["entities"]
        out[f"{kind}_true_entities"] = quality["true_entities"]
        out[f"{kind}_pairwise_f1"] = quality["pairwise_f1"]
        out[f"{kind}_pairwise_precision"] = quality["pairwise_precision"]
        out[f"{kind}_pairwise_recall"] = quality["pairwise_recall"]
        out[f"{kind}_review_queued"] = figures["review_queued"]
    return out
