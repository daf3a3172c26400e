"""How the estimate moves when the linkage threshold moves.

Multiple systems estimation counts one person once per list, so it trusts the linkage: a
false non-link splits a person seen by two lists into two people each seen by one, which
lowers the overlap and *inflates* the estimate; a false link joins two people into one seen
by both, which raises the overlap and *deflates* it. Re-clustering the same scored pairs at
several thresholds shows the user how much of the answer rests on that choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from commonground.engines import Engine, Pipeline, literal
from commonground.errors import InvalidInput
from commonground.insights.prevalence.selection import select
from commonground.insights.prevalence.stepwise import THRESHOLD
from commonground.insights.prevalence.tables import CaptureTable, capture_table
from commonground.link.cluster import constrained_clusters
from commonground.link.model import ModelSpec
from commonground.link.resolve import PAIR_COLUMNS, prepared
from commonground.link.schema import ID

THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def histories_pipeline(names: Sequence[str]) -> Pipeline:
    """Person -> which lists named them -> how many people share each history."""
    flags = ", ".join(f"MAX(CASE WHEN list = {literal(n)} THEN 1 ELSE 0 END) AS {n}"
                      for n in names)
    columns = ", ".join(names)
    return Pipeline.of(
        ("named", f"SELECT person, {flags} FROM mentions GROUP BY person"),
        ("histories", f"SELECT {columns}, COUNT(*) AS people FROM named "
                      f"GROUP BY {columns} ORDER BY {columns}"))


def capture_counts(engine: Engine, names: Sequence[str], mentions: pa.Table) -> CaptureTable:
    """The capture table of (person, list) rows, counted in the engine: only counts leave."""
    counts = engine.run(histories_pipeline(names), {"mentions": mentions})
    rows = np.column_stack([counts[n].to_numpy() for n in names])
    return capture_table(list(names), rows, counts["people"].to_numpy())


def threshold_sweep(engine: Engine, mentions: pa.Table, pairs: pa.Table, lists: pa.Table,
                    spec: ModelSpec, *, names: Sequence[str], floor: float,
                    thresholds: Sequence[float] = THRESHOLDS, method: str = "stepwise",
                    p_threshold: float = THRESHOLD) -> list[dict[str, Any]]:
    """The point estimate at each linkage threshold, from the same scored pairs.

    `mentions` are the lists' person mentions as linkage made them, `pairs` the pairs it
    scored (every pair at or above `floor`), `lists` maps each mention id to its list.
    """
    low = [t for t in thresholds if not floor <= t <= 1.0]
    if low:
        raise InvalidInput(f"linkage thresholds must lie in [{floor}, 1] (pairs below {floor} "
                           f"were not kept); got {', '.join(map(str, low))}")
    ready = prepared(mentions, spec, engine.dialect)
    scored = pairs.select(list(PAIR_COLUMNS))
    rows = []
    for t in sorted(thresholds):
        clusters = constrained_clusters(ready, scored, t, spec.conflicts)
        tagged = clusters.join(lists, ID).select(["cluster", "list"]).rename_columns(
            ["person", "list"])
        table = capture_counts(engine, names, tagged)
        row: dict[str, Any] = {"threshold": t, "observed": table.observed}
        try:
            chosen = select(table, method, p_threshold)
            row |= {"estimate": chosen.estimate, "terms": list(chosen.terms)}
        except InvalidInput as exc:
            row |= {"estimate": None, "terms": [], "warning": str(exc)}
        rows.append(row)
    return rows
