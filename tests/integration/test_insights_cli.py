"""The insights commands end to end: files in, one JSON object out.

The sub-apps are driven in-process (Typer's runner) so this file does not depend on how
cli.py mounts them; `commonground insights ...` and `commonground intervention ...` are the
same functions.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import typer
from tests.conftest import shared_data
from tests.unit.test_hotspots import police_uk_files
from typer.testing import CliRunner

from commonground.commands.insights import insights_app, intervention_app
from commonground.governance import actor_for, add_organisation, add_person
from commonground.insights.evaluation import trial_allocation
from commonground.simulate.trial import candidate_places, place_id, simulate_outcomes
from commonground.store import init_hub, open_hub

app = typer.Typer()
app.add_typer(insights_app, name="insights")
app.add_typer(intervention_app, name="intervention")
runner = CliRunner()


def run(*args: str) -> dict:  # type: ignore[type-arg]
    done = runner.invoke(app, list(args), catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_backtest_prints_region_and_methods(tmp_path: Path) -> None:
    police_uk_files(tmp_path)
    result = run("insights", "hotspots", "backtest", str(tmp_path), "--crime-type", "Burglary",
                 "--cell-size", "250", "--test-months", "2018-04,2018-05", "--json")
    assert result["region"]["cell_size_m"] == 250
    assert result["region"]["crs"] == "EPSG:27700"
    assert result["test_months"] == ["2018-04", "2018-05"]
    for name in ("naive_count", "kde", "learned"):
        assert set(result["methods"][name]) >= {"hit_rate", "pai", "pei"}
        assert set(result["methods"][name]["hit_rate"]) == {"0.01", "0.02", "0.05", "0.1"}


def test_backtest_on_real_essex_data() -> None:
    essex = shared_data("police-uk", "essex")
    result = run("insights", "hotspots", "backtest", str(essex), "--crime-type", "Burglary",
                 "--test-months", "2018-04", "--methods", "naive_count,kde,learned", "--json")
    assert result["data"]["rows_read"] > 100_000
    assert result["data"]["without_coordinates"] > 0
    assert result["region"]["cells"] > 5_000
    hit = {m: v["hit_rate"]["0.05"] for m, v in result["methods"].items()}
    assert 0.08 < hit["naive_count"] < 0.3
    assert hit["learned"] > max(hit["naive_count"], hit["kde"])


def test_predict_writes_geojson(tmp_path: Path) -> None:
    police_uk_files(tmp_path, months=3)
    geo = tmp_path / "hot.geojson"
    result = run("insights", "hotspots", "predict", str(tmp_path), "--method", "kde",
                 "--coverage", "0.1", "--geojson", str(geo), "--json")
    assert result["month"] == "2018-04" and result["cells"]
    assert json.loads(geo.read_text())["type"] == "FeatureCollection"


def test_wdd_command() -> None:
    result = run("insights", "wdd", "--treated", "207,110", "--control", "308,318",
                 "--displacement", "178,157", "--displacement-control", "150,140", "--json")
    assert result["wdd"] == -118 and round(result["z"], 2) == -2.98


def test_intervention_add_allocate_evaluate(tmp_path: Path) -> None:
    hub = init_hub(tmp_path / "hub")
    add_organisation(hub, "police", "Essex Police", "police")
    admin = add_person(hub, "admin", "police", ["admin"])
    add_person(hub, "analyst", "police", ["analyst"], actor=admin)
    hub.close()
    common = ["--hub", str(tmp_path / "hub"), "--as", "analyst", "--json"]
    ids = [place_id(i) for i in range(30)]
    added = run("intervention", "add", "--name", "Hot-spot patrols", "--starts-on",
                "2019-04-01", "--outcome", "crimes per place per week", "--places",
                ",".join(ids), *common)
    easting, northing, weekly = candidate_places(2, 30)
    scores = tmp_path / "scores.csv"
    scores.write_text("place,score\n" + "".join(f"{p},{w}\n" for p, w in
                                                  zip(ids, weekly, strict=True)))
    frozen = run("intervention", "allocate", str(added["id"]), "--scheme", "blocked",
                 "--seed", "2", "--scores", str(scores), "--treatment-start", "6",
                 "--permutations", "99", *common)
    assert frozen["treatment"] == 15
    # The field team reads the frozen allocation to know where to patrol.
    opened = open_hub(tmp_path / "hub")
    allocation = trial_allocation(opened, actor_for(opened, "analyst"), added["id"])
    opened.close()
    treated = np.array([ids.index(p) for p in allocation.treated()])
    rows = simulate_outcomes(2, easting, northing, weekly, treated, weeks_before=6,
                             weeks_after=6, effect=-0.3)
    outcomes = tmp_path / "outcomes.csv"
    with outcomes.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["place", "period", "count"])
        writer.writerows(rows)
    result = run("intervention", "evaluate", str(added["id"]), "--outcomes", str(outcomes),
                 *common)
    assert result["primary"]["sms_level"] == 5
    assert result["registration_sha256"] == frozen["registration_sha256"]
    listed = run("intervention", "list", *common)
    assert listed["interventions"][0]["status"] == "evaluated"
