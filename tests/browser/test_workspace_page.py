"""A researcher in a real headless Chromium: sign in, run a query, see the table, get refused."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable

PROJECT = "modern-slavery-signals"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def server(demo_hub_path: Path) -> Iterator[str]:
    import uvicorn

    from commonground.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(demo_hub_path), host="127.0.0.1", port=port,
                            log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(100):
        if running.started:
            break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    if not Path(CHROMIUM).exists():
        unavailable("Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield launched
        launched.close()


def test_a_researcher_runs_a_query_in_the_browser(server: str, browser, demo_hub_path: Path,
                                                  tmp_path: Path) -> None:
    from commonground.governance import actor_for, issue_token
    from commonground.store import open_hub

    hub = open_hub(demo_hub_path)
    token = issue_token(hub, "uni-researcher", actor=actor_for(hub, "admin"))
    hub.close()
    page = browser.new_page()
    page.goto(f"{server}/research")
    assert page.url.endswith("/login")
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.click(f"a[href='/research/{PROJECT}']")
    page.fill("#sql", "SELECT overcrowding, count(*) AS n FROM fire_safety_visits "
                      "GROUP BY ALL ORDER BY 1")
    page.click("#run")
    page.wait_for_selector("#result table")
    headers = page.locator("#result th").all_inner_texts()
    assert headers == ["overcrowding", "n"]
    assert "rows" in page.locator("#status").inner_text()
    page.screenshot(path=str(tmp_path / "workspace.png"), full_page=True)
    page.fill("#sql", "COPY fire_safety_visits TO '/tmp/out.csv'")
    page.click("#run")
    page.wait_for_selector("#status.error")
    assert "query refused" in page.locator("#status").inner_text()
    page.close()
