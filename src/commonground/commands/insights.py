"""Insights commands: hotspot backtests and forecasts, the intervention register and trials.

Mounted by cli.py as `insights` (hotspots, power, wdd) and `intervention` (add, list,
allocate, evaluate). Hotspot commands read crime files directly (police.uk open data or a
force's own extract); intervention commands act on a hub as a named person.
"""

from __future__ import annotations

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
TestMonthsOption = Annotated[str | None, typer.Option(
    "--test-months", help="Comma-separated YYYY-MM (default: all but the first three).")]
MethodsOption = Annotated[str | None, typer.Option(
    "--methods", help="Comma-separated methods (default: all).")]
CovariateOption = Annotated[list[str] | None, typer.Option(
    "--covariate", help="NAME=PATH: other point data (police.uk or an extract with "
    "OFFENCE_DATETIME, EASTING, NORTHING, CRIME_TYPE; files or lake folders) that the "
    "learned model may use as context. Repeatable.")]
MethodOption = Annotated[str, typer.Option("--method", help="Which method ranks the cells.")]
MonthOption = Annotated[str | None, typer.Option(
    "--month", help="YYYY-MM to predict (default: the month after the data).")]
CoverageOption = Annotated[float, typer.Option("--coverage", min=0.0001, max=1.0,
                                               help="Share of cells to flag.")]
GeojsonOption = Annotated[Path | None, typer.Option(
    "--geojson", help="Also write the flagged cells as GeoJSON (WGS84).")]
TreatedOption = Annotated[str, typer.Option(help="Treated area: BEFORE,AFTER counts.")]
ControlOption = Annotated[str, typer.Option(help="Control area: BEFORE,AFTER.")]
DisplacementOption = Annotated[str, typer.Option(help="Displacement zone: BEFORE,AFTER.")]
DisplacementControlOption = Annotated[str, typer.Option(
    help="Control's displacement zone: BEFORE,AFTER.")]
PlacesPerArmOption = Annotated[int, typer.Option(min=1, help="Places in each arm.")]
BaselineOption = Annotated[float, typer.Option(help="Crimes per place per period.")]
EffectOption = Annotated[float, typer.Option(help="Relative change, e.g. -0.25.")]
BeforeOption = Annotated[int, typer.Option(min=1, help="Outcome periods before the start.")]
AfterOption = Annotated[int, typer.Option(min=1, help="Outcome periods after the start.")]
OverdispersionOption = Annotated[float, typer.Option(
    min=1.0, help="Variance over mean of the counts (1: Poisson).")]
NameOption = Annotated[str, typer.Option(help="What is done, e.g. 'Hot-spot patrols'.")]
StartsOnOption = Annotated[str, typer.Option("--starts-on", help="YYYY-MM-DD.")]
OutcomeOption = Annotated[str, typer.Option(help="The planned outcome measure.")]
PlacesOption = Annotated[str | None, typer.Option(help="Comma-separated place ids.")]
PlacesFileOption = Annotated[Path | None, typer.Option(help="One place id per line.")]
EndsOnOption = Annotated[str | None, typer.Option("--ends-on", help="YYYY-MM-DD.")]
AreaOption = Annotated[str, typer.Option(help="Where, in words.")]
DescriptionOption = Annotated[str, typer.Option(help="What, in more words.")]
InterventionArgument = Annotated[int, typer.Argument(help="The intervention's id.")]
TreatmentStartOption = Annotated[int, typer.Option(
    "--treatment-start", help="First outcome period under treatment.")]
TreatmentEndOption = Annotated[int | None, typer.Option(
    "--treatment-end", help="First period after treatment (default: open).")]
SchemeOption = Annotated[str, typer.Option(
    help="simple, complete, blocked, stratified or crossover.")]
SeedOption = Annotated[int, typer.Option(help="The allocation's random seed.")]
ScoresOption = Annotated[Path | None, typer.Option(
    help="CSV place,score for blocked allocation (e.g. last year's crimes).")]
StrataOption = Annotated[Path | None, typer.Option(help="CSV place,stratum.")]
BlockSizeOption = Annotated[int, typer.Option(min=2, help="Blocked: places per block.")]
DaysOption = Annotated[int, typer.Option(help="Crossover: days in the trial.")]
FamilyOption = Annotated[str, typer.Option(help="poisson or linear.")]
PermutationsOption = Annotated[int, typer.Option(
    min=0, help="Re-randomisations for the permutation test (0: none).")]
OutcomesOption = Annotated[Path, typer.Option(help="CSV with columns place,period,count.")]


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
    test_months: TestMonthsOption = None,
    methods: MethodsOption = None,
    covariate: CovariateOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Predict each test month from the months before it; hit rate, PAI and PEI per method."""
    from commonground.engines import get_engine
    from commonground.insights.hotspots import backtest, load_covariates, load_crimes

    points, context = load_crimes(files), load_covariates(covariate)
    with get_engine(engine) as runner:
        result = backtest(points, crime_type=crime_type, cell_size=cell_size,
                          test_months=_split(test_months), methods=_split(methods),
                          engine=runner, covariates=context).to_dict()
    emit(result, as_json, _render_backtest)


@hotspots_app.command("predict")
def hotspots_predict(
    files: FilesArgument,
    method: MethodOption = "learned",
    crime_type: CrimeTypeOption = None,
    cell_size: CellSizeOption = 250.0,
    month: MonthOption = None,
    coverage: CoverageOption = 0.05,
    geojson: GeojsonOption = None,
    engine: EngineOption = None,
    as_json: JsonOption = False,
) -> None:
    """Flag the cells most likely to see crime next month."""
    from commonground.engines import get_engine
    from commonground.insights.hotspots import load_crimes, predict, to_geojson

    with get_engine(engine) as runner:
        result = predict(load_crimes(files), method_name=method, crime_type=crime_type,
                         cell_size=cell_size, month=month, coverage=coverage, engine=runner)
    if geojson is not None:
        geojson.write_text(json.dumps(to_geojson(result)) + "\n")
        result["geojson"] = str(geojson)
    emit(result, as_json, rows_table(f"{result['method']}: {result['month']}", "cells"))


@insights_app.command("wdd")
def wdd(
    treated: TreatedOption,
    control: ControlOption,
    displacement: DisplacementOption = "0,0",
    displacement_control: DisplacementControlOption = "0,0",
    as_json: JsonOption = False,
) -> None:
    """The weighted displacement difference test (Wheeler & Ratcliffe 2018)."""
    from commonground.insights.evaluation import before_after, wdd_test

    result = wdd_test(treated=before_after(treated), control=before_after(control),
                      displacement=before_after(displacement),
                      displacement_control=before_after(displacement_control))
    emit(result.to_dict(), as_json, key_values("Weighted displacement difference"))


@insights_app.command("power")
def power(
    places_per_arm: PlacesPerArmOption,
    baseline: BaselineOption,
    effect: EffectOption = -0.25,
    periods_before: BeforeOption = 12,
    periods_after: AfterOption = 12,
    overdispersion: OverdispersionOption = 1.0,
    as_json: JsonOption = False,
) -> None:
    """Power of a two-arm place-based trial analysed by Poisson difference-in-differences."""
    from commonground.insights.evaluation import trial_power

    result = trial_power(places_per_arm, baseline, effect, periods_before=periods_before,
                         periods_after=periods_after, overdispersion=overdispersion)
    emit(result.to_dict(), as_json, key_values("Trial power"))


@intervention_app.command("add")
def intervention_add(
    name: NameOption,
    starts_on: StartsOnOption,
    outcome: OutcomeOption,
    places: PlacesOption = None,
    places_file: PlacesFileOption = None,
    ends_on: EndsOnOption = None,
    area: AreaOption = "",
    description: DescriptionOption = "",
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register an intervention: what, where, when, who, and its planned outcome."""
    from commonground.insights.evaluation import add_intervention, places_from

    with opened_hub(hub) as opened:
        view = add_intervention(
            opened, acting(opened, actor), name=name, places=places_from(places, places_file),
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


@intervention_app.command("allocate")
def intervention_allocate(
    intervention: InterventionArgument,
    treatment_start: TreatmentStartOption,
    treatment_end: TreatmentEndOption = None,
    scheme: SchemeOption = "complete",
    seed: SeedOption = 0,
    scores: ScoresOption = None,
    strata: StrataOption = None,
    block_size: BlockSizeOption = 4,
    days: DaysOption = 0,
    family: FamilyOption = "poisson",
    permutations: PermutationsOption = 999,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Randomise the places and freeze design, plan and allocation (pre-registration)."""
    from commonground.insights.evaluation import allocate_trial, read_place_values

    with opened_hub(hub) as opened:
        result = allocate_trial(opened, acting(opened, actor), intervention, scheme=scheme,
                                plan=_plan(treatment_start, treatment_end, family, permutations),
                                scores=read_place_values(scores, numbers=True), seed=seed,
                                strata=read_place_values(strata), block_size=block_size, days=days)
    emit(result, as_json, key_values("Trial allocated and pre-registered"))


def _plan(start: int, end: int | None, family: str, permutations: int) -> dict[str, Any]:
    """The analysis plan frozen with the allocation."""
    from commonground.insights.evaluation import default_plan

    return {**default_plan(start, end), "family": family, "permutations": permutations}


def _render_evaluation(result: dict[str, Any]) -> None:
    key_values("Evaluation")({**result["primary"], "sms": result["sms"], "permutation_p":
                              result["secondary"].get("permutation", {}).get("p_value")})


@intervention_app.command("evaluate")
def intervention_evaluate(
    intervention: InterventionArgument,
    outcomes: OutcomesOption,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run the pre-registered analysis on the outcomes (refused if the plan changed)."""
    from commonground.insights.evaluation import evaluate_trial, read_outcomes

    rows = read_outcomes(outcomes)
    with opened_hub(hub) as opened:
        result = evaluate_trial(opened, acting(opened, actor), intervention, rows)
    emit(result, as_json, _render_evaluation)
