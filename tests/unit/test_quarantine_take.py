"""The quarantine picks found values chunk by chunk: the same values as Arrow's own take."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from commonground.contribute.quarantine import _take


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.text(max_size=3), max_size=5), min_size=1, max_size=6),
       st.data())
def test_take_by_chunk_equals_take(chunks: list[list[str]], data: st.DataObject) -> None:
    column = pa.chunked_array([pa.array(c, pa.string()) for c in chunks], pa.string())
    total = len(column)
    positions = np.array(data.draw(st.lists(st.integers(0, max(total - 1, 0)),
                                            max_size=8 if total else 0)), dtype=np.int64)
    expected = column.take(pa.array(positions, pa.int64())).to_pylist()
    assert _take(column, positions).to_pylist() == expected
