"""The main job end to end, as `make demo` runs it, at a small scale."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from commonground.demo import run_demo
from commonground.errors import CommonGroundError


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "commonground.cli", *args], capture_output=True,
                          text=True, timeout=900, env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    base = tmp_path_factory.mktemp("demo")
    done = run_cli("demo", "--hub", str(base / "hub"), "--people", "3000", "--seed", "7", "--json")
    assert done.returncode == 0, done.stderr
    return base, json.loads(done.stdout)


def test_every_stage_reports_its_figures(demo_run: tuple[Path, dict]) -> None:
    _, result = demo_run
    assert list(result["stages"]) == ["simulate", "hub", "partnership", "contribute", "link",
                                      "research", "insights", "modern_slavery", "accounts"]
    accounts = result["stages"]["accounts"]
    assert accounts["password"] == "commonground-demo"
    assert {role for a in accounts["accounts"] for role in a["roles"]} == {
        "admin", "board", "steward", "governance_lead", "analyst", "researcher",
        "output_checker"}
    slavery = result["stages"]["modern_slavery"]
    assert slavery["listed"] >= 1 and set(slavery["uplift"]["shapley"]) == {
        "police", "district_council", "county_council", "fire", "health"}
    assert Path(slavery["report"]).is_file()
    insights = result["stages"]["insights"]
    trial = insights["trial"]
    assert trial["ci_low"] <= trial["estimate"] <= trial["ci_high"]
    assert trial["true_effect"] == -0.25 and trial["sms_level"] == 5
    assert trial["covered"] == (trial["ci_low"] <= trial["true_effect"] <= trial["ci_high"])
    assert set(insights["hotspots"]["hit_rate_5pct"]) >= {"naive_count", "kde", "learned"}
    covariates = insights["hotspots"]["covariates"]
    assert set(covariates) == {"calls_for_service", "fire_safety_visits", "housing_complaints"}
    research = result["stages"]["research"]
    assert research["project_status"] == "active"
    assert research["approved_by"] == ["district_council", "fire", "police"]
    assert research["released"] == 1 and research["reviews"] == 2
    assert research["cells_suppressed"] >= 1
    assert result["stages"]["simulate"]["people"] == 3000
    partnership = result["stages"]["partnership"]
    assert partnership["organisations"] == 6 and partnership["agreement_status"] == "active"
    contribute = result["stages"]["contribute"]
    assert contribute["contributions"] == 13
    assert contribute["nothing_lost"] is True
    assert contribute["rows_in"] == contribute["rows_accepted"] + contribute["rows_quarantined"]
    assert contribute["all_records_against_truth"] is True
    assert contribute["audit_chain_ok"] is True and contribute["audit_entries"] > 20
    for figures in contribute["datasets"].values():
        assert figures["rows_in"] == figures["truth_records"]
    assert sum(f["rows_in"] for f in contribute["datasets"].values()) > 2000


def test_hub_has_a_database_and_partners_sit_beside_it(demo_run: tuple[Path, dict]) -> None:
    base, result = demo_run
    hub, partners = base / "hub", base / "hub-partners"
    assert result["partners"] == str(partners)
    assert (hub / "commonground.db").exists()
    assert (partners / "partners" / "police" / "crimes.csv").exists()
    assert (partners / "truth" / "people.parquet").exists()
    secret = (partners / "partnership.key").read_text().strip().encode()
    assert not any(secret in p.read_bytes() for p in hub.rglob("*") if p.is_file())
    extracts = {p.name for p in (partners / "partners").rglob("*") if p.is_file()}
    inside = {p.name for p in hub.rglob("*") if p.is_file()}
    assert not extracts & inside, "partners' raw extracts must never be inside the hub"
    engine = sa.create_engine(f"sqlite:///{hub / 'commonground.db'}")
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT kind, status FROM runs ORDER BY id")).all()
        versions = conn.execute(sa.text("SELECT count(*) FROM dataset_versions")).scalar()
        contributions = conn.execute(sa.text("SELECT sum(rows_in) FROM contributions")).scalar()
    engine.dispose()
    assert [r.kind for r in runs] == ["demo:hub", "demo:partnership", "demo:contribute",
                                      "demo:link", "demo:research", "demo:insights",
                                      "demo:modern_slavery", "demo:accounts"]
    assert versions == 13
    assert contributions == result["stages"]["contribute"]["rows_in"]


def shared_values(partners: Path) -> set[str]:
    """Every value of the partners' non-identifier columns, as text."""
    from commonground.contribute.readers import read_extract
    from commonground.demo.context import contracts

    values: set[str] = set()
    for ref, contract in contracts().items():
        org, name = ref.split("/")
        extract = read_extract(next((partners / "partners" / org).glob(f"{name}.*")))
        for column in contract.columns:
            if not column.is_identifier and column.name in extract.columns:
                raw = set(extract.table.column(column.name).to_pylist())
                values |= raw
                if column.type == "date":  # the lake holds these typed, in ISO form
                    values |= {_iso(v, column.date_formats()) for v in raw if v}
    return values


def _iso(text: str, formats: tuple[str, ...]) -> str:
    from datetime import datetime

    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    return text


def hub_text(hub: Path) -> list[bytes]:
    """Every file in the hub as bytes; Parquet decoded first, since compression hides text."""
    blobs: list[bytes] = []
    for path in hub.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            blobs.append(json.dumps(table.to_pylist(), default=str).encode())
            blobs.append(json.dumps(table.schema.names).encode())
        else:
            blobs.append(path.read_bytes())
    return blobs


def test_no_raw_identifier_reaches_the_hub(demo_run: tuple[Path, dict]) -> None:
    """Scan every byte in the hub for the partners' names, dates of birth, addresses and
    UPRNs (the fire service's, and those resolved at source, arrive as tokens)."""
    base, _ = demo_run
    truth = base / "hub-partners" / "truth"
    people = pq.read_table(truth / "people.parquet")
    addresses = pq.read_table(truth / "addresses.parquet")
    needles: set[str] = set()
    for column in ("surname", "forename"):
        needles |= {v for v in people.column(column).to_pylist() if v and len(v) >= 5}
    needles |= {d.isoformat() for d in people.column("date_of_birth").to_pylist()[:500]}
    streets = pc.binary_join_element_wise(pc.cast(addresses["house_number"], "string"),
                                          addresses["street"], " ")
    needles |= {s for s in streets.to_pylist()[:500] if s}
    needles |= {str(u) for u in addresses.column("address_id").to_pylist()[:500]}
    assert len(needles) > 500
    needles |= {d.strftime("%d/%m/%Y") for d in people.column("date_of_birth").to_pylist()[:500]}
    # A birth date can also be a legitimate, shared value elsewhere (a council tax account
    # opened that day): only text that never appears outside identifier columns counts.
    needles -= shared_values(base / "hub-partners")
    blobs = hub_text(base / "hub")
    assert len(blobs) > 20
    lowered = b"\n".join(b.lower() for b in blobs)
    # Whole words only: "archer" inside "researcher" is not a surname leaking.
    found = sorted(n for n in needles if _whole_word_in(n.lower().encode(), lowered))
    assert found == []


def _whole_word_in(needle: bytes, text: bytes) -> bool:
    """Whether `needle` occurs in `text` not inside a longer word. bytes.find does the
    searching (a regular expression with look-behind per needle took two minutes)."""
    start = text.find(needle)
    while start != -1:
        end = start + len(needle)
        before = text[start - 1:start] if start else b""
        after = text[end:end + 1]
        if not (before.isalnum() and before.isascii()) and not (after.isalnum()
                                                                 and after.isascii()):
            return True
        start = text.find(needle, start + 1)
    return False


def test_lake_holds_tokens_where_the_partners_held_names(demo_run: tuple[Path, dict]) -> None:
    base, _ = demo_run
    crimes = pq.read_table(base / "hub" / "lake" / "police" / "crimes" / "v1")
    assert "VICTIM_SURNAME" not in crimes.column_names
    tokens = crimes.column("VICTIM_SURNAME__token").drop_null()
    assert len(tokens) > 0
    assert pc.all(pc.match_substring_regex(tokens, "^[0-9a-f]{64}$")).as_py()
    assert crimes.column("OFFENCE_DATETIME").null_count == 0


def test_demo_can_run_again_over_its_own_hub(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "hub", people=600, seed=2)
    again = run_demo(tmp_path / "hub", people=600, seed=2)
    assert first["stages"]["contribute"]["rows_in"] == again["stages"]["contribute"]["rows_in"]


def test_demo_refuses_to_clear_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "hub").mkdir()
    (tmp_path / "hub" / "precious.txt").write_text("keep me")
    with pytest.raises(CommonGroundError, match="not made by the demo"):
        run_demo(tmp_path / "hub", people=600)
    assert (tmp_path / "hub" / "precious.txt").exists()


def test_partners_folder_inside_the_hub_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommonGroundError, match="outside the hub"):
        run_demo(tmp_path / "hub", people=600, partners=tmp_path / "hub" / "partners")


def test_demo_on_postgresql_and_spark(tmp_path: Path, postgres_url: str, spark_engine) -> None:
    done = run_cli("demo", "--hub", str(tmp_path / "hub"), "--people", "800", "--engine", "spark",
                   "--json", env={"COMMONGROUND_DATABASE_URL": postgres_url})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["engine"] == "spark"
    assert result["stages"]["hub"]["database"].startswith("postgresql+psycopg://")
    assert result["stages"]["contribute"]["nothing_lost"] is True
    assert result["stages"]["contribute"]["all_records_against_truth"] is True
    # The metadata lives in PostgreSQL here: scan every text value of every table too.
    people = pq.read_table(tmp_path / "hub-partners" / "truth" / "people.parquet")
    surnames = {s.lower() for s in people.column("surname").to_pylist() if s and len(s) >= 5}
    engine = sa.create_engine(postgres_url)
    dumped: list[str] = []
    with engine.connect() as conn:
        for table in sa.inspect(engine).get_table_names():
            for row in conn.execute(sa.text(f'SELECT * FROM "{table}"')):
                dumped.append(json.dumps([str(v) for v in row]).lower())
    engine.dispose()
    text = "\n".join(dumped)
    assert len(dumped) > 50
    assert sorted(s for s in surnames if re.search(rf"(?<![a-z0-9]){re.escape(s)}(?![a-z0-9])",
                                                   text)) == []
