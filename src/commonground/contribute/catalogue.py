"""The catalogue: what data exists, who owns it, under which agreements, how fresh — never
the data itself. Any authenticated person may read it; it holds metadata only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

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
        agreements = session.scalars(select(Agreement)).all()
        datasets = session.scalars(select(Dataset).join(Organisation)
                                   .order_by(Organisation.slug, Dataset.name)).all()
        for dataset in datasets:
            ref = f"{dataset.organisation.slug}/{dataset.name}"
            live = [v for v in dataset.versions if v.state == "live"]
            latest = live[-1] if live else None
            contributions = session.scalars(select(Contribution).where(
                Contribution.dataset_id == dataset.id)).all()
            covering = sorted({f"{a.slug} v{a.version} ({a.status})" for a in agreements
                               if ref in (a.data_items or {})})
            contract = dataset.contract or {}
            created = _aware(latest.created_at) if latest else None
            entries.append({
                "dataset": ref,
                "owner": dataset.organisation.name,
                "description": dataset.description,
                "contract": contract.get("name"),
                "columns": [c.get("name") for c in contract.get("columns", [])],
                "identifier_columns": [c.get("name") for c in contract.get("columns", [])
                                       if c.get("role") == "identifier"],
                "versions": len(live),
                "latest_version": latest.number if latest else None,
                "rows": latest.rows if latest else 0,
                "last_contribution": created.isoformat(timespec="seconds") if created else None,
                "age_days": (now - created).days if created else None,
                "rows_quarantined_total": sum(c.rows_quarantined for c in contributions),
                "agreements": covering,
                "expires_at": (_aware(latest.expires_at).isoformat(timespec="seconds")  # type: ignore[union-attr]
                               if latest and latest.expires_at else None),
            })
    return entries


__all__ = ["DatasetVersion", "catalogue"]
