"""Level 1 from the command line, as a partnership would run it: real processes, a real hub.

Police and a district council agree to share; the police contribute their published police.uk
street-level files with the built-in contract, the council contributes an extract with names
pseudonymised at source (`--local`, then submitted); a person's rows are erased; an agreement
is revoked and retention removes what it covered; the audit log verifies, and a tampered row
is found.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.conftest import shared_data


def cg(hub: Path, *args: str, user: str | None = None, tmpdir: Path | None = None) -> dict:
    env = {**os.environ, "COMMONGROUND_HUB": str(hub)}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    env.pop("COMMONGROUND_USER", None)
    if user:
        env["COMMONGROUND_USER"] = user
    done = subprocess.run([sys.executable, "-m", "commonground.cli", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


def cg_fails(hub: Path, *args: str, user: str | None = None) -> str:
    env = {**os.environ, "COMMONGROUND_HUB": str(hub)}
    if user:
        env["COMMONGROUND_USER"] = user
    done = subprocess.run([sys.executable, "-m", "commonground.cli", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


COUNCIL_CSV = """Ref;Full Name;Date of Birth;Address;Postcode;Complaint
C1;Popescu, Stéfan;03/11/1990;12 High St;CM1 1AA;Noise
C2;Anna Kowalska;12/12/1985;4 Mill Lane;CM2 6BB;Rubbish
C3;Stefan Popescu;03/11/1990;12 High Street;cm11aa;Overcrowding
C4;Zoë Smith;31/02/1980;9 Church Lane;CM3 3CC;Noise
C5;Jan Nowak;01/01/1970;1 Road;CM4 4DD;=cmd|' /C calc'!A0
"""

COUNCIL_CONTRACT = """
name: complaints
record_id: Ref
columns:
  - {name: Ref, type: string, required: true, role: record_id}
  - {name: Full Name, type: string, role: identifier, identifier: full_name}
  - {name: Date of Birth, type: date, formats: ["%d/%m/%Y"], role: identifier, identifier: dob}
  - {name: Address, type: string, role: identifier, identifier: address}
  - {name: Postcode, type: postcode, role: identifier, identifier: postcode}
  - {name: Complaint, type: category, allowed: [Noise, Rubbish, Overcrowding]}
"""


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("partnership")
    hub = base / "hub"
    cg(hub, "init", str(hub))
    cg(hub, "org", "add", "police", "--name", "Essex Police", "--kind", "police")
    cg(hub, "user", "add", "admin", "--org", "police", "--role", "admin")
    cg(hub, "org", "add", "council", "--name", "Chelmsford City Council", "--kind", "council",
       user="admin")
    for org in ("police", "council"):
        cg(hub, "user", "add", f"{org}-steward", "--org", org, "--role", "steward", user="admin")
        cg(hub, "user", "add", f"{org}-lead", "--org", org, "--role", "governance_lead",
           user="admin")
    key = cg(hub, "key", "create", str(base / "partnership.key"))
    cg(hub, "key", "trust", key["fingerprint"], user="admin")
    agreement = base / "agreement.yaml"
    agreement.write_text("""
slug: essex-sharing
title: Essex police and council sharing agreement
parties: [police, council]
purposes: [crime-prevention, safeguarding]
legal_bases: ["Crime and Disorder Act 1998 s115", "UK GDPR Art 6(1)(e) public task"]
data_items:
  police/street: ["*"]
  council/complaints: [Ref, Full Name, Date of Birth, Postcode, Complaint]
retention_days: 365
starts_on: 2020-01-01
expires_on: 2099-12-31
""")
    cg(hub, "agreement", "add", "--file", str(agreement), user="police-lead")
    cg(hub, "agreement", "sign", "essex-sharing", user="police-lead")
    signed = cg(hub, "agreement", "sign", "essex-sharing", user="council-lead")
    assert signed["status"] == "active"
    (base / "complaints.yaml").write_text(COUNCIL_CONTRACT)
    (base / "complaints.csv").write_text(COUNCIL_CSV, encoding="cp1252")
    return {"base": base, "hub": hub, "key": base / "partnership.key"}


def test_police_uk_files_contribute_with_the_built_in_contract(partnership: dict) -> None:
    hub = partnership["hub"]
    street = shared_data("police-uk", "essex", "2018-01-essex-street.csv")
    cg(hub, "dataset", "register", "police/street", "--contract", "police_uk_street",
       user="police-steward")
    scratch = partnership["base"] / "scratch"
    scratch.mkdir()
    result = cg(hub, "contribute", str(street), "--dataset", "police/street",
                "--key", str(partnership["key"]), user="police-steward", tmpdir=scratch)
    assert result["status"] == "accepted" and result["version"] == 1
    assert result["rows_in"] == 14786 == result["rows_accepted"] + result["rows_quarantined"]
    assert (hub / result["quarantine"]).exists()
    # The one-step path prepares in a private temporary folder: the package copy is removed,
    # and only the steward's full quarantine is kept there, at the place reported.
    left = [p for folder in scratch.glob("commonground-package-*") for p in folder.rglob("*")]
    if result["rows_quarantined"]:
        assert [p.name for p in left] == ["quarantine-full.csv"]
        assert result["quarantine_full"] == str(left[0])
    else:
        assert left == [] and "quarantine_full" not in result
    again = cg(hub, "contribute", str(street), "--dataset", "police/street",
               "--key", str(partnership["key"]), user="police-steward")
    assert again["status"] == "duplicate" and again["version"] == 1


def test_council_pseudonymises_at_source_then_submits(partnership: dict) -> None:
    base, hub, key = partnership["base"], partnership["hub"], partnership["key"]
    cg(hub, "dataset", "register", "council/complaints", "--contract",
       str(base / "complaints.yaml"), user="council-steward")
    local = cg(hub, "contribute", str(base / "complaints.csv"), "--local", "--contract",
               str(base / "complaints.yaml"), "--out", str(base / "outbox"), "--key", str(key))
    assert local["rows_in"] == 5 and local["rows_quarantined"] == 2
    full = (base / "outbox" / "quarantine-full.csv").read_text()
    assert "31/02/1980" in full  # the steward sees what was wrong, on their own machine
    stored = cg(hub, "contribute", local["package"], "--dataset", "council/complaints",
                user="council-steward")
    assert stored["rows_accepted"] == 3 and stored["rows_quarantined"] == 2
    assert sorted(stored["columns_dropped"]) == ["Address__street", "Address__token"]  # not agreed
    lake = pq.read_table(hub / "lake" / "council" / "complaints" / "v1")
    assert "Full Name" not in lake.column_names and "Address__token" not in lake.column_names
    names = lake.column("Full Name__token").to_pylist()
    assert names[0] == names[2]  # "Popescu, Stéfan" and "Stefan Popescu": one token
    hub_quarantine = pq.read_table(hub / stored["quarantine"]).to_pylist()
    assert {(q["row"], q["column"]) for q in hub_quarantine} >= {(4, "Date of Birth"),
                                                                (5, "Complaint")}
    assert all("31/02/1980" not in str(q["found"]) for q in hub_quarantine)


def test_a_steward_cannot_contribute_another_partners_dataset(partnership: dict) -> None:
    message = cg_fails(partnership["hub"], "contribute", str(partnership["base"] /
                       "complaints.csv"), "--dataset", "council/complaints", "--key",
                       str(partnership["key"]), user="police-steward")
    assert "may not contribution.create" in message


def test_raw_identifiers_are_refused_by_the_hub(partnership: dict, tmp_path: Path) -> None:
    import shutil

    base, hub = partnership["base"], partnership["hub"]
    forged = tmp_path / "forged"
    shutil.copytree(base / "outbox" / "package", forged)
    table = pq.read_table(forged / "data")
    table = table.append_column("Full Name", table.column("Full Name__token"))
    shutil.rmtree(forged / "data")
    (forged / "data").mkdir()
    pq.write_table(table, forged / "data" / "part-00000.parquet")
    message = cg_fails(hub, "contribute", str(forged), "--dataset", "council/complaints",
                       user="council-steward")
    assert "arrive in clear text" in message


def test_a_name_smuggled_into_a_token_set_is_refused(partnership: dict, tmp_path: Path) -> None:
    import shutil

    import pyarrow as pa
    import pyarrow.compute as pc

    # A token set (the names a nickname may stand for) is tokens, space-separated: a clear
    # name among them is caught like one in a plain token column.
    base, hub = partnership["base"], partnership["hub"]
    forged = tmp_path / "forged"
    shutil.copytree(base / "outbox" / "package", forged)
    table = pq.read_table(forged / "data")
    column = "Full Name__given_forms"
    smuggled = pc.binary_join_element_wise(table.column(column).cast(pa.string()), "stefan",
                                           " ")
    table = table.set_column(table.schema.get_field_index(column), column, smuggled)
    shutil.rmtree(forged / "data")
    (forged / "data").mkdir()
    pq.write_table(table, forged / "data" / "part-00000.parquet")
    message = cg_fails(hub, "contribute", str(forged), "--dataset", "council/complaints",
                       user="council-steward")
    assert f"column(s) {column} hold values that are not tokens" in message


def test_catalogue_shows_metadata_never_data(partnership: dict) -> None:
    catalogue = cg(partnership["hub"], "catalogue", user="police-steward")["datasets"]
    by_name = {d["dataset"]: d for d in catalogue}
    assert by_name["council/complaints"]["rows"] == 3
    assert by_name["council/complaints"]["identifier_columns"] == [
        "Full Name", "Date of Birth", "Address", "Postcode"]
    assert "essex-sharing v1 (active)" in by_name["police/street"]["agreements"]
    assert "Popescu" not in json.dumps(catalogue)


def test_erasure_removes_a_person_from_every_version(partnership: dict) -> None:
    hub = partnership["hub"]
    result = cg(hub, "erase", "--reference", "SAR-2026-001", "--given-name", "Stefan",
                "--family-name", "Popescu", "--dob", "1990-11-03", "--key",
                str(partnership["key"]), user="council-lead")
    assert result["rows_removed"] == 2 and result["versions_rewritten"] == 1
    lake = pq.read_table(hub / "lake" / "council" / "complaints" / "v1")
    assert lake.num_rows == 1
    manifest = json.loads((hub / "lake" / "council" / "complaints" / "v1" /
                           "_manifest.json").read_text())
    assert manifest["rows"] == 1 and manifest["erasures"]
    one_identifier = cg_fails(hub, "erase", "--reference", "SAR-2", "--family-name", "Smith",
                              "--key", str(partnership["key"]), user="council-lead")
    assert "at least two identifiers" in one_identifier


def test_revocation_then_retention_deletes_the_versions(partnership: dict) -> None:
    hub = partnership["hub"]
    cg(hub, "agreement", "revoke", "essex-sharing", "--reason", "partnership ended",
       user="council-lead")
    result = cg(hub, "retention", "run", user="council-lead")
    assert [d["dataset"] for d in result["deleted"]] == ["council/complaints"]
    assert result["not_yours_to_delete"] == 1  # police data: the police decide
    assert not (hub / "lake" / "council" / "complaints" / "v1").exists()
    police = cg(hub, "retention", "run", user="police-lead")
    assert police["versions_deleted"] == 1


def test_audit_verifies_and_detects_tampering(partnership: dict) -> None:
    hub = partnership["hub"]
    report = cg(hub, "audit", "verify", user="admin")
    assert report["ok"] is True and report["entries"] > 20
    with sqlite3.connect(hub / "commonground.db") as db:
        db.execute("UPDATE audit_log SET action = 'catalogue.read' WHERE seq = 5")
    done = subprocess.run([sys.executable, "-m", "commonground.cli", "audit", "verify", "--json",
                           "--hub", str(hub), "--as", "admin"], capture_output=True, text=True)
    assert done.returncode == 1
    broken = json.loads(done.stdout)
    assert broken["ok"] is False and broken["first_bad_seq"] == 5
