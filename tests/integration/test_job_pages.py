"""Long work started from a page runs as a job with a page of its own: its progress while it
runs (refreshing itself), then its outcome and where to go next; only its starter sees it."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.integration.api_helpers import copied_hub

from commonground.governance import actor_for, add_person, set_password
from commonground.governance.audit import entries
from commonground.server import create_app
from commonground.store import open_hub
from commonground.store.models import Job


@pytest.fixture(scope="module")
def client(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(create_app(copied_hub(demo_hub_path, tmp_path_factory.mktemp("jobs"))))


def _sign_in(client: TestClient, username: str) -> str:
    client.cookies.clear()
    client.post("/login", data={"username": username, "password": "commonground-demo"})
    page = client.get("/").text  # every page carries the sign-out form and its token
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the home page"
    return found.group(1)


def _wait(client: TestClient, job: str) -> dict[str, Any]:
    for _ in range(600):
        view = client.get(f"/api/jobs/{job}").json()
        if view["status"] in ("done", "failed"):
            return dict(view)
        time.sleep(0.2)
    raise AssertionError(f"job {job} did not finish")


@pytest.mark.parametrize(("form", "kind", "done", "next_page"), [
    ("/analysis/link-run", "link.run", "The records are linked", "/analysis/review"),
    ("/analysis/risk-build", "risk.build", "The risk list is ready", "/analysis/risk"),
])
def test_an_analyst_starts_long_work_and_follows_it(client: TestClient, form: str, kind: str,
                                                     done: str, next_page: str) -> None:
    csrf = _sign_in(client, "police-analyst")
    started = client.post(form, data={"csrf_token": csrf}, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/jobs/")
    job = started.headers["location"].removeprefix("/jobs/")
    running = client.get(f"/jobs/{job}")
    assert running.status_code == 200
    view = _wait(client, job)
    assert view["kind"] == kind and view["status"] == "done", view
    page = client.get(f"/jobs/{job}").text
    assert done in page and f'href="{next_page}"' in page
    assert 'http-equiv="refresh"' not in page  # a finished job's page stops refreshing
    _sign_in(client, "board-chair")
    assert client.get(f"/jobs/{job}").status_code == 404  # someone else's job is not shown


def test_a_running_jobs_page_shows_a_progress_bar_and_refreshes(client: TestClient) -> None:
    from commonground.store import open_hub
    from commonground.store.models import Job

    hub = open_hub(client.app.state.hub_path)  # type: ignore[attr-defined]
    with hub.sessions().begin() as session:
        row = Job(kind="link.run", owner="police-analyst", status="running", progress=0.4,
                  message="scoring pairs")
        session.add(row)
        session.flush()
        job = row.id
    hub.close()
    _sign_in(client, "police-analyst")
    page = client.get(f"/jobs/{job}").text
    assert '<progress id="job-bar"' in page and 'value="40"' in page
    assert 'http-equiv="refresh"' in page and "scoring pairs" in page
    assert "Linking the partners&#39; records" in page


def test_a_role_that_may_never_run_linkage_is_refused_at_once(client: TestClient) -> None:
    csrf = _sign_in(client, "uni-researcher")
    refused = client.post("/analysis/link-run", data={"csrf_token": csrf})
    assert refused.status_code == 403 and "link.run" in refused.text


def test_an_analyst_outside_the_safeguarding_agreement_is_refused_before_a_job(
        client: TestClient) -> None:
    """The role may build risk lists, but not for this organisation: refused at once, as the
    operation itself would refuse it, and audited; no job is queued."""
    hub = open_hub(client.app.state.hub_path)  # type: ignore[attr-defined]
    try:
        admin = actor_for(hub, "admin")
        add_person(hub, "uni-analyst", "university", ["analyst"], actor=admin)
        set_password(hub, admin, "uni-analyst", "commonground-demo")
        with hub.sessions()() as session:
            jobs_before = session.scalar(select(func.count()).select_from(Job))
    finally:
        hub.close()
    csrf = _sign_in(client, "uni-analyst")
    refused = client.post("/analysis/risk-build", data={"csrf_token": csrf},
                          follow_redirects=False)
    assert refused.status_code == 403 and "not a party" in refused.text
    hub = open_hub(client.app.state.hub_path)  # type: ignore[attr-defined]
    try:
        with hub.sessions()() as session:
            assert session.scalar(select(func.count()).select_from(Job)) == jobs_before
        last = entries(hub, 1)[0]
        assert (last["actor"], last["action"], last["outcome"]) == (
            "uni-analyst", "risk.build", "refused")
    finally:
        hub.close()
