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
