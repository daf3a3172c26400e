"""Research through the airlock in a real headless Chromium, on a fresh copy of the demo hub.

1. uni-researcher proposes a project through the form; the governance leads of the two
   organisations whose data it asks for (police, fire) approve it on /governance/approvals;
   the researcher queries the new project's workspace and requests an output from it,
   ticking the disclosure checklist, reads the evidence and submits it.
2. Two output checkers review an output independently (the second sees that the first has
   reviewed, not what they decided or wrote), and the output is released.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import serve

PROJECT = "modern-slavery-signals"
NEW = "overcrowding-signals"


@pytest.fixture(scope="module")
def fresh_hub(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("journey") / "hub"
    shutil.copytree(demo_hub_path, target)
    return target


@pytest.fixture(scope="module")
def server(fresh_hub: Path) -> Iterator[str]:  # this module's journeys write: its own hub
    yield from serve(fresh_hub)


def test_a_project_is_proposed_approved_queried_and_an_output_requested(
        server: str, signed_in: Callable[..., Any], snap: Callable[[Any, str], Any]) -> None:
    researcher = signed_in("uni-researcher")
    researcher.goto(f"{server}/research")
    researcher.click("text=Propose a project")
    researcher.fill("#slug", NEW)
    researcher.fill("#title", "Overcrowding signals in fire visits")
    researcher.fill("#question", "How often do overcrowding and locked doors co-occur?")
    researcher.select_option("#commissioned_by", "police")
    researcher.fill("#purpose", "research:modern-slavery")
    researcher.fill("#ethics_reference", "UoE-ETH-2026-0301")
    researcher.select_option("#dataset_1", "fire/safety_visits")
    researcher.fill("#columns_1", "overcrowding, locked_internal_doors, occupants_observed")
    researcher.select_option("#dataset_2", "police/intelligence")
    researcher.fill("#columns_2", "CATEGORY")
    snap(researcher, "propose")
    researcher.click("button:has-text('Propose the project')")
    researcher.wait_for_url(re.compile(rf".*/research/{NEW}/project.*"))
    assert "Your project was proposed" in researcher.inner_text("main")
    snap(researcher, "proposed")

    for lead in ("police-ig-lead", "fire-ig-lead"):
        page = signed_in(lead)
        page.goto(f"{server}/governance/approvals")
        card = page.locator(f"#project-{NEW}")
        assert "UoE-ETH-2026-0301" in card.inner_text()
        snap(page, f"approvals-{lead}")
        card.locator("button:has-text('Approve')").click()
        page.wait_for_selector(".govuk-notification-banner--success")
        snap(page, f"approved-{lead}")

    researcher.goto(f"{server}/research/{NEW}/project")
    assert "active" in researcher.inner_text("main")
    snap(researcher, "project-active")
    researcher.click("text=Open the workspace")
    researcher.fill("#sql", "SELECT overcrowding, count(*) AS n FROM fire_safety_visits "
                            "GROUP BY ALL ORDER BY 1")
    researcher.click("#run")
    researcher.wait_for_selector("#result table")
    snap(researcher, "workspace")

    researcher.click("text=request an output")
    researcher.fill("#title", "Visits by overcrowding and locked doors")
    researcher.fill("#rows", "overcrowding")
    researcher.fill("#columns", "locked_internal_doors")
    researcher.fill("#justification", "The co-occurrence of two signals, for the force.")
    researcher.click("button:has-text('Run the disclosure checks')")
    assert "Confirm every point of the disclosure checklist" in researcher.inner_text(
        ".govuk-error-summary")
    snap(researcher, "request-errors")
    for box in researcher.locator("input[name=checklist]").all():
        box.check()
    researcher.click("button:has-text('Run the disclosure checks')")
    researcher.wait_for_selector("#evidence")
    assert researcher.locator("#published").count() == 1
    snap(researcher, "evidence")
    researcher.click("#submit-output")
    researcher.wait_for_selector("text=The request was sent to the output checkers.")
    snap(researcher, "submitted")


def test_two_checkers_review_independently_and_the_output_is_released(
        server: str, fresh_hub: Path, signed_in: Callable[..., Any],
        snap: Callable[[Any, str], Any]) -> None:
    from commonground.governance import actor_for
    from commonground.research import request_output, submit_output
    from commonground.store import open_hub

    hub = open_hub(fresh_hub)
    try:
        author = actor_for(hub, "uni-researcher")
        output = request_output(
            hub, author, PROJECT, kind="table", title="Visits by locked internal doors",
            spec={"view": "fire_safety_visits", "rows": ["locked_internal_doors"]},
            justification="For the partnership's annual report.")
        submit_output(hub, author, output.id)
    finally:
        hub.close()

    first = signed_in("police-output-checker")
    first.goto(f"{server}/checking")
    snap(first, "queue")
    first.click(f"#to-review a[href='/checking/{output.id}']")
    first.wait_for_selector("#evidence")
    snap(first, "review-first")
    first.check("#decision")  # approve
    first.fill("#comment", "Rounded and suppressed as it should be; checked the margins.")
    first.click("#send-review")
    first.wait_for_selector("text=Your review was recorded.")
    snap(first, "reviewed-first")

    second = signed_in("county-output-checker")
    second.goto(f"{server}/checking/{output.id}")
    body = second.inner_text("main")
    assert "police-output-checker has reviewed" in body
    assert "checked the margins" not in body and "Decide on the evidence alone" in body
    snap(second, "review-second-blind")
    second.check("#decision")
    second.fill("#comment", "Fine to publish.")
    second.check("#visibility-public")
    second.click("#send-review")
    second.wait_for_selector("text=Your review was recorded.")
    assert "checked the margins" in second.inner_text("main")  # both are in: all is shown
    snap(second, "reviewed-second")
    second.click("#release-output")
    second.wait_for_selector("#release-record")
    assert "county-output-checker" in second.inner_text("#release-record")
    snap(second, "released")

    researcher = signed_in("uni-researcher")
    researcher.goto(f"{server}/research/{PROJECT}/outputs/{output.id}")
    shown = researcher.inner_text("main")
    assert "Fine to publish." in shown and "checked the margins" not in shown
    assert researcher.locator("#release-record").count() == 1
    snap(researcher, "researcher-released")
