"""Reading the contributed datasets: each live version's tokens for linkage, by contract, and
one dataset's live version for an operation that has checked the reader's right to it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from commonground.contribute.contract import parse_contract
from commonground.engines import Engine, ParquetSource
from commonground.errors import CommonGroundError
from commonground.governance import Actor, Resource, require
from commonground.link.mentions import DatasetInput, mentions_pipeline
from commonground.link.schema import EntityKind
from commonground.store import Dataset, DatasetVersion, Organisation
from commonground.store.hub import Hub


def lake_inputs(hub: Hub) -> tuple[list[DatasetInput], dict[str, ParquetSource]]:
    """Every live version of every registered dataset, as mention-SQL inputs."""
    datasets: list[DatasetInput] = []
    sources: dict[str, ParquetSource] = {}
    with hub.sessions()() as session:
        rows = session.execute(
            select(Organisation.slug, Dataset.name, Dataset.contract, DatasetVersion.number,
                   DatasetVersion.path)
            .join(Dataset, Dataset.organisation_id == Organisation.id)
            .join(DatasetVersion, DatasetVersion.dataset_id == Dataset.id)
            .where(DatasetVersion.state == "live")
            .order_by(Organisation.slug, Dataset.name, DatasetVersion.number)).all()
    for org, name, contract_doc, number, path in rows:
        if contract_doc is None:
            continue
        ref = f"{org}/{name}"
        folder = hub.root / Path(path)
        parts = sorted(folder.glob("part-*.parquet"))
        if not parts:
            continue
        table = f"lake_{len(sources)}"
        columns = frozenset(pq.read_schema(parts[0]).names)
        datasets.append(DatasetInput(ref, parse_contract(contract_doc, f"contract of {ref}"),
                                     table, columns, version=number))
        sources[table] = ParquetSource.of(folder)
    return datasets, sources


def hub_mentions(hub: Hub, engine: Engine, kind: EntityKind, *, unnamed: bool = False
                 ) -> pa.Table:
    """The hub's person or address mentions, from tokens only; with `unnamed`, the keys of
    the person mentions that have no name to link on (`mentions_pipeline`)."""
    datasets, sources = lake_inputs(hub)
    return engine.run(mentions_pipeline(kind, datasets, unnamed=unnamed), sources)


def read_live(hub: Hub, actor: Actor, ref: str, purpose: str, columns: list[str]
              ) -> tuple[pa.Table, str]:
    """The newest live version of `ref` (its record id and `columns`), after the policy allows
    the read (audited either way); with the name of its record id column."""
    org, name = ref.split("/", 1)
    require(hub, actor, "dataset.read", Resource.dataset(ref), purpose,
            details={"columns": len(columns)})
    with hub.sessions()() as session:
        row = session.execute(
            select(DatasetVersion, Dataset)
            .join(Dataset, DatasetVersion.dataset_id == Dataset.id)
            .join(Organisation, Dataset.organisation_id == Organisation.id)
            .where(Organisation.slug == org, Dataset.name == name,
                   DatasetVersion.state == "live")
            .order_by(DatasetVersion.number.desc())).first()
        if row is None:
            raise CommonGroundError(f"dataset '{ref}' has no data in the lake")
        version, dataset = row
        record_id = (dataset.contract or {}).get("record_id")
        path = hub.root / version.path
    if not record_id:
        raise CommonGroundError(f"dataset '{ref}' has no record id to link by")
    return pq.read_table(path, columns=[record_id, *columns]), record_id


def live_datasets(hub: Hub) -> set[str]:
    """The refs ("org/name") of the datasets with a live version: metadata only, no data."""
    with hub.sessions()() as session:
        rows = session.execute(
            select(Organisation.slug, Dataset.name)
            .join(Dataset, Dataset.organisation_id == Organisation.id)
            .join(DatasetVersion, DatasetVersion.dataset_id == Dataset.id)
            .where(DatasetVersion.state == "live").distinct()).all()
    return {f"{org}/{name}" for org, name in rows}
