"""Postcodes: the fast path for canonical values types them exactly as the general one."""

from __future__ import annotations

import re
from datetime import date

import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from commonground.contribute.contract import parse_contract
from commonground.contribute.readers import ROW
from commonground.contribute.validate import PROBLEMS, validation_pipeline
from commonground.engines import get_engine

CONTRACT = parse_contract({
    "name": "postcodes",
    "columns": [{"name": "postcode", "type": "postcode"}],
})
SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
POSTCODE = st.from_regex(r"\A[A-Za-z]{1,2}[0-9][A-Za-z0-9]?[ .\-]{0,2}[0-9][A-Za-z]{2}\Z")
ANY = st.one_of(POSTCODE, st.text(alphabet="CMcm19AZ -.", max_size=9))


def _reference(text: str) -> str | None:
    """The general rule, spelt out: squeeze to letters and digits, check the shape, re-space."""
    squeezed = re.sub(r"[^A-Z0-9]", "", text.upper())
    return f"{squeezed[:-3]} {squeezed[-3:]}" if SHAPE.fullmatch(squeezed) else None


@settings(max_examples=80, deadline=None)
@given(st.lists(ANY, min_size=1, max_size=10))
@example(["CM1 1AA", "cm1 1aa", "CM11AA", " CM1 1AA", "CM1  1AA", "CM1-1AA", "SW1A 1AA",
          "CM1 1A", "", "CM1 1AA "])
def test_typed_postcodes_follow_the_general_rule(values: list[str]) -> None:
    table = pa.table({"postcode": values, ROW: list(range(1, len(values) + 1))})
    checked = get_engine("duckdb").run(
        validation_pipeline(CONTRACT, ["postcode"], date(2026, 1, 1)), {"raw": table})
    checked = checked.sort_by(ROW)
    expected = [_reference(v) for v in values]
    assert checked["postcode"].to_pylist() == expected
    # Text that is not a postcode is quarantined, never typed as one.
    assert [p != "" for p in checked[PROBLEMS].to_pylist()] == [
        e is None and v.strip() != "" for v, e in zip(values, expected, strict=True)]
