"""The catalogue: what data exists, who owns it, under which agreements, how fresh — never
the data itself. Any authenticated person may read it; it holds metadata only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from commonground.governance import Actor, Resource, require
from commonground.governance.models import Agreement
from commonground.store import Contribution, Dataset, DatasetVersion, Organisation
from commonground.store.hub import Hub


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def catalogue(hub: Hub, actor: Actor) -> list[dict[str, Any]]:
    """What data the hub holds: datasets, owners, agreements, versions, rows, freshness."""
    require(hub, actor, "catalogue.read", Resource(kind="catalogue", owner="", name="hub"))
    now = datetime.now(UTC)
    entries: list[dict[str, Any]] = []
    with hub.sessions()() as session:
        # Four column queries for the whole catalogue, not ORM objects three per dataset:
        # every page that lists datasets calls this.
        agreements = session.execute(select(Agreement.slug, Agreement.version,
                                            Agreement.status, Agreement.data_items)).all()
        datasets = session.execute(
            select(Dataset.id, Dataset.name, Dataset.description, Dataset.contract,
                   Organisation.slug, Organisation.name.label("owner"))
            .join(Organisation).order_by(Organisation.slug, Dataset.name)).all()
        live: dict[int, list[Any]] = {}
        for version in session.execute(
                select(DatasetVersion.dataset_id, DatasetVersion.number, DatasetVersion.rows,
                       DatasetVersion.created_at, DatasetVersion.expires_at)
                .where(DatasetVersion.state == "live").order_by(DatasetVersion.number)):
            live.setdefault(version.dataset_id, []).append(version)
        quarantined = dict(session.execute(
            select(Contribution.dataset_id, func.sum(Contribution.rows_quarantined))
            .group_by(Contribution.dataset_id)).all())
    for dataset in datasets:
        ref = f"{dataset.slug}/{dataset.name}"
        versions = live.get(dataset.id, [])
        latest = versions[-1] if versions else None
        covering = sorted({f"{a.slug} v{a.version} ({a.status})" for a in agreements
                           if ref in (a.data_items or {})})
        contract = dataset.contract or {}
        created = _aware(latest.created_at) if latest else None
        expires = _aware(latest.expires_at) if latest else None
        entries.append({
            "dataset": ref,
            "owner": dataset.owner,
            "description": dataset.description,
            "contract": contract.get("name"),
            "columns": [c.get("name") for c in contract.get("columns", [])],
            "identifier_columns": [c.get("name") for c in contract.get("columns", [])
                                   if c.get("role") == "identifier"],
            "versions": len(versions),
            "latest_version": latest.number if latest else None,
            "rows": latest.rows if latest else 0,
            "last_contribution": created.isoformat(timespec="seconds") if created else None,
            "age_days": (now - created).days if created else None,
            "rows_quarantined_total": int(quarantined.get(dataset.id) or 0),
            "agreements": covering,
            "expires_at": expires.isoformat(timespec="seconds") if expires else None,
        })
    return entries


__all__ = ["DatasetVersion", "catalogue"]
