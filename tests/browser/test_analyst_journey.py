"""An analyst's journey: decide an uncertain pair with its match-weight explanation, open an
address's risk explanation and record the visit's outcome."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import serve


@pytest.fixture(scope="module")
def server(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh copy of the demo hub: this journey writes a decision and a visit."""
    hub = tmp_path_factory.mktemp("analyst") / "hub"
    shutil.copytree(demo_hub_path, hub)
    yield from serve(hub)


def test_an_analyst_decides_a_pair_and_explains_an_address(
        signed_in: Callable[..., Any], snap: Callable[[Any, str], Path]) -> None:
    page = signed_in("police-analyst")
    page.click("text=Analysis")
    page.wait_for_url(re.compile(r".*/analysis$"))
    snap(page, "analysis")

    page.click("text=Review uncertain pairs")
    first = page.locator("section.cg-pair").first
    first.locator(".cg-chart svg").wait_for()  # Vega-Lite drew the waterfall
    assert first.locator("table th:has-text('prior')").count() == 1
    assert "Bayes factor" in first.inner_text()
    heading = first.locator("h2").inner_text()
    snap(page, "review")
    first.locator("label:has-text('The same')").click()
    first.locator("button:has-text('Record decision')").click()
    page.wait_for_selector(".govuk-notification-banner--success")
    assert heading not in page.locator("main").inner_text()  # decided: off the queue
    snap(page, "review-decided")

    page.goto(page.url.split("/analysis")[0] + "/analysis/risk")
    page.locator("table a.govuk-link").first.click()
    page.wait_for_selector("#contributions")
    page.locator(".cg-chart svg").wait_for()
    assert "Why" in page.locator("h1").inner_text()
    snap(page, "explanation")
    page.click("label[for=outcome-no_access]")
    page.click("button:has-text('Record outcome')")
    page.wait_for_selector(".govuk-notification-banner--success")
    snap(page, "visit-recorded")
