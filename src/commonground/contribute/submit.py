"""At the hub: receive a package, check it, and store it as one immutable version.

The hub trusts nothing in a package. It checks that the steward may contribute this dataset
under an active agreement, that the package was made with this contract and the partnership's
key, that every identifier arrives as tokens and never in clear, that the counts add up
(rows in = accepted + quarantined), and that the same file has not been sent before. Columns
the agreement does not list are not stored. Every step is audited.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from commonground.contribute.contract import Contract, parse_contract
from commonground.contribute.package import (
    DATA,
    QUARANTINE,
    Package,
    contract_hash,
    data_files,
)
from commonground.contribute.pseudonymise import SETS, TOKEN_PATTERN, TOKEN_SET_PATTERN
from commonground.contribute.readers import ROW
from commonground.contribute.versions import write_version
from commonground.engines import Engine, ParquetSource, Pipeline, ident, literal
from commonground.errors import CommonGroundError
from commonground.governance import Actor, Resource, record, require
from commonground.governance.models import Agreement
from commonground.store import Contribution, Dataset, DatasetVersion, HubSetting, Organisation
from commonground.store.hub import Hub
from commonground.store.lake import check_slug

KEY_FINGERPRINT = "partnership_key_fingerprint"


class ContributionRejected(CommonGroundError):
    """The hub refuses a package as a whole; nothing from it is stored."""


@dataclass(frozen=True)
class ContributionResult:
    dataset: str
    status: str  # accepted | duplicate
    version: int | None
    rows_in: int
    rows_accepted: int
    rows_quarantined: int
    quarantine: str | None
    columns_dropped: list[str]
    agreement: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset, "status": self.status, "version": self.version,
            "rows_in": self.rows_in, "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined, "quarantine": self.quarantine,
            "columns_dropped": self.columns_dropped, "agreement": self.agreement,
        }


def split_ref(ref: str) -> tuple[str, str]:
    if ref.count("/") != 1:
        raise CommonGroundError(f"dataset '{ref}' must be written organisation/dataset")
    org, name = ref.split("/")
    return check_slug(org, "organisation"), check_slug(name, "dataset")


def set_key_fingerprint(hub: Hub, fingerprint: str) -> None:
    """Record which partnership key the hub accepts packages from (the key stays away)."""
    with hub.sessions().begin() as session:
        row = session.get(HubSetting, KEY_FINGERPRINT)
        if row is None:
            session.add(HubSetting(name=KEY_FINGERPRINT, value=fingerprint))
        elif row.value != fingerprint:
            raise CommonGroundError("this hub already accepts a different partnership key")


def trust_key(hub: Hub, actor: Actor, fingerprint: str) -> dict[str, Any]:
    """Tell the hub which partnership key its packages must be made with (an admin)."""
    require(hub, actor, "hub.configure", Resource(kind="hub", name="settings"))
    set_key_fingerprint(hub, fingerprint)
    return {"fingerprint": fingerprint}


def key_fingerprint(hub: Hub) -> str | None:
    with hub.sessions()() as session:
        row = session.get(HubSetting, KEY_FINGERPRINT)
        return row.value if row else None


def register_dataset(hub: Hub, actor: Actor, ref: str, contract: Contract,
                     description: str = "") -> dict[str, Any]:
    """Register (or update the contract of) a dataset; its owner's steward does this."""
    org_slug, name = split_ref(ref)
    with hub.sessions().begin() as session:
        require(hub, actor, "dataset.register", Resource.dataset(ref), session=session)
        org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            raise CommonGroundError(f"no organisation '{org_slug}' in this hub")
        dataset = session.scalar(select(Dataset).where(Dataset.organisation_id == org.id,
                                                       Dataset.name == name))
        if dataset is None:
            dataset = Dataset(organisation_id=org.id, name=name)
            session.add(dataset)
        dataset.description = description or contract.description
        dataset.contract = contract.raw
        dataset.contract_hash = contract_hash(contract)
    return {"dataset": ref, "contract": contract.name, "contract_hash": contract_hash(contract),
            "columns": len(contract.columns), "identifiers": len(contract.identifiers)}


def registered_contract(hub: Hub, ref: str) -> Contract:
    org_slug, name = split_ref(ref)
    with hub.sessions()() as session:
        dataset = session.scalar(select(Dataset).join(Organisation).where(
            Organisation.slug == org_slug, Dataset.name == name))
        if dataset is None or dataset.contract is None:
            raise CommonGroundError(f"dataset '{ref}' is not registered in this hub; register "
                                    "it with `commonground dataset register`")
        return parse_contract(dataset.contract, f"contract of {ref}")


def _check_tokens(engine: Engine, data: Path, columns: list[str]) -> list[str]:
    """Token columns holding anything but tokens (a raw value would show up here)."""
    if not columns:
        return []

    def pattern(column: str) -> str:
        return TOKEN_SET_PATTERN if column.rsplit("__", 1)[-1] in SETS else TOKEN_PATTERN

    counts = ", ".join(
        f"count(*) FILTER (WHERE {ident(c)} IS NOT NULL AND NOT regexp_matches({ident(c)}, "
        f"{literal(pattern(c))})) AS {ident(c)}" for c in columns)
    result = engine.query(f"SELECT {counts} FROM package", {"package": ParquetSource.of(data)})
    row = result.to_pylist()[0]
    return [c for c in columns if row[c]]


def _check_scores(engine: Engine, data: Path, schema: pa.Schema, columns: list[str]
                  ) -> list[str]:
    """UPRN score columns that are not numbers from 0 to 1 (text could carry an address)."""
    typed = [c for c in columns if pa.types.is_floating(schema.field(c).type)]
    wrong = [c for c in columns if c not in typed]
    if typed:
        counts = ", ".join(f"count(*) FILTER (WHERE {ident(c)} < 0 OR {ident(c)} > 1) AS "
                           f"{ident(c)}" for c in typed)
        row = engine.query(f"SELECT {counts} FROM package",
                           {"package": ParquetSource.of(data)}).to_pylist()[0]
        wrong += [c for c in typed if row[c]]
    return sorted(wrong)


def _check_package(hub: Hub, engine: Engine, package: Package, contract: Contract) -> None:
    manifest = package.manifest
    problems: list[str] = []
    if manifest.get("contract_hash") != contract_hash(contract):
        problems.append(f"it was made with a different contract than the one registered "
                        f"for this dataset ('{manifest.get('contract')}')")
    expected_key = key_fingerprint(hub)
    if expected_key is None:
        problems.append("this hub has no partnership key fingerprint set")
    elif manifest.get("key_fingerprint") != expected_key:
        problems.append("it was pseudonymised with a key that is not the partnership's")
    files = data_files(package)
    if not files:
        raise ContributionRejected(f"The hub refuses this package: it has no {DATA}/ files")
    try:  # a package from a partner's platform may hold anything under a Parquet name
        schemas = [pq.read_schema(f) for f in files]
    except (pa.ArrowException, OSError):
        raise ContributionRejected(f"The hub refuses this package: its {DATA}/ files are not "
                                   "all Parquet files") from None
    data_schema = schemas[0]
    names = set(data_schema.names)
    in_clear = [c.name for c in contract.identifiers if c.name in names]
    if in_clear:
        problems.append(f"identifier column(s) {', '.join(in_clear)} arrive in clear text; "
                        "pseudonymise at source with `commonground contribute --local`")
    scores = sorted(n for n in names if n.endswith("__uprn_score"))
    token_cols = sorted(n for n in names if "__" in n and not n.endswith("bloom")
                        and n not in scores)
    not_tokens = _check_tokens(engine, package.folder / DATA, token_cols)
    if not_tokens:
        problems.append(f"column(s) {', '.join(not_tokens)} hold values that are not tokens")
    not_scores = _check_scores(engine, package.folder / DATA, data_schema, scores)
    if not_scores:
        problems.append(f"column(s) {', '.join(not_scores)} hold values that are not scores "
                        "(numbers from 0 to 1)")
    rows = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    if any(schema != data_schema for schema in schemas[1:]):
        problems.append(f"its {DATA}/ files do not share one schema")
    if rows != package.rows_accepted or (package.rows_in != package.rows_accepted
                                         + package.rows_quarantined):
        problems.append(f"its counts do not add up (rows in {package.rows_in}, accepted "
                        f"{package.rows_accepted} with {rows} in the data, quarantined "
                        f"{package.rows_quarantined})")
    if problems:
        raise ContributionRejected("The hub refuses this package: " + "; ".join(problems))


def _allowed_by_agreement(agreement: Agreement | None, ref: str, columns: list[str]
                          ) -> tuple[list[str], list[str]]:
    """Split stored columns into (kept, dropped) by the agreement's data items for `ref`."""
    items = set(agreement.data_items.get(ref, [])) if agreement is not None else set()
    if not items or "*" in items:
        return columns, []
    kept: list[str] = []
    dropped: list[str] = []
    for column in columns:
        base = column.split("__", 1)[0]
        (kept if column == ROW or base in items else dropped).append(column)
    return kept, dropped


def submit(hub: Hub, actor: Actor, ref: str, package: Package, engine: Engine
           ) -> ContributionResult:
    """Store `package` as the next version of dataset `ref`, or say it is a duplicate."""
    org_slug, name = split_ref(ref)
    resource = Resource.dataset(ref)
    decision = require(hub, actor, "contribution.create", resource,
                       details={"rows_in": package.rows_in})
    contract = registered_contract(hub, ref)
    _check_package(hub, engine, package, contract)
    with hub.sessions()() as session:
        dataset = session.scalar(select(Dataset).join(Organisation).where(
            Organisation.slug == org_slug, Dataset.name == name))
        assert dataset is not None  # registered_contract found it
        agreement = (session.get(Agreement, decision.agreement_id)
                     if decision.agreement_id is not None else None)
        earlier = session.scalar(select(Contribution).where(
            Contribution.dataset_id == dataset.id,
            Contribution.source_sha256 == package.manifest["source_sha256"],
            Contribution.status == "accepted"))
        agreement_slug = agreement.slug if agreement else None
        agreement_version = agreement.version if agreement else None
        retention = agreement.retention_days if agreement else None
        columns = pq.read_schema(data_files(package)[0]).names
        kept, dropped = _allowed_by_agreement(agreement, ref, columns)
        earlier_version = earlier.version_id if earlier else None
        dataset_id = dataset.id

    if earlier is not None:
        record(hub, actor, "contribution.duplicate", resource, "allowed", None,
               {"contribution": earlier.id})
        return ContributionResult(ref, "duplicate", _version_number(hub, earlier_version),
                                  package.rows_in, package.rows_accepted,
                                  package.rows_quarantined, earlier.quarantine_path,
                                  dropped, agreement_slug)

    select_list = ", ".join(ident(c) for c in kept)
    pipeline = Pipeline.of(("contribution",
                            f"SELECT {select_list} FROM package ORDER BY {ident(ROW)}"))
    version = write_version(hub, engine, org_slug, name, pipeline,
                            {"package": ParquetSource.of(package.folder / DATA)},
                            {"contributor": actor.username, "agreement": agreement_slug,
                             "agreement_version": agreement_version,
                             "contract_hash": package.manifest["contract_hash"],
                             "source_sha256": package.manifest["source_sha256"],
                             "rows_in": package.rows_in,
                             "rows_quarantined": package.rows_quarantined,
                             "columns_dropped_by_agreement": dropped})
    quarantine_dir = hub.root / "quarantine" / org_slug / name
    quarantine_dir.mkdir(parents=True, exist_ok=True)
    quarantine_path = quarantine_dir / f"v{version.number}.parquet"
    shutil.copyfile(package.folder / QUARANTINE, quarantine_path)
    now = datetime.now(UTC)
    with hub.sessions().begin() as session:
        row = session.scalar(select(DatasetVersion).where(
            DatasetVersion.dataset_id == dataset_id, DatasetVersion.number == version.number))
        assert row is not None
        if retention:
            row.expires_at = now + timedelta(days=retention)
        session.add(Contribution(
            dataset_id=dataset_id, version_id=row.id, contributor=actor.username,
            agreement=agreement_slug, agreement_version=agreement_version,
            source_file=package.manifest["source_file"][:300],
            source_sha256=package.manifest["source_sha256"], data_hash=version.content_hash,
            rows_in=package.rows_in, rows_accepted=version.rows,
            rows_quarantined=package.rows_quarantined,
            quarantine_path=str(quarantine_path.relative_to(hub.root)), status="accepted"))
    record(hub, actor, "contribution.stored", resource, "allowed", None,
           {"version": version.number, "rows_in": package.rows_in,
            "rows_accepted": version.rows, "rows_quarantined": package.rows_quarantined})
    return ContributionResult(ref, "accepted", version.number, package.rows_in, version.rows,
                              package.rows_quarantined,
                              str(quarantine_path.relative_to(hub.root)), dropped,
                              agreement_slug)


def _version_number(hub: Hub, version_id: int | None) -> int | None:
    if version_id is None:
        return None
    with hub.sessions()() as session:
        row = session.get(DatasetVersion, version_id)
        return row.number if row else None
