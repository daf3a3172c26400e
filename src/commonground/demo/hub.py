"""The demo's hub stage: a fresh hub folder and its metadata database."""

from __future__ import annotations

from typing import Any

from commonground.demo.context import DEMO_MARKER, DemoContext
from commonground.store import init_hub


def stage_hub(ctx: DemoContext) -> dict[str, Any]:
    hub = init_hub(ctx.hub_dir)
    (ctx.hub_dir / DEMO_MARKER).write_text("made by `commonground demo`\n")
    ctx.hub = hub
    return hub.describe()
