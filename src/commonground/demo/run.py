"""The main job: build a hub from the synthetic county and run every stage end to end.

The partners' raw extracts stand for data held at each partner's own site, so they are written
beside the hub (HUB-partners/), never inside it. Each stage returns its figures and, where the
ground truth allows, the same figure from the truth; later rooms add their stages to `STAGES`,
one module per stage beside this one.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from commonground.demo.accounts import stage_accounts
from commonground.demo.context import DEMO_MARKER, DemoContext, Progress
from commonground.demo.contribute import stage_contribute
from commonground.demo.hub import stage_hub
from commonground.demo.insights import stage_insights
from commonground.demo.link import stage_link
from commonground.demo.modern_slavery import stage_modern_slavery
from commonground.demo.partnership import stage_partnership
from commonground.demo.research import stage_research
from commonground.demo.simulate import stage_simulate
from commonground.engines import get_engine
from commonground.errors import CommonGroundError
from commonground.store import Hub, Run


def _clear_demo_folder(folder: Path, what: str) -> None:
    """Remove a previous demo's folder; refuse to touch anything the demo did not make."""
    if not folder.exists():
        return
    if not folder.is_dir() or (any(folder.iterdir()) and not (folder / DEMO_MARKER).exists()):
        raise CommonGroundError(
            f"{folder} already exists and was not made by the demo; choose another {what} folder"
        )
    shutil.rmtree(folder)


STAGES: list[tuple[str, Callable[[DemoContext], dict[str, Any]]]] = [
    ("simulate", stage_simulate),
    ("hub", stage_hub),
    ("partnership", stage_partnership),
    ("contribute", stage_contribute),
    ("link", stage_link),
    ("research", stage_research),
    ("insights", stage_insights),
    ("modern_slavery", stage_modern_slavery),
    ("accounts", stage_accounts),
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
    until: str | None = None,
) -> dict[str, Any]:
    """Every stage in order (or up to and including `until`), each stage's figures."""
    names = [name for name, _ in STAGES]
    if until is not None and until not in names:
        raise CommonGroundError(f"no demo stage '{until}'; stages: {', '.join(names)}")
    chosen = STAGES[:names.index(until) + 1] if until else STAGES
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
        for index, (name, stage) in enumerate(chosen):
            ctx.progress(name, index / len(chosen))
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
        engine.close()  # DuckDB: its own connection; Spark: a no-op, the shared session lives on
    return {"hub": str(hub_dir), "partners": str(partners_dir), "engine": engine.name,
            "stages": stages}


def render_demo(result: dict[str, Any], console: Console) -> None:
    console.print(f"[bold]Hub[/bold] {result['hub']}   "
                  f"[bold]partners' extracts[/bold] {result['partners']}")
    for name, figures in result["stages"].items():
        if name == "accounts":
            continue
        table = Table(title=f"stage: {name}", show_header=False, title_justify="left")
        for key, shown in _rows(figures):
            table.add_row(key, shown)
        console.print(table)
    if "accounts" in result["stages"]:
        _render_accounts(result["stages"]["accounts"], console)


def _render_accounts(accounts: dict[str, Any], console: Console) -> None:
    """Who to sign in as in the web app: one demo person per role and organisation."""
    table = Table(title=f"web app accounts (password: {accounts['password']})",
                  title_justify="left")
    for column in ("user name", "organisation", "roles"):
        table.add_column(column)
    for person in accounts["accounts"]:
        table.add_row(person["username"], person["organisation"], ", ".join(person["roles"]))
    console.print(table)


def _rows(figures: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Nested figures as one row per leaf ("uplift.single_partner.police.precision_at_k"),
    short lists inline, long ones counted: a table a person can read down."""
    rows: list[tuple[str, str]] = []
    for key, value in figures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_rows(value, name + "."))
        elif isinstance(value, list) and len(value) > 4:
            rows.append((name, f"{len(value)} items"))
        elif isinstance(value, dict | list):
            rows.append((name, json.dumps(value, default=str)))
        else:
            rows.append((name, str(value)))
    return rows
