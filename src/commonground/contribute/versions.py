"""Immutable, atomic versions in the lake, recorded in the metadata store.

A version is staged in a hidden folder beside its final place, its manifest written, and only
then renamed to v<N>: readers never see a half version. The metadata row is the version's
existence: a folder without a row (a crash between rename and commit) is invisible to every
reader and swept by `sweep_orphans`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from commonground.engines import Engine, Pipeline, Source
from commonground.errors import NotFound
from commonground.store import Dataset, DatasetVersion, Hub, Organisation
from commonground.store.lake import content_hash, dataset_folder, schema_of, write_manifest


@dataclass(frozen=True)
class VersionInfo:
    organisation: str
    dataset: str
    number: int
    path: Path
    rows: int
    content_hash: str
    schema: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "dataset": self.dataset,
            "version": self.number,
            "path": str(self.path),
            "rows": self.rows,
            "content_hash": self.content_hash,
        }


def ensure_dataset(hub: Hub, org_slug: str, dataset: str, description: str = "") -> None:
    with hub.sessions().begin() as session:
        org = session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            raise NotFound(f"no organisation '{org_slug}' in this hub")
        found = session.scalar(
            select(Dataset).where(Dataset.organisation_id == org.id, Dataset.name == dataset)
        )
        if found is None:
            session.add(Dataset(organisation_id=org.id, name=dataset, description=description))


def write_version(
    hub: Hub,
    engine: Engine,
    org_slug: str,
    dataset: str,
    pipeline: Pipeline,
    inputs: Mapping[str, Source],
    manifest_extra: Mapping[str, Any] | None = None,
) -> VersionInfo:
    """Run `pipeline` and store its result as the dataset's next version."""
    folder = dataset_folder(hub.lake, org_slug, dataset)
    folder.mkdir(parents=True, exist_ok=True)
    with hub.sessions().begin() as session:
        ds = session.scalar(
            select(Dataset)
            .join(Organisation)
            .where(Organisation.slug == org_slug, Dataset.name == dataset)
        )
        if ds is None:
            raise NotFound(f"no dataset '{org_slug}/{dataset}' registered in this hub")
        number = (session.scalar(
            select(func.max(DatasetVersion.number)).where(DatasetVersion.dataset_id == ds.id)
        ) or 0) + 1
        staging = folder / f".v{number}.staging-{uuid.uuid4().hex[:8]}"
        final = folder / f"v{number}"
        try:
            written = engine.write(pipeline, inputs, staging)
            digest = content_hash(staging)
            schema = schema_of(staging)
            write_manifest(staging, {
                "organisation": org_slug,
                "dataset": dataset,
                "version": number,
                "rows": written.rows,
                "files": list(written.files),
                "content_hash": digest,
                "schema": schema,
                "engine": engine.name,
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                **dict(manifest_extra or {}),
            })
            session.add(DatasetVersion(
                dataset_id=ds.id, number=number, path=str(final.relative_to(hub.root)),
                rows=written.rows, content_hash=digest, schema=schema, engine=engine.name,
            ))
            session.flush()  # a clash on (dataset, number) fails here, before the rename
            os.rename(staging, final)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return VersionInfo(org_slug, dataset, number, final, written.rows, digest, schema)


def sweep_orphans(hub: Hub) -> list[Path]:
    """Remove staging folders and version folders that no metadata row vouches for."""
    with hub.sessions()() as session:
        known = {hub.root / p for p in session.scalars(select(DatasetVersion.path))}
    removed: list[Path] = []
    for candidate in sorted(hub.lake.glob("*/*/*")):
        if candidate.is_dir() and candidate not in known:
            shutil.rmtree(candidate)
            removed.append(candidate)
    return removed
