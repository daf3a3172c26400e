"""The contribute room's front door: what `commonground contribute`, `key trust` and `erase`
call, used directly as a steward's notebook would (no command line in between)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from commonground.contribute import (
    ContractError,
    PartnershipKey,
    contract_from,
    contribute_file,
    erase_person,
    prepare_package,
    register_dataset,
    trust_key,
)
from commonground.engines import Engine, get_engine
from commonground.governance import (
    PermissionDenied,
    actor_for,
    add_organisation,
    add_person,
    audit_entries,
    draft_agreement,
    sign_agreement,
)
from commonground.store import Hub, init_hub

DATASET = "council/complaints"
CONTRACT = """
name: complaints
record_id: Ref
columns:
  - {name: Ref, type: string, required: true, role: record_id}
  - {name: Full Name, type: string, role: identifier, identifier: full_name}
  - {name: Date of Birth, type: date, formats: ["%d/%m/%Y"], role: identifier, identifier: dob}
  - {name: Complaint, type: category, allowed: [Noise, Rubbish]}
"""
CLEAN = """Ref,Full Name,Date of Birth,Complaint
C1,Ann Lee,02/01/1980,Noise
C2,Bob Stone,03/04/1975,Rubbish
"""
ONE_BAD = CLEAN + "C3,Cat Moss,31/02/1980,Noise\n"  # 31 February: quarantined
KEY = PartnershipKey(b"k" * 32)


@pytest.fixture
def engine() -> Iterator[Engine]:
    with get_engine("duckdb") as eng:
        yield eng


@pytest.fixture
def contract_file(tmp_path: Path) -> Path:
    path = tmp_path / "complaints.yaml"
    path.write_text(CONTRACT)
    return path


@pytest.fixture
def hub(tmp_path: Path, contract_file: Path) -> Iterator[Hub]:
    """Police and a council under a signed agreement; the council's complaints registered."""
    opened = init_hub(tmp_path / "hub")
    add_organisation(opened, "police", "Essex Police", "police")
    admin = add_person(opened, "admin", "police", ["admin"])
    add_organisation(opened, "council", "Chelmsford City Council", "council", actor=admin)
    for org in ("police", "council"):
        add_person(opened, f"{org}-steward", org, ["steward"], actor=admin)
        add_person(opened, f"{org}-lead", org, ["governance_lead"], actor=admin)
    today = datetime.now(UTC).date()
    draft_agreement(opened, actor_for(opened, "council-lead"), {
        "slug": "complaints-sharing", "title": "Complaints for crime prevention",
        "parties": ["police", "council"], "purposes": ["crime-prevention"],
        "legal_bases": ["Crime and Disorder Act 1998 s115"],
        "data_items": {DATASET: ["Ref", "Full Name", "Date of Birth", "Complaint"]},
        "retention_days": 365, "starts_on": today.isoformat(),
        "expires_on": (today + timedelta(days=365)).isoformat()})
    for org in ("police", "council"):
        sign_agreement(opened, actor_for(opened, f"{org}-lead"), "complaints-sharing")
    trust_key(opened, actor_for(opened, "admin"), KEY.fingerprint)
    register_dataset(opened, actor_for(opened, "council-steward"), DATASET,
                     contract_from(contract_file))
    yield opened
    opened.close()


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where `contribute_file` makes its temporary package folder, to see what is left."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _extract(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "complaints.csv"
    path.write_text(text)
    return path


def test_a_raw_file_is_stored_and_its_temporary_package_removed(
        hub: Hub, engine: Engine, tmp_path: Path, private_tmp: Path) -> None:
    result = contribute_file(hub, actor_for(hub, "council-steward"), DATASET,
                             _extract(tmp_path, CLEAN), key=KEY, engine=engine)
    assert result["status"] == "accepted" and result["version"] == 1
    assert (result["rows_in"], result["rows_accepted"], result["rows_quarantined"]) == (2, 2, 0)
    assert "quarantine_full" not in result
    assert list(private_tmp.iterdir()) == []


def test_quarantined_rows_keep_the_full_quarantine_and_nothing_else(
        hub: Hub, engine: Engine, tmp_path: Path, private_tmp: Path) -> None:
    result = contribute_file(hub, actor_for(hub, "council-steward"), DATASET,
                             _extract(tmp_path, ONE_BAD), key=KEY, engine=engine)
    assert (result["rows_in"], result["rows_accepted"], result["rows_quarantined"]) == (3, 2, 1)
    kept = Path(result["quarantine_full"])
    assert kept.is_file() and kept.parent.parent == private_tmp
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # the package is gone


def test_a_failed_submission_leaves_no_temporary_folder(
        hub: Hub, engine: Engine, tmp_path: Path, private_tmp: Path) -> None:
    with pytest.raises(PermissionDenied):  # the police steward does not own the dataset
        contribute_file(hub, actor_for(hub, "police-steward"), DATASET,
                        _extract(tmp_path, ONE_BAD), key=KEY, engine=engine)
    assert list(private_tmp.iterdir()) == []


def test_a_package_made_at_source_is_submitted_without_the_key(
        hub: Hub, engine: Engine, tmp_path: Path, contract_file: Path) -> None:
    made = prepare_package(_extract(tmp_path, ONE_BAD), contract_file, KEY, engine,
                           tmp_path / "outbox")
    assert made == {"package": str(tmp_path / "outbox" / "package"), "rows_in": 3,
                    "rows_accepted": 2, "rows_quarantined": 1, "columns_dropped": [],
                    "key_fingerprint": KEY.fingerprint,
                    "quarantine": str(tmp_path / "outbox" / "quarantine-full.csv")}
    result = contribute_file(hub, actor_for(hub, "council-steward"), DATASET,
                             Path(made["package"]), key=None, engine=engine)
    assert result["status"] == "accepted" and result["rows_accepted"] == 2
    assert "quarantine_full" not in result  # the partner keeps theirs at source
    again = contribute_file(hub, actor_for(hub, "council-steward"), DATASET,
                            Path(made["package"]), key=None, engine=engine)
    assert again["status"] == "duplicate"


def test_only_an_admin_may_trust_a_key(hub: Hub) -> None:
    with pytest.raises(PermissionDenied):
        trust_key(hub, actor_for(hub, "council-lead"), KEY.fingerprint)
    refused = audit_entries(hub, actor_for(hub, "council-lead"), 5)
    assert any(e["action"] == "hub.configure" and e["outcome"] == "refused" for e in refused)


def test_contract_from_a_file_or_a_built_in_name(contract_file: Path) -> None:
    assert contract_from(contract_file).name == "complaints"
    assert contract_from("police_uk_street").name
    with pytest.raises(ContractError, match="no built-in contract 'nonesuch'"):
        contract_from("nonesuch")


def test_erase_person_tokenises_here_and_logs_no_identifier(
        hub: Hub, engine: Engine, tmp_path: Path) -> None:
    steward = actor_for(hub, "council-steward")
    contribute_file(hub, steward, DATASET, _extract(tmp_path, CLEAN), key=KEY, engine=engine)
    identifiers = {"given_name": "Ann", "family_name": "Lee", "dob": "1980-01-02",
                   "postcode": None, "nhs_number": ""}
    result = erase_person(hub, steward, "REQ-7", identifiers, KEY, engine)
    assert result["rows_removed"] == 1
    logged = str(audit_entries(hub, actor_for(hub, "council-lead"), 100))
    assert "Lee" not in logged and "1980-01-02" not in logged
