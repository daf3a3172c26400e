"""Insights commands: hotspot backtests and forecasts, the intervention register and trials.

Mounted by cli.py as `insights` (hotspots, power, wdd) and `intervention` (add, list,
allocate, evaluate). Hotspot commands read crime files directly (police.uk open data or a
force's own extract); intervention commands act on a hub as a named person.
"""

from __future__ import annotations

import csv
import json
from datetime import date
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

insights_app = typer.Typer(help="Predict where crime will happen; test what prevents it.",
                           no_args_is_help=True)
hotspots_app = typer.Typer(help="Hotspot prediction on a British National Grid.",
                           no_args_is_help=True)
intervention_app = typer.Typer(help="The intervention register and randomised trials.",
                               no_args_is_help=True)
insights_app.add_typer(hotspots_app, name="hotspots")

FilesArgument = Annotated[list[Path], typer.Argument(
    help="police.uk street CSVs, a force extract (OFFENCE_DATETIME, EASTING, NORTHING), "
         "or folders of them.")]
CrimeTypeOption = Annotated[str | None, typer.Option(
    "--crime-type", help="A police.uk crime type, e.g. Burglary (default: all crime).")]
CellSizeOption = Annotated[float, typer.Option("--cell-size", min=10.0,
                                               help="Cell size in metres (BNG).")]
EngineOption = Annotated[str | None, typer.Option("--engine", help="duckdb or spark.")]


def _engine(name: str | None):  # type: ignore[no-untyped-def]
    from commonground.engines import get_engine

    return get_engine(name)


def _split(text: str | None) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


def _render_backtest(result: dict[str, Any]) -> None:
    region = result["region"]
    table = Table(title=f"{result['crime_type']}: {region['cells']} cells of "
                        f"{region['cell_size_m']:g} m ({region['area_km2']} km²), months "
                        f"{', '.join(result['test_months'])}", title_justify="left")
    table.add_column("method")
    for coverage in result["coverages"]:
        table.add_column(f"hit {coverage:.0%}", justify="right")
        table.add_column(f"PAI {coverage:.0%}", justify="right")
    for name, values in result["methods"].items():
        cells = []
        for coverage in result["coverages"]:
            key = f"{coverage:g}"
            cells += [f"{values['hit_rate'][key]:.3f}", f"{values['pai'][key]:.2f}"]
        table.add_row(name, *cells)
    out.print(table)
    out.print(f"Compared with {result['comparisons']['reference']} by "
              f"{result['comparisons']['test']}.")


@hotspots_app.command("backtest")
def hotspots_backtest(
    files: FilesArgument,
    crime_type: CrimeTypeOption = None,
    cell_size: CellSizeOption = 250.0,
    test_months: Annotated[str | None, typer.Option(
        "--test-months", help="Comma-separated YYYY-MM (default: all but the first three).")
    ] = None,
    methods: Annotated[str | None, typer.Option(
        "--methods", help="Comma-separated methods (default: all).")] = None,
    covariate: Annotated[list[str] | None, typer.Option(
        "--covariate", help="NAME=PATH: other point data (police.uk or an extract with "
        "OFFENCE_DATETIME, EASTING, NORTHING, CRIME_TYPE; files or lake folders) that the "
        "learned model may use as context. Repeatable.")] = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Predict each test month from the months before it; hit rate, PAI and PEI per method."""
    from commonground.insights.hotspots import backtest, load_crimes

    points = load_crimes(files)
    context = {}
    for item in covariate or []:
        name, _, path = item.partition("=")
        if not name or not path:
            raise ValueError(f"--covariate takes NAME=PATH, not '{item}'")
        context[name] = load_crimes([Path(path)])
    runner = _engine(engine)
    try:
        result = backtest(points, crime_type=crime_type, cell_size=cell_size,
                          test_months=_split(test_months), methods=_split(methods),
                          engine=runner, covariates=context).to_dict()
    finally:
        runner.close()
    emit(result, as_json, _render_backtest)


@hotspots_app.command("predict")
def hotspots_predict(
    files: FilesArgument,
    method: Annotated[str, typer.Option("--method", help="Which method ranks the cells.")
                      ] = "learned",
    crime_type: CrimeTypeOption = None,
    cell_size: CellSizeOption = 250.0,
    month: Annotated[str | None, typer.Option(
        "--month", help="YYYY-MM to predict (default: the month after the data).")] = None,
    coverage: Annotated[float, typer.Option("--coverage", min=0.0001, max=1.0,
                                            help="Share of cells to flag.")] = 0.05,
    geojson: Annotated[Path | None, typer.Option(
        "--geojson", help="Also write the flagged cells as GeoJSON (WGS84).")] = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Flag the cells most likely to see crime next month."""
    from commonground.insights.hotspots import load_crimes, predict, to_geojson

    runner = _engine(engine)
    try:
        result = predict(load_crimes(files), method_name=method, crime_type=crime_type,
                         cell_size=cell_size, month=month, coverage=coverage, engine=runner)
    finally:
        runner.close()
    if geojson is not None:
        geojson.write_text(json.dumps(to_geojson(result)) + "\n")
        result["geojson"] = str(geojson)
    emit(result, as_json, rows_table(f"{result['method']}: {result['month']}", "cells"))


@insights_app.command("wdd")
def wdd(
    treated: Annotated[str, typer.Option(help="Treated area: BEFORE,AFTER counts.")],
    control: Annotated[str, typer.Option(help="Control area: BEFORE,AFTER.")],
    displacement: Annotated[str, typer.Option(help="Displacement zone: BEFORE,AFTER.")
                            ] = "0,0",
    displacement_control: Annotated[str, typer.Option(
        help="Control's displacement zone: BEFORE,AFTER.")] = "0,0",
    as_json: JsonOption = False,
) -> None:
    """The weighted displacement difference test (Wheeler & Ratcliffe 2018)."""
    from commonground.insights.evaluation import wdd_test

    def pair(text: str) -> tuple[float, float]:
        parts = [float(p) for p in text.split(",")]
        if len(parts) != 2:
            raise ValueError(f"'{text}' must be two counts: BEFORE,AFTER")
        return parts[0], parts[1]

    result = wdd_test(treated=pair(treated), control=pair(control),
                      displacement=pair(displacement),
                      displacement_control=pair(displacement_control))
    emit(result.to_dict(), as_json, key_values("Weighted displacement difference"))


@insights_app.command("power")
def power(
    places_per_arm: Annotated[int, typer.Option(min=1, help="Places in each arm.")],
    baseline: Annotated[float, typer.Option(help="Crimes per place per period.")],
    effect: Annotated[float, typer.Option(help="Relative change, e.g. -0.25.")] = -0.25,
    periods_before: Annotated[int, typer.Option(min=1)] = 12,
    periods_after: Annotated[int, typer.Option(min=1)] = 12,
    overdispersion: Annotated[float, typer.Option(min=1.0)] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """Power of a two-arm place-based trial analysed by Poisson difference-in-differences."""
    from commonground.insights.evaluation import trial_power

    result = trial_power(places_per_arm, baseline, effect, periods_before=periods_before,
                         periods_after=periods_after, overdispersion=overdispersion)
    emit(result.to_dict(), as_json, key_values("Trial power"))


def _places(places: str | None, places_file: Path | None) -> list[str]:
    chosen = _split(places) or []
    if places_file is not None:
        chosen += [line.strip() for line in places_file.read_text().splitlines() if line.strip()]
    if not chosen:
        raise ValueError("give the places with --places A,B,C or --places-file FILE")
    return chosen


@intervention_app.command("add")
def intervention_add(
    name: Annotated[str, typer.Option(help="What is done, e.g. 'Hot-spot patrols'.")],
    starts_on: Annotated[str, typer.Option("--starts-on", help="YYYY-MM-DD.")],
    outcome: Annotated[str, typer.Option(help="The planned outcome measure.")],
    places: Annotated[str | None, typer.Option(help="Comma-separated place ids.")] = None,
    places_file: Annotated[Path | None, typer.Option(help="One place id per line.")] = None,
    ends_on: Annotated[str | None, typer.Option("--ends-on", help="YYYY-MM-DD.")] = None,
    area: Annotated[str, typer.Option(help="Where, in words.")] = "",
    description: Annotated[str, typer.Option(help="What, in more words.")] = "",
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an intervention: what, where, when, who, and its planned outcome."""
    from commonground.insights.evaluation import add_intervention

    with opened_hub(hub) as opened:
        view = add_intervention(
            opened, acting(opened, actor), name=name, places=_places(places, places_file),
            starts_on=date.fromisoformat(starts_on), outcome_measure=outcome,
            ends_on=date.fromisoformat(ends_on) if ends_on else None, area=area,
            description=description)
    emit(view.to_dict(), as_json, key_values("Intervention registered"))


@intervention_app.command("list")
def intervention_list(hub: HubOption = Path("hub"), actor: ActorOption = None,
                      as_json: JsonOption = False) -> None:
    """Every registered intervention."""
    from commonground.insights.evaluation import list_interventions

    with opened_hub(hub) as opened:
        views = list_interventions(opened, acting(opened, actor))
    emit({"interventions": [v.to_dict() for v in views]}, as_json,
         rows_table("Interventions", "interventions"))


def _read_scores(path: Path | None) -> dict[str, str] | None:
    if path is None:
        return None
    with path.open(newline="") as handle:
        return {row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2
                and row[0] != "place"}


@intervention_app.command("allocate")
def intervention_allocate(
    intervention: Annotated[int, typer.Argument(help="The intervention's id.")],
    treatment_start: Annotated[int, typer.Option(
        "--treatment-start", help="First outcome period under treatment.")],
    treatment_end: Annotated[int | None, typer.Option(
        "--treatment-end", help="First period after treatment (default: open).")] = None,
    scheme: Annotated[str, typer.Option(
        help="simple, complete, blocked, stratified or crossover.")] = "complete",
    seed: Annotated[int, typer.Option(help="The allocation's random seed.")] = 0,
    scores: Annotated[Path | None, typer.Option(
        help="CSV place,score for blocked allocation (e.g. last year's crimes).")] = None,
    strata: Annotated[Path | None, typer.Option(help="CSV place,stratum.")] = None,
    block_size: Annotated[int, typer.Option(min=2)] = 4,
    days: Annotated[int, typer.Option(help="Crossover: days in the trial.")] = 0,
    family: Annotated[str, typer.Option(help="poisson or linear.")] = "poisson",
    permutations: Annotated[int, typer.Option(min=0)] = 999,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Randomise the places and freeze design, plan and allocation (pre-registration)."""
    from commonground.insights.evaluation import allocate_trial, default_plan

    plan = {**default_plan(treatment_start, treatment_end), "family": family,
            "permutations": permutations}
    raw_scores = _read_scores(scores)
    with opened_hub(hub) as opened:
        result = allocate_trial(
            opened, acting(opened, actor), intervention, plan=plan, scheme=scheme, seed=seed,
            scores={k: float(v) for k, v in raw_scores.items()} if raw_scores else None,
            strata=_read_scores(strata), block_size=block_size, days=days)
    emit(result, as_json, key_values("Trial allocated and pre-registered"))


@intervention_app.command("evaluate")
def intervention_evaluate(
    intervention: Annotated[int, typer.Argument(help="The intervention's id.")],
    outcomes: Annotated[Path, typer.Option(help="CSV with columns place,period,count.")],
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the pre-registered analysis on the outcomes (refused if the plan changed)."""
    from commonground.insights.evaluation import evaluate_trial

    with outcomes.open(newline="") as handle:
        rows = [(r["place"], int(r["period"]), float(r["count"]))
                for r in csv.DictReader(handle)]
    with opened_hub(hub) as opened:
        result = evaluate_trial(opened, acting(opened, actor), intervention, rows)
    emit(result, as_json, lambda r: key_values("Evaluation")(
        {**r["primary"], "sms": r["sms"],
         "permutation_p": r["secondary"].get("permutation", {}).get("p_value")}))
