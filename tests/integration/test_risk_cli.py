"""Risk lists on a demo hub from the command line: build, uplift, visits as labels, no names.

The hub is the shared 20,000-person demo (every stage, the modern-slavery one included).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from commonground.cli import app

runner = CliRunner()
PARTNERS = ("police", "district_council", "county_council", "fire", "health")


def run(hub: Path, *args: str) -> Any:
    done = runner.invoke(app, [*args, "--hub", str(hub), "--as", "police-analyst", "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_the_demo_reports_the_modern_slavery_stage(county_hub_path: Path) -> None:
    from commonground.store import open_hub

    hub = open_hub(county_hub_path)
    try:
        from sqlalchemy import select

        from commonground.store import Run

        with hub.sessions()() as session:
            figures = session.scalars(select(Run.summary).where(
                Run.kind == "demo:modern_slavery")).one()
    finally:
        hub.close()
    assert figures["listed"] == 100 and figures["known_cases"] >= 1
    assert set(figures["models_against_truth"]) == {"checklist", "logistic", "boosted"}
    assert set(figures["uplift"]["shapley"]) == set(PARTNERS)
    assert figures["network"]["sites"] >= 1
    dark = figures["dark_figure"]
    assert dark["true_victims_at_sites"] >= 1 and ("estimate" in dark or "not_estimated" in dark)
    if "methods" in dark:  # every method side by side, the chart beside the others
        assert {m["method"] for m in dark["methods"]} == {"stepwise", "aic", "bic",
                                                          "independence"}
        # ... and how the estimate moves with the linkage threshold, charted too.
        assert [r["threshold"] for r in dark["linkage"]][-1] == 0.99
    html = Path(figures["report"]).read_text(encoding="utf-8")
    assert "vega" in html and "<script src=\"http" not in html  # charts inlined: offline
    if "linkage" in dark:
        assert "by linkage threshold" in html


def test_uplift_prints_every_subset_and_the_shapley_shares(county_hub_path: Path) -> None:
    report = run(county_hub_path, "insights", "uplift", "--bootstrap", "50")
    assert report["k"] == 50
    assert 0 <= report["all_partners"]["precision_at_k"] <= 1
    for part in ("single_partner", "leave_one_out"):
        assert set(report[part]) == set(PARTNERS)
        assert all(0 <= v["precision_at_k"] <= 1 for v in report[part].values())
    assert set(report["shapley"]) == set(PARTNERS)
    assert sum(report["shapley"].values()) == pytest.approx(
        report["all_partners"]["precision_at_k"])
    truth = county_hub_path.with_name("hub-partners") / "truth"
    judged = run(county_hub_path, "insights", "uplift", "--bootstrap", "50", "--truth",
                 str(truth))
    assert judged["validation_sites"] >= 1 and set(judged["models"]) == {
        "checklist", "logistic", "boosted"}


def test_a_list_carries_no_name_or_date_of_birth(county_hub_path: Path,
                                                 tmp_path: Path) -> None:
    built = run(county_hub_path, "insights", "risk", "build", "--k", "60")
    exported = tmp_path / "list.csv"
    run(county_hub_path, "insights", "risk", "export", "--list", str(built["list"]),
        "--format", "csv", "--out", str(exported))
    people = pq.read_table(county_hub_path.with_name("hub-partners") / "truth" /
                           "people.parquet", columns=["forename", "surname", "date_of_birth"])
    names = {f"{f} {s}" for f, s in zip(people["forename"].to_pylist(),
                                        people["surname"].to_pylist(), strict=True)}
    names |= {s for s in people["surname"].to_pylist() if len(s) >= 6}
    births = {d.isoformat() for d in people["date_of_birth"].to_pylist()}
    births |= {d.strftime("%d/%m/%Y") for d in people["date_of_birth"].to_pylist()}
    for path in (county_hub_path / built["path"], exported):
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        assert not [n for n in names if n.lower() in text], path
        assert not [b for b in births if b in text], path
    assert pq.read_schema(county_hub_path / built["path"]).names == [
        "address_id", "rank", "score", "explanation"]


def test_a_recorded_visit_becomes_a_label_in_the_next_build(county_hub_path: Path) -> None:
    first = run(county_hub_path, "insights", "risk", "build", "--k", "30")
    rows = pq.read_table(county_hub_path / first["path"]).to_pylist()
    found, cleared = rows[0]["address_id"], rows[1]["address_id"]
    for address, outcome in ((found, "concern_found"), (cleared, "no_concern")):
        run(county_hub_path, "insights", "visit", "record", "--list", str(first["list"]),
            address, "--outcome", outcome)
    second = run(county_hub_path, "insights", "risk", "build", "--k", "30")
    assert second["visit_labels"] == {"concern_found": 1, "no_concern": 1}
    assert second["known_cases"] == first["known_cases"]
    listed = {r["address_id"] for r in pq.read_table(county_hub_path / second["path"])
              .to_pylist()}
    assert found not in listed and cleared not in listed  # one is a case now, one was cleared


def test_only_an_analyst_builds_a_list(county_hub_path: Path) -> None:
    from commonground.errors import PermissionDenied

    done = runner.invoke(app, ["insights", "risk", "build", "--hub", str(county_hub_path),
                               "--as", "board-chair"])
    assert isinstance(done.exception, PermissionDenied)
    assert "risk.build" in str(done.exception)
