"""What every reader returns: the extract, its rejected records, and the error that stops a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import pyarrow as pa

from commonground.errors import CommonGroundError

ROW = "_row"


class ReadError(CommonGroundError):
    """The file as a whole cannot be read: nothing from it is stored."""

    def __init__(self, path: Path, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path.name}: {problem}")


@dataclass(frozen=True)
class Rejection:
    """A record the reader could not split into the header's fields."""

    row: int
    line: int | None
    problem: str
    code: str = "ragged_row"  # or "unclosed_quote": the quarantine's `problem`


@dataclass
class Extract:
    path: Path
    table: pa.Table
    encoding: str
    delimiter: str | None
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rows_in(self) -> int:
        return int(self.table.num_rows) + len(self.rejections)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.table.column_names if c != ROW]


def cell_text(value: object) -> str:
    """A spreadsheet or Parquet value as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

