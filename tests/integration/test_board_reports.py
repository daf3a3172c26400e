"""The analyst's and the board's pages in process: the board sees aggregates only (the board
pack, small counts withheld) and is refused every record-level page; the analyst reviews
pairs, reads and explains the risk list, records visits and publishes the board pack."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from commonground.engines import get_engine
from commonground.governance import actor_for, issue_token
from commonground.insights.reports import (
    SMALL,
    publish_board_report,
    report_lsoa_counts,
    suppressed,
)
from commonground.server import create_app
from commonground.store import open_hub


@pytest.fixture(scope="module")
def hub_path(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo hub (these tests write), with one board pack published."""
    path = tmp_path_factory.mktemp("board") / "hub"
    shutil.copytree(demo_hub_path, path)
    hub = open_hub(path)
    publish_board_report(hub, actor_for(hub, "police-analyst"), get_engine(), boot=50,
                         bootstrap=50)
    hub.close()
    return path


@pytest.fixture(scope="module")
def tokens(hub_path: Path) -> dict[str, str]:
    hub = open_hub(hub_path)
    admin = actor_for(hub, "admin")
    issued = {name: issue_token(hub, name, actor=admin)
              for name in ("board-chair", "police-analyst")}
    hub.close()
    return issued


@pytest.fixture(scope="module")
def client(hub_path: Path) -> TestClient:
    return TestClient(create_app(hub_path))


def as_(tokens: dict[str, str], name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[name]}"}


BOARD_PAGES = ["/board", "/board/partners", "/board/dark-figure", "/board/maps",
               "/board/trials", "/board/trials/1"]


@pytest.mark.parametrize("page", BOARD_PAGES)
def test_the_board_s_pages_answer_fast(client: TestClient, tokens: dict[str, str],
                                       page: str) -> None:
    client.get(page, headers=as_(tokens, "board-chair"))  # warm caches (templates, geography)
    started = time.perf_counter()
    response = client.get(page, headers=as_(tokens, "board-chair"))
    assert response.status_code == 200, response.text[:500]
    assert time.perf_counter() - started < 1.0
    assert "address_id" not in response.text


def test_the_uplift_page_has_its_chart_and_table(client: TestClient,
                                                 tokens: dict[str, str]) -> None:
    page = client.get("/board/partners", headers=as_(tokens, "board-chair")).text
    assert 'id="uplift-table"' in page and 'data-chart="shapley-data"' in page
    assert "vega-lite" in page and "Shapley share" in page


RECORD_LEVEL = [("GET", "/analysis/review"), ("GET", "/analysis/risk"),
                ("GET", "/analysis/risk/1/A0000539"), ("POST", "/analysis/review/1"),
                ("POST", "/analysis/risk/1/A0000539/visit")]


@pytest.mark.parametrize(("method", "path"), RECORD_LEVEL)
def test_the_board_cannot_reach_record_level_pages(client: TestClient, tokens: dict[str, str],
                                                   method: str, path: str) -> None:
    data = {"decision": "same", "outcome": "no_access"} if method == "POST" else None
    response = client.request(method, path, headers=as_(tokens, "board-chair"), data=data)
    assert response.status_code == 403


def _finished(client: TestClient, headers: dict[str, str], location: str) -> dict[str, Any]:
    assert location.startswith("/jobs/"), location  # the job's own page
    job_id = location.removeprefix("/jobs/")
    for _ in range(300):
        job = client.get(f"/api/jobs/{job_id}", headers=headers).json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_the_board_cannot_publish_a_pack(client: TestClient, tokens: dict[str, str]) -> None:
    headers = as_(tokens, "board-chair")
    started = client.post("/analysis/board-pack", headers=headers, follow_redirects=False)
    assert started.status_code == 403  # no role of the board's may publish: no job starts


def test_an_analyst_publishes_the_next_pack(client: TestClient, tokens: dict[str, str]
                                           ) -> None:
    headers = as_(tokens, "police-analyst")
    started = client.post("/analysis/board-pack", headers=headers, follow_redirects=False)
    assert started.status_code == 303
    job = _finished(client, headers, started.headers["location"])
    assert job["status"] == "done" and job["result"]["report"] >= 2
    page = client.get("/board/partners", headers=as_(tokens, "board-chair")).text
    assert f"board pack {job['result']['report']}" in page


def test_counts_per_area_under_ten_are_never_published(hub_path: Path) -> None:
    hub = open_hub(hub_path)
    try:
        counts = report_lsoa_counts(hub, actor_for(hub, "board-chair"))
    finally:
        hub.close()
    hotspots = counts["lsoa"]["hotspots"]
    assert hotspots["areas"], "the demo's busiest areas reach ten crimes"
    for layer in counts["lsoa"].values():
        assert all(area["count"] >= SMALL for area in layer.get("areas", []))
    assert hotspots["withheld_areas"] > 0


def test_suppression_withholds_which_areas_had_a_few() -> None:
    found = suppressed(Counter({"E01000001": 12, "E01000002": 3, "E01000003": 9,
                                "E01000004": 0}))
    assert found == {"areas": [{"lsoa": "E01000001", "count": 12}], "withheld_areas": 2}


def test_the_boundaries_are_public_geography(client: TestClient) -> None:
    response = client.get("/api/geography/lsoa.geojson")
    assert response.status_code == 200 and "max-age" in response.headers["cache-control"]
    features = response.json()["features"]
    assert len(features) == 1077 and features[0]["properties"]["code"].startswith("E01")


def test_the_analyst_reviews_explains_and_records_a_visit(client: TestClient,
                                                          tokens: dict[str, str]) -> None:
    headers = as_(tokens, "police-analyst")
    review = client.get("/analysis/review?kind=person", headers=headers)
    assert review.status_code == 200 and "Bayes factor" in review.text
    decided = client.post("/analysis/review/1", headers=headers, data={"decision": "same"},
                          follow_redirects=False)
    assert decided.status_code == 303
    unsure = client.post("/analysis/review/2", headers=headers, data={"decision": "maybe"},
                         follow_redirects=False)
    assert unsure.status_code == 303 and "error=decision" in unsure.headers["location"]
    assert "Choose whether the two records" in client.get(unsure.headers["location"],
                                                          headers=headers).text
    listing = client.get("/analysis/risk", headers=headers)
    assert listing.status_code == 200 and "A0000539" in listing.text
    explained = client.get("/analysis/risk/1/A0000539", headers=headers)
    assert explained.status_code == 200 and "fire_locked_doors" in explained.text
    bad = client.post("/analysis/risk/1/A0000539/visit", headers=headers,
                      data={"outcome": "no_access", "visited_on": "yesterday<b>"})
    assert bad.status_code == 200 and "govuk-error-summary" in bad.text  # after the redirect
    assert "yesterday" not in bad.text
    visit = client.post("/analysis/risk/1/A0000539/visit", headers=headers,
                        data={"outcome": "no_access"}, follow_redirects=False)
    assert visit.status_code == 303
    for page in ("/analysis", "/analysis/hotspots", "/analysis/interventions",
                 "/analysis/interventions/1"):
        assert client.get(page, headers=headers).status_code == 200, page


def test_before_any_pack_the_board_is_told_so(demo_hub_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "hub"
    shutil.copytree(demo_hub_path, path)
    shutil.rmtree(path / "reports", ignore_errors=True)  # the demo publishes pack 1 itself
    hub = open_hub(path)
    token = issue_token(hub, "board-chair", actor=actor_for(hub, "admin"))
    hub.close()
    page = TestClient(create_app(path)).get("/board/maps",
                                            headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and "no figures have been published" in page.text
