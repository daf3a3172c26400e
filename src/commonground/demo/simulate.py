"""The demo's first stage: the synthetic county, written beside the hub (HUB-partners/)."""

from __future__ import annotations

from typing import Any

from commonground.demo.context import DEMO_MARKER, DemoContext
from commonground.simulate import CountyConfig, simulate_county


def stage_simulate(ctx: DemoContext) -> dict[str, Any]:
    def report(stage: str, fraction: float) -> None:
        ctx.progress(f"simulate: {stage}", fraction)

    summary = simulate_county(CountyConfig(people=ctx.people, seed=ctx.seed), ctx.partners_dir,
                              report)
    (ctx.partners_dir / DEMO_MARKER).write_text("made by `commonground demo`\n")
    return {"partners_dir": str(ctx.partners_dir), **summary.to_dict()}
