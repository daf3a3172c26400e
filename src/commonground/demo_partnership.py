"""The demo's partnership: who takes part, the agreement they sign, the data they contribute.

Kept apart from `demo.py` so the orchestration stays readable: these are the stages that set
up Level 1 of the mission (contribute and share data) on the synthetic county.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq

from commonground.contribute.contract import Contract, load_contract
from commonground.contribute.keys import create_key
from commonground.contribute.package import prepare
from commonground.contribute.submit import register_dataset, set_key_fingerprint, submit
from commonground.governance import (
    Actor,
    actor_for,
    add_organisation,
    add_person,
    draft_agreement,
    sign_agreement,
)
from commonground.governance.audit import verify

if TYPE_CHECKING:
    from commonground.demo import DemoContext

# slug: (name, kind); the synthetic county's partners.
PARTNERS: dict[str, tuple[str, str]] = {
    "police": ("Essex Police", "police"),
    "district_council": ("Chelmsford City Council", "council"),
    "county_council": ("Essex County Council", "council"),
    "fire": ("Essex County Fire and Rescue Service", "fire"),
    "health": ("Mid and South Essex NHS Foundation Trust", "health"),
}
AGREEMENT = "essex-prevention"
LEGAL_BASES = [
    "Crime and Disorder Act 1998 s115",
    "Data Protection Act 2018 Part 3 (law enforcement processing)",
    "UK GDPR Art 6(1)(e) public task",
    "UK GDPR Art 9(2)(g) substantial public interest",
    "Care Act 2014 s6/s42",
]


def contracts() -> dict[str, Contract]:
    """The synthetic partners' dataset contracts, by 'org/dataset'."""
    folder = Path(str(resources.files("commonground.simulate") / "contracts"))
    return {f"{p.parent.name}/{p.stem}": load_contract(p)
            for p in sorted(folder.glob("*/*.yaml"))}


def stage_partnership(ctx: DemoContext) -> dict[str, Any]:
    """Organisations, people with roles, and one agreement signed by every party."""
    hub = ctx.require_hub()
    admin = None
    for slug, (name, kind) in PARTNERS.items():
        add_organisation(hub, slug, name, kind, actor=admin)
        if admin is None:
            admin = add_person(hub, "admin", slug, ["admin"], display_name="Hub administrator")
    assert admin is not None
    for slug in PARTNERS:
        add_person(hub, f"{slug}-steward", slug, ["steward"], actor=admin)
        add_person(hub, f"{slug}-ig-lead", slug, ["governance_lead"], actor=admin)
    add_person(hub, "police-analyst", "police", ["analyst"], actor=admin)
    today = datetime.now(UTC).date()
    document = {
        "slug": AGREEMENT,
        "title": "Essex multi-agency crime prevention and safeguarding data sharing agreement",
        "parties": list(PARTNERS),
        "purposes": ["crime-prevention", "safeguarding", "research:modern-slavery"],
        "legal_bases": LEGAL_BASES,
        "data_items": {ref: contract.names for ref, contract in contracts().items()},
        "retention_days": 7 * 365,
        "starts_on": today.isoformat(),
        "expires_on": (today + timedelta(days=3 * 365)).isoformat(),
    }
    draft_agreement(hub, actor_for(hub, "police-ig-lead"), document)
    view = None
    for slug in PARTNERS:
        view = sign_agreement(hub, actor_for(hub, f"{slug}-ig-lead"), AGREEMENT)
    assert view is not None
    key = create_key(ctx.partners_dir / "partnership.key")
    set_key_fingerprint(hub, key.fingerprint)
    return {"organisations": len(PARTNERS), "people": 2 * len(PARTNERS) + 2,
            "agreement": AGREEMENT, "agreement_status": view.status,
            "signatures": len(PARTNERS), "key_fingerprint": key.fingerprint,
            "key_file": str(ctx.partners_dir / "partnership.key")}


def _truth_counts(truth: Path) -> dict[str, int]:
    table = pq.read_table(truth / "record_truth.parquet", columns=["agency", "dataset"])
    grouped = table.group_by(["agency", "dataset"]).aggregate([("dataset", "count")])
    return {f"{a}/{d}": n for a, d, n in zip(grouped["agency"].to_pylist(),
                                             grouped["dataset"].to_pylist(),
                                             grouped["dataset_count"].to_pylist(), strict=True)}


def stage_contribute(ctx: DemoContext) -> dict[str, Any]:
    """Each steward registers their datasets, prepares each extract at source, submits it."""
    from commonground.contribute.keys import load_key

    hub = ctx.require_hub()
    key = load_key(ctx.partners_dir / "partnership.key")
    truth = _truth_counts(ctx.truth)
    datasets: dict[str, dict[str, Any]] = {}
    all_contracts = contracts()
    for index, (ref, contract) in enumerate(all_contracts.items()):
        ctx.progress(f"contribute: {ref}", index / len(all_contracts))
        org, name = ref.split("/")
        steward: Actor = actor_for(hub, f"{org}-steward")
        register_dataset(hub, steward, ref, contract)
        source = next((ctx.extracts / org).glob(f"{name}.*"))
        # At the partner's site: the package is made beside the extracts, outside the hub.
        # With keyed Bloom filters, as the partnership recommends: linkage then compares
        # misspelt names and addresses by spelling (docs/linkage.md).
        package = prepare(source, contract, key, ctx.engine, ctx.partners_dir / "outbox" / ref,
                          bloom=True)
        stored = submit(hub, steward, ref, package, ctx.engine)
        datasets[ref] = {"version": stored.version, "rows_in": stored.rows_in,
                         "rows_accepted": stored.rows_accepted,
                         "rows_quarantined": stored.rows_quarantined,
                         "truth_records": truth.get(ref, 0)}
    rows_in = sum(d["rows_in"] for d in datasets.values())
    accepted = sum(d["rows_accepted"] for d in datasets.values())
    quarantined = sum(d["rows_quarantined"] for d in datasets.values())
    audit = verify(hub)
    return {
        "datasets": datasets, "contributions": len(datasets), "rows_in": rows_in,
        "rows_accepted": accepted, "rows_quarantined": quarantined,
        "nothing_lost": rows_in == accepted + quarantined,
        "all_records_against_truth": all(d["rows_in"] == d["truth_records"]
                                         for d in datasets.values()),
        "audit_entries": audit.entries, "audit_chain_ok": audit.ok,
    }


__all__ = ["PARTNERS", "contracts", "pc", "stage_contribute", "stage_partnership"]
