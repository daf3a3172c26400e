"""Statistical disclosure control for output requests (safe outputs).

ACRO (the SACRO project's library, `acro` on PyPI) runs the standard cell checks on tables —
minimum cell count, dominance (n, k), p-percent, zeros — and the residual degrees of freedom
of regressions, and suppresses what fails. Our own code does what ACRO leaves to a human:
1. rounding of the counts that remain to a base (5), after suppression;
2. totals recomputed from the published cells only, so a margin cannot reveal a suppressed cell;
3. differencing against everything already released from the same project: each cell is the
   set of records behind it, so "this cell minus the cells of an earlier table that lie inside
   it" is computed exactly, and any result between 1 and the threshold is suppressed too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from commonground.errors import InvalidInput

ALL = "all"


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 10
    nk_n: int = 2
    nk_k: float = 0.90
    p_percent: float = 0.10
    zeros_disclosive: bool = True
    rounding_base: int = 5
    min_dof: int = 10

    def to_dict(self) -> dict[str, Any]:
        return {"min_count": self.min_count, "dominance_n": self.nk_n,
                "dominance_k": self.nk_k, "p_percent": self.p_percent,
                "zeros_disclosive": self.zeros_disclosive,
                "rounding_base": self.rounding_base, "min_residual_dof": self.min_dof}


@dataclass
class Cell:
    row: tuple[str, ...]
    column: tuple[str, ...]
    count: int
    value: float | None
    members: frozenset[int]
    reasons: list[str] = field(default_factory=list)

    @property
    def visible(self) -> bool:
        return not self.reasons

    def key(self) -> str:
        return " | ".join(self.row) + " × " + " | ".join(self.column)


@dataclass
class CheckedTable:
    rows: list[str]
    columns: list[str]
    aggfunc: str
    cells: list[Cell]
    published: pd.DataFrame

    @property
    def suppressed(self) -> int:
        return sum(not c.visible for c in self.cells)

    def evidence(self) -> list[dict[str, Any]]:
        """Which rule fired where, with the true counts: for the output checkers' eyes."""
        return [{"cell": c.key(), "count": c.count, "rules": c.reasons}
                for c in self.cells if c.reasons]


def _acro() -> Any:
    import warnings

    from acro import ACRO

    # ACRO logs every table it checks, values included — unreleased outputs — and turns on
    # INFO logging for the whole process when imported: quieten all of it.
    logging.getLogger().setLevel(logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("acro"):
            logging.getLogger(name).setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="acro")
    warnings.filterwarnings("ignore", category=pd.errors.SettingWithCopyWarning)
    return ACRO(suppress=True)


def _labels(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, tuple) else (str(value),)


def check_table(micro: pd.DataFrame, rows: Sequence[str], columns: Sequence[str],
                value: str | None = None, aggfunc: str = "count",
                released: Sequence[CheckedTable] = (),
                thresholds: Thresholds = Thresholds()) -> CheckedTable:
    """Check a table to be built from `micro` (one row per record, `_row` its id)."""
    if not rows:
        raise InvalidInput("a table needs at least one row variable")
    data = micro.copy()
    for name in [*rows, *columns]:
        data[name] = data[name].astype(str)
    if not columns:
        data[ALL] = ALL
        columns = [ALL]
    session = _acro()
    index = [data[r] for r in rows]
    heads = [data[c] for c in columns]
    if aggfunc == "count":
        session.crosstab(index, heads)
    else:
        session.crosstab(index, heads, values=data[value], aggfunc=aggfunc)
    outcome: pd.DataFrame = list(session.results.results.values())[-1].outcome
    groups = data.groupby([*rows, *columns], observed=True)
    members = {_labels(k): frozenset(int(r) for r in v) for k, v in groups["_row"]}
    values = groups[value].agg(aggfunc).to_dict() if value and aggfunc != "count" else {}
    cells: list[Cell] = []
    for row_label in outcome.index:
        for col_label in outcome.columns:
            r, c = _labels(row_label), _labels(col_label)
            found = members.get(r + c, frozenset())
            verdict = str(outcome.loc[row_label, col_label]).strip()
            reasons = [] if verdict in ("ok", "") else [
                part.strip() for part in verdict.split(";") if part.strip()]
            raw_value = values.get(r + c if len(r + c) > 1 else (r + c)[0])
            cells.append(Cell(r, c, len(found), None if raw_value is None else float(raw_value),
                              found, reasons))
    table = CheckedTable(list(rows), list(columns), aggfunc, cells, pd.DataFrame())
    _suppress_differencing(table, released, thresholds)
    table.published = _publish(table, thresholds)
    return table


def _recoverable(outer: frozenset[int], inner: Sequence[frozenset[int]]) -> int:
    """How many records of `outer` are left once the disjoint `inner` cells are taken out."""
    return len(outer) - sum(len(s) for s in inner)


def differencing_risks(new: CheckedTable, released: Sequence[CheckedTable],
                       threshold: int) -> list[Cell]:
    """Cells of `new` to suppress so no small count can be recovered by subtraction."""
    risky: list[Cell] = []
    visible_new = [c for c in new.cells if c.visible]
    for old in released:
        visible_old = [c for c in old.cells if c.visible]
        # An earlier cell minus the new visible cells inside it (and the other way round).
        for outer_cells, inner_cells, blame_outer in ((visible_old, visible_new, False),
                                                      (visible_new, visible_old, True)):
            for outer in outer_cells:
                inside = [c for c in inner_cells if c.members and c.members <= outer.members]
                left = _recoverable(outer.members, [c.members for c in inside])
                if inside and 0 < left < threshold:
                    if blame_outer:
                        risky.append(outer)
                    else:
                        risky.append(min((c for c in inside if c in visible_new),
                                         key=lambda c: c.count))
    return risky


def _suppress_differencing(table: CheckedTable, released: Sequence[CheckedTable],
                           thresholds: Thresholds) -> None:
    # Suppressing one cell can open another route; repeat until nothing is recoverable.
    for _ in range(len(table.cells) + 1):
        risky = differencing_risks(table, released, thresholds.min_count)
        if not risky:
            return
        for cell in risky:
            if cell.visible:
                cell.reasons.append("DifferencingCheck")
    raise AssertionError("differencing suppression did not converge")  # pragma: no cover


def _round(count: int, base: int) -> int:
    return int(base * round(count / base)) if base > 1 else count


def _publish(table: CheckedTable, thresholds: Thresholds) -> pd.DataFrame:
    """The values that may leave: suppressed cells blank, counts rounded, totals recomputed."""
    rows = sorted({c.row for c in table.cells})
    cols = sorted({c.column for c in table.cells})
    grid = pd.DataFrame(np.nan, index=pd.MultiIndex.from_tuples(rows, names=table.rows),
                        columns=pd.MultiIndex.from_tuples(cols, names=table.columns))
    for cell in table.cells:
        if not cell.visible:
            continue
        if table.aggfunc == "count":
            grid.loc[cell.row, cell.column] = _round(cell.count, thresholds.rounding_base)
        else:
            grid.loc[cell.row, cell.column] = cell.value
    if table.aggfunc in ("count", "sum"):
        # Totals of what is shown, never of the true data: a true margin minus the visible
        # cells would give back a suppressed one.
        grid[("Total (published cells)",) * len(table.columns)] = grid.sum(axis=1,
                                                                          min_count=1)
        grid.loc[("Total (published cells)",) * len(table.rows), :] = grid.sum(axis=0,
                                                                             min_count=1)
    return grid.astype("Int64") if table.aggfunc == "count" else grid


@dataclass
class CheckedModel:
    formula: str
    n: int
    dof: int
    summary: pd.DataFrame
    reasons: list[str]

    @property
    def visible(self) -> bool:
        return not self.reasons


def check_model(micro: pd.DataFrame, formula: str, thresholds: Thresholds = Thresholds()
                ) -> CheckedModel:
    """An OLS regression through ACRO, which refuses too few residual degrees of freedom."""
    session = _acro()
    fitted = session.olsr(formula=formula, data=micro.drop(columns=["_row"], errors="ignore"))
    result = list(session.results.results.values())[-1]
    dof = int(fitted.df_resid)
    reasons = [] if result.status == "pass" and dof >= thresholds.min_dof else [
        f"residual degrees of freedom {dof} below {thresholds.min_dof}"]
    summary = pd.DataFrame({"coefficient": fitted.params, "std_error": fitted.bse,
                            "p_value": fitted.pvalues})
    return CheckedModel(formula, int(fitted.nobs), dof, summary, reasons)
