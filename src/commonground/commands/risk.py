"""Risk list commands: `insights risk ...` and `insights visit record`.

Mounted by cli.py on the `insights` group. Each command acts on a hub as a named person and
makes one call into `commonground.insights.risk`, which checks and audits it.
"""

from __future__ import annotations

from datetime import datetime
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
    key_values,
    opened_hub,
    out,
    rows_table,
)

risk_app = typer.Typer(help="Modern slavery risk lists for safeguarding visits.",
                       no_args_is_help=True)
visit_app = typer.Typer(help="Safeguarding visits to addresses on a risk list.",
                        no_args_is_help=True)

ListOption = Annotated[int | None, typer.Option(
    "--list", min=1, help="The list's number (default: the latest list).")]
VisitListOption = Annotated[int, typer.Option("--list", min=1,
                                              help="The number of the list the address is on.")]
AddressArgument = Annotated[str, typer.Argument(
    help="The linked address entity id, e.g. A0000123.")]
FormatOption = Annotated[str, typer.Option("--format", help="csv, xlsx or geojson.")]
OutOption = Annotated[Path, typer.Option("--out", help="The file to write.")]
VisitOutcomeOption = Annotated[str, typer.Option(
    "--outcome", help="concern_found, no_concern or no_access.")]
OnOption = Annotated[datetime | None, typer.Option(
    "--on", formats=["%Y-%m-%d"], help="The day of the visit, YYYY-MM-DD (default: today).")]

ModelOption = Annotated[str, typer.Option("--model",
                                          help="checklist, logistic or boosted.")]
TopOption = Annotated[int, typer.Option("--k", min=1, max=10_000,
                                        help="How many addresses the list keeps.")]
CutoffOption = Annotated[datetime | None, typer.Option(
    "--cutoff", formats=["%Y-%m-%d"],
    help="Use records before this day, YYYY-MM-DD (default: the day after the newest).")]
AgreementOption = Annotated[str | None, typer.Option(
    "--agreement", help="The agreement's slug (default: the one the policy finds).")]
DaysOption = Annotated[int, typer.Option("--days", min=1, max=365,
                                         help="How many days the list may be used.")]
EngineOption = Annotated[str | None, typer.Option("--engine", help="duckdb or spark.")]
UpliftKOption = Annotated[int, typer.Option("--k", min=1, max=10_000,
                                            help="Judge each list by its top k.")]
BootOption = Annotated[int, typer.Option("--bootstrap", min=0, max=100_000,
                                         help="Bootstrap draws for the intervals.")]
HorizonOption = Annotated[int, typer.Option(
    "--horizon", min=7, max=3_650,
    help="Validate on referrals made in this many days before the cut-off.")]
TruthOption = Annotated[Path | None, typer.Option(
    "--truth", help="A synthetic county's truth/ folder: judge against it instead.")]


@risk_app.command("build")
def risk_build(model: ModelOption = "logistic", k: TopOption = 100,
               cutoff: CutoffOption = None, agreement: AgreementOption = None,
               days: DaysOption = 28, engine: EngineOption = None,
               hub: HubOption = Path("hub"), actor: ActorOption = None,
               as_json: JsonOption = False) -> None:
    """Score every linked address from all partners' records and save the top k as a list."""
    from commonground.engines import get_engine
    from commonground.insights.risk import build_risk_list

    with opened_hub(hub) as opened:
        built = build_risk_list(opened, acting(opened, actor), get_engine(engine), model=model,
                                k=k, cutoff=cutoff.date() if cutoff else None,
                                agreement=agreement, days=days)
    shown = {k: v for k, v in built.items() if k not in ("card", "metrics")}
    emit(built if as_json else shown, as_json, key_values("Risk list built"))


def uplift(k: UpliftKOption = 50, model: ModelOption = "logistic",
           cutoff: CutoffOption = None, horizon: HorizonOption = 182,
           bootstrap: BootOption = 1_000, truth: TruthOption = None,
           engine: EngineOption = None, hub: HubOption = Path("hub"),
           actor: ActorOption = None, as_json: JsonOption = False) -> None:
    """What each partner's data adds: precision at k alone, left out, all; Shapley shares."""
    from commonground.engines import get_engine
    from commonground.insights.risk import uplift_report

    with opened_hub(hub) as opened:
        report = uplift_report(opened, acting(opened, actor), get_engine(engine), k=k,
                               model=model, cutoff=cutoff.date() if cutoff else None,
                               horizon=horizon, boot=bootstrap, truth=truth)
    emit(report, as_json, key_values("What each partner adds"))


@risk_app.command("list")
def risk_list(hub: HubOption = Path("hub"), actor: ActorOption = None,
              as_json: JsonOption = False) -> None:
    """The saved risk lists: number, model, who built them, under which agreement, expiry."""
    from commonground.insights.risk import list_risk_lists

    with opened_hub(hub) as opened:
        lists = list_risk_lists(opened, acting(opened, actor))
    shown = [{k: v for k, v in item.items() if k != "metrics"} for item in lists]
    emit({"lists": lists if as_json else shown}, as_json, rows_table("Risk lists", "lists"))


def _render_explanation(result: dict[str, Any]) -> None:
    out.print(f"{result['address_id']}: rank {result['rank']} of {result['of']} on list "
              f"{result['list']}, score {result['score']:.3f} "
              f"(list expires {result['expires_on']})")
    table = Table(title="Contributions, largest first", title_justify="left")
    for column in ("indicator", "partner", "value", "contribution"):
        table.add_column(column)
    for item in result["contributions"]:
        table.add_row(item["indicator"], item["partner"], f"{item['value']:g}",
                      f"{item['contribution']:+.4f}")
    out.print(table)


@risk_app.command("explain")
def risk_explain(address_id: AddressArgument, list_number: ListOption = None,
                 hub: HubOption = Path("hub"), actor: ActorOption = None,
                 as_json: JsonOption = False) -> None:
    """Why an address is on a list: its rank, score and each indicator's contribution."""
    from commonground.insights.risk import explain_address

    with opened_hub(hub) as opened:
        result = explain_address(opened, acting(opened, actor), address_id, list_number)
    emit(result, as_json, _render_explanation)


@risk_app.command("export")
def risk_export(fmt: FormatOption, path: OutOption, list_number: ListOption = None,
                hub: HubOption = Path("hub"), actor: ActorOption = None,
                as_json: JsonOption = False) -> None:
    """Write a risk list as CSV, Excel or GeoJSON (WGS84, for QGIS and ArcGIS)."""
    from commonground.insights.risk import export_list

    with opened_hub(hub) as opened:
        result = export_list(opened, acting(opened, actor), path, fmt, list_number)
    emit(result, as_json, key_values("Risk list exported"))


@visit_app.command("record")
def visit_record(address_id: AddressArgument, list_number: VisitListOption,
                 outcome: VisitOutcomeOption, on: OnOption = None,
                 hub: HubOption = Path("hub"), actor: ActorOption = None,
                 as_json: JsonOption = False) -> None:
    """Record what a safeguarding visit to an address on a list found."""
    from commonground.insights.risk import record_visit

    with opened_hub(hub) as opened:
        result = record_visit(opened, acting(opened, actor), list_number, address_id, outcome,
                              on.date() if on else None)
    emit(result, as_json, key_values("Visit recorded"))
