"""The research API end to end: projects and their approvals, and the output airlock."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_helpers import PROJECT, copied_hub, tokens_for

from commonground.server import create_app

TABLE = {"view": "fire_safety_visits", "rows": ["overcrowding"], "aggfunc": "count"}


@pytest.fixture(scope="module")
def hub_path(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copied_hub(demo_hub_path, tmp_path_factory.mktemp("api-research"))


@pytest.fixture(scope="module")
def who(hub_path: Path) -> dict[str, dict[str, str]]:
    return tokens_for(hub_path)


@pytest.fixture(scope="module")
def client(hub_path: Path) -> TestClient:
    return TestClient(create_app(hub_path))


def _proposal(client: TestClient, who: dict[str, dict[str, str]], slug: str) -> dict[str, Any]:
    """A new project asking for what the demo project asks."""
    demo = client.get(f"/api/projects/{PROJECT}", headers=who["uni-researcher"]).json()
    return {"slug": slug, "title": "API test", "question": "Does the API work?",
            "commissioned_by": demo["commissioned_by"], "purpose": demo["purpose"],
            "researchers": ["uni-researcher"], "datasets": demo["datasets"],
            "ethics_reference": "ETH-API-1", "starts_on": demo["starts_on"],
            "ends_on": demo["ends_on"]}


def test_projects_are_listed_and_shown_to_anyone_signed_in(
        client: TestClient, who: dict[str, dict[str, str]]) -> None:
    listed = client.get("/api/projects", params={"mine": True},
                        headers=who["uni-researcher"])
    assert listed.status_code == 200
    assert [p["project"] for p in listed.json()["projects"]] == [PROJECT]
    shown = client.get(f"/api/projects/{PROJECT}", headers=who["board-chair"])
    assert shown.status_code == 200 and shown.json()["status"] == "active"
    assert client.get("/api/projects/no-such-project",
                      headers=who["board-chair"]).json()["error"]
    assert client.get("/api/projects").status_code == 401


def test_a_project_is_proposed_decided_and_revoked(
        client: TestClient, who: dict[str, dict[str, str]]) -> None:
    refused = client.post("/api/projects", json=_proposal(client, who, "api-one"),
                          headers=who["police-analyst"])
    assert refused.status_code == 403 and "error" in refused.json()
    proposed = client.post("/api/projects", json=_proposal(client, who, "api-one"),
                           headers=who["uni-researcher"])
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["status"] == "proposed"
    # Only the providers' governance leads decide; an analyst may not.
    assert client.post("/api/projects/api-one/approve", json={"reason": "no"},
                       headers=who["police-analyst"]).status_code == 403
    for lead in ("police-ig-lead", "fire-ig-lead", "district_council-ig-lead"):
        approved = client.post("/api/projects/api-one/approve", json={"reason": "fine"},
                               headers=who[lead])
        assert approved.status_code == 200, approved.text
    assert approved.json()["status"] in ("approved", "active")
    assert client.post("/api/projects/api-one/revoke", json={"reason": "ended"},
                       headers=who["uni-researcher"]).status_code == 403
    revoked = client.post("/api/projects/api-one/revoke", json={"reason": "ended early"},
                          headers=who["police-ig-lead"])
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"

    client.post("/api/projects", json=_proposal(client, who, "api-two"),
                headers=who["uni-researcher"])
    assert client.post("/api/projects/api-two/refuse", json={"reason": ""},
                       headers=who["fire-ig-lead"]).status_code == 422
    refused_project = client.post("/api/projects/api-two/refuse",
                                  json={"reason": "not for this purpose"},
                                  headers=who["fire-ig-lead"])
    assert refused_project.status_code == 200
    assert refused_project.json()["status"] == "refused"


def test_an_output_goes_through_the_airlock(client: TestClient,
                                            who: dict[str, dict[str, str]]) -> None:
    ask = {"kind": "table", "title": "Overcrowding", "spec": TABLE,
           "justification": "the paper's table 1"}
    assert client.post(f"/api/projects/{PROJECT}/outputs", json=ask,
                       headers=who["police-analyst"]).status_code == 403
    made = client.post(f"/api/projects/{PROJECT}/outputs", json=ask,
                       headers=who["uni-researcher"])
    assert made.status_code == 201, made.text
    output = made.json()["id"]
    assert "checks" in made.json()
    assert client.get(f"/api/outputs/{output}", headers=who["police-analyst"]
                      ).status_code == 403
    assert client.get(f"/api/outputs/{output}", headers=who["police-output-checker"]
                      ).json()["state"] == made.json()["state"]
    submitted = client.post(f"/api/outputs/{output}/submit", headers=who["uni-researcher"])
    assert submitted.status_code == 200, submitted.text
    queue = client.get("/api/outputs", params={"state": "submitted"},
                       headers=who["police-output-checker"])
    assert output in [o["id"] for o in queue.json()["outputs"]]
    mine = client.get("/api/outputs", headers=who["uni-researcher"]).json()["outputs"]
    assert output in [o["id"] for o in mine]
    assert client.get("/api/outputs", headers=who["board-chair"]).status_code == 403
    assert client.post(f"/api/outputs/{output}/reviews", json={"decision": "approve"},
                       headers=who["uni-researcher"]).status_code == 403
    for checker in ("police-output-checker", "county-output-checker"):
        reviewed = client.post(f"/api/outputs/{output}/reviews",
                               json={"decision": "approve", "comment": "safe"},
                               headers=who[checker])
        assert reviewed.status_code == 200, reviewed.text
    assert client.post(f"/api/outputs/{output}/release", headers=who["uni-researcher"]
                       ).status_code == 403
    released = client.post(f"/api/outputs/{output}/release",
                           headers=who["police-output-checker"])
    assert released.status_code in (200, 409), released.text  # 409: it would now disclose
    if released.status_code == 200:
        assert released.json()["state"] == "released"


def test_an_output_is_withdrawn_by_its_author_only(client: TestClient,
                                                   who: dict[str, dict[str, str]]) -> None:
    made = client.post(f"/api/projects/{PROJECT}/outputs", headers=who["uni-researcher"],
                       json={"title": "To withdraw", "spec": TABLE}).json()
    assert client.post(f"/api/outputs/{made['id']}/withdraw",
                       headers=who["police-output-checker"]).status_code == 403
    withdrawn = client.post(f"/api/outputs/{made['id']}/withdraw",
                            headers=who["uni-researcher"])
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == "withdrawn"


def test_a_released_output_downloads_as_a_zip_not_a_path(
        client: TestClient, who: dict[str, dict[str, str]]) -> None:
    got = client.get("/api/outputs/1/download", headers=who["uni-researcher"])
    assert got.status_code == 200, got.text
    assert got.headers["content-type"] == "application/zip"
    assert 'filename="output-1.zip"' in got.headers["content-disposition"]
    names = zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    assert "release.json" in names and "output.csv" in names
    assert client.get("/api/outputs/1/download", headers=who["police-analyst"]
                      ).status_code == 403
    assert client.get("/api/outputs/999999/download", headers=who["uni-researcher"]
                      ).status_code == 404
