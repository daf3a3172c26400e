"""The dark figure from the hub's own linked referrals, on the shared 20,000-person demo."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

from commonground.cli import app
from commonground.errors import PermissionDenied
from commonground.insights.prevalence import capture_table, published

runner = CliRunner()


def test_the_hub_estimate_from_linked_referrals(county_hub_path: Path) -> None:
    done = runner.invoke(app, ["insights", "prevalence", "--hub", str(county_hub_path),
                               "--as", "police-analyst", "--bootstrap", "50", "--json"])
    assert done.exit_code == 0, done.output
    found = json.loads(done.stdout)
    assert found["lists"] == ["police", "county_council", "ngo"]
    truth = county_hub_path.with_name("hub-partners") / "truth"
    victims = pq.read_table(truth / "victims.parquet").num_rows
    # One person is one linked entity, counted once per list: never more than were referred.
    referred = sum(c["people"] for c in found["captures"] if isinstance(c["people"], int))
    assert 0 < found["observed"] and referred <= found["observed"]
    assert found["estimate"] is None or found["estimate"] >= found["observed"]
    assert found["observed"] <= 2 * victims
    # Only the table of counts leaves, its small cells suppressed.
    for cell in found["captures"]:
        assert cell["people"] == "<10" or cell["people"] == 0 or cell["people"] >= 10


def test_a_board_member_cannot_count_from_the_records(county_hub_path: Path) -> None:
    done = runner.invoke(app, ["insights", "prevalence", "--hub", str(county_hub_path),
                               "--as", "board-chair", "--bootstrap", "0"])
    assert isinstance(done.exception, PermissionDenied)


def test_small_cells_are_modelled_but_never_published() -> None:
    table = capture_table(["a", "b"], np.array([[1, 0], [0, 1], [1, 1]]),
                          np.array([25, 3, 0]))
    assert published(table) == [{"a": 1, "b": 0, "people": 25},
                                {"a": 0, "b": 1, "people": "<10"},
                                {"a": 1, "b": 1, "people": 0}]
    assert table.observed == 28


def test_the_estimate_at_each_linkage_threshold(county_hub_path: Path) -> None:
    done = runner.invoke(app, ["insights", "prevalence", "--hub", str(county_hub_path),
                               "--as", "police-analyst", "--bootstrap", "0", "--linkage",
                               "--json"])
    assert done.exit_code == 0, done.output
    sweep = json.loads(done.stdout)["linkage"]
    assert [row["threshold"] for row in sweep] == [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
    # A lower threshold takes more links, so it can only join people, never split them.
    observed = [row["observed"] for row in sweep]
    assert observed == sorted(observed) and observed[0] < observed[-1]
    assert all(row["estimate"] is None or row["estimate"] >= row["observed"] for row in sweep)
    found = json.loads(done.stdout)
    # Linked among themselves, the lists come within a few people of the index's count.
    at_hub = next(row for row in sweep if row["threshold"] == 0.9)
    assert abs(at_hub["observed"] - found["observed"]) <= 0.1 * found["observed"]
