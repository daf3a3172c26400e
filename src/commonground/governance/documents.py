"""The content of a data sharing agreement: parsing, checking and its content hash."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commonground.governance.errors import GovernanceError
from commonground.governance.models import Agreement

# Known lawful bases for sharing; free text is allowed beside them.
LEGAL_BASES = (
    "Crime and Disorder Act 1998 s115",
    "Data Protection Act 2018 Part 3 (law enforcement processing)",
    "UK GDPR Art 6(1)(e) public task",
    "UK GDPR Art 9(2)(g) substantial public interest",
    "Children Act 2004 s10",
    "Care Act 2014 s6/s42",
)
_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_PURPOSE = re.compile(r"^[a-z][a-z0-9-]*(:[a-z0-9][a-z0-9-]*)?$")
# Partners name columns as their systems do ("Full Name", "Date of Birth"): any printable
# text without control characters, up to 128 characters.
_COLUMN = re.compile(r"^[^\x00-\x1f\x7f]{1,128}$")


def _strings(value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple) or not value:
        raise GovernanceError(f"an agreement's {what} must be a non-empty list")
    items = tuple(str(v).strip() for v in value)
    if any(not v for v in items):
        raise GovernanceError(f"an agreement's {what} must not contain empty entries")
    return items


def _date(value: object, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise GovernanceError(f"an agreement's {what} must be a date like 2025-04-01") from None


def split_dataset(ref: str) -> tuple[str, str]:
    """'police/crimes' -> ('police', 'crimes')."""
    owner, sep, name = ref.partition("/")
    if not sep or not _SLUG.match(owner) or not _SLUG.match(name):
        raise GovernanceError(f"dataset '{ref}' must be written as org_slug/dataset_name")
    return owner, name


def _data_items(value: object) -> dict[str, tuple[str, ...]]:
    # Accept {"police/crimes": [cols]} or [{"dataset": "police/crimes", "columns": [cols]}].
    pairs: list[tuple[object, object]]
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, list):
        pairs = [(i.get("dataset"), i.get("columns")) if isinstance(i, Mapping) else (i, None)
                 for i in value]
    else:
        pairs = []
    if not pairs:
        raise GovernanceError("an agreement's data items must name at least one dataset")
    items: dict[str, tuple[str, ...]] = {}
    for ref, columns in pairs:
        split_dataset(str(ref))
        cols = _strings(columns, f"columns for {ref}")
        bad = [c for c in cols if not _COLUMN.match(c)]
        if bad:
            raise GovernanceError(f"column '{bad[0]}' of {ref} is not a valid column name")
        items[str(ref)] = tuple(sorted(set(cols)))
    return items


@dataclass(frozen=True)
class AgreementDocument:
    """What the parties agree to; the same content always gives the same hash."""

    slug: str
    title: str
    parties: tuple[str, ...]
    purposes: tuple[str, ...]
    legal_bases: tuple[str, ...]
    data_items: Mapping[str, tuple[str, ...]]
    retention_days: int
    starts_on: date
    expires_on: date
    unknown_legal_bases: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> AgreementDocument:
        """Parse and check a document (e.g. loaded from YAML); errors name the bad field."""
        if not isinstance(raw, Mapping):
            raise GovernanceError("an agreement document must be a mapping of fields")
        missing = [k for k in ("slug", "title", "parties", "purposes", "legal_bases",
                               "data_items", "retention_days", "starts_on", "expires_on")
                   if k not in raw]
        if missing:
            raise GovernanceError(f"the agreement document has no '{missing[0]}'")
        slug = str(raw["slug"])
        if not _SLUG.match(slug):
            raise GovernanceError(f"agreement slug '{slug}' must be lower-case letters, "
                                  "digits, '-' or '_', starting with a letter")
        title = str(raw["title"]).strip()
        if not title:
            raise GovernanceError("an agreement needs a title")
        parties = tuple(sorted(set(_strings(raw["parties"], "parties"))))
        purposes = tuple(sorted(set(_strings(raw["purposes"], "purposes"))))
        bad = [p for p in purposes if not _PURPOSE.match(p)]
        if bad:
            raise GovernanceError(f"purpose '{bad[0]}' must be a short code such as "
                                  "crime-prevention or research:modern-slavery")
        bases = tuple(sorted(set(_strings(raw["legal_bases"], "legal bases"))))
        items = _data_items(raw["data_items"])
        owners = {split_dataset(ref)[0] for ref in items}
        outsiders = sorted(owners - set(parties))
        if outsiders:
            raise GovernanceError(f"organisation '{outsiders[0]}' shares data in the agreement "
                                  "but is not a party to it")
        try:
            retention = int(raw["retention_days"])
        except (TypeError, ValueError):
            raise GovernanceError("an agreement's retention_days must be a whole number") from None
        if retention < 1:
            raise GovernanceError("an agreement's retention_days must be at least 1")
        starts, expires = _date(raw["starts_on"], "starts_on"), _date(raw["expires_on"],
                                                                      "expires_on")
        if expires < starts:
            raise GovernanceError("an agreement cannot expire before it starts")
        return cls(slug, title, parties, purposes, bases, items, retention, starts, expires,
                   tuple(b for b in bases if b not in LEGAL_BASES))

    def canonical(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "title": self.title,
            "parties": sorted(self.parties),
            "purposes": sorted(self.purposes),
            "legal_bases": sorted(self.legal_bases),
            "data_items": {ref: sorted(cols) for ref, cols in sorted(self.data_items.items())},
            "retention_days": self.retention_days,
            "starts_on": self.starts_on.isoformat(),
            "expires_on": self.expires_on.isoformat(),
        }

    def content_hash(self, version: int) -> str:
        """SHA-256 over the canonical content and version: what each party signs."""
        body = {**self.canonical(), "version": version}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class AgreementTerms:
    """What the policy needs from one agreement version, loaded once per decision."""

    id: int
    slug: str
    version: int
    status: str
    parties: frozenset[str]
    purposes: frozenset[str]
    data_items: Mapping[str, frozenset[str]]
    starts_on: date
    expires_on: date
    intact: bool  # the stored content still matches the hash every party signed

    def in_force(self, today: date) -> bool:
        return (self.status == "active" and self.intact
                and self.starts_on <= today <= self.expires_on)

    def covers(self, dataset: str) -> bool:
        return dataset in self.data_items


def document_of(row: Agreement) -> AgreementDocument:
    """The document a stored version holds (as stored: a tampered row gives a new hash)."""
    return AgreementDocument(
        slug=row.slug, title=row.title,
        parties=tuple(sorted(p.organisation.slug for p in row.parties)),
        purposes=tuple(sorted(row.purposes)), legal_bases=tuple(sorted(row.legal_bases)),
        data_items={ref: tuple(sorted(cols)) for ref, cols in row.data_items.items()},
        retention_days=row.retention_days, starts_on=row.starts_on, expires_on=row.expires_on,
    )


def is_intact(row: Agreement) -> bool:
    """The row's content matches its stored hash and the hash every signature carries."""
    digest = document_of(row).content_hash(row.version)
    return digest == row.content_hash and all(s.content_hash == digest for s in row.signatures)


def terms_of(row: Agreement) -> AgreementTerms:
    return AgreementTerms(
        id=row.id, slug=row.slug, version=row.version, status=row.status,
        parties=frozenset(p.organisation.slug for p in row.parties),
        purposes=frozenset(row.purposes),
        data_items={ref: frozenset(cols) for ref, cols in row.data_items.items()},
        starts_on=row.starts_on, expires_on=row.expires_on, intact=is_intact(row),
    )
