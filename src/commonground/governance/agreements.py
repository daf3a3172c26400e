"""Data sharing agreements: drafted, signed by every party, active, then expired or revoked.

Each version is a row; an amendment adds a version and never edits an earlier one. Signing
stores the content hash the party signed, so a later edit to a signed version is evident
(`intact` turns false and the policy stops relying on it).

    draft ──sign──► signed (some parties) ──sign──► active ──► expired (past expires_on)
      │                  │                            │
      └──────────────────┴────────revoke──────────────┴──► revoked
    an amendment's activation marks the version it replaces `superseded`
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from commonground.governance.actors import Actor
from commonground.governance.audit import record
from commonground.governance.documents import AgreementDocument, document_of, is_intact
from commonground.governance.errors import GovernanceError, InvalidTransition, NotFound
from commonground.governance.models import Agreement, AgreementParty, AgreementSignature
from commonground.governance.policy import Resource, require, utc_today
from commonground.store import Hub, Organisation

STATUSES = ("draft", "signed", "active", "expired", "revoked", "superseded")
_PENDING = ("draft", "signed")
_LIVE = ("draft", "signed", "active")
SYSTEM = "system"


@dataclass(frozen=True)
class AgreementView:
    """One agreement version as callers see it (status computed for `today`)."""

    id: int
    slug: str
    version: int
    title: str
    status: str
    in_force: bool
    parties: tuple[str, ...]
    purposes: tuple[str, ...]
    legal_bases: tuple[str, ...]
    data_items: Mapping[str, tuple[str, ...]]
    retention_days: int
    starts_on: date
    expires_on: date
    content_hash: str
    intact: bool
    signatures: tuple[Mapping[str, str], ...]
    unsigned_parties: tuple[str, ...]
    revoked_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug, "version": self.version, "title": self.title,
            "status": self.status, "in_force": self.in_force, "parties": list(self.parties),
            "purposes": list(self.purposes), "legal_bases": list(self.legal_bases),
            "data_items": {k: list(v) for k, v in self.data_items.items()},
            "retention_days": self.retention_days, "starts_on": self.starts_on.isoformat(),
            "expires_on": self.expires_on.isoformat(), "content_hash": self.content_hash,
            "intact": self.intact, "signatures": [dict(s) for s in self.signatures],
            "unsigned_parties": list(self.unsigned_parties),
            "revoked_reason": self.revoked_reason,
        }


def effective_status(row: Agreement, today: date) -> str:
    """The stored status, except that an active agreement past its expiry date is expired."""
    if row.status == "active" and today > row.expires_on:
        return "expired"
    return row.status


def _view(row: Agreement, today: date) -> AgreementView:
    doc = document_of(row)
    status = effective_status(row, today)
    intact = is_intact(row)
    signed = {s.organisation.slug for s in row.signatures}
    return AgreementView(
        id=row.id, slug=row.slug, version=row.version, title=row.title, status=status,
        in_force=status == "active" and intact and row.starts_on <= today,
        parties=doc.parties, purposes=doc.purposes, legal_bases=doc.legal_bases,
        data_items=doc.data_items, retention_days=row.retention_days,
        starts_on=row.starts_on, expires_on=row.expires_on, content_hash=row.content_hash,
        intact=intact,
        signatures=tuple(
            {"organisation": s.organisation.slug, "username": s.person.username,
             "signed_at": s.signed_at.isoformat()}
            for s in row.signatures
        ),
        unsigned_parties=tuple(p for p in doc.parties if p not in signed),
        revoked_reason=row.revoked_reason,
    )


def _document(document: AgreementDocument | Mapping[str, Any]) -> AgreementDocument:
    if isinstance(document, AgreementDocument):
        return document
    return AgreementDocument.from_mapping(document)


def _versions(session: Session, slug: str) -> list[Agreement]:
    return list(session.scalars(select(Agreement).where(Agreement.slug == slug)
                                .order_by(Agreement.version)))


def _latest(session: Session, slug: str) -> Agreement:
    versions = _versions(session, slug)
    if not versions:
        raise NotFound(f"no agreement '{slug}' in this hub")
    return versions[-1]


def _parties(row: Agreement) -> frozenset[str]:
    return frozenset(p.organisation.slug for p in row.parties)


def _insert(session: Session, actor: Actor, doc: AgreementDocument, version: int) -> Agreement:
    orgs = {o.slug: o for o in session.scalars(
        select(Organisation).where(Organisation.slug.in_(doc.parties)))}
    missing = [p for p in doc.parties if p not in orgs]
    if missing:
        raise NotFound(f"no organisation '{missing[0]}' in this hub")
    row = Agreement(
        slug=doc.slug, version=version, title=doc.title, status="draft",
        purposes=list(doc.purposes), legal_bases=list(doc.legal_bases),
        data_items={ref: list(cols) for ref, cols in doc.data_items.items()},
        retention_days=doc.retention_days, starts_on=doc.starts_on,
        expires_on=doc.expires_on, content_hash=doc.content_hash(version),
        created_by_id=actor.person_id,
        parties=[AgreementParty(organisation_id=orgs[p].id) for p in doc.parties],
        signatures=[],
    )
    session.add(row)
    session.flush()
    return row


def draft_agreement(hub: Hub, actor: Actor, document: AgreementDocument | Mapping[str, Any],
                    *, today: date | None = None) -> AgreementView:
    """Propose a new agreement (version 1, draft); the actor leads governance for a party."""
    doc = _document(document)
    with hub.sessions().begin() as session:
        require(hub, actor, "agreement.draft", Resource.agreement(doc.slug, doc.parties),
                session=session)
        if _versions(session, doc.slug):
            raise GovernanceError(f"agreement '{doc.slug}' already exists; amend it instead")
        row = _insert(session, actor, doc, 1)
        record(session, actor, "agreement.drafted", Resource.agreement(doc.slug), "done",
               details={"version": 1, "content_hash": row.content_hash})
        return _view(row, today or utc_today())


def amend_agreement(hub: Hub, actor: Actor, document: AgreementDocument | Mapping[str, Any],
                    *, today: date | None = None) -> AgreementView:
    """Add a new draft version; earlier versions stay as they were (an active one stays in
    force until the amendment is signed by every party)."""
    doc = _document(document)
    with hub.sessions().begin() as session:
        latest = _latest(session, doc.slug)
        require(hub, actor, "agreement.draft", Resource.agreement(doc.slug, _parties(latest)),
                session=session)
        if latest.status == "revoked":
            raise InvalidTransition(f"agreement '{doc.slug}' is revoked; draft a new one")
        for row in _versions(session, doc.slug):
            if row.status in _PENDING:
                row.status = "superseded"  # an unsigned draft never took effect
        row = _insert(session, actor, doc, latest.version + 1)
        record(session, actor, "agreement.amended", Resource.agreement(doc.slug), "done",
               details={"version": row.version, "content_hash": row.content_hash})
        return _view(row, today or utc_today())


def sign_agreement(hub: Hub, actor: Actor, slug: str, *,
                   today: date | None = None) -> AgreementView:
    """Sign the newest version for the actor's organisation; the last signature activates it."""
    day = today or utc_today()
    with hub.sessions().begin() as session:
        row = _latest(session, slug)
        require(hub, actor, "agreement.sign", Resource.agreement(slug, _parties(row)),
                session=session)
        status = effective_status(row, day)
        if status not in _PENDING:
            raise InvalidTransition(
                f"agreement '{slug}' v{row.version} is {status} and cannot be signed")
        if any(s.organisation.slug == actor.organisation for s in row.signatures):
            raise InvalidTransition(
                f"{actor.organisation} has already signed agreement '{slug}' v{row.version}")
        if not is_intact(row):
            raise GovernanceError(f"agreement '{slug}' v{row.version} no longer matches its "
                                  "content hash; it may have been altered and cannot be signed")
        if day > row.expires_on:
            raise InvalidTransition(f"agreement '{slug}' v{row.version} expired before it "
                                    "was signed by every party")
        org = next(p.organisation for p in row.parties
                   if p.organisation.slug == actor.organisation)
        row.signatures.append(AgreementSignature(
            organisation_id=org.id, person_id=actor.person_id, content_hash=row.content_hash,
            signed_at=datetime.now(UTC)))
        session.flush()
        unsigned = ({p.organisation_id for p in row.parties}
                    - {s.organisation_id for s in row.signatures})
        row.status = "signed" if unsigned else "active"
        if not unsigned:
            for older in _versions(session, slug):
                if older.version < row.version and older.status == "active":
                    older.status = "superseded"
        record(session, actor, "agreement.signed", Resource.agreement(slug), "done",
               details={"version": row.version, "status": row.status,
                        "content_hash": row.content_hash})
        return _view(row, day)


def revoke_agreement(hub: Hub, actor: Actor, slug: str, reason: str, *,
                     today: date | None = None) -> AgreementView:
    """End an agreement now (every live version); any party's governance lead may."""
    if not reason.strip():
        raise GovernanceError("revoking an agreement needs a reason")
    if len(reason) > 500:
        raise GovernanceError("a revocation reason must be at most 500 characters")
    day = today or utc_today()
    with hub.sessions().begin() as session:
        versions = _versions(session, slug)
        if not versions:
            raise NotFound(f"no agreement '{slug}' in this hub")
        parties = frozenset(p for v in versions for p in _parties(v))
        require(hub, actor, "agreement.revoke", Resource.agreement(slug, parties),
                session=session)
        live = [v for v in versions if effective_status(v, day) in _LIVE]
        if not live:
            raise InvalidTransition(f"agreement '{slug}' is already "
                                    f"{effective_status(versions[-1], day)}")
        now = datetime.now(UTC)
        for row in live:
            row.status, row.revoked_at = "revoked", now
            row.revoked_by_id, row.revoked_reason = actor.person_id, reason.strip()
        record(session, actor, "agreement.revoked", Resource.agreement(slug), "done",
               details={"versions": [v.version for v in live]})
        return _view(live[-1], day)


def get_agreement(hub: Hub, actor: Actor, slug: str, version: int | None = None, *,
                  today: date | None = None) -> AgreementView:
    """One version (the newest by default) of an agreement."""
    require(hub, actor, "agreement.read", Resource.agreement(slug))
    with hub.sessions()() as session:
        versions = _versions(session, slug)
        chosen = [v for v in versions if version is None or v.version == version]
        if not chosen:
            raise NotFound(f"no agreement '{slug}'" + (f" v{version}" if version else "")
                           + " in this hub")
        return _view(chosen[-1], today or utc_today())


def list_agreements(hub: Hub, actor: Actor, *, all_versions: bool = False,
                    today: date | None = None) -> list[AgreementView]:
    """The newest version of every agreement (or every version), by slug."""
    require(hub, actor, "agreement.read", Resource("agreement"))
    day = today or utc_today()
    with hub.sessions()() as session:
        rows = list(session.scalars(select(Agreement)
                                    .order_by(Agreement.slug, Agreement.version)))
    if not all_versions:
        newest: dict[str, Agreement] = {}
        for row in rows:
            newest[row.slug] = row
        rows = list(newest.values())
    return [_view(row, day) for row in rows]


def refresh_expiry(hub: Hub, *, today: date | None = None) -> list[tuple[str, int]]:
    """Store `expired` on active versions past their expiry (the policy already ignores
    them; this keeps the stored status honest). Returns the (slug, version) changed."""
    day = today or utc_today()
    with hub.sessions().begin() as session:
        rows = list(session.scalars(select(Agreement).where(Agreement.status == "active",
                                                            Agreement.expires_on < day)))
        for row in rows:
            row.status = "expired"
            record(session, SYSTEM, "agreement.expired", Resource.agreement(row.slug), "done",
                   details={"version": row.version})
        return [(row.slug, row.version) for row in rows]
