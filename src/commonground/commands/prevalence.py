"""`insights prevalence`: how many people no list saw, from a table of counts in a file.

Mounted by cli.py on the `insights` group. Arithmetic on aggregate counts; no hub, no records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from commonground.commands.output import (
    ActorOption,
    JsonOption,
    acting,
    emit,
    key_values,
    opened_hub,
    rows_table,
)

CapturesArgument = Annotated[Path | None, typer.Argument(
    help="A CSV of 0/1 columns, one per list, and a last column of counts (or --hub).")]
HubFlag = Annotated[Path | None, typer.Option(
    "--hub", help="Build the table from this hub's linked referrals instead of a file.")]
MethodOption = Annotated[str, typer.Option(
    "--method", help="stepwise, aic, bic or independence (AIC and BIC: at most 5 lists).")]
CompareOption = Annotated[bool, typer.Option(
    "--compare", help="Show every method side by side with their intervals and warnings.")]
BootstrapOption = Annotated[int, typer.Option(
    "--bootstrap", min=0, max=100_000,
    help="Bootstrap replicates for the BCa intervals, the selection redone on each (0: none).")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed for the bootstrap draws.")]
ThresholdOption = Annotated[float, typer.Option(
    "--threshold", min=0.0, max=1.0, help="Stepwise stops when no term has a p-value below this.")]
LinkageOption = Annotated[bool, typer.Option(
    "--linkage", help="With --hub: the estimate at each linkage threshold (0.5 to 0.99).")]
SensitivityOption = Annotated[bool, typer.Option(
    "--sensitivity", help="Also stepwise with each list dropped (and each --merge group merged).")]
MergeOption = Annotated[list[str] | None, typer.Option(
    "--merge", help="Lists to merge into one, comma-separated (e.g. PF,NCA); repeatable.")]
WorkersOption = Annotated[int | None, typer.Option(
    "--workers", min=1, help="Processes for the bootstrap (default: every core).")]


def prevalence(captures: CapturesArgument = None, method: MethodOption = "stepwise",
               compare: CompareOption = False, bootstrap: BootstrapOption = 1000,
               seed: SeedOption = 1234, threshold: ThresholdOption = 0.02,
               workers: WorkersOption = None, hub: HubFlag = None,
               linkage: LinkageOption = False, sensitivity: SensitivityOption = False,
               merge: MergeOption = None, actor: ActorOption = None,
               as_json: JsonOption = False) -> None:
    """Estimate how many people no list saw (multiple systems estimation, as SparseMSE)."""
    from commonground.insights.prevalence import compare_methods, read_captures, report

    options: dict[str, Any] = {"bootstrap": bootstrap, "seed": seed, "threshold": threshold,
                               "workers": workers}
    merges = [tuple(g.split(",")) for g in merge or []] if sensitivity or merge else None
    if hub is not None or captures is None:
        return _from_hub(hub or Path("hub"), actor, method, {
            **options, "compare": compare, "linkage": linkage, "merges": merges}, as_json)
    table = read_captures(captures)
    if compare:
        return _compared(compare_methods(table, **options).to_dict(), as_json)
    found = report(table, method, **options, merges=merges)
    emit(found, as_json, key_values("Estimated population"))
    _tables(found, as_json)


def _from_hub(hub: Path, actor: str | None, method: str, options: dict[str, Any],
              as_json: bool) -> None:
    from commonground.engines import get_engine
    from commonground.insights.prevalence import hub_prevalence

    with opened_hub(hub) as opened:
        found = hub_prevalence(opened, acting(opened, actor), get_engine(None), method=method,
                               **options)
    emit(found, as_json, key_values("Estimated population (the hub's referrals)"))
    _tables(found, as_json)


def _compared(compared: dict[str, Any], as_json: bool) -> None:
    emit(compared, as_json, rows_table("Estimates by method", "methods"))
    if not as_json:
        key_values("Warnings")({"warnings": compared["warnings"]})


def _tables(found: dict[str, Any], as_json: bool) -> None:
    """The sensitivity and linkage rows, as tables of their own on a terminal."""
    for key, title in (("sensitivity", "Lists dropped or merged (stepwise)"),
                       ("linkage", "By linkage threshold")):
        if not as_json and found.get(key):
            rows_table(title, key)(found)
