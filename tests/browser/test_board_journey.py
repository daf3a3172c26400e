"""A board member's journey: the partners and their data, what each partner adds (a
Vega-Lite chart beside its table) and the hotspot map by LSOA (Leaflet, no tile server)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from commonground.engines import get_engine
from commonground.governance import actor_for
from commonground.insights.reports import publish_board_report
from commonground.store import open_hub
from tests.browser.conftest import serve


@pytest.fixture(scope="module")
def server(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A copy of the demo hub with a board pack published by its analyst."""
    path = tmp_path_factory.mktemp("board") / "hub"
    shutil.copytree(demo_hub_path, path)
    hub = open_hub(path)
    publish_board_report(hub, actor_for(hub, "police-analyst"), get_engine(), boot=50,
                         bootstrap=50)
    hub.close()
    yield from serve(path)


def test_a_board_member_sees_what_each_partner_adds_and_the_map(
        signed_in: Callable[..., Any], snap: Callable[[Any, str], Path]) -> None:
    page = signed_in("board-chair")
    page.click("text=Partnership")
    page.wait_for_selector("#partners")
    assert page.locator("#partners tbody tr").count() >= 5
    snap(page, "partners")

    page.click("text=What each partner adds")
    page.locator("#shapley-chart svg").wait_for()  # Vega-Lite drew the chart
    page.locator("#precision-chart svg").wait_for()
    assert page.locator("#uplift-table tbody tr").count() == 5
    snap(page, "uplift")

    page.click("text=Hotspots and risk by area")
    page.wait_for_function(
        "document.querySelectorAll('#map-hotspots path.leaflet-interactive').length > 1000")
    assert page.locator("#map-hotspots").get_attribute("data-drawn") == "true"
    snap(page, "maps")

    page.click("text=The dark figure")
    page.wait_for_selector("#methods")
    snap(page, "dark-figure")

    page.click("nav[aria-label='Partnership pages'] >> text=Trials")
    page.locator("table a.govuk-link").first.click()
    page.locator("#trial-chart svg").wait_for()
    assert page.locator("#evaluations tbody tr").count() >= 1
    snap(page, "trial")
