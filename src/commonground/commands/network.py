"""The network command: which addresses of concern are tied together, and by whom.

Mounted by cli.py as `insights network`; it acts on a hub as a named person, for a purpose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from commonground.commands.output import (
    ActorOption,
    HubOption,
    JsonOption,
    acting,
    emit,
    opened_hub,
    out,
)
from commonground.errors import InvalidInput
from commonground.insights.networks import MAX_DEGREE

AddressesOption = Annotated[Path | None, typer.Option(
    "--addresses", help="A file of address entity ids (A0000031), one a line "
    "(default: every address entity).")]
PurposeOption = Annotated[str, typer.Option(
    help="Why the data is read; an agreement must allow it.")]
MaxDegreeOption = Annotated[int, typer.Option(
    "--max-degree", min=1, help="A person, vehicle or business at more addresses than this "
    "is a hub and ties nothing.")]


def _addresses(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    ids = [line.strip() for line in path.read_text().splitlines()
           if line.strip() and not line.startswith("#")]
    if not ids:
        raise InvalidInput(f"{path} names no address")
    return ids


def _render(result: dict[str, Any]) -> None:
    table = Table(title=f"{len(result['clusters'])} clusters of {result['addresses_given']} "
                        f"addresses ({result['purpose']})", title_justify="left")
    for column in ("cluster", "addresses", "people", "vehicles", "businesses", "datasets"):
        table.add_column(column)
    for c in result["clusters"]:
        table.add_row(str(c["cluster"]), *(str(len(c[k])) for k in (
            "addresses", "people", "vehicles", "businesses")), ", ".join(c["datasets"]))
    out.print(table)
    out.print(f"{len(result['people'])} people tied to two or more of the addresses; hubs "
              f"left out (more than {result['max_degree']} addresses): {result['hubs']}.")


def network(
    addresses: AddressesOption = None,
    purpose: PurposeOption = "safeguarding",
    max_degree: MaxDegreeOption = MAX_DEGREE,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Clusters of addresses tied together by shared people, vehicles or businesses."""
    from commonground.insights.networks import network_report

    wanted = _addresses(addresses)
    with opened_hub(hub) as opened:
        result = network_report(opened, acting(opened, actor), addresses=wanted,
                                purpose=purpose, max_degree=max_degree)
    emit(result, as_json, _render)
