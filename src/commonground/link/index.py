"""The entity index: which mention is which person or address, with ids that last.

Each run writes a new immutable version, HUB/entities/<kind>/v<N>/part-00000.parquet (mention
id, dataset, record id, subject, entity id). Ids carry over by overlap: each new cluster takes
the id of the previous entity it shares most mentions with, largest overlaps first, each old id
used at most once; only clusters with nothing to inherit get a fresh id. So adding a dataset
keeps every id whose mentions are still together, and a split keeps the id on the larger part.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from commonground.link.schema import ID, SOURCE, EntityKind

PREFIX: dict[EntityKind, str] = {"person": "P", "address": "A"}
INDEX_COLUMNS = (ID, SOURCE, "record_id", "subject", "entity_id")


def entities_root(hub_root: Path, kind: EntityKind) -> Path:
    return Path(hub_root) / "entities" / kind


def latest_version(hub_root: Path, kind: EntityKind) -> int:
    root = entities_root(hub_root, kind)
    numbers = [int(p.name[1:]) for p in root.glob("v*") if p.name[1:].isdigit()] if (
        root.exists()) else []
    return max(numbers, default=0)


def read_index(hub_root: Path, kind: EntityKind, version: int | None = None) -> pa.Table | None:
    number = version or latest_version(hub_root, kind)
    if not number:
        return None
    return pq.read_table(entities_root(hub_root, kind) / f"v{number}")


def _number(entity_id: str) -> int:
    return int(entity_id[1:])


def carry_over(clusters: pa.Table, previous: pa.Table | None, kind: EntityKind,
               issued: int = 0) -> pa.Table:
    """(unique_id, cluster) -> (unique_id, entity_id), inheriting ids from `previous`.

    `issued` is the highest id number ever given, so a retired id is never given again.
    """
    ids = clusters[ID].to_pylist()
    cluster_of = clusters["cluster"].to_pylist()
    old = dict(zip(previous[ID].to_pylist(), previous["entity_id"].to_pylist(), strict=True)
               ) if previous is not None else {}
    overlap: Counter[tuple[str, str]] = Counter(
        (c, old[m]) for m, c in zip(ids, cluster_of, strict=True) if m in old)
    assigned: dict[str, str] = {}
    used: set[str] = set()
    # Largest overlap first; ties broken by the ids themselves so runs are deterministic.
    for (cluster, entity), _count in sorted(overlap.items(),
                                            key=lambda kv: (-kv[1], kv[0][1], kv[0][0])):
        if cluster not in assigned and entity not in used:
            assigned[cluster] = entity
            used.add(entity)
    counter = max(max((_number(e) for e in old.values()), default=0), issued)
    first = _first_members(ids, cluster_of)
    for cluster in sorted(set(cluster_of) - set(assigned), key=lambda c: first[c]):
        counter += 1
        assigned[cluster] = f"{PREFIX[kind]}{counter:07d}"
    return pa.table({ID: ids, "entity_id": [assigned[c] for c in cluster_of]})


def _first_members(ids: list[str], clusters: list[str]) -> dict[str, str]:
    first: dict[str, str] = {}
    for m, c in zip(ids, clusters, strict=True):
        if c not in first or m < first[c]:
            first[c] = m
    return first


def write_index(hub_root: Path, kind: EntityKind, index: pa.Table) -> tuple[int, Path]:
    """Write the next version atomically (staged in a hidden folder, then renamed)."""
    root = entities_root(hub_root, kind)
    root.mkdir(parents=True, exist_ok=True)
    number = latest_version(hub_root, kind) + 1
    final = root / f"v{number}"
    staging = root / f".v{number}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        pq.write_table(index.select(list(INDEX_COLUMNS)), staging / "part-00000.parquet",
                       compression="zstd")
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return number, final
