"""The web API for workspaces, in process: authentication, authorisation, refusals, audit."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from commonground.governance import actor_for, issue_token
from commonground.governance.audit import verify
from commonground.server import create_app
from commonground.store import open_hub
from commonground.store.models import Job

PROJECT = "modern-slavery-signals"


@pytest.fixture(scope="module")
def tokens(demo_hub_path: Path) -> dict[str, str]:
    hub = open_hub(demo_hub_path)
    admin = actor_for(hub, "admin")
    issued = {name: issue_token(hub, name, actor=admin)
              for name in ("uni-researcher", "police-analyst")}
    hub.close()
    return issued


@pytest.fixture
def client(demo_hub_path: Path) -> TestClient:
    return TestClient(create_app(demo_hub_path))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_token_no_data(client: TestClient) -> None:
    response = client.post(f"/api/projects/{PROJECT}/query", json={"sql": "SELECT 1 AS x"})
    assert response.status_code == 401
    assert client.get("/research", follow_redirects=False).status_code == 303
    assert client.post(f"/api/projects/{PROJECT}/query", json={"sql": "SELECT 1 AS x"},
                       headers=bearer("cg_not-a-token")).status_code == 401


def test_a_researcher_queries_and_escapes_are_refused(client: TestClient,
                                                      tokens: dict[str, str]) -> None:
    headers = bearer(tokens["uni-researcher"])
    ok = client.post(f"/api/projects/{PROJECT}/query", headers=headers,
                     json={"sql": "SELECT count(*) AS n FROM fire_safety_visits"})
    assert ok.status_code == 200 and ok.json()["rows"][0]["n"] > 0
    refused = client.post(f"/api/projects/{PROJECT}/query", headers=headers,
                          json={"sql": "SELECT * FROM read_csv('/etc/passwd')"})
    assert refused.status_code == 400 and "query refused" in refused.json()["error"]
    views = client.get(f"/api/projects/{PROJECT}/views", headers=headers).json()["views"]
    assert "fire_safety_visits" in views


def test_someone_not_on_the_project_is_refused(client: TestClient,
                                               tokens: dict[str, str]) -> None:
    response = client.post(f"/api/projects/{PROJECT}/query",
                           headers=bearer(tokens["police-analyst"]),
                           json={"sql": "SELECT 1 AS x"})
    assert response.status_code == 403


def test_login_sets_a_cookie_and_pages_escape_what_they_show(client: TestClient,
                                                             tokens: dict[str, str]) -> None:
    bad = client.post("/login", data={"username": "uni-researcher", "password": "nope"})
    assert bad.status_code == 401 and "user name or password is wrong" in bad.text
    good = client.post("/login", data={"username": "uni-researcher",
                                       "password": "commonground-demo"},
                       follow_redirects=False)
    assert good.status_code == 303 and "httponly" in good.headers["set-cookie"].lower()
    page = client.get("/research")
    assert PROJECT in page.text
    workspace = client.get(f"/research/{PROJECT}")
    assert workspace.status_code == 200 and "fire_safety_visits" in workspace.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_several_processes_and_fails_unfinished_jobs_once(
        demo_hub_path: Path, tmp_path: Path) -> None:
    hub_path = tmp_path / "hub"
    shutil.copytree(demo_hub_path, hub_path)
    hub = open_hub(hub_path)
    with hub.sessions().begin() as session:  # a job that was running when a server stopped
        session.add(Job(kind="link.run", owner="police-analyst", status="running"))
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "commonground.cli", "serve", "--hub",
                               str(hub_path), "--port", str(port), "--workers", "2"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not answer")
        with httpx.Client(base_url=base, follow_redirects=True) as browser:
            signed = browser.post("/login", data={"username": "police-analyst",
                                                  "password": "commonground-demo"})
            assert signed.status_code == 200 and "Home" in signed.text
            # Many requests over fresh connections reach both processes; each answers from
            # the one database (the session made by one is known to the other).
            for _ in range(20):
                with httpx.Client(base_url=base, cookies=browser.cookies) as fresh:
                    assert fresh.get("/catalogue").status_code == 200
        workers = subprocess.run(["pgrep", "-P", str(server.pid), "-f", "spawn_main"],
                                 capture_output=True, text=True).stdout.split()
        assert len(workers) == 2
        with hub.sessions()() as session:
            job = session.scalars(select(Job)).one()
            assert job.status == "failed" and "stopped" in (job.error or {})["message"]
        report = verify(hub)
        assert report.ok
    finally:
        server.terminate()
        server.wait(timeout=30)
        hub.close()


def sign_in(client: TestClient, username: str) -> None:
    response = client.post("/login", data={"username": username,
                                           "password": "commonground-demo"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def test_the_catalogue_page_lists_every_dataset_for_everyone(client: TestClient) -> None:
    sign_in(client, "board-chair")
    page = client.get("/catalogue")
    assert page.status_code == 200
    assert "police/crimes" in page.text or "police/" in page.text
    home = client.get("/")
    assert 'href="/catalogue"' in home.text and 'href="/board"' in home.text
    assert 'href="/steward"' not in home.text  # the navigation follows the roles


def test_the_demo_gives_every_person_a_web_account(demo_hub_path: Path) -> None:
    from commonground.governance import list_people

    hub = open_hub(demo_hub_path)
    people = list_people(hub, actor_for(hub, "admin"))
    hub.close()
    client = TestClient(create_app(demo_hub_path))
    roles = set()
    for person in people:
        sign_in(client, person["username"])
        roles.update(person["roles"])
        client.cookies.clear()
    assert roles == {"admin", "board", "steward", "governance_lead", "analyst", "researcher",
                     "output_checker"}


def test_the_routers_are_built_at_start_not_by_the_first_request(demo_hub_path: Path) -> None:
    """FastAPI builds an included router's routes on the first request to reach it (up to
    half a second); the app builds them all at start, so no reader waits under load."""
    app = create_app(demo_hub_path)
    with TestClient(app):
        routers = [r for r in app.router.routes if callable(getattr(r, "effective_candidates",
                                                                     None))]
        assert routers, "no included routers: the app's layout changed"
        assert all(r._effective_candidates_version is not None for r in routers)
