"""`network.report` end to end on a synthetic county hub: checked, audited, and scored."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from commonground.errors import PermissionDenied
from commonground.governance import actor_for, audit_entries
from commonground.insights.networks import COUNTY_SOURCES, network_report, score_network
from commonground.link.index import read_index
from commonground.store import Hub, open_hub


@pytest.fixture(scope="module")
def county(county_hub_path: Path) -> Path:
    return county_hub_path.parent


@pytest.fixture
def hub(county: Path) -> Iterator[Hub]:
    opened = open_hub(county / "hub")
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def report(county: Path) -> dict[str, Any]:
    opened = open_hub(county / "hub")
    try:
        return network_report(opened, actor_for(opened, "police-analyst"))
    finally:
        opened.close()


def test_the_report_reads_every_source_dataset_for_the_purpose(report: dict[str, Any],
                                                               hub: Hub) -> None:
    assert report["datasets"] == COUNTY_SOURCES.datasets() and report["datasets_absent"] == []
    assert report["purpose"] == "safeguarding"
    assert report["nodes"]["person"] > 1000 and report["nodes"]["address"] > 1000
    reads = [e for e in audit_entries(hub, actor_for(hub, "police-ig-lead"), 500)
             if e["action"] == "dataset.read" and e["purpose"] == "safeguarding"]
    assert {e["resource"].removeprefix("dataset:") for e in reads} >= set(report["datasets"])


def test_clusters_tie_two_or_more_addresses_and_name_people_by_id_only(
        report: dict[str, Any]) -> None:
    assert report["clusters"]
    for cluster in report["clusters"]:
        assert len(cluster["addresses"]) >= 2
        assert all(re.fullmatch(r"A\d{7}", a) for a in cluster["addresses"])
        assert all(re.fullmatch(r"P\d{7}", p) for p in cluster["people"])
        assert cluster["ties"] and all(t["datasets"] for t in cluster["ties"])
    sizes = [len(c["addresses"]) for c in report["clusters"]]
    # The hubs are left out, so no giant cluster swallows the county.
    assert max(sizes) <= 20 and sum(report["hubs"].values()) >= 1
    tied = [p for p in report["people"] if not p["hub"]]
    assert tied and all(p["addresses"] >= 2 and p["cluster"] for p in tied)


def test_a_few_addresses_of_concern_and_the_clusters_between_them(
        report: dict[str, Any], hub: Hub) -> None:
    first = report["clusters"][0]["addresses"]
    loner = next(p for c in report["clusters"][1:] for p in c["addresses"] if p not in first)
    small = network_report(hub, actor_for(hub, "police-analyst"),
                           addresses=[*first, loner, "A9999999"])
    assert small["addresses_given"] == len(first) + 2
    assert small["addresses_in_graph"] == len(first) + 1
    assert [c["addresses"] for c in small["clusters"]] == [first]


def test_the_network_against_the_county_truth(report: dict[str, Any], county: Path) -> None:
    scored = score_network(report, county / "hub-partners" / "truth",
                           read_index(county / "hub", "address"))
    assert scored["sites"] >= 1 and scored["sites_found"] >= 1
    assert 0 <= scored["shared_controller_pairs_tied"] <= scored["shared_controller_pairs"]
    if scored["shared_controller_pairs"]:
        assert scored["recall"] == round(scored["shared_controller_pairs_tied"]
                                         / scored["shared_controller_pairs"], 4)
    else:
        assert scored["recall"] is None
    assert scored["other_pairs_tied"] <= scored["other_pairs"]


@pytest.mark.parametrize(("user", "purpose"), [("board-chair", "safeguarding"),
                                               ("police-ig-lead", "safeguarding"),
                                               ("police-analyst", "marketing")])
def test_a_reader_without_the_role_or_the_purpose_is_refused(user: str, purpose: str,
                                                             hub: Hub) -> None:
    with pytest.raises(PermissionDenied):
        network_report(hub, actor_for(hub, user), purpose=purpose)
    refused = audit_entries(hub, actor_for(hub, "police-ig-lead"), 5)
    assert any(e["actor"] == user and e["outcome"] == "refused" for e in refused)


def test_the_logs_carry_counts_not_entities(hub: Hub, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG, logger="commonground"):
        network_report(hub, actor_for(hub, "police-analyst"))
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "network report" in text
    assert not re.search(r"\b[PA]\d{7}\b", text)


def test_the_cli_prints_one_json_object(county: Path, report: dict[str, Any],
                                        tmp_path: Path) -> None:
    from commonground.cli import app

    wanted = tmp_path / "addresses.txt"
    wanted.write_text("# of concern\n" + "\n".join(report["clusters"][0]["addresses"]) + "\n")
    done = CliRunner().invoke(app, ["insights", "network", "--hub", str(county / "hub"),
                                    "--as", "police-analyst", "--addresses", str(wanted),
                                    "--json"])
    assert done.exit_code == 0, done.output
    printed = json.loads(done.stdout)
    assert [c["addresses"] for c in printed["clusters"]] == [report["clusters"][0]["addresses"]]
    refused = CliRunner().invoke(app, ["insights", "network", "--hub", str(county / "hub"),
                                       "--as", "board-chair", "--json"])
    assert refused.exit_code != 0
