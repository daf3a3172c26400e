"""A governance lead in a real headless Chromium: draft an agreement, sign it with each
party's lead, and find a steward's upload in the audit log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.steward_world import BAD_CSV, DATASET, keyed_server

SLUG = "fire-visits-pilot"


@pytest.fixture(scope="module")
def server(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from commonground.contribute import contribute_file
    from commonground.engines import get_engine
    from commonground.governance import actor_for
    from commonground.store import open_hub

    folder = tmp_path_factory.mktemp("governance-journey")
    for address, hub_folder in keyed_server(demo_hub_path, folder):
        # The steward's upload the lead will look for in the audit log.
        (folder / "cases.csv").write_text(BAD_CSV)
        hub = open_hub(hub_folder)
        try:
            with get_engine("duckdb") as engine:
                contribute_file(hub, actor_for(hub, "county_council-steward"), DATASET,
                                folder / "cases.csv", key=None, engine=engine)
        finally:
            hub.close()
        yield address


def test_a_lead_drafts_and_signs_an_agreement_and_searches_the_audit_log(
        server: str, signed_in: Callable[..., Any], snap: Callable[[Any, str], Any]) -> None:
    page = signed_in("county_council-ig-lead")
    page.goto(f"{server}/governance")
    assert "essex-prevention" in page.locator("#agreements").inner_text()
    snap(page, "agreements")

    page.click("a[href='/governance/agreements/new']")
    page.fill("#slug", SLUG)
    page.fill("#title", "Fire safety visits pilot")
    page.check("#party-fire")
    page.fill("#purposes", "safeguarding")
    page.check("label:has-text('Care Act 2014 s6/s42')")
    page.fill("#data_items", "county_council/trading_standards: Case No, Category\n"
                             "fire/safety_visits: *")
    page.fill("#retention_days", "365")
    page.fill("#starts_on", "2026-01-01")
    page.fill("#expires_on", "2099-12-31")
    page.fill("#expires_on", "2025-01-01")  # before it starts: the form says so
    page.click("#save")
    assert "There is a problem" in page.locator(".govuk-error-summary").inner_text()
    assert "cannot expire before it starts" in page.locator(".govuk-error-summary").inner_text()
    snap(page, "draft-error")
    page.fill("#expires_on", "2099-12-31")
    page.click("#save")
    assert f"Agreement {SLUG} drafted" in page.locator(".govuk-notification-banner").inner_text()
    snap(page, "drafted")

    page.click("#sign")
    assert "You signed" in page.locator(".govuk-notification-banner").inner_text()
    assert "signed" in page.locator("main").inner_text()

    fire = signed_in("fire-ig-lead")
    fire.goto(f"{server}/governance/agreements/{SLUG}")
    fire.click("#sign")
    assert "You signed" in fire.locator(".govuk-notification-banner").inner_text()
    assert "In force." in fire.locator("main").inner_text()
    snap(fire, "active")

    page.goto(f"{server}/governance/audit")
    page.fill("#who", "county_council-steward")
    page.fill("#action", "contribution")
    page.click("form[role=search] button[type=submit]")
    found = page.locator("#audit tbody").inner_text()
    assert "contribution.stored" in found and DATASET.replace("/", "/") in found
    assert "rows_quarantined: 3" in found
    snap(page, "audit-search")

    page.click("a[href='/governance/audit/verify']")
    assert "The chain is intact" in page.locator("#verify-result").inner_text()
    snap(page, "verify")
