"""A researcher in a real headless Chromium: sign in, run a query, see the table, get refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PROJECT = "modern-slavery-signals"


def test_a_researcher_runs_a_query_in_the_browser(server: str, signed_in: Callable[..., Any],
                                                  snap: Callable[[Any, str], Any]) -> None:
    page = signed_in("uni-researcher")
    page.goto(f"{server}/research")
    page.click(f"a[href='/research/{PROJECT}']")
    page.fill("#sql", "SELECT overcrowding, count(*) AS n FROM fire_safety_visits "
                      "GROUP BY ALL ORDER BY 1")
    page.click("#run")
    page.wait_for_selector("#result table")
    headers = page.locator("#result th").all_inner_texts()
    assert headers == ["overcrowding", "n"]
    assert "rows" in page.locator("#status").inner_text()
    snap(page, "workspace")
    page.fill("#sql", "COPY fire_safety_visits TO '/tmp/out.csv'")
    page.click("#run")
    page.wait_for_selector("#status.govuk-error-message")
    assert "query refused" in page.locator("#status").inner_text()


def test_signing_in_is_required(server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{server}/research")
    assert "/login" in page.url
    page.close()
