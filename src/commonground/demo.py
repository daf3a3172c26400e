"""The main job: build a hub from the synthetic county and run every stage end to end.

The partners' raw extracts stand for data held at each partner's own site, so they are written
beside the hub (HUB-partners/), never inside it. Each stage returns its figures and, where the
ground truth allows, the same figure from the truth; later rooms add their stages to `STAGES`.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from commonground.engines import Engine, get_engine
from commonground.errors import CommonGroundError
from commonground.store import Hub, Run, init_hub

DEMO_MARKER = ".commonground-demo"
Progress = Callable[[str, float], None]

@dataclass
class DemoContext:
    hub_dir: Path
    partners_dir: Path
    people: int
    seed: int
    engine: Engine
    progress: Progress
    hub: Hub | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def extracts(self) -> Path:
        return self.partners_dir / "partners"

    @property
    def truth(self) -> Path:
        return self.partners_dir / "truth"

    def require_hub(self) -> Hub:
        if self.hub is None:
            raise CommonGroundError("the hub stage has not run")
        return self.hub


def _clear_demo_folder(folder: Path, what: str) -> None:
    """Remove a previous demo's folder; refuse to touch anything the demo did not make."""
    if not folder.exists():
        return
    if not folder.is_dir() or (any(folder.iterdir()) and not (folder / DEMO_MARKER).exists()):
        raise CommonGroundError(
            f"{folder} already exists and was not made by the demo; choose another {what} folder"
        )
    shutil.rmtree(folder)


def stage_simulate(ctx: DemoContext) -> dict[str, Any]:
    from commonground.simulate import CountyConfig, simulate_county

    def report(stage: str, fraction: float) -> None:
        ctx.progress(f"simulate: {stage}", fraction)

    summary = simulate_county(CountyConfig(people=ctx.people, seed=ctx.seed), ctx.partners_dir,
                              report)
    (ctx.partners_dir / DEMO_MARKER).write_text("made by `commonground demo`\n")
    return {"partners_dir": str(ctx.partners_dir), **summary.to_dict()}


def stage_hub(ctx: DemoContext) -> dict[str, Any]:
    hub = init_hub(ctx.hub_dir)
    (ctx.hub_dir / DEMO_MARKER).write_text("made by `commonground demo`\n")
    ctx.hub = hub
    return hub.describe()


def stage_partnership(ctx: DemoContext) -> dict[str, Any]:
    from commonground.demo_partnership import stage_partnership as run

    return run(ctx)


def stage_contribute(ctx: DemoContext) -> dict[str, Any]:
    from commonground.demo_partnership import stage_contribute as run

    return run(ctx)


def stage_link(ctx: DemoContext) -> dict[str, Any]:
    from commonground.demo_link import stage_link as run

    return run(ctx)


def stage_insights(ctx: DemoContext) -> dict[str, Any]:
    from commonground.demo_insights import stage_insights as run

    return run(ctx)


def stage_research(ctx: DemoContext) -> dict[str, Any]:
    from commonground.demo_research import stage_research as run

    return run(ctx)


STAGES: list[tuple[str, Callable[[DemoContext], dict[str, Any]]]] = [
    ("simulate", stage_simulate),
    ("hub", stage_hub),
    ("partnership", stage_partnership),
    ("contribute", stage_contribute),
    ("link", stage_link),
    ("research", stage_research),
    ("insights", stage_insights),
]


def json_safe(value: Any) -> Any:
    """Figures as strict JSON: NaN and infinities (an empty test month) become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


def _record(hub: Hub | None, name: str, started: datetime, figures: dict[str, Any]) -> None:
    if hub is None:
        return
    with hub.sessions().begin() as session:
        session.add(Run(kind=f"demo:{name}", status="ok", started_at=started,
                        finished_at=datetime.now(UTC),
                        summary=json.loads(json.dumps(figures, default=str))))


def run_demo(
    hub_dir: Path,
    people: int = 50_000,
    seed: int = 1,
    partners: Path | None = None,
    engine_name: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    hub_dir = Path(hub_dir).resolve()
    partners_dir = (partners or hub_dir.with_name(hub_dir.name + "-partners")).resolve()
    if partners_dir == hub_dir or hub_dir in partners_dir.parents:
        raise CommonGroundError("the partners' folder must be outside the hub folder")
    engine = get_engine(engine_name)  # fails fast on an unknown or unavailable engine
    _clear_demo_folder(hub_dir, "hub")
    _clear_demo_folder(partners_dir, "partners")
    ctx = DemoContext(hub_dir, partners_dir, people, seed, engine,
                      progress or (lambda _stage, _fraction: None))
    stages: dict[str, Any] = {}
    try:
        for index, (name, stage) in enumerate(STAGES):
            ctx.progress(name, index / len(STAGES))
            started = datetime.now(UTC)
            clock = time.perf_counter()
            figures = json_safe(stage(ctx))
            figures["seconds"] = round(time.perf_counter() - clock, 2)
            stages[name] = figures
            _record(ctx.hub, name, started, figures)
        ctx.progress("done", 1.0)
    finally:
        if ctx.hub is not None:
            ctx.hub.close()
        if engine.name == "duckdb":
            engine.close()  # the Spark session is shared by the process and outlives a run
    return {"hub": str(hub_dir), "partners": str(partners_dir), "engine": engine.name,
            "stages": stages}


def render_demo(result: dict[str, Any], console: Console) -> None:
    console.print(f"[bold]Hub[/bold] {result['hub']}   "
                  f"[bold]partners' extracts[/bold] {result['partners']}")
    for name, figures in result["stages"].items():
        table = Table(title=f"stage: {name}", show_header=False, title_justify="left")
        for key, value in figures.items():
            if isinstance(value, list) and len(value) > 4:
                shown: Any = f"{len(value)} items"
            elif isinstance(value, dict | list):
                shown = json.dumps(value, default=str)
            else:
                shown = value
            table.add_row(str(key), str(shown))
        console.print(table)
