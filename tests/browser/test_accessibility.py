"""Accessibility: axe-core on every page the app serves, as each role that can open it.

Generic over the served GET routes that are pages (not /api, /static, /assets): a page whose
path parameters are in `VALUES` is opened as each demo role; the ones a role may not open
(403/404) are counted and skipped. No violation of impact serious or critical is allowed
(WCAG 2.2 AA is the bar; axe finds the machine-checkable part of it). A few pages are also
opened at a tablet's width, where nothing may scroll sideways.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.security.web_support import fill, is_page, method_path, parameters, routes

PEOPLE = ("admin", "police-steward", "police-ig-lead", "police-analyst", "board-chair",
          "uni-researcher", "police-output-checker")
PROJECT = "modern-slavery-signals"
# Path parameters in the demo hub.
VALUES: dict[str, list[Any]] = {
    "slug": [PROJECT], "project": [PROJECT], "org": ["police"], "organisation": ["police"],
    "dataset": ["intelligence"], "ref": ["police/intelligence"],
    "agreement": ["essex-prevention"], "username": ["police-analyst"],
    "person": ["police-analyst"], "output_id": [1], "output": [1], "intervention_id": [1],
    "intervention": [1], "number": [1], "version": [1], "list_id": [1], "risk_list": [1],
}
SERIOUS = {"serious", "critical"}
TABLET = {"width": 768, "height": 1024}


def _urls(hub: Path) -> tuple[list[str], list[str]]:
    """The pages to open, and the page routes whose parameters are not in VALUES."""
    urls, unfilled = [], []
    for key in routes(hub):
        if not is_page(key) or key == "GET /login":
            continue
        path = method_path(key)[1]
        names = parameters(path)
        if any(name not in VALUES for name in names):
            unfilled.append(key)
            continue
        for combination in itertools.product(*(VALUES[n] for n in names)):
            urls.append(fill(path, dict(zip(names, combination, strict=True))))
    return urls, unfilled


def _violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} at "
            f"{[n['target'] for n in v['nodes']][:3]}" for v in found if v["impact"] in SERIOUS]


@pytest.fixture(scope="module")
def axe_ready() -> None:
    pytest.importorskip("axe_playwright_python")


def test_every_page_passes_axe_as_every_role(
        server: str, browser: Any, signed_in: Callable[..., Any], demo_hub_path: Path,
        axe_ready: None, capsys: pytest.CaptureFixture[str]) -> None:
    urls, unfilled = _urls(demo_hub_path)
    problems: dict[str, list[str]] = {}
    checked, skipped = [], 0
    anonymous = browser.new_page()
    anonymous.goto(f"{server}/login")
    problems["/login"] = _violations(anonymous)
    checked.append("/login (signed out)")
    anonymous.close()
    for person in PEOPLE:
        page = signed_in(person)
        if person == PEOPLE[0]:  # the error page, once
            page.goto(f"{server}/no-such-page")
            problems["/no-such-page"] = _violations(page)
            checked.append("/no-such-page (the error page)")
        for url in urls:
            response = page.goto(f"{server}{url}")
            if response is None or response.status in (403, 404):
                skipped += 1
                continue
            assert response.status < 500, (person, url, response.status)
            problems[f"{url} as {person}"] = _violations(page)
            checked.append(f"{url} as {person}")
    with capsys.disabled():
        print(f"\naccessibility: {len(checked)} pages checked with axe-core, {skipped} "  # noqa: T201
              f"refused to the role and skipped; unfilled page routes: {unfilled or 'none'}")
        for line in checked:
            print(f"  {line}")  # noqa: T201
    assert {where: found for where, found in problems.items() if found} == {}


def test_pages_fit_a_tablet_without_scrolling_sideways(
        server: str, browser: Any, signed_in: Callable[..., Any],
        snap: Callable[[Any, str], Any]) -> None:
    wide = []
    anonymous = browser.new_context(viewport=TABLET)
    login = anonymous.new_page()
    login.goto(f"{server}/login")
    pages = [(login, "/login")]
    researcher = signed_in("uni-researcher", viewport=TABLET)
    for url in ("/", "/research", f"/research/{PROJECT}"):
        researcher.goto(f"{server}{url}")
        width = researcher.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        if width[0] > width[1]:
            wide.append(f"{url}: {width[0]} > {width[1]}")
    snap(researcher, "tablet-workspace")
    for page, url in pages:
        width = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        if width[0] > width[1]:
            wide.append(f"{url}: {width[0]} > {width[1]}")
    anonymous.close()
    assert wide == []
