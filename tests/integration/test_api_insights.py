"""The link and insights API end to end, with Bearer tokens: each route for a role that may
call it and refused for one that may not; jobs that finish; files, never server paths."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from tests.integration.api_helpers import copied_hub, finished_job, tokens_for

from commonground.server import create_app

Who = dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def hub_path(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copied_hub(demo_hub_path, tmp_path_factory.mktemp("api-insights"))


@pytest.fixture(scope="module")
def who(hub_path: Path) -> Who:
    return tokens_for(hub_path)


@pytest.fixture(scope="module")
def client(hub_path: Path) -> TestClient:
    return TestClient(create_app(hub_path))


def test_the_review_queue_is_the_analysts(client: TestClient, who: Who) -> None:
    pending = client.get("/api/link/reviews", params={"limit": 3},
                         headers=who["police-analyst"])
    assert pending.status_code == 200 and len(pending.json()["pending"]) == 3
    assert client.get("/api/link/reviews", headers=who["uni-researcher"]).status_code == 403
    first = pending.json()["pending"][0]["id"]
    decided = client.post(f"/api/link/reviews/{first}", json={"decision": "same"},
                          headers=who["police-analyst"])
    assert decided.status_code == 200, decided.text
    assert client.post(f"/api/link/reviews/{first}", json={"decision": "maybe"},
                       headers=who["police-analyst"]).status_code == 422
    assert client.post(f"/api/link/reviews/{first}", json={"decision": "different"},
                       headers=who["board-chair"]).status_code == 403


def test_the_entity_index_exports_as_a_parquet_file(client: TestClient, who: Who) -> None:
    got = client.get("/api/link/export", params={"kind": "person"},
                     headers=who["police-analyst"])
    assert got.status_code == 200
    assert 'filename="entity-index.parquet"' in got.headers["content-disposition"]
    table = pq.read_table(io.BytesIO(got.content))
    assert table.num_rows > 0 and "entity_id" in table.column_names
    assert client.get("/api/link/export", headers=who["uni-researcher"]).status_code == 403


def test_the_index_is_scored_against_an_uploaded_truth(client: TestClient, who: Who) -> None:
    index = pq.read_table(io.BytesIO(client.get(
        "/api/link/export", params={"kind": "person"}, headers=who["police-analyst"]).content))
    first = index.slice(0, 20).to_pylist()
    truth = pa.table({  # a tiny truth: each of these records is its own person
        "agency": [r["dataset"].split("/")[0] for r in first],
        "dataset": [r["dataset"].split("/")[1] for r in first],
        "record_id": [r["record_id"] for r in first],
        "person_id": list(range(len(first))), "other_person_id": [None] * len(first),
        "address_id": list(range(len(first)))})
    sink = io.BytesIO()
    pq.write_table(truth, sink)
    scored = client.post("/api/link/evaluate", data={"kind": "person"},
                         files={"truth": ("record_truth.parquet", sink.getvalue())},
                         headers=who["police-analyst"])
    assert scored.status_code == 200, scored.text
    assert "pairwise_f1" in scored.json()["person"]
    garbage = client.post("/api/link/evaluate", files={"truth": ("t.parquet", b"not parquet")},
                          headers=who["police-analyst"])
    assert garbage.status_code == 400 and "record_truth" in garbage.json()["error"]
    assert client.post("/api/link/evaluate", files={"truth": ("t.parquet", sink.getvalue())},
                       headers=who["board-chair"]).status_code == 403


def test_a_link_run_is_a_job_that_finishes(client: TestClient, who: Who) -> None:
    analyst = who["police-analyst"]
    job = finished_job(client, client.post("/api/link/runs", json={"kind": "address"},
                                           headers=analyst), analyst)
    assert job["status"] == "done", job
    assert job["kind"] == "link.run" and "address" in job["result"]
    # A role that may never run linkage is refused at once (and audited), with no job.
    refused = client.post("/api/link/runs", json={}, headers=who["uni-researcher"])
    assert refused.status_code == 403 and "link.run" in refused.json()["error"]
    audit = client.get("/api/audit", params={"limit": 20}, headers=who["police-ig-lead"])
    assert any(e["actor"] == "uni-researcher" and e["action"] == "link.run"
               and e["outcome"] == "refused" for e in audit.json()["entries"]), audit.text
    # Nobody else can read someone's job.
    assert client.get(f"/api/jobs/{job['id']}", headers=who["uni-researcher"]
                      ).status_code == 404


def test_risk_lists_are_listed_explained_exported_and_visited(client: TestClient,
                                                             who: Who) -> None:
    analyst = who["police-analyst"]
    lists = client.get("/api/risk/lists", headers=analyst)
    assert lists.status_code == 200 and lists.json()["lists"]
    assert client.get("/api/risk/lists", headers=who["uni-researcher"]).status_code == 403

    exported = client.get("/api/risk/export", params={"format": "csv"}, headers=analyst)
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="risk-list-latest.csv"' in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and "/" not in exported.headers["content-disposition"]
    geojson = client.get("/api/risk/export", params={"format": "geojson", "list": 1},
                         headers=analyst)
    assert geojson.status_code == 200 and geojson.json()["type"] == "FeatureCollection"
    assert client.get("/api/risk/export", params={"format": "csv"},
                      headers=who["board-chair"]).status_code == 403

    address = rows[0]["address_id"]
    explained = client.get(f"/api/risk/addresses/{address}", headers=analyst)
    assert explained.status_code == 200 and explained.json()["contributions"]
    assert client.get(f"/api/risk/addresses/{address}",
                      headers=who["uni-researcher"]).status_code == 403

    visit = {"list": 1, "address_id": address, "outcome": "no_concern"}
    recorded = client.post("/api/risk/visits", json=visit, headers=analyst)
    assert recorded.status_code == 201, recorded.text
    assert client.post("/api/risk/visits", json=visit,
                       headers=who["uni-researcher"]).status_code == 403


def test_risk_build_and_uplift_are_jobs(client: TestClient, who: Who) -> None:
    analyst = who["police-analyst"]
    built = finished_job(client, client.post("/api/risk/lists", json={"k": 20},
                                             headers=analyst), analyst)
    assert built["status"] == "done", built
    assert built["kind"] == "risk.build"
    uplift = finished_job(client, client.post("/api/risk/uplift",
                                              json={"k": 20, "bootstrap": 20},
                                              headers=analyst), analyst)
    # A 2,500-person county may hold too few referrals to judge: a 4xx, never a crash.
    assert uplift["status"] == "done" or uplift["error"]["status"] < 500, uplift
    # No role of the board's may build a list: refused at once, no job started.
    refused = client.post("/api/risk/lists", json={}, headers=who["board-chair"])
    assert refused.status_code == 403 and "risk.build" in refused.json()["error"]


def test_an_intervention_is_registered_allocated_and_evaluated(client: TestClient,
                                                               who: Who) -> None:
    analyst = who["police-analyst"]
    assert client.get("/api/interventions", headers=who["board-chair"]).status_code == 200
    places = [f"P{i:02d}" for i in range(20)]
    body = {"name": "API patrols", "places": places, "starts_on": "2024-01-01",
            "outcome_measure": "crimes per week"}
    assert client.post("/api/interventions", json=body,
                       headers=who["board-chair"]).status_code == 403
    made = client.post("/api/interventions", json=body, headers=analyst)
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    plan = {"treatment_start": 4, "permutations": 0}
    allocated = client.post(f"/api/interventions/{number}/allocation", json=plan,
                            headers=analyst)
    assert allocated.status_code == 201, allocated.text
    outcomes = [{"place": p, "period": t, "count": 3 + (i + t) % 4}
                for i, p in enumerate(places) for t in range(8)]
    assert client.post(f"/api/interventions/{number}/evaluations",
                       json={"outcomes": outcomes},
                       headers=who["board-chair"]).status_code == 403
    evaluated = client.post(f"/api/interventions/{number}/evaluations",
                            json={"outcomes": outcomes}, headers=analyst)
    assert evaluated.status_code == 201, evaluated.text
    assert "primary" in evaluated.json()
    listed = client.get("/api/interventions", headers=analyst).json()["interventions"]
    assert number in [i["id"] for i in listed]


def test_prevalence_and_networks(client: TestClient, who: Who) -> None:
    analyst = who["police-analyst"]
    found = client.get("/api/prevalence", params={"bootstrap": 20}, headers=analyst)
    assert found.status_code == 200 and "estimate" in found.json()
    assert client.get("/api/prevalence", headers=who["board-chair"]).status_code == 403
    network = client.get("/api/network", headers=analyst)
    assert network.status_code == 200 and "clusters" in network.json()
    assert client.get("/api/network", headers=who["uni-researcher"]).status_code == 403
