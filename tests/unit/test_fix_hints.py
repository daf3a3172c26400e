"""A validation report's hint names what the column expects, not a generic sentence."""

from __future__ import annotations

from commonground.contribute.reports import DEFAULT_FIX, fix_for


def test_a_bad_value_hint_follows_what_the_column_expects() -> None:
    assert "31/01/2025" in fix_for("bad_value", "a date in one of the formats %d/%m/%Y")
    assert "CM1 1AA" in fix_for("bad_value", "a UK postcode like CM1 1AA")
    assert "whole number" in fix_for("bad_value", "a whole number")
    assert "2018-01" in fix_for("bad_value", "a month like 2018-01")
    assert "10-digit" in fix_for("bad_value", "an NHS number (10 digits, valid check digit)")
    assert "postcode" not in fix_for("bad_value", "a date in one of the formats %Y-%m-%d")
    assert fix_for("bad_value", "something else").startswith("Correct the value")


def test_other_problems_keep_their_own_hint() -> None:
    assert fix_for("required", "a value (this column is required)").startswith("Fill in")
    assert fix_for("no_such_problem", "") == DEFAULT_FIX
