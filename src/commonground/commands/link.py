"""`commonground link ...`: entity resolution at the hub, and for files without a hub."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from commonground.commands.output import (
    ActorOption,
    HubOption,
    JsonOption,
    acting,
    emit,
    key_values,
    opened_hub,
    rows_table,
)
from commonground.errors import CommonGroundError

link_app = typer.Typer(help="Link people and addresses across partners (Splink).",
                       no_args_is_help=True)

EngineOption = Annotated[str | None, typer.Option("--engine", help="duckdb (default) or spark.")]
KindOption = Annotated[str | None, typer.Option("--kind", help="person or address (default both).")]
RetrainOption = Annotated[bool, typer.Option(help="Train a new model version.")]
FullOption = Annotated[bool, typer.Option(
    help="Score every pair again, even when only new records came in.")]
TruthOption = Annotated[Path, typer.Option(help="The synthetic county's truth/ folder.")]
DecideOption = Annotated[int | None, typer.Option(help="A review item's id to decide.")]
DecisionOption = Annotated[str | None, typer.Option(help="same or different.")]
LimitOption = Annotated[int, typer.Option(help="How many pending pairs to list.")]
PathsArgument = Annotated[list[Path], typer.Argument(
    help="CSV or Parquet files (one to dedupe).")]
IdColumnOption = Annotated[list[str] | None, typer.Option(
    "--id-column", help="Record id column: COL for every file, or FILE:COL for one (repeat "
    "per file). Left out: a column named like an id (Ref, rec_id, INTEL_REF) with a value in "
    "every record, each once; else the row number.")]
ClustersOutOption = Annotated[Path, typer.Option(
    "--out", help="CSV to write: file, id, cluster_id.")]
MapOption = Annotated[list[str] | None, typer.Option(
    "--map", help="[FILE:]given_name=COL,family_name=COL,full_name=COL,dob=COL,address=COL,"
    "postcode=COL,... for every file, or with FILE: for one (repeat per file); columns not "
    "named are detected by name.")]
PseudonymiseOption = Annotated[bool, typer.Option(
    "--pseudonymise", help="Link on keyed tokens only (a throwaway key).")]


def _kinds(kind: str | None) -> tuple[Any, ...]:
    if kind is None:
        return ("person", "address")
    if kind not in ("person", "address"):
        raise CommonGroundError("--kind is person or address")
    return (kind,)


def _flat(result: dict[str, Any]) -> dict[str, Any]:
    return {f"{k}.{n}": _unlinkable_shown(v) if n == "unlinkable" else v
            for k, figures in result.items() if isinstance(figures, dict)
            for n, v in figures.items()}


def _unlinkable_shown(unlinkable: dict[str, Any], first: int = 10) -> str:
    """'N (why): the first ids and how many more', for people (--json has every id)."""
    ids = unlinkable["ids"]
    if isinstance(ids, dict):  # link files: ids by file
        ids = [f"{name}:{record}" for name, records in ids.items() for record in records]
    more = f" and {len(ids) - first} more" if len(ids) > first else ""
    listed = f": {', '.join(ids[:first])}{more}" if ids else ""
    return f"{unlinkable['count']} ({unlinkable['why']}){listed}"


@link_app.command("run")
def run(hub: HubOption = Path("hub"), as_: ActorOption = None, engine: EngineOption = None,
        kind: KindOption = None, retrain: RetrainOption = False, full: FullOption = False,
        as_json: JsonOption = False) -> None:
    """Link every contributed dataset; entity ids carry over from the last run.

    When only new records came in since the last run (same model, same review decisions),
    only their pairs are scored and they join the existing entities; --full re-links all.
    """
    from commonground.engines import get_engine
    from commonground.link import run_linkage

    with opened_hub(hub) as opened:
        actor = acting(opened, as_)  # before the engine starts: Spark takes a while
        with get_engine(engine) as eng:
            result = run_linkage(opened, actor, eng, kinds=_kinds(kind), retrain=retrain,
                                 full=full)
    emit(result, as_json, lambda r: key_values("Linkage")(_flat(r)))


@link_app.command("evaluate")
def evaluate(
    truth: TruthOption,
    hub: HubOption = Path("hub"), as_: ActorOption = None, kind: KindOption = None,
    as_json: JsonOption = False) -> None:
    """Score the entity index against ground truth: pairwise P/R/F1 and cluster figures."""
    from commonground.link import evaluate_hub

    with opened_hub(hub) as opened:
        result = evaluate_hub(opened, acting(opened, as_), truth, _kinds(kind))
    emit(result, as_json, lambda r: key_values("Linkage quality")(_flat(r)))


@link_app.command("review")
def review(
    hub: HubOption = Path("hub"), as_: ActorOption = None, kind: KindOption = None,
    decide: DecideOption = None, decision: DecisionOption = None, limit: LimitOption = 20,
    as_json: JsonOption = False) -> None:
    """List the pairs waiting for a decision, or decide one (--decide ID --decision same)."""
    from commonground.link import decide_review, pending_reviews

    with opened_hub(hub) as opened:
        actor = acting(opened, as_)
        if decide is not None:
            if decision is None:
                raise CommonGroundError("say --decision same or --decision different")
            return emit(decide_review(opened, actor, decide, decision), as_json,
                        key_values("Decision recorded"))
        items = pending_reviews(opened, actor, kind, limit)
    shown = [{k: v for k, v in i.items() if k != "explanation"} for i in items]
    emit({"pending": items if as_json else shown}, as_json, rows_table("Review queue", "pending"))


@link_app.command("export")
def export(out: Annotated[Path, typer.Argument(help="Parquet file to write.")],
           hub: HubOption = Path("hub"), as_: ActorOption = None, kind: KindOption = None,
           as_json: JsonOption = False) -> None:
    """Write dataset, record id and entity id for every mention to Parquet."""
    from commonground.link import export as write

    with opened_hub(hub) as opened:
        result = write(opened, acting(opened, as_), out, _kinds(kind))
    emit(result, as_json, key_values("Entity index exported"))


def _files_shown(result: dict[str, Any]) -> dict[str, Any]:
    """The summary for people: one line per file, and the first unlinkable ids."""
    shown = {k: v for k, v in result.items() if k not in ("files", "unlinkable")}
    for name, layout in result["files"].items():
        columns = ", ".join(f"{concept}={column}" for concept, column
                            in layout["columns"].items())
        shown[name] = (f"{layout['records']} records; id: {layout['id_column'] or '-'} "
                       f"({layout['id']}); {columns}")
    shown["unlinkable"] = _unlinkable_shown(result["unlinkable"])
    return shown


@link_app.command("files")
def files(
    paths: PathsArgument,
    out: ClustersOutOption,
    id_column: IdColumnOption = None,
    map_: MapOption = None,
    pseudonymise: PseudonymiseOption = False,
    engine: EngineOption = None, as_json: JsonOption = False) -> None:
    """Deduplicate one file or link several, without a hub: every record, with its cluster."""
    from commonground.engines import get_engine
    from commonground.link import file_options, link_files_to_csv

    options = file_options(paths, id_column or (), map_ or ())
    with get_engine(engine) as eng:
        result = link_files_to_csv(paths, None, out, eng, options=options,
                                   pseudonymised=pseudonymise)
    emit(result, as_json, lambda r: key_values("Files linked")(_files_shown(r)))
    if not as_json:
        sys.stderr.write(f"wrote {out}\n")
