"""Retention: versions past their agreement's retention period, or whose agreement was
revoked, are deleted — files removed, the metadata row kept as the record that they existed."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from commonground.governance import Actor, Resource, may, record, require
from commonground.governance.models import Agreement
from commonground.store import Contribution, Dataset, DatasetVersion, Organisation
from commonground.store.hub import Hub


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_retention(hub: Hub, actor: Actor, now: datetime | None = None) -> dict[str, Any]:
    """Delete every live version the actor is responsible for that must no longer be kept."""
    # Checked once for the actor's own organisation before anything is read, then again for
    # each version found (a lead may be responsible for some datasets and not others).
    require(hub, actor, "retention.run", Resource("dataset", owner=actor.organisation,
                                                  name="*"))
    now = now or datetime.now(UTC)
    deleted: list[dict[str, Any]] = []
    skipped = 0
    with hub.sessions().begin() as session:
        revoked = {(a.slug, a.version) for a in session.scalars(select(Agreement))
                   if a.status == "revoked"}
        rows = session.execute(
            select(DatasetVersion, Dataset, Organisation)
            .join(Dataset, DatasetVersion.dataset_id == Dataset.id)
            .join(Organisation, Dataset.organisation_id == Organisation.id)
            .where(DatasetVersion.state == "live")).all()
        for version, dataset, org in rows:
            contribution = session.scalar(select(Contribution).where(
                Contribution.version_id == version.id))
            reason = None
            if version.expires_at is not None and _aware(version.expires_at) <= now:
                reason = "retention period over"
            elif contribution is not None and (contribution.agreement,
                                               contribution.agreement_version) in revoked:
                reason = "agreement revoked"
            if reason is None:
                continue
            resource = Resource.dataset(f"{org.slug}/{dataset.name}")
            if not may(hub, actor, "retention.run", resource, session=session):
                skipped += 1
                continue
            shutil.rmtree(hub.root / version.path, ignore_errors=True)
            if contribution is not None and contribution.quarantine_path:
                (hub.root / contribution.quarantine_path).unlink(missing_ok=True)
            version.state, version.deleted_at = "deleted", now
            deleted.append({"dataset": resource.ref, "version": version.number,
                            "rows": version.rows, "reason": reason})
    for item in deleted:
        record(hub, actor, "retention.delete", Resource.dataset(item["dataset"]), "allowed",
               None, {"version": item["version"], "rows": item["rows"], "reason": item["reason"]})
    return {"deleted": deleted, "versions_deleted": len(deleted),
            "not_yours_to_delete": skipped}
