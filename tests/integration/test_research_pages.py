"""The researcher's, the governance lead's and the output checker's pages, in process.

A copy of the demo hub per module (the forms write to it): a project proposed through the
form, approved through /governance/approvals, and outputs requested, reviewed independently
and released through the pages; CSRF and every form's errors.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from commonground.server import create_app

PASSWORD = "commonground-demo"
PROJECT = "modern-slavery-signals"
NEW = "overcrowding-and-intelligence"
CHECKLIST = ["small_cells", "identifiers", "dominance", "differencing"]


@pytest.fixture(scope="module")
def hub_copy(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pages") / "hub"
    shutil.copytree(demo_hub_path, target)
    return target


@pytest.fixture
def as_person(hub_copy: Path) -> Iterator[Callable[[str], TestClient]]:
    clients: list[TestClient] = []

    def sign_in(username: str) -> TestClient:
        client = TestClient(create_app(hub_copy))
        clients.append(client)
        response = client.post("/login", data={"username": username, "password": PASSWORD},
                               follow_redirects=False)
        assert response.status_code == 303, response.text
        return client

    yield sign_in
    for client in clients:
        client.close()


def csrf(client: TestClient, path: str = "/") -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found, path
    return found.group(1)


def proposal(**more: str) -> dict[str, str]:
    form = {"slug": NEW, "title": "Overcrowding and intelligence",
            "question": "Do overcrowded addresses draw intelligence reports?",
            "commissioned_by": "police", "purpose": "research:modern-slavery",
            "researchers": "uni-researcher", "ethics_reference": "UoE-ETH-2026-0200",
            "starts_on": "2020-01-01", "ends_on": "2099-12-31",
            "dataset_1": "fire/safety_visits", "columns_1": "overcrowding, locked_internal_doors",
            "where_1": "", "dataset_2": "police/intelligence", "columns_2": "CATEGORY",
            "where_2": "", "dataset_3": "", "columns_3": "", "where_3": ""}
    return {**form, **more}


def test_a_project_is_proposed_and_approved_through_the_pages(
        as_person: Callable[[str], TestClient]) -> None:
    researcher = as_person("uni-researcher")
    page = researcher.get("/research/propose")
    assert page.status_code == 200 and "fire/safety_visits" in page.text
    token = csrf(researcher, "/research/propose")
    assert researcher.post("/research/propose", data=proposal()).status_code == 403  # no CSRF
    missing = researcher.post("/research/propose",
                              data=proposal(csrf_token=token, title="", columns_2=""))
    assert missing.status_code == 400
    assert "Enter the project&#39;s title" in missing.text
    assert "Name the columns you need from police/intelligence" in missing.text
    assert 'value="Do overcrowded addresses draw intelligence reports?"' not in missing.text
    refused = researcher.post("/research/propose", data=proposal(
        csrf_token=token, columns_1="overcrowding, no_such_column"))
    assert refused.status_code == 400 and "no_such_column" in refused.text
    done = researcher.post("/research/propose", data=proposal(csrf_token=token),
                           follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith(
        f"/research/{NEW}/project")
    project = researcher.get(done.headers["location"])
    assert "Your project was proposed" in project.text and "waiting" in project.text

    police = as_person("police-ig-lead")
    listing = police.get("/governance/approvals")
    assert listing.status_code == 200 and "Overcrowding and intelligence" in listing.text
    token = csrf(police, "/governance/approvals")
    no_reason = police.post(f"/governance/approvals/{NEW}/refuse", data={"csrf_token": token})
    assert "Give a reason for refusing the project" in no_reason.text
    approved = police.post(f"/governance/approvals/{NEW}/approve",
                           data={"csrf_token": token, "reason": "Minimal columns."})
    assert "You approved" in approved.text
    twice = police.post(f"/governance/approvals/{NEW}/approve", data={"csrf_token": token})
    assert twice.status_code == 409
    fire = as_person("fire-ig-lead")
    fire.post(f"/governance/approvals/{NEW}/approve",
              data={"csrf_token": csrf(fire, "/governance/approvals")})
    mine = researcher.get("/research")
    assert NEW in mine.text and "active" in mine.text
    assert "Minimal columns." in researcher.get(f"/research/{NEW}/project").text


def test_a_lead_whose_organisation_provides_nothing_cannot_decide(
        as_person: Callable[[str], TestClient]) -> None:
    health = as_person("health-ig-lead")
    assert "Signals of labour exploitation" not in health.get("/governance/approvals").text
    response = health.post(f"/governance/approvals/{PROJECT}/revoke",
                           data={"csrf_token": csrf(health), "reason": "no"})
    assert response.status_code == 403


def request_form(**more: object) -> dict[str, object]:
    form: dict[str, object] = {"title": "Visits by overcrowding", "kind": "table",
                               "view": "fire_safety_visits", "rows": "overcrowding",
                               "columns": "", "aggfunc": "count", "value": "", "formula": "",
                               "where": "", "justification": "For the force's briefing.",
                               "checklist": CHECKLIST}
    return {**form, **more}


def _request(client: TestClient, **more: object) -> str:
    token = csrf(client, f"/research/{PROJECT}/outputs/new")
    response = client.post(f"/research/{PROJECT}/outputs",
                           data={**request_form(**more), "csrf_token": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"]).split("?")[0]


def test_an_output_request_needs_the_checklist_and_shows_its_evidence(
        as_person: Callable[[str], TestClient]) -> None:
    researcher = as_person("uni-researcher")
    form = researcher.get(f"/research/{PROJECT}/outputs/new")
    assert form.status_code == 200 and 'id="checklist-dominance"' in form.text
    token = csrf(researcher, f"/research/{PROJECT}/outputs/new")
    unticked = researcher.post(f"/research/{PROJECT}/outputs", data={
        **request_form(checklist=CHECKLIST[:2], justification=""), "csrf_token": token})
    assert unticked.status_code == 400
    assert "Confirm every point of the disclosure checklist" in unticked.text
    assert "Say why you need this output" in unticked.text
    assert 'id="checklist-small_cells" name="checklist" type="checkbox" value="small_cells" ' \
           'checked' in unticked.text
    bad_view = researcher.post(f"/research/{PROJECT}/outputs", data={
        **request_form(rows="no_column"), "csrf_token": token})
    assert bad_view.status_code == 400 and "no column(s) no_column" in bad_view.text
    page_path = _request(researcher)
    page = researcher.get(page_path)
    assert "Which rule fired where" in page.text and 'id="published"' in page.text
    assert 'id="submit-output"' in page.text
    submitted = researcher.post(page_path + "/submit", data={"csrf_token": token})
    assert "sent to the output checkers" in submitted.text and "submitted" in submitted.text
    other = as_person("police-analyst")
    assert other.get(page_path).status_code == 403


def test_two_checkers_review_blind_and_the_researcher_sees_public_comments_only(
        as_person: Callable[[str], TestClient]) -> None:
    researcher = as_person("uni-researcher")
    path = _request(researcher, title="Blind review")
    output_id = path.rsplit("/", 1)[1]
    researcher.post(path + "/submit", data={"csrf_token": csrf(researcher)})
    first, second = as_person("police-output-checker"), as_person("county-output-checker")
    assert "Blind review" in first.get("/checking").text
    token = csrf(first)
    no_decision = first.post(f"/checking/{output_id}/review", data={"csrf_token": token})
    assert "Choose approve, return or reject" in no_decision.text
    first.post(f"/checking/{output_id}/review", data={
        "csrf_token": token, "decision": "approve", "comment": "PRIVATE-NOTE-A",
        "visibility": "private"})
    blind = second.get(f"/checking/{output_id}")
    assert "police-output-checker</strong> has reviewed" in blind.text
    assert "PRIVATE-NOTE-A" not in blind.text and "Decide on the evidence alone" in blind.text
    assert "PRIVATE-NOTE-A" not in researcher.get(path).text
    second.post(f"/checking/{output_id}/review", data={
        "csrf_token": csrf(second), "decision": "return", "comment": "PUBLIC-NOTE-B",
        "visibility": "public"})
    assert "PRIVATE-NOTE-A" in second.get(f"/checking/{output_id}").text
    seen = researcher.get(path).text
    assert "PUBLIC-NOTE-B" in seen and "PRIVATE-NOTE-A" not in seen and "returned" in seen
    assert as_person("police-analyst").get("/checking").status_code == 403


def test_an_approved_output_is_released_with_its_record(
        as_person: Callable[[str], TestClient]) -> None:
    researcher = as_person("uni-researcher")
    path = _request(researcher, title="To release", rows="locked_internal_doors")
    output_id = path.rsplit("/", 1)[1]
    researcher.post(path + "/submit", data={"csrf_token": csrf(researcher)})
    for name in ("police-output-checker", "county-output-checker"):
        checker = as_person(name)
        checker.post(f"/checking/{output_id}/review",
                     data={"csrf_token": csrf(checker), "decision": "approve"})
    early = researcher.get(path + "/files/output.csv")
    assert early.status_code == 409
    released = checker.post(f"/checking/{output_id}/release",
                            data={"csrf_token": csrf(checker)})
    assert "The output was released" in released.text and 'id="release-record"' in released.text
    csv = researcher.get(path + "/files/output.csv")
    assert csv.status_code == 200 and "locked_internal_doors" in csv.text
    assert researcher.get(path + "/files/secrets.txt").status_code == 404
    assert "Release record" in researcher.get(path).text
