"""Delimited text (CSV, TSV, TXT) read by the Arrow parser, with ragged rows and unclosed
quotes turned into rejections that name their lines.

`import csv` below is the standard library's module: imports are absolute, so this module's
name does not shadow it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from commonground.contribute.readers.base import ROW, Extract, ReadError, Rejection
from commonground.contribute.readers.encoding import quick_scan, scan
from commonground.contribute.readers.header import check_header, detect_delimiter, header_rows

SAMPLE_BYTES = 1 << 20


class _NotUtf8(Exception):
    """The file was read as UTF-8 on trust and turned out not to be."""


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    text = raw.decode(encoding, errors="replace")
    return text


def read_csv(path: Path) -> Extract:
    path = Path(path)
    if not path.exists():
        raise ReadError(path, "no such file")
    if path.stat().st_size == 0:
        raise ReadError(path, "the file is empty (0 bytes)")
    encoding, quoted = quick_scan(path)
    if encoding.startswith("utf-8"):
        try:
            return _read_csv(path, encoding, quoted, trusted=True)
        except _NotUtf8:
            encoding, quoted = scan(path)
    return _read_csv(path, encoding, quoted, trusted=False)


def _read_csv(path: Path, encoding: str, quoted: bool, trusted: bool) -> Extract:
    """Read `path` as `encoding`; `trusted` means UTF-8 was assumed, not proven (a decoding
    error then raises _NotUtf8, for a full scan, instead of refusing the file)."""
    if trusted:
        with path.open("rb") as fh:
            try:
                fh.read(SAMPLE_BYTES).decode(encoding)
            except UnicodeDecodeError as exc:
                if exc.start < SAMPLE_BYTES - 4:  # not a letter cut at the sample's end
                    raise _NotUtf8 from None
    sample = _sample_text(path, encoding)
    if not sample.strip():
        raise ReadError(path, "the file is empty (only blank lines)")
    delimiter = detect_delimiter(sample)
    header, skip_rows = header_rows(sample, delimiter, path)
    check_header(header, path)

    invalid: list[tuple[int | None, int, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def parse(threads: bool, block_size: int = 4 << 20) -> pa.Table:
        try:
            return _parse(threads, block_size)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or block_size >= 1 << 30:
                raise
            # A record longer than a block (a 1M-character field): larger blocks, again.
            invalid.clear()
            return parse(threads, block_size * 16)

    def _parse(threads: bool, block_size: int) -> pa.Table:
        return pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=skip_rows, encoding=encoding,
                use_threads=threads,
                block_size=block_size,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=quoted, invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in header},
                strings_can_be_null=False, quoted_strings_can_be_null=False,
            ),
        )

    try:
        table = parse(threads=True)
        if invalid:
            # Ragged rows' line numbers are only known to a single-threaded parse: the fast
            # parallel pass serves the common, clean file; a dirty one is read again.
            invalid.clear()
            table = parse(threads=False)
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if trusted and ("UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError)):
            raise _NotUtf8 from None
        problem = str(exc).splitlines()[0][:200]
        raise ReadError(path, f"cannot be read as {encoding} delimited text ({problem})") from None
    # The Arrow parser numbers records (the header is 1), not lines: blank lines and quoted
    # fields running over lines set the two apart, so the lines are counted separately.
    first_data = skip_rows + 1
    rejections = [
        Rejection(row=(number - skip_rows) if number else -1, line=None,
                  problem=f"has {actual} fields where the header has {expected}")
        for number, expected, actual in invalid
    ]
    table = _number(table, rejections)
    swallowing = _swallowing(table, header, delimiter) if quoted else None
    if swallowing is not None:
        # Accepted only because the quote closed in the right column by chance: the records
        # it swallowed would be lost inside one field. Quarantined with the lines it covers.
        rows = table.filter(swallowing)[ROW].to_pylist()
        table = table.filter(pc.invert(swallowing))
        rejections += [Rejection(row=r, line=None, problem="", code="unclosed_quote")
                       for r in rows]
    spans = _record_lines(path, encoding, delimiter, skip_rows,
                          {r.row for r in rejections if r.row > 0})
    located = []
    for r in sorted(rejections, key=lambda r: r.row):
        start, end = spans.get(r.row, (r.row + first_data - 1,) * 2)
        if r.code == "unclosed_quote":
            problem = (f"a quoted field runs from line {start} to line {end}, over lines that "
                       "look like whole records: a closing quote is probably missing")
        elif end > start:
            problem = (f"{r.problem}; it runs from line {start} to line {end}: is a closing "
                       "quote missing?")
        else:
            problem = r.problem
        located.append(Rejection(r.row, start, problem, r.code))
    return Extract(path, table, encoding, delimiter, located)


def _swallowing(table: pa.Table, header: list[str], delimiter: str) -> pa.Array | None:
    """Which records hold a line break followed by a line with a whole record's delimiters.

    An opening quote that is never closed takes the next lines into its field; when the field
    ends in the right column by chance, the record looks fine and the swallowed records vanish.
    None when no record looks like that (the usual case, found without a regular expression
    unless some value holds a line break).
    """
    if len(header) < 2:
        return None
    separators = max(len(header) - 1, 1)
    pattern = f"[\r\n]([^\r\n{delimiter}]*[{delimiter}]){{{separators}}}"
    found = None
    for name in header:
        column = table.column(name)
        if not _has_line_break(column):
            continue
        hit = pc.fill_null(pc.match_substring_regex(column, pattern), False)
        found = hit if found is None else pc.or_(found, hit)
    if found is None or not pc.any(found).as_py():
        return None
    return found


def _has_line_break(column: pa.ChunkedArray) -> bool:
    """Whether any value may hold CR or LF: a scan of the raw text bytes, ten times faster than
    a string kernel, so that clean files pay almost nothing for the check above."""
    for chunk in column.chunks:
        data = chunk.buffers()[2]
        if data is not None:
            raw = np.frombuffer(data, dtype=np.uint8)
            if np.any(raw == 10) or np.any(raw == 13):
                return True
    return False


def _record_lines(path: Path, encoding: str, delimiter: str, skip_rows: int,
                  wanted: set[int]) -> dict[int, tuple[int, int]]:
    """(first line, last line) in the file of each wanted record (1 = first after the header).

    Made only for files with a rejected record, and stopped after the last one. The csv
    module splits records as the Arrow parser does and counts physical lines as it goes.
    """
    spans: dict[int, tuple[int, int]] = {}
    if not wanted:
        return spans
    last = max(wanted)
    limit = csv.field_size_limit()
    csv.field_size_limit(1 << 30)  # the 1M-character fields the Arrow parser accepts
    try:
        with path.open(encoding=encoding, errors="replace", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            number, end = -skip_rows, 0
            for record in reader:
                start, end = end + 1, reader.line_num
                if not record and number >= 0:
                    continue  # a blank line: no record (the Arrow parser skips it too)
                number += 1
                if number in wanted:
                    spans[number] = (start, end)
                if number >= last:
                    break
    except csv.Error:
        pass  # the lines are a help to the reader; without them the rows still stand
    finally:
        csv.field_size_limit(limit)
    return spans


def _number(table: pa.Table, rejections: list[Rejection]) -> pa.Table:
    """Give each accepted record its ordinal in the file, skipping the rejected ones' places.

    Rejected records carry their ordinal from the parser, which counts records, not lines.
    """
    taken = np.array(sorted({r.row for r in rejections if r.row > 0}), dtype=np.int64)
    rows = np.arange(1, table.num_rows + len(taken) + 1, dtype=np.int64)
    if len(taken):
        # A mask, not np.setdiff1d: that sorts all ten million candidates to remove a few.
        keep = np.ones(len(rows), dtype=bool)
        keep[taken[taken <= len(rows)] - 1] = False
        rows = rows[keep]
    return table.append_column(ROW, pa.array(rows[: table.num_rows], pa.int64()))

