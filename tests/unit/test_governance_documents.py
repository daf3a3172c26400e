"""Agreement documents: parsing, checking and a content hash that changes with the content."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from commonground.governance import LEGAL_BASES, AgreementDocument, GovernanceError, Resource
from commonground.governance.audit import entry_hash


def raw(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "slug": "essex-cp", "title": "Essex crime prevention",
        "parties": ["police", "council"],
        "purposes": ["crime-prevention", "research:modern-slavery"],
        "legal_bases": [LEGAL_BASES[0], "Local Government Act 1972 s111"],
        "data_items": {"police/crimes": ["month", "lsoa_code"]},
        "retention_days": 365, "starts_on": date(2025, 1, 1), "expires_on": "2025-12-31",
    }
    doc.update(changes)
    return doc


def test_a_document_parses_and_notes_free_text_legal_bases() -> None:
    doc = AgreementDocument.from_mapping(raw())
    assert doc.parties == ("council", "police")
    assert doc.expires_on == date(2025, 12, 31)
    assert doc.data_items == {"police/crimes": ("lsoa_code", "month")}
    assert doc.unknown_legal_bases == ("Local Government Act 1972 s111",)


def test_data_items_may_be_written_as_a_list() -> None:
    listed = raw(data_items=[{"dataset": "police/crimes", "columns": ["month", "lsoa_code"]}])
    assert AgreementDocument.from_mapping(listed) == AgreementDocument.from_mapping(raw())


@pytest.mark.parametrize("changes, message", [
    ({"slug": "Essex CP"}, "slug"),
    ({"title": " "}, "title"),
    ({"parties": "police"}, "parties must be a non-empty list"),
    ({"purposes": ["Crime Prevention"]}, "short code"),
    ({"legal_bases": []}, "legal bases"),
    ({"data_items": {"crimes": ["month"]}}, "org_slug/dataset_name"),
    ({"data_items": {"fire/incidents": ["month"]}}, "'fire' shares data"),
    ({"data_items": {"police/crimes": []}}, "columns for police/crimes"),
    ({"data_items": {"police/crimes": ["month\x00drop"]}}, "valid column name"),
    ({"data_items": {}}, "at least one dataset"),
    ({"retention_days": 0}, "at least 1"),
    ({"retention_days": "a year"}, "whole number"),
    ({"starts_on": "1st of May"}, "starts_on must be a date"),
    ({"expires_on": "2024-12-31"}, "expire before it starts"),
])
def test_bad_documents_are_refused_with_the_field_named(changes: dict[str, Any],
                                                        message: str) -> None:
    with pytest.raises(GovernanceError, match=message):
        AgreementDocument.from_mapping(raw(**changes))


def test_a_missing_field_is_named() -> None:
    document = raw()
    del document["retention_days"]
    with pytest.raises(GovernanceError, match="no 'retention_days'"):
        AgreementDocument.from_mapping(document)


def test_the_hash_ignores_order_but_not_content() -> None:
    base = AgreementDocument.from_mapping(raw()).content_hash(1)
    shuffled = raw(parties=["council", "police"], purposes=["research:modern-slavery",
                                                            "crime-prevention"],
                   data_items={"police/crimes": ["lsoa_code", "month"]})
    assert AgreementDocument.from_mapping(shuffled).content_hash(1) == base
    assert AgreementDocument.from_mapping(raw()).content_hash(2) != base
    for changes in ({"retention_days": 366}, {"expires_on": "2026-01-01"},
                    {"purposes": ["crime-prevention"]}, {"legal_bases": [LEGAL_BASES[1]]},
                    {"data_items": {"police/crimes": ["month"]}},
                    {"parties": ["police", "council", "fire"]}):
        assert AgreementDocument.from_mapping(raw(**changes)).content_hash(1) != base


def test_resources_read_and_print_as_ids() -> None:
    crimes = Resource.dataset("police/crimes")
    assert (crimes.kind, crimes.owner, crimes.name) == ("dataset", "police", "crimes")
    assert str(crimes) == "dataset:police/crimes"
    assert str(Resource.agreement("essex-cp")) == "agreement:essex-cp"
    assert str(Resource("audit")) == "audit"
    with pytest.raises(GovernanceError):
        Resource.dataset("crimes")


def test_audit_hash_is_canonical_and_covers_every_field() -> None:
    from datetime import UTC, datetime

    at = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    args = (1, at, "alice", "dataset.read", "dataset:police/crimes", "crime-prevention",
            "allowed", {"b": 1, "a": 2}, "0" * 64)
    first = entry_hash(*args)
    assert first == entry_hash(1, at.replace(tzinfo=None), *args[2:7], {"a": 2, "b": 1},
                               "0" * 64)
    for index in range(len(args)):
        changed = list(args)
        changed[index] = 2 if index == 0 else (
            datetime(2025, 6, 1, 12, 0, 1, tzinfo=UTC) if index == 1 else (
                {"a": 3} if index == 7 else "other"))
        assert entry_hash(*changed) != first, index  # type: ignore[arg-type]
