"""A data steward in a real headless Chromium: upload a file with errors, watch its progress,
read the validation report naming each row, column and what was expected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.steward_world import BAD_CSV, DATASET, keyed_server


@pytest.fixture(scope="module")
def server(demo_hub_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    for address, _ in keyed_server(demo_hub_path, tmp_path_factory.mktemp("steward-journey")):
        yield address


def test_a_steward_uploads_a_file_with_errors_and_reads_the_report(
        server: str, signed_in: Callable[..., Any], snap: Callable[[Any, str], Any],
        tmp_path: Path) -> None:
    page = signed_in("county_council-steward")
    page.goto(f"{server}/steward")
    assert DATASET in page.locator("#datasets").inner_text()
    assert "police/" not in page.locator("#datasets").inner_text()
    snap(page, "datasets")

    page.click(f"a[href='/steward/datasets/{DATASET}']")
    assert page.locator("h1").inner_text() == DATASET
    snap(page, "dataset")

    upload = tmp_path / "trading-standards-april.csv"
    upload.write_text(BAD_CSV)
    page.set_input_files("#file", str(upload))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#report-link", timeout=60_000)
    assert page.locator("#upload-bar").get_attribute("value") == "100"
    status = page.locator("#upload-status").inner_text()
    assert "5 rows in, 2 accepted, 3 quarantined" in status
    snap(page, "uploaded")

    page.click("#report-link")
    assert "Validation report for version" in page.locator("h1").inner_text()
    rows = [r.locator("td").all_inner_texts() for r in page.locator("#problems tbody tr").all()]
    by_column = {r[2]: r for r in rows}
    date = by_column["Date Opened"]
    assert date[0] == "trading-standards-april.csv" and date[1] == "2"
    assert "a date in one of the formats %d/%m/%Y" in date[3] and date[4] == "45/13/2025"
    case = by_column["Case No"]
    assert case[1] == "3" and "required" in case[3]
    postcode = by_column["Postcode"]
    assert postcode[1] == "4" and "withheld" in postcode[4]  # an identifier, never in clear
    assert "NOTAPOSTCODE" not in page.content()
    groups = page.locator("#problem-groups").inner_text()
    assert "Date Opened" in groups and "How to fix it" in groups
    snap(page, "report")

    page.goto(f"{server}/steward/datasets/{DATASET}/quarantine")
    assert "Quarantined rows" in page.locator("h1").inner_text()
    snap(page, "quarantine")
