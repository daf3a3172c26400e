"""What the API tests share: a writable copy of the demo hub, tokens, and polling a job."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from commonground.governance import actor_for, issue_token
from commonground.store import open_hub

PROJECT = "modern-slavery-signals"
PEOPLE = ("uni-researcher", "police-analyst", "board-chair", "police-output-checker",
          "county-output-checker", "police-ig-lead", "fire-ig-lead",
          "district_council-ig-lead", "county_council-ig-lead", "police-steward")


def copied_hub(demo_hub_path: Path, where: Path) -> Path:
    """A copy of the demo hub that a test may write into."""
    shutil.copytree(demo_hub_path, where / "hub")
    return where / "hub"


def tokens_for(hub_path: Path, people: tuple[str, ...] = PEOPLE) -> dict[str, dict[str, str]]:
    """A Bearer header for each person, issued by the demo's admin."""
    hub = open_hub(hub_path)
    try:
        admin = actor_for(hub, "admin")
        return {name: {"Authorization": f"Bearer {issue_token(hub, name, actor=admin)}"}
                for name in people}
    finally:
        hub.close()


def finished_job(client: TestClient, answer: Any, headers: dict[str, str],
                 timeout: float = 300.0) -> dict[str, Any]:
    """Poll a 202 answer's job until it is done or failed."""
    assert answer.status_code == 202, answer.text
    url = answer.json()["status_url"]
    assert answer.headers["location"] == url
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(url, headers=headers).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {url} did not finish in {timeout} s")
