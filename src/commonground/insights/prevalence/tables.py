"""Capture tables: how many people each combination of lists saw.

A capture CSV has one 0/1 column per list and a final count column (whatever its name). The
table holds every observable history (2^t − 1 of them; the all-zero history is the dark
figure), so histories nobody listed are zeros, and duplicate rows are summed.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput

MAX_LISTS = 16  # 2^16 − 1 histories; more lists than this is not a capture table


@dataclass(frozen=True)
class CaptureTable:
    """Counts over all observable capture histories, ordered by number of lists then code."""

    lists: tuple[str, ...]
    histories: NDArray[np.int8]  # (2^t − 1, t), 0/1
    counts: NDArray[np.int64]  # (2^t − 1,)

    @property
    def observed(self) -> int:
        return int(self.counts.sum())

    def with_counts(self, counts: NDArray[np.int64]) -> CaptureTable:
        """The same histories with other counts (a bootstrap or jackknife table)."""
        return CaptureTable(self.lists, self.histories, np.asarray(counts, dtype=np.int64))


def all_histories(t: int) -> NDArray[np.int8]:
    """Every non-empty 0/1 history on t lists, by number of lists seen, then by binary code."""
    codes = np.arange(1, 2**t)
    bits = ((codes[:, None] >> np.arange(t)[None, :]) & 1).astype(np.int8)
    order = np.lexsort((codes, bits.sum(axis=1)))
    return bits[order]


def capture_table(
    lists: list[str] | tuple[str, ...], rows: NDArray[np.integer], counts: NDArray[np.integer]
) -> CaptureTable:
    """A table from 0/1 rows and their counts; duplicates summed, unlisted histories zero."""
    t = len(lists)
    if t < 2:
        raise InvalidInput(f"a capture table needs at least two lists, got {t}")
    if t > MAX_LISTS:
        raise InvalidInput(f"a capture table has at most {MAX_LISTS} lists, got {t}")
    rows = np.asarray(rows, dtype=np.int64).reshape(-1, t)
    counts = np.asarray(counts, dtype=np.int64)
    histories = all_histories(t)
    index = np.zeros(2**t, dtype=np.int64)
    weights = 1 << np.arange(t)
    index[histories.astype(np.int64) @ weights] = np.arange(len(histories))
    full = np.zeros(len(histories), dtype=np.int64)
    codes = rows @ weights
    np.add.at(full, index[codes[codes > 0]], counts[codes > 0])
    return CaptureTable(tuple(lists), histories, full)


def read_captures(path: str | Path) -> CaptureTable:
    """Read a capture CSV: 0/1 list columns, then a count column."""
    path = Path(path)
    name = path.name
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            lines = list(csv.reader(handle))
    except FileNotFoundError as exc:
        raise InvalidInput(f"{name}: no such capture file") from exc
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{name}: not a UTF-8 text file") from exc
    if not lines:
        raise InvalidInput(f"{name}: empty file; expected a header of list names and a count")
    header = [cell.strip() for cell in lines[0]]
    lists = header[:-1]
    if len(lists) < 2:
        raise InvalidInput(
            f"{name}: header has {len(header)} column(s); expected at least two list columns "
            "and a final count column"
        )
    if len(set(lists)) != len(lists) or any(not n for n in lists):
        raise InvalidInput(f"{name}: list names in the header must be distinct and non-empty")
    rows: list[list[int]] = []
    counts: list[int] = []
    for number, line in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in line):
            continue
        if len(line) != len(header):
            raise InvalidInput(f"{name}, row {number}: {len(line)} columns; expected {len(header)}")
        history = []
        for column, cell in zip(lists, line[:-1], strict=True):
            if cell.strip() not in ("0", "1"):
                raise InvalidInput(
                    f"{name}, row {number}, column {column!r}: expected 0 or 1, got {cell!r}"
                )
            history.append(int(cell))
        raw = line[-1].strip()
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if value < 0 or value != int(value):
            raise InvalidInput(
                f"{name}, row {number}, column {header[-1]!r}: expected a whole count >= 0, "
                f"got {raw!r}"
            )
        if sum(history) == 0 and value > 0:
            raise InvalidInput(
                f"{name}, row {number}: a count for the all-zero history (nobody can be "
                "counted on no list; that is the dark figure to estimate)"
            )
        rows.append(history)
        counts.append(int(value))
    if not rows or sum(counts) == 0:
        raise InvalidInput(f"{name}: no counted cases; expected rows of 0/1 lists and a count")
    return capture_table(lists, np.array(rows), np.array(counts))
