"""What every command shares: the --hub and --json options, JSON output, progress on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from commonground.governance import Actor, GovernanceError, actor_for
from commonground.store import Hub, open_hub

err = Console(stderr=True)
out = Console()

HubOption = Annotated[
    Path,
    typer.Option("--hub", envvar="COMMONGROUND_HUB", help="The hub folder (or $COMMONGROUND_HUB)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
ActorOption = Annotated[
    str | None,
    typer.Option("--as", envvar="COMMONGROUND_USER",
                 help="Who is acting: a user name (or $COMMONGROUND_USER)."),
]


@contextmanager
def opened_hub(path: Path) -> Iterator[Hub]:
    """The hub at `path`, closed afterwards."""
    hub = open_hub(path)
    try:
        yield hub
    finally:
        hub.close()


def acting(hub: Hub, username: str | None) -> Actor:
    """The person a command acts as; every command that touches data needs one."""
    if not username:
        raise GovernanceError("say who is acting with --as USERNAME or $COMMONGROUND_USER")
    return actor_for(hub, username)


def emit(result: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    """Print `result` as one JSON object on stdout, or hand it to `render` for people."""
    if as_json:
        sys.stdout.write(json.dumps(result, default=str) + "\n")
    else:
        render(result)


def key_values(title: str) -> Callable[[dict[str, Any]], None]:
    """A renderer that shows a flat result as a two-column table."""

    def render(result: dict[str, Any]) -> None:
        table = Table(title=title, show_header=False, title_justify="left")
        for key, value in result.items():
            shown = json.dumps(value, default=str) if isinstance(value, dict | list) else value
            table.add_row(str(key), str(shown))
        out.print(table)

    return render


def rows_table(title: str, key: str) -> Callable[[dict[str, Any]], None]:
    """A renderer for results shaped {key: [ {col: value}, ... ]}."""

    def render(result: dict[str, Any]) -> None:
        items = result.get(key, [])
        table = Table(title=title, title_justify="left")
        columns = list(items[0]) if items else []
        for column in columns:
            table.add_column(column)
        for item in items:
            table.add_row(*(str(item.get(c, "")) for c in columns))
        out.print(table)

    return render


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, float], None]]:
    """A Rich progress bar on stderr; yields a `report(stage, fraction)` callback."""
    with Progress(
        TextColumn("[bold]{task.description:<28}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
    ) as bar:
        task = bar.add_task("starting", total=1.0)

        def report(stage: str, fraction: float) -> None:
            bar.update(task, description=stage, completed=max(0.0, min(1.0, fraction)))

        yield report
