"""Reading the contributed datasets for linkage: each live version's tokens, by contract."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from commonground.contribute.contract import parse_contract
from commonground.engines import Engine, ParquetSource
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


def hub_mentions(hub: Hub, engine: Engine, kind: EntityKind) -> pa.Table:
    """The hub's person or address mentions, from tokens only."""
    datasets, sources = lake_inputs(hub)
    return engine.run(mentions_pipeline(kind, datasets), sources)
