"""The main job end to end, as `make demo` runs it, at a small scale."""

from __future__ import annotations

import json
import os
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
    assert list(result["stages"]) == ["simulate", "hub", "lake"]
    assert result["stages"]["simulate"]["people"] == 3000
    assert result["stages"]["hub"]["organisations"] == 5
    lake = result["stages"]["lake"]
    assert lake["rows_in_lake"] == lake["truth_records"] == lake["rows_in"] > 0
    assert lake["matches_truth"] is True


def test_hub_has_a_database_and_partners_sit_beside_it(demo_run: tuple[Path, dict]) -> None:
    base, result = demo_run
    hub, partners = base / "hub", base / "hub-partners"
    assert result["partners"] == str(partners)
    assert (hub / "commonground.db").exists()
    assert (partners / "partners" / "police" / "crimes.csv").exists()
    assert (partners / "truth" / "people.parquet").exists()
    assert not list(hub.rglob("*.csv")), "partners' raw extracts must never be inside the hub"
    engine = sa.create_engine(f"sqlite:///{hub / 'commonground.db'}")
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT kind, status FROM runs ORDER BY id")).all()
        versions = conn.execute(sa.text("SELECT rows FROM dataset_versions")).scalars().all()
    engine.dispose()
    assert [r.kind for r in runs] == ["demo:hub", "demo:lake"]
    assert versions == [result["stages"]["lake"]["rows_in_lake"]]


def test_no_raw_identifier_reaches_the_hub(demo_run: tuple[Path, dict]) -> None:
    """Scan every byte in the hub for the partners' names, dates of birth and addresses."""
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
    assert len(needles) > 500
    blobs = [p.read_bytes() for p in (base / "hub").rglob("*") if p.is_file()]
    assert blobs
    found = sorted(n for n in needles if any(n.encode() in b or n.upper().encode() in b
                                             for b in blobs))
    assert found == []


def test_simulate_output_is_what_the_lake_holds(demo_run: tuple[Path, dict]) -> None:
    base, result = demo_run
    lake = pq.read_table(base / "hub" / "lake" / "police" / "crimes_minimised" / "v1")
    assert lake.num_rows == result["stages"]["lake"]["rows_in_lake"]
    assert set(lake.column_names) == {"crime_ref", "occurred_at", "crime_type", "easting",
                                      "northing", "lsoa11cd"}
    assert lake.column("occurred_at").null_count == 0


def test_demo_can_run_again_over_its_own_hub(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "hub", people=600, seed=2)
    again = run_demo(tmp_path / "hub", people=600, seed=2)
    assert first["stages"]["lake"]["content_hash"] == again["stages"]["lake"]["content_hash"]


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
    assert result["stages"]["lake"]["matches_truth"] is True
