"""Contribution commands: datasets, contributions, the catalogue, retention, erasure, keys.

`contribute FILE --dataset ORG/NAME` prepares the file at source (validate, quarantine,
pseudonymise) and submits the package; `--local --out DIR` only prepares it, on the partner's
machine, and `contribute DIR --dataset ...` later submits a prepared package.
"""

from __future__ import annotations

import shutil
import tempfile
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
    out,
    rows_table,
)

dataset_app = typer.Typer(help="Datasets and their contracts.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention of contributed versions.", no_args_is_help=True)
key_app = typer.Typer(help="The partnership's pseudonymisation key.", no_args_is_help=True)

KeyOption = Annotated[
    Path | None,
    typer.Option("--key", envvar="COMMONGROUND_KEY_FILE",
                 help="The partnership key file (or $COMMONGROUND_KEY_FILE)."),
]
EngineOption = Annotated[
    str | None, typer.Option("--engine", help="duckdb (default) or spark.")
]


def _contract(spec: str) -> Any:
    from commonground.contribute.contract import builtin_contract, load_contract

    path = Path(spec)
    return load_contract(path) if path.suffix in {".yaml", ".yml"} else builtin_contract(spec)


@key_app.command("create")
def key_create(
    path: Annotated[Path, typer.Argument(help="Where to write the new key (kept secret).")],
    as_json: JsonOption = False,
) -> None:
    """Create the partnership key: share it with the partners' stewards, never with the hub."""
    from commonground.contribute.keys import create_key

    key = create_key(path)
    emit({"key_file": str(path), "fingerprint": key.fingerprint}, as_json,
         key_values("Partnership key created"))


@key_app.command("trust")
def key_trust(
    fingerprint: Annotated[str, typer.Argument(help="The key's fingerprint (not the key).")],
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Tell the hub which partnership key its packages must be made with (admin)."""
    from commonground.contribute.submit import set_key_fingerprint
    from commonground.governance import Resource, require

    with opened_hub(hub) as h:
        who = acting(h, actor)
        require(h, who, "hub.configure", Resource(kind="hub", name="settings"))
        set_key_fingerprint(h, fingerprint)
    emit({"fingerprint": fingerprint}, as_json, key_values("Hub trusts key"))


@dataset_app.command("register")
def dataset_register(
    dataset: Annotated[str, typer.Argument(help="organisation/dataset, e.g. police/crimes")],
    contract: Annotated[str, typer.Option(help="Contract YAML file, or a built-in name "
                                               "such as police_uk_street.")],
    description: Annotated[str, typer.Option(help="What the dataset holds.")] = "",
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a dataset with its contract (the owning organisation's steward)."""
    from commonground.contribute.submit import register_dataset

    with opened_hub(hub) as h:
        result = register_dataset(h, acting(h, actor), dataset, _contract(contract), description)
    emit(result, as_json, key_values("Dataset registered"))


def contribute(
    source: Annotated[Path, typer.Argument(help="A partner's file (CSV, XLSX, Parquet) or a "
                                                "package folder made with --local.")],
    dataset: Annotated[str | None, typer.Option(help="organisation/dataset to contribute to.")]
    = None,
    local: Annotated[bool, typer.Option("--local", help="Only prepare the package here, at "
                                                        "source; send nothing to the hub.")]
    = False,
    contract: Annotated[str | None, typer.Option(help="With --local: contract YAML or "
                                                      "built-in name.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="With --local: where to "
                                                               "write the package.")] = None,
    key: KeyOption = None,
    bloom: Annotated[bool, typer.Option(help="Add keyed Bloom-filter encodings of names "
                                             "and addresses.")] = False,
    engine: EngineOption = None,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contribute a file: validate, quarantine, pseudonymise at source, store one version."""
    from commonground.contribute.keys import load_key
    from commonground.contribute.package import FULL_QUARANTINE, Package, prepare
    from commonground.contribute.submit import registered_contract, submit
    from commonground.engines import get_engine
    from commonground.errors import CommonGroundError

    runner = get_engine(engine)
    if local:
        if out_dir is None or contract is None:
            raise CommonGroundError("--local needs --contract and --out")
        package = prepare(source, _contract(contract), load_key(key), runner, out_dir,
                          bloom=bloom)
        result: dict[str, Any] = {"package": str(package.folder), **{
            k: package.manifest[k] for k in ("rows_in", "rows_accepted", "rows_quarantined",
                                             "columns_dropped", "key_fingerprint")},
            "quarantine": str(out_dir / FULL_QUARANTINE)}
        emit(result, as_json, key_values("Package prepared at source"))
        return
    if dataset is None:
        raise CommonGroundError("say which dataset with --dataset organisation/name")
    full_quarantine: Path | None = None
    with opened_hub(hub) as h:
        who = acting(h, actor)
        if (source / "package.json").exists():
            stored = submit(h, who, dataset, Package.open(source), runner)
        else:
            # One command on a steward's own machine: prepare in a private temporary folder
            # outside the hub, then submit; the raw file itself never enters the hub folder.
            # Afterwards only the steward's full quarantine (values found, for fixing the
            # rows) is kept there, and its place is reported; the package copy is removed.
            work = Path(tempfile.mkdtemp(prefix="commonground-package-"))
            try:
                chosen = _contract(contract) if contract else registered_contract(h, dataset)
                package = prepare(source, chosen, load_key(key), runner, work, bloom=bloom)
                stored = submit(h, who, dataset, package, runner)
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            shutil.rmtree(package.folder)
            if package.rows_quarantined:
                full_quarantine = work / FULL_QUARANTINE
            else:
                shutil.rmtree(work)
    result = stored.to_dict()
    if full_quarantine is not None:
        result["quarantine_full"] = str(full_quarantine)
    emit(result, as_json, key_values(f"Contribution {stored.status}"))



def catalogue(hub: HubOption = Path("hub"), actor: ActorOption = None,
              as_json: JsonOption = False) -> None:
    """What data the hub holds: datasets, owners, agreements, versions, rows, freshness."""
    from commonground.contribute.catalogue import catalogue as read_catalogue

    with opened_hub(hub) as h:
        entries = read_catalogue(h, acting(h, actor))
    shown = [{k: e[k] for k in ("dataset", "owner", "versions", "rows", "age_days",
                                "rows_quarantined_total")} for e in entries]
    emit({"datasets": entries}, as_json,
         lambda _r: rows_table("Catalogue", "datasets")({"datasets": shown}))


@retention_app.command("run")
def retention_run(hub: HubOption = Path("hub"), actor: ActorOption = None,
                  as_json: JsonOption = False) -> None:
    """Delete versions past their retention period or under a revoked agreement."""
    from commonground.contribute.retention import run_retention

    with opened_hub(hub) as h:
        result = run_retention(h, acting(h, actor))
    emit(result, as_json, key_values("Retention"))


def erase(
    reference: Annotated[str, typer.Option(help="The request's reference (no personal data).")],
    given_name: Annotated[str | None, typer.Option()] = None,
    family_name: Annotated[str | None, typer.Option()] = None,
    dob: Annotated[str | None, typer.Option(help="Date of birth, YYYY-MM-DD.")] = None,
    postcode: Annotated[str | None, typer.Option()] = None,
    nhs_number: Annotated[str | None, typer.Option()] = None,
    key: KeyOption = None,
    engine: EngineOption = None,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase one person's rows from every version (tokens are computed here, at source)."""
    from commonground.contribute.erasure import erase as erase_person
    from commonground.contribute.erasure import erasure_tokens
    from commonground.contribute.keys import load_key
    from commonground.engines import get_engine

    given = {"given_name": given_name, "family_name": family_name, "dob": dob,
             "postcode": postcode, "nhs_number": nhs_number}
    tokens = erasure_tokens(load_key(key), {k: v for k, v in given.items() if v})
    with opened_hub(hub) as h:
        result = erase_person(h, acting(h, actor), tokens, reference, get_engine(engine))
    emit(result, as_json, key_values("Erasure"))


__all__ = ["catalogue", "contribute", "dataset_app", "erase", "key_app", "out",
           "retention_app"]
