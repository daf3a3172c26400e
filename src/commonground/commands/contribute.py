"""Contribution commands: datasets, contributions, the catalogue, retention, erasure, keys.

`contribute FILE --dataset ORG/NAME` prepares the file at source (validate, quarantine,
pseudonymise) and submits the package; `--local --out DIR` only prepares it, on the partner's
machine, and `contribute DIR --dataset ...` later submits a prepared package.

Each command parses its options, makes one call into `commonground.contribute` and prints.
Rooms are imported inside the commands so that `commonground --help` stays quick.
"""

from __future__ import annotations

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
from commonground.errors import CommonGroundError

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
SourceArgument = Annotated[Path, typer.Argument(
    help="A partner's file (CSV, XLSX, Parquet) or a package folder made with --local.")]
DatasetOption = Annotated[str | None, typer.Option(
    help="organisation/dataset to contribute to.")]
LocalOption = Annotated[bool, typer.Option(
    "--local", help="Only prepare the package here, at source; send nothing to the hub.")]
LocalContractOption = Annotated[str | None, typer.Option(
    help="With --local: contract YAML or built-in name.")]
PackageOutOption = Annotated[Path | None, typer.Option(
    "--out", help="With --local: where to write the package.")]
BloomOption = Annotated[bool, typer.Option(
    help="Add keyed Bloom-filter encodings of names and addresses.")]
GazetteerOption = Annotated[Path | None, typer.Option(
    help="The council's gazetteer (LLPG or AddressBase file): resolve addresses to UPRNs.")]
ContractOption = Annotated[str, typer.Option(
    help="Contract YAML file, or a built-in name such as police_uk_street.")]
DescriptionOption = Annotated[str, typer.Option(help="What the dataset holds.")]
GivenOption = Annotated[str | None, typer.Option(help="Given name, as the records hold it.")]
FamilyOption = Annotated[str | None, typer.Option(help="Family name, as the records hold it.")]
PostcodeOption = Annotated[str | None, typer.Option(help="Postcode (any spacing or case).")]
NhsOption = Annotated[str | None, typer.Option(help="NHS number (ten digits; enough alone).")]
DobOption = Annotated[str | None, typer.Option(help="Date of birth, YYYY-MM-DD.")]
ReferenceOption = Annotated[str, typer.Option(help="The request's reference (no personal data).")]
CATALOGUE_COLUMNS = ("dataset", "owner", "versions", "rows", "age_days", "rows_quarantined_total")


@key_app.command("create")
def key_create(
    path: Annotated[Path, typer.Argument(help="Where to write the new key (kept secret).")],
    as_json: JsonOption = False,
) -> None:
    """Create the partnership key: share it with the partners' stewards, never with the hub."""
    from commonground.contribute import create_key

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
    from commonground.contribute import trust_key

    with opened_hub(hub) as h:
        result = trust_key(h, acting(h, actor), fingerprint)
    emit(result, as_json, key_values("Hub trusts key"))


@dataset_app.command("register")
def dataset_register(
    dataset: Annotated[str, typer.Argument(help="organisation/dataset, e.g. police/crimes")],
    contract: ContractOption,
    description: DescriptionOption = "",
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Register a dataset with its contract (the owning organisation's steward)."""
    from commonground.contribute import contract_from, register_dataset

    with opened_hub(hub) as h:
        result = register_dataset(h, acting(h, actor), dataset, contract_from(contract),
                                  description)
    emit(result, as_json, key_values("Dataset registered"))


def contribute(
    source: SourceArgument,
    dataset: DatasetOption = None,
    local: LocalOption = False,
    contract: LocalContractOption = None,
    out_dir: PackageOutOption = None,
    key: KeyOption = None,
    bloom: BloomOption = False,
    gazetteer: GazetteerOption = None,
    engine: EngineOption = None, hub: HubOption = Path("hub"), actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Contribute a file: validate, quarantine, pseudonymise at source, store one version."""
    from commonground.contribute import contribute_file
    from commonground.engines import get_engine

    if local:
        return _prepare_at_source(source, contract, out_dir, key, bloom, gazetteer, engine,
                                  as_json)
    if dataset is None:
        raise CommonGroundError("say which dataset with --dataset organisation/name")
    with opened_hub(hub) as h:
        result = contribute_file(h, acting(h, actor), dataset, source, key=key, bloom=bloom,
                                 engine=get_engine(engine), contract=contract, gazetteer=gazetteer)
    emit(result, as_json, key_values(f"Contribution {result['status']}"))


def _prepare_at_source(source: Path, contract: str | None, out_dir: Path | None,
                       key: Path | None, bloom: bool, gazetteer: Path | None,
                       engine: str | None, as_json: bool) -> None:
    """`contribute --local`: only prepare the package, on the partner's machine."""
    from commonground.contribute import prepare_package
    from commonground.engines import get_engine

    if out_dir is None or contract is None:
        raise CommonGroundError("--local needs --contract and --out")
    result = prepare_package(source, contract, key, get_engine(engine), out_dir, bloom=bloom,
                             gazetteer=gazetteer)
    emit(result, as_json, key_values("Package prepared at source"))


def _render_catalogue(result: dict[str, Any]) -> None:
    shown = [{k: e[k] for k in CATALOGUE_COLUMNS} for e in result["datasets"]]
    rows_table("Catalogue", "datasets")({"datasets": shown})


def catalogue(hub: HubOption = Path("hub"), actor: ActorOption = None,
              as_json: JsonOption = False) -> None:
    """What data the hub holds: datasets, owners, agreements, versions, rows, freshness."""
    from commonground.contribute import catalogue as read_catalogue

    with opened_hub(hub) as h:
        entries = read_catalogue(h, acting(h, actor))
    emit({"datasets": entries}, as_json, _render_catalogue)


@retention_app.command("run")
def retention_run(hub: HubOption = Path("hub"), actor: ActorOption = None,
                  as_json: JsonOption = False) -> None:
    """Delete versions past their retention period or under a revoked agreement."""
    from commonground.contribute import run_retention

    with opened_hub(hub) as h:
        result = run_retention(h, acting(h, actor))
    emit(result, as_json, key_values("Retention"))


def erase(
    reference: ReferenceOption,
    given_name: GivenOption = None,
    family_name: FamilyOption = None,
    dob: DobOption = None,
    postcode: PostcodeOption = None,
    nhs_number: NhsOption = None,
    key: KeyOption = None,
    engine: EngineOption = None,
    hub: HubOption = Path("hub"),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Erase one person's rows from every version (tokens are computed here, at source)."""
    from commonground.contribute import erase_person
    from commonground.engines import get_engine

    identifiers = {"given_name": given_name, "family_name": family_name, "dob": dob,
                   "postcode": postcode, "nhs_number": nhs_number}
    with opened_hub(hub) as h:
        result = erase_person(h, acting(h, actor), reference, identifiers, key,
                              get_engine(engine))
    emit(result, as_json, key_values("Erasure"))


__all__ = ["catalogue", "contribute", "dataset_app", "erase", "key_app", "out",
           "retention_app"]
