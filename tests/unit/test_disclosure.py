"""Disclosure control: the rules, and the property that nothing small ever leaves."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonground.research.disclosure import (
    CheckedTable,
    Thresholds,
    check_model,
    check_table,
    differencing_risks,
)

T = Thresholds()


def micro(groups: dict[tuple[str, str], int], value: float = 1.0) -> pd.DataFrame:
    rows = [(a, b, value) for (a, b), n in groups.items() for _ in range(n)]
    frame = pd.DataFrame(rows, columns=["area", "kind", "amount"])
    frame.insert(0, "_row", range(len(frame)))
    return frame


def cell(table: CheckedTable, row: str, column: str):  # type: ignore[no-untyped-def]
    return next(c for c in table.cells if c.row == (row,) and c.column == (column,))


def test_small_and_zero_cells_are_suppressed_and_totals_use_published_cells() -> None:
    table = check_table(micro({("A", "x"): 40, ("A", "y"): 3, ("B", "x"): 22, ("B", "y"): 12}),
                        ["area"], ["kind"])
    assert cell(table, "A", "y").reasons == ["MinimumThresholdCheck"]
    assert cell(table, "B", "y").visible and cell(table, "A", "x").visible
    published = table.published
    assert pd.isna(published.loc[("A",), ("y",)])
    assert published.loc[("B",), ("y",)] == 10  # 12 rounded to base 5
    assert published.loc[("A",), ("x",)] == 40
    total_a = published.loc[("A",), ("Total (published cells)",)]
    assert total_a == 40  # not 43: the true margin would give the suppressed cell away


def test_dominance_and_p_percent_on_sums() -> None:
    frame = micro({("A", "x"): 12, ("B", "x"): 12})
    frame.loc[frame.area == "A", "amount"] = [1000.0] + [1.0] * 11  # one record dominates
    table = check_table(frame, ["area"], ["kind"], value="amount", aggfunc="sum")
    assert {"NKCheck", "PPercentCheck"} <= set(cell(table, "A", "x").reasons)
    assert cell(table, "B", "x").visible


def test_differencing_against_an_earlier_release_is_caught() -> None:
    frame = micro({("A", "x"): 30, ("A", "y"): 4, ("B", "x"): 25, ("B", "y"): 20})
    first = check_table(frame, ["area"], [])  # A: 34, B: 45 — both fine on their own
    assert all(c.visible for c in first.cells)
    second = check_table(frame[frame.kind == "x"], ["area"], [], released=[first])
    # A among x only: 30; with A overall 34 released, 34 - 30 = 4 would leave.
    assert "DifferencingCheck" in cell(second, "A", "all").reasons
    assert cell(second, "B", "all").visible  # 45 - 25 = 20: safe
    assert differencing_risks(second, [first], T.min_count) == []


def test_regressions_need_residual_degrees_of_freedom() -> None:
    rng = np.random.default_rng(0)
    small = pd.DataFrame({"_row": range(8), "x": rng.normal(size=8)})
    small["y"] = 2 * small.x + rng.normal(size=8)
    refused = check_model(small, "y ~ x")
    assert not refused.visible and refused.dof == 6
    big = pd.DataFrame({"_row": range(200), "x": rng.normal(size=200)})
    big["y"] = 2 * big.x + rng.normal(size=200)
    fitted = check_model(big, "y ~ x")
    assert fitted.visible and abs(fitted.summary.loc["x", "coefficient"] - 2) < 0.3


groups = st.dictionaries(
    st.tuples(st.sampled_from("ABCD"), st.sampled_from("xyz")), st.integers(0, 30),
    min_size=2, max_size=12)
specs = st.lists(st.tuples(st.sampled_from([["area"], ["kind"], ["area", "kind"]]),
                           st.sampled_from([None, "x", "y", "A", "B"])), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=groups, requests=specs)
def test_nothing_small_leaves_and_nothing_small_is_recoverable(data, requests) -> None:
    """Whatever is requested, in whatever order, every released table passes both rules."""
    frame = micro(data)
    if frame.empty:
        return
    released: list[CheckedTable] = []
    for dims, subset in requests:
        part = frame
        if subset in ("x", "y"):
            part = frame[frame.kind == subset]
        elif subset in ("A", "B"):
            part = frame[frame.area == subset]
        if part.empty:
            continue
        table = check_table(part, dims[:1], dims[1:], released=released)
        for c in table.cells:
            if c.visible:
                assert c.count >= T.min_count
        assert differencing_risks(table, released, T.min_count) == []
        released.append(table)
    # And no pair of released tables, in either order, leaves a small difference.
    for i, later in enumerate(released):
        assert differencing_risks(later, released[:i], T.min_count) == []
