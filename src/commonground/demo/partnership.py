"""The demo's partnership: who takes part, the agreement they sign, the partnership's key.

With the contribute stage, this sets up Level 1 of the mission (contribute and share data) on
the synthetic county.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from commonground.contribute import create_key, trust_key
from commonground.demo.context import DemoContext, contracts
from commonground.governance import (
    actor_for,
    add_organisation,
    add_person,
    draft_agreement,
    sign_agreement,
)

# slug: (name, kind); the synthetic county's partners.
PARTNERS: dict[str, tuple[str, str]] = {
    "police": ("Essex Police", "police"),
    "district_council": ("Chelmsford City Council", "council"),
    "county_council": ("Essex County Council", "council"),
    "fire": ("Essex County Fire and Rescue Service", "fire"),
    "health": ("Mid and South Essex NHS Foundation Trust", "health"),
    # A victim-support charity that refers potential victims (a fictional name).
    "ngo": ("Essex Freedom Support (fictional charity)", "ngo"),
}
AGREEMENT = "essex-prevention"
LEGAL_BASES = [
    "Crime and Disorder Act 1998 s115",
    "Data Protection Act 2018 Part 3 (law enforcement processing)",
    "UK GDPR Art 6(1)(e) public task",
    "UK GDPR Art 9(2)(g) substantial public interest",
    "Care Act 2014 s6/s42",
]


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
    # The partnership board reads aggregates, reports and the catalogue, never records.
    add_person(hub, "board-chair", "county_council", ["board"],
               display_name="Chair of the partnership board", actor=admin)
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
    trust_key(hub, admin, key.fingerprint)
    return {"organisations": len(PARTNERS), "people": 2 * len(PARTNERS) + 3,
            "agreement": AGREEMENT, "agreement_status": view.status,
            "signatures": len(PARTNERS), "key_fingerprint": key.fingerprint,
            "key_file": str(ctx.partners_dir / "partnership.key")}
