"""What an analyst hands a trial: places, place scores or strata, and outcome counts.

Small CSV and text formats, read the same way by the command line and a notebook. A mistake
in them is the analyst's to fix, so each one is a `CommonGroundError` naming the file and the
line, never the values on it.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Literal, overload

from commonground.errors import CommonGroundError

OUTCOME_COLUMNS = ("place", "period", "count")


def places_from(text: str | None, file: Path | None = None) -> list[str]:
    """Place ids from comma-separated `text` and/or a file with one id per line."""
    chosen = [t.strip() for t in text.split(",") if t.strip()] if text else []
    if file is not None:
        chosen += [line.strip() for line in file.read_text().splitlines() if line.strip()]
    if not chosen:
        raise CommonGroundError("give the places with --places A,B,C or --places-file FILE")
    return chosen


@overload
def read_place_values(path: Path | None, *, numbers: Literal[False] = False
                      ) -> dict[str, str] | None: ...


@overload
def read_place_values(path: Path | None, *, numbers: Literal[True]
                      ) -> dict[str, float] | None: ...


def read_place_values(path: Path | None, *, numbers: bool = False
                      ) -> dict[str, str] | dict[str, float] | None:
    """`place,value` rows (a stratum, or with `numbers` a score), header optional.

    None without a file; with `numbers`, also None when the file holds no rows (no scores).
    """
    if path is None:
        return None
    with path.open(newline="") as handle:
        values = {row[0]: row[1] for row in csv.reader(handle) if len(row) >= 2
                  and row[0] != "place"}
    if not numbers:
        return values
    try:
        return {place: float(score) for place, score in values.items()} or None
    except ValueError:
        raise CommonGroundError(f"{path}: every score must be a number") from None


def read_outcomes(path: Path) -> list[tuple[str, int, float]]:
    """(place, period, count) rows from a CSV with the columns place, period and count."""
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        if not set(OUTCOME_COLUMNS) <= set(reader.fieldnames or ()):
            raise CommonGroundError(f"{path} needs the columns {', '.join(OUTCOME_COLUMNS)}")
        rows = []
        for row in reader:
            try:
                rows.append((row["place"], int(row["period"]), float(row["count"])))
            except (TypeError, ValueError):
                raise CommonGroundError(f"{path}, line {reader.line_num}: the period must be a "
                                        "whole number and the count a number") from None
        return rows


def before_after(text: str) -> tuple[float, float]:
    """Two counts written `BEFORE,AFTER`, e.g. '207,110'."""
    try:
        before, after = (float(part) for part in text.split(","))
    except ValueError:
        raise CommonGroundError(f"'{text}' must be two counts: BEFORE,AFTER") from None
    return before, after
