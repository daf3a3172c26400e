"""The steward's and governance lead's forms, in process: CSRF, error summaries, refusals,
an upload through the API and its validation report."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.steward_world import BAD_CSV, DATASET, csrf_of, keyed_copy

from commonground.server import create_app

PASSWORD = "commonground-demo"


@pytest.fixture(scope="module")
def hub_copy(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Path, Path]:
    target = tmp_path_factory.mktemp("steward") / "hub"
    return target, keyed_copy(demo_hub_path, target)


@pytest.fixture
def app_client(hub_copy: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
               ) -> Iterator[TestClient]:
    hub, key = hub_copy
    monkeypatch.setenv("COMMONGROUND_KEY_FILE", str(key))
    with TestClient(create_app(hub)) as client:
        yield client


def sign_in(client: TestClient, username: str) -> str:
    """Sign in; the session's CSRF token."""
    response = client.post("/login", data={"username": username, "password": PASSWORD},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/").text)


def wait_for(client: TestClient, status_url: str) -> dict:  # type: ignore[type-arg]
    for _ in range(300):
        job = client.get(status_url).json()
        if job["status"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.1)
    raise AssertionError("the job did not finish")


def test_the_steward_sees_own_datasets_and_not_another_organisations(
        app_client: TestClient) -> None:
    sign_in(app_client, "county_council-steward")
    home = app_client.get("/steward")
    assert home.status_code == 200 and DATASET in home.text and "police/crimes" not in home.text
    assert app_client.get(f"/steward/datasets/{DATASET}").status_code == 200
    assert app_client.get("/steward/datasets/police/crimes").status_code == 403
    assert app_client.get("/steward/datasets/police/crimes/quarantine").status_code == 403


def test_an_upload_needs_the_csrf_token_and_a_file(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "county_council-steward")
    files = {"file": ("cases.csv", BAD_CSV.encode(), "text/csv")}
    refused = app_client.post(f"/api/datasets/{DATASET}/contributions", files=files)
    assert refused.status_code == 403
    no_file = app_client.post(f"/steward/datasets/{DATASET}/upload",
                              data={"csrf_token": csrf})
    assert no_file.status_code == 400
    assert "govuk-error-summary" in no_file.text and "Select a file to upload" in no_file.text
    wrong_type = app_client.post(f"/steward/datasets/{DATASET}/upload",
                                 data={"csrf_token": csrf},
                                 files={"file": ("cases.exe", b"MZ", "application/x")})
    assert wrong_type.status_code == 400 and "CSV, Excel" in wrong_type.text


def test_a_steward_of_another_organisation_is_refused(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "police-steward")
    files = {"file": ("cases.csv", BAD_CSV.encode(), "text/csv")}
    started = app_client.post(f"/api/datasets/{DATASET}/contributions", files=files,
                              headers={"X-CSRF-Token": csrf})
    assert started.status_code == 403 and "may not contribution.create" in started.json()[
        "error"]
    form = app_client.post(f"/steward/datasets/{DATASET}/upload", data={"csrf_token": csrf},
                           files=files)
    assert form.status_code == 403
    assert app_client.get(f"/steward/datasets/{DATASET}/versions/1").status_code == 403


def test_an_upload_with_errors_gives_a_report_naming_row_column_and_expected(
        app_client: TestClient) -> None:
    csrf = sign_in(app_client, "county_council-steward")
    files = {"file": ("cases.csv", BAD_CSV.encode(), "text/csv")}
    started = app_client.post(f"/api/datasets/{DATASET}/contributions", files=files,
                              headers={"X-CSRF-Token": csrf})
    assert started.status_code == 202, started.text
    job = wait_for(app_client, started.json()["status_url"])
    assert job["status"] == "done", job
    result = job["result"]
    assert (result["rows_in"], result["rows_accepted"], result["rows_quarantined"]) == (5, 2, 3)
    assert "quarantine_full" not in result
    report = app_client.get(result["report_url"])
    assert report.status_code == 200
    text = report.text
    assert "Date Opened" in text and "a date in one of the formats %d/%m/%Y" in text
    assert "Case No" in text and "a value (this column is required)" in text
    assert "45/13/2025" in text  # not an identifier: shown as found
    assert "NOTAPOSTCODE" not in text and "withheld" in text  # an identifier: withheld
    quarantine = app_client.get(f"/steward/datasets/{DATASET}/quarantine")
    assert quarantine.status_code == 200 and "Date Opened" in quarantine.text
    job_page = app_client.get(f"/steward/jobs/{started.json()['job']}")
    assert job_page.status_code == 200 and result["report_url"] in job_page.text


def test_the_upload_form_without_javascript_redirects_to_the_job(app_client: TestClient
                                                                 ) -> None:
    csrf = sign_in(app_client, "county_council-steward")
    other = BAD_CSV.replace("TS-9005", "TS-9006")  # a new file, not a duplicate
    response = app_client.post(f"/steward/datasets/{DATASET}/upload",
                               data={"csrf_token": csrf},
                               files={"file": ("more.csv", other.encode(), "text/csv")},
                               follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/steward/jobs/")


def test_the_erasure_form_needs_a_reference_and_shows_the_rooms_error(
        app_client: TestClient) -> None:
    csrf = sign_in(app_client, "county_council-steward")
    assert app_client.post("/steward/erasure", data={"reference": "R1"}).status_code == 403
    empty = app_client.post("/steward/erasure", data={"csrf_token": csrf})
    assert empty.status_code == 400 and 'href="#reference"' in empty.text
    one = app_client.post("/steward/erasure", data={"csrf_token": csrf, "reference": "R1",
                                                    "given_name": "Jane"})
    assert one.status_code == 400 and "needs at least two identifiers" in one.text
    done = app_client.post("/steward/erasure", data={
        "csrf_token": csrf, "reference": "R2", "given_name": "Jane", "family_name": "Doe",
        "postcode": "CM2 6BB"})
    assert done.status_code == 200 and "Erasure R2 done" in done.text


def test_agreement_forms_check_csrf_and_show_errors(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "county_council-ig-lead")
    assert app_client.get("/governance").status_code == 200
    form = {"csrf_token": csrf, "slug": "web-sharing", "title": "Web sharing",
            "parties": ["county_council", "fire"], "purposes": "safeguarding",
            "legal_bases": ["Care Act 2014 s6/s42"], "other_legal_bases": "",
            "data_items": "county_council/trading_standards: Case No, Category",
            "retention_days": "365", "starts_on": "2026-01-01", "expires_on": "2028-12-31"}
    no_token = app_client.post("/governance/agreements", data={**form, "csrf_token": ""})
    assert no_token.status_code == 403
    bad = app_client.post("/governance/agreements", data={**form, "retention_days": "soon"})
    assert bad.status_code == 400 and 'href="#retention_days"' in bad.text
    assert 'value="Web sharing"' in bad.text  # what was typed is kept
    made = app_client.post("/governance/agreements", data=form, follow_redirects=False)
    assert made.status_code == 303
    page = app_client.get(made.headers["location"])
    assert "Agreement web-sharing drafted" in page.text and "govuk-notification-banner" in (
        page.text)
    signed = app_client.post("/governance/agreements/web-sharing/sign",
                             data={"csrf_token": csrf})
    assert signed.status_code == 200 and "You signed agreement web-sharing" in signed.text
    no_reason = app_client.post("/governance/agreements/web-sharing/revoke",
                                data={"csrf_token": csrf, "reason": " "})
    assert no_reason.status_code == 400 and 'href="#reason"' in no_reason.text


def test_a_steward_cannot_use_the_governance_pages(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "county_council-steward")
    assert app_client.get("/governance/audit").status_code == 403
    assert app_client.post("/governance/agreements/essex-prevention/sign",
                           data={"csrf_token": csrf}).status_code == 403


def test_audit_search_verify_and_retention(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "police-ig-lead")
    found = app_client.get("/governance/audit", params={"action": "agreement",
                                                        "outcome": "done"})
    assert found.status_code == 200 and "agreement.signed" in found.text
    assert "catalogue.read" not in found.text
    verify = app_client.get("/governance/audit/verify")
    assert verify.status_code == 200 and "The chain is intact" in verify.text
    unconfirmed = app_client.post("/governance/retention", data={"csrf_token": csrf})
    assert unconfirmed.status_code == 400 and 'href="#confirm"' in unconfirmed.text
    ran = app_client.post("/governance/retention", data={"csrf_token": csrf, "confirm": "yes"})
    assert ran.status_code == 200 and "Retention run: 0 versions deleted" in ran.text


def test_an_agreement_is_amended_from_its_own_values(app_client: TestClient) -> None:
    csrf = sign_in(app_client, "police-ig-lead")
    form = app_client.get("/governance/agreements/essex-prevention/amend")
    assert form.status_code == 200 and "police/crimes:" in form.text
    assert 'value="2555"' in form.text  # the stored retention, ready to change
    values = {"csrf_token": csrf, "title": "Essex prevention (amended)",
              "parties": ["police", "county_council"], "purposes": "crime-prevention",
              "legal_bases": ["Crime and Disorder Act 1998 s115"], "other_legal_bases": "",
              "data_items": "police/crimes: *", "retention_days": "365",
              "starts_on": "2026-01-01", "expires_on": "2028-12-31"}
    wrong = app_client.post("/governance/agreements/essex-prevention/amend",
                            data={**values, "data_items": "police/crimes"})
    assert wrong.status_code == 400 and 'href="#data_items"' in wrong.text
    done = app_client.post("/governance/agreements/essex-prevention/amend", data=values)
    assert done.status_code == 200 and "Agreement essex-prevention amended" in done.text
    assert "Essex prevention (amended)" in done.text
    found = app_client.get("/governance/audit", params={"search": "essex-prevention",
                                                        "action": "agreement.amended"})
    assert found.status_code == 200 and "agreement.amended" in found.text
