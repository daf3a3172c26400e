"""A real server (uvicorn on a free port) over the demo hub, and Debian's chromium, headless.

`signed_in(role)` opens a page signed in as a demo person with the demo password; `snap`
keeps a full-page screenshot of each page a journey visits as a test artefact, in
$COMMONGROUND_ARTIFACTS (default: test-artifacts/) under screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import unavailable

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DEMO_PASSWORD = "commonground-demo"
ARTIFACTS = Path(os.environ.get("COMMONGROUND_ARTIFACTS",
                                Path(__file__).parents[2] / "test-artifacts"))


def serve(hub: Path) -> Iterator[str]:
    import uvicorn

    from commonground.server import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(create_app(hub), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(200):
        if running.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(demo_hub_path: Path) -> Iterator[str]:
    yield from serve(demo_hub_path)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
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


@pytest.fixture
def signed_in(browser: Any, server: str) -> Iterator[Callable[[str], Any]]:
    """Open a new browser context signed in as `username` (a demo person)."""
    contexts: list[Any] = []

    def sign_in(username: str, *, viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server}/login")
        page.fill("#username", username)
        page.fill("#password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/(?!login).*"))
        return page

    yield sign_in
    for context in contexts:
        context.close()


@pytest.fixture
def snap(request: pytest.FixtureRequest) -> Callable[[Any, str], Path]:
    """Keep a full-page screenshot: test-artifacts/screenshots/<test>-<name>.png."""
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = folder / f"{request.node.name}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
