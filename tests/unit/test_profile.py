"""Column profiles only ever drop checks that cannot fail: validation answers the same."""

from __future__ import annotations

from datetime import date

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.contribute.contract import parse_contract
from commonground.contribute.profile import TextProfile, profile_column, profile_table
from commonground.contribute.readers import ROW
from commonground.contribute.validate import PROBLEMS, validation_pipeline
from commonground.engines import get_engine

CONTRACT = parse_contract({
    "name": "profiled",
    "columns": [
        {"name": "note", "type": "string", "max_length": 6},
        {"name": "kind", "type": "category", "allowed": ["a", "b", "=x"]},
        {"name": "surname", "type": "string", "role": "identifier",
         "identifier": "family_name", "max_length": 8},
    ],
})
# Spaces an engine may trim (ASCII, no-break, em, ideographic), NUL, formula starts, a
# two-byte letter: everything the profile decides on.
TEXT = st.text(alphabet=st.sampled_from(
    [" ", "\u00a0", "\u2003", "\u3000", "\x00", "=", "+", "-", "@", "\t", "a", "b", "x",
     "ë", "1"]), max_size=9)


def _problems(table: pa.Table, profiles: dict[str, TextProfile] | None) -> list[str]:
    pipeline = validation_pipeline(CONTRACT, ["note", "kind", "surname"], date(2026, 1, 1),
                                   profiles)
    checked = get_engine("duckdb").run(pipeline, {"raw": table})
    return checked.sort_by(ROW)[PROBLEMS].to_pylist()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, TEXT), min_size=1, max_size=12))
def test_validation_with_profiles_equals_validation_without(rows: list[tuple[str, ...]]) -> None:
    table = pa.table({
        "note": [r[0] for r in rows], "kind": [r[1] for r in rows],
        "surname": [r[2] for r in rows], ROW: list(range(1, len(rows) + 1)),
    })
    profiles = profile_table(table, ["note", "kind", "surname"])
    assert _problems(table, profiles) == _problems(table, None)


def test_a_clean_column_drops_its_checks_and_a_dirty_one_keeps_them() -> None:
    clean = profile_column(pa.chunked_array([["abc", "de"], ["f"]]))
    assert clean == TextProfile(padded=False, nul=False, max_bytes=3, formula_start=False)
    dirty = profile_column(pa.array(["ok", " padded", "nul\x00", "=cmd", "ëë"]))
    assert dirty.padded and dirty.nul and dirty.formula_start and dirty.max_bytes == 7


def test_a_slice_is_profiled_on_its_own_values() -> None:
    values = pa.array(["=a", "bb", " c", "dddddd"])
    assert profile_column(values.slice(1, 1)) == TextProfile(False, False, 2, False)
    assert profile_column(values.slice(2, 2)).padded
