"""The header of a delimited file: which delimiter splits it, where it starts, and whether
its names can be columns (the last check also serves the workbook and Parquet readers)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from commonground.contribute.readers.base import ROW, ReadError


def detect_delimiter(sample: str) -> str:
    """The candidate that splits the header into the most fields; csv.Sniffer breaks a tie.

    The header decides because its fields are names, which rarely hold a delimiter, while the
    values below may hold quotes and delimiters of every kind: the Sniffer alone took a stray
    apostrophe in a value for a quote character and chose a delimiter the header does not use.
    """
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    widths = {d: len(next(csv.reader([lines[0]], delimiter=d))) for d in ",;\t|"}
    tied = [d for d, width in widths.items() if width == max(widths.values())]
    if len(tied) == 1 or widths[tied[0]] == 1:
        return tied[0]  # one column: nothing to split it on, so the usual comma
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters="".join(tied)).delimiter
    except csv.Error:
        return tied[0]
    return sniffed if sniffed in tied else tied[0]


def header_rows(sample: str, delimiter: str, path: Path) -> tuple[list[str], int]:
    """The header and how many rows the CSV parser must skip to reach the data.

    1. newline="" lets the csv module split lines at CR as the Arrow parser does: files with
       old Mac line endings (CR only) were refused as "new-line character seen in unquoted
       field".
    2. Blank lines above the header are skipped (they made the header empty, and the file was
       called empty); the Arrow parser counts them in `skip_rows`.
    """
    skipped = 0
    try:
        for first in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
            skipped += 1
            if any(h.strip().lstrip("\ufeff") for h in first):
                break
        else:
            raise ReadError(path, "the file is empty (no header row)")
    except csv.Error as exc:
        raise ReadError(path, f"the header row cannot be read ({exc})") from None
    header = [h.strip().lstrip("\ufeff") for h in first]
    return header, skipped


def check_header(header: list[str], path: Path) -> None:
    if not header or all(h == "" for h in header):
        raise ReadError(path, "the file is empty (no header row)")
    blanks = [str(i + 1) for i, h in enumerate(header) if h == ""]
    if blanks:
        raise ReadError(path, f"header has blank column name(s) at position {', '.join(blanks)}")
    seen: set[str] = set()
    repeated = sorted({h for h in header if h in seen or seen.add(h)})  # type: ignore[func-returns-value]
    if repeated:
        raise ReadError(path, f"header repeats column name(s): {', '.join(repeated)}; "
                              "each column must be named once")
    if ROW in header:
        raise ReadError(path, f"column name '{ROW}' is reserved")
