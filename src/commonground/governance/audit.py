"""The hash-chained audit log: every decision and change, tamper-evident.

Each entry's hash is SHA-256 over the canonical JSON of its fields, including the previous
entry's hash, so editing, deleting or reordering any entry breaks the chain at that point.
Entries hold actor, action, resource ids, purpose, outcome and counts: never record-level data.

Limits (why an external anchor still matters): anyone able to rewrite the whole table can
recompute every hash. `verify` reports the newest hash so it can be published elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, Table, cast, insert, or_, select, text, update
from sqlalchemy.orm import Session

from commonground.governance.actors import Actor
from commonground.governance.errors import GovernanceError
from commonground.governance.models import AuditEntry, AuditHead
from commonground.store import Hub

GENESIS = "0" * 64
OUTCOMES = frozenset({"allowed", "refused", "done", "failed"})
# A fixed key for pg_advisory_xact_lock: every appender takes the same lock ("CGAUDIT").
_PG_LOCK_KEY = 0x4347_4155_4449_54
_MAX_TEXT = 200
_LOCK_INFO = "commonground.audit.locked"
_ENTRIES = typing.cast(Table, AuditEntry.__table__)
_HEAD = typing.cast(Table, AuditHead.__table__)



@dataclass(frozen=True)
class AuditRecord:
    seq: int
    hash: str


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str | None = None  # edited, deleted, reordered, inserted
    head_hash: str = GENESIS

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "first_bad_seq": self.first_bad_seq,
                "problem": self.problem, "head_hash": self.head_hash}


def _utc_text(at: datetime) -> str:
    # SQLite hands back naive datetimes, PostgreSQL aware ones: both are UTC here.
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(seq: int, at: datetime, actor: str, action: str, resource: str,
               purpose: str | None, outcome: str, details: Mapping[str, Any],
               prev_hash: str) -> str:
    """SHA-256 of the entry's canonical JSON (sorted keys, no spaces, UTC microseconds)."""
    body = {
        "seq": seq, "at": _utc_text(at), "actor": actor, "action": action,
        "resource": resource, "purpose": purpose, "outcome": outcome,
        "details": details, "prev_hash": prev_hash,
    }
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored_hash(entry: AuditEntry, seq: int | None = None) -> str:
    return entry_hash(entry.seq if seq is None else seq, entry.at, entry.actor, entry.action,
                      entry.resource, entry.purpose, entry.outcome, entry.details,
                      entry.prev_hash)


def _check_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """Counts and ids only: flat scalars or short lists of them, short strings."""
    checked: dict[str, Any] = {}
    for key, value in details.items():
        values = value if isinstance(value, list | tuple) else [value]
        for item in values:
            if not isinstance(item, str | int | float | bool) and item is not None:
                raise GovernanceError(f"audit detail '{key}' must be a count, id or list of them")
            if isinstance(item, str) and len(item) > _MAX_TEXT:
                raise GovernanceError(f"audit detail '{key}' is too long for an id")
        checked[str(key)] = list(value) if isinstance(value, list | tuple) else value
    return checked


def holds_chain_lock(session: Session) -> bool:
    """True if this session's current transaction has already appended to the chain."""
    current = session.get_transaction()
    return current is not None and session.info.get(_LOCK_INFO) is current


def _take_head(session: Session) -> tuple[int, str]:
    """Move the head on by one under the chain's lock, held until the transaction ends, so
    two writers never fork the chain: the new entry's seq and the previous entry's hash."""
    if not holds_chain_lock(session) and session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    # On SQLite this write takes the database's one write lock before the head is read (a
    # read first could see a head that another writer is about to move).
    seq, prev_hash = session.execute(
        update(_HEAD).where(_HEAD.c.id == 1).values(last_seq=_HEAD.c.last_seq + 1)
        .returning(_HEAD.c.last_seq, _HEAD.c.last_hash)).one()
    session.info[_LOCK_INFO] = session.get_transaction()  # the object: ids can be reused
    return int(seq), str(prev_hash)


def _append(session: Session, actor: str, action: str, resource: str, purpose: str | None,
            outcome: str, details: dict[str, Any]) -> AuditRecord:
    # Core statements, not ORM objects: an entry is written on every page view, and the
    # unit of work cost more than the writes.
    session.flush()  # the work this entry records goes first, as it did with the ORM
    seq, prev_hash = _take_head(session)
    at = datetime.now(UTC)
    digest = entry_hash(seq, at, actor, action, resource, purpose, outcome, details, prev_hash)
    session.execute(insert(_ENTRIES).values(
        seq=seq, at=at, actor=actor, action=action, resource=resource, purpose=purpose,
        outcome=outcome, details=details, prev_hash=prev_hash, hash=digest))
    session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(last_hash=digest))
    return AuditRecord(seq, digest)


def record(target: Hub | Session, actor: Actor | str, action: str, resource: object,
           outcome: str, purpose: str | None = None,
           details: Mapping[str, Any] | None = None) -> AuditRecord:
    """Append one entry. Given a session, the entry commits (or rolls back) with its work."""
    if outcome not in OUTCOMES:
        raise GovernanceError(f"audit outcome must be one of {', '.join(sorted(OUTCOMES))}")
    name = actor.username if isinstance(actor, Actor) else str(actor)
    checked = _check_details(details or {})
    if isinstance(target, Session):
        return _append(target, name, action, str(resource)[:_MAX_TEXT], purpose, outcome,
                       checked)
    with target.sessions().begin() as session:
        return _append(session, name, action, str(resource)[:_MAX_TEXT], purpose, outcome,
                       checked)


def _diagnose(entries: list[AuditEntry], index: int) -> tuple[str, int]:
    """Name what happened at the first broken link, and the seq where it happened."""
    entry = entries[index]
    by_hash = {e.hash: e.seq for e in entries}
    if _stored_hash(entry) == entry.hash:
        # The entry is intact but does not follow its predecessor.
        linked = by_hash.get(entry.prev_hash)
        if linked is None:  # its predecessor was edited and rehashed
            return "edited", entries[index - 1].seq if index else entry.seq
        if linked > entry.seq:
            return "reordered", entry.seq
        return "inserted", linked + 1
    # The entry's own hash fails at this seq: does it hold at the seq it was written with?
    for seq in range(1, max(by_hash.values()) + 2):
        if seq != entry.seq and _stored_hash(entry, seq) == entry.hash:
            if entry.prev_hash not in by_hash and entry.prev_hash != GENESIS:
                return "deleted", entry.seq  # renumbered after its predecessor was removed
            return ("inserted", seq) if seq < entry.seq else ("reordered", entry.seq)
    return "edited", entry.seq


def verify(hub: Hub) -> AuditReport:
    """Walk the chain from the first entry; report the first entry that breaks it and how."""
    with hub.sessions()() as session:
        rows = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
        head = session.execute(select(AuditHead).where(AuditHead.id == 1)).scalar_one()
    count = len(rows)
    prev, expected = GENESIS, 1
    for index, entry in enumerate(rows):
        if entry.seq != expected:
            return AuditReport(False, count, expected, "deleted", head.last_hash)
        if entry.seq > head.last_seq:
            return AuditReport(False, count, entry.seq, "inserted", head.last_hash)
        if _stored_hash(entry) != entry.hash or entry.prev_hash != prev:
            problem, bad = _diagnose(rows, index)
            return AuditReport(False, count, bad, problem, head.last_hash)
        prev, expected = entry.hash, expected + 1
    if head.last_seq > count:
        return AuditReport(False, count, count + 1, "deleted", head.last_hash)
    if head.last_hash != prev:
        return AuditReport(False, count, head.last_seq, "edited", head.last_hash)
    return AuditReport(True, count, None, None, prev)


def entries(hub: Hub, limit: int = 100, *, who: str | None = None,
            action: str | None = None, outcome: str | None = None,
            search: str | None = None) -> list[dict[str, Any]]:
    """The newest entries, newest first, as plain dictionaries.

    Filters (all optional, combined): the actor's user name (`who`) exactly, `action`
    exactly or as a prefix ("contribution" finds contribution.create and
    contribution.stored), `outcome` exactly, and `search` anywhere in the resource or the
    details.
    """
    query = select(AuditEntry)
    if who:
        query = query.where(AuditEntry.actor == who)
    if action:
        query = query.where(or_(AuditEntry.action == action,
                                AuditEntry.action.startswith(action.rstrip(".") + ".",
                                                             autoescape=True)))
    if outcome:
        query = query.where(AuditEntry.outcome == outcome)
    if search:
        query = query.where(or_(AuditEntry.resource.contains(search, autoescape=True),
                                cast(AuditEntry.details, String).contains(search,
                                                                         autoescape=True)))
    with hub.sessions()() as session:
        rows = session.scalars(query.order_by(AuditEntry.seq.desc()).limit(limit))
        return [
            {"seq": e.seq, "at": _utc_text(e.at), "actor": e.actor, "action": e.action,
             "resource": e.resource, "purpose": e.purpose, "outcome": e.outcome,
             "details": e.details}
            for e in rows
        ]
