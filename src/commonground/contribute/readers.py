"""Readers: a partner's file, whatever it looks like, as one Arrow table of text.

Every reader returns the same shape: the file's columns as strings, in the file's header order,
plus `_row`, the record's number in the file (1 = the first record after the header), so that
every later error can say "file, row, column". Types are decided later, by the contract, in the
engine. Rows a reader cannot even split into fields (ragged rows) are not dropped: they come
back as rejections with their line number and go to quarantine.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import mmap
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from commonground.errors import CommonGroundError

ROW = "_row"
SAMPLE_BYTES = 1 << 20
# An .xlsx is a zip: refuse archives that would inflate past these before opening them.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200


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


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else Windows-1252 as councils' Excel writes."""
    return scan(path)[0]


def scan(path: Path) -> tuple[str, bool]:
    """(encoding, whether the file has any double quote) in one pass over the bytes.

    Without quotes no field can hold a newline, and the CSV parser can split the file at
    any line: about twice as fast.
    """
    quoted = False
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16", True  # quotes cannot be seen in the raw bytes: assume some
        else:
            encoding = "utf-8"
        fh.seek(0)
        # UTF-16 without a byte-order mark is valid UTF-8 (text with a NUL after or before
        # every letter), so it was read as UTF-8 and its header never matched any contract.
        wide = _utf16_without_bom(fh.read(4096))
        if wide:
            return wide, True
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        consumed, multibyte = 0, False
        for block in iter(lambda: fh.read(16 << 20), b""):
            quoted = quoted or b'"' in block
            if encoding != "cp1252":
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    # UTF-8 letters before a byte UTF-8 forbids: a UTF-8 file with a stray byte
                    # (or two files pasted together). Read as Windows-1252 every ë in it would
                    # silently become Ã«, so the file is refused instead. Two letters at least:
                    # Windows-1252 text can hold one by chance ('é££' is valid UTF-8).
                    at = max(exc.start - pending, 0)
                    if (multibyte or not block[:at].isascii()) and _utf8_letters(
                            path, consumed + at) >= 2:
                        _refuse_mixed(path, consumed + at, block[at])
                    encoding = "cp1252"
                multibyte = multibyte or not block.isascii()
            consumed += len(block)
        if encoding != "cp1252":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "cp1252"
    return encoding, quoted


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text that has no BOM."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 8:
        return None
    if odd.count(0) >= 0.4 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


_UTF8_LEAD = re.compile(rb"[\xc2-\xf4]")


def _prefix_blocks(path: Path, end: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while end > 0:
            block = fh.read(min(end, 16 << 20))
            if not block:
                return
            end -= len(block)
            yield block


def _utf8_letters(path: Path, end: int, enough: int = 2) -> int:
    """How many UTF-8 multi-byte letters the (valid UTF-8) bytes before `end` hold, up to
    `enough`."""
    found = 0
    for block in _prefix_blocks(path, end):
        found += len(list(itertools.islice(_UTF8_LEAD.finditer(block), enough - found)))
        if found >= enough:
            break
    return found


def _refuse_mixed(path: Path, offset: int, byte: int) -> None:
    line = sum(block.count(b"\n") for block in _prefix_blocks(path, offset)) + 1
    raise ReadError(path, f"mixes encodings: it is UTF-8 before line {line}, which has a byte "
                          f"(0x{byte:02x}) UTF-8 does not allow; save it as UTF-8 and send it "
                          "again")


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    text = raw.decode(encoding, errors="replace")
    return text


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


def _header(sample: str, delimiter: str, path: Path) -> list[str]:
    return _header_rows(sample, delimiter, path)[0]


def _header_rows(sample: str, delimiter: str, path: Path) -> tuple[list[str], int]:
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


class _NotUtf8(Exception):
    """The file was read as UTF-8 on trust and turned out not to be."""


def quick_scan(path: Path) -> tuple[str, bool]:
    """Like `scan`, but trusts a file without a byte-order mark to be UTF-8.

    The CSV parser checks UTF-8 itself as it converts each field, so the common file pays only
    for a search for quotes (memchr speed); the rare file that is not UTF-8 fails in the
    parser and is scanned in full (`read_csv`). Scanning every file first cost a quarter of
    reading it.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(
                head):
            return scan(path)
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        # Searched in place (memory-mapped): reading the file into blocks copied every byte.
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            quoted = mapped.find(b'"') != -1
    return encoding, quoted


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
    header, skip_rows = _header_rows(sample, delimiter, path)
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


def _cell(value: object) -> str:
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


def check_xlsx_archive(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        raise ReadError(path, "is not a valid .xlsx workbook (not a zip archive)") from None
    total = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
        raise ReadError(path, f"refused: the workbook would expand to {total:,} bytes "
                              f"({total / packed:.0f}x its size), which looks like a zip bomb")
    if not any(e.filename.startswith("xl/worksheets/") for e in entries):
        raise ReadError(path, "is not a valid .xlsx workbook (no worksheets)")


def read_xlsx(path: Path) -> Extract:
    from openpyxl import load_workbook

    path = Path(path)
    check_xlsx_archive(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for broken files
        raise ReadError(path, f"is not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise ReadError(path, "the first worksheet is empty (no header row)")
        header = [_cell(v).strip() for v in first]
        while header and header[-1] == "":
            header.pop()  # trailing empty cells are formatting, not columns
        check_header(header, path)
        columns: list[list[str]] = [[] for _ in header]
        numbers: list[int] = []
        rejections: list[Rejection] = []
        for number, values in enumerate(rows, start=1):
            cells = [_cell(v) for v in values]
            if all(c == "" for c in cells):
                continue  # blank spreadsheet rows carry nothing
            extra = [c for c in cells[len(header):] if c != ""]
            if extra:
                problem = f"has values beyond the header's {len(header)} columns"
                rejections.append(Rejection(number, number + 1, problem))
                continue
            cells += [""] * (len(header) - len(cells))
            for i in range(len(header)):
                columns[i].append(cells[i])
            numbers.append(number)
    except ReadError:
        raise
    except Exception as exc:  # noqa: BLE001 - the sheet's XML is only parsed here, row by row
        # An entity-expansion bomb in the sheet's XML, a truncated or corrupt sheet: openpyxl
        # and the XML parser raise their own errors, which escaped as crashes.
        raise ReadError(path, f"is not a readable .xlsx workbook ({type(exc).__name__} "
                              "while reading the first worksheet)") from None
    finally:
        workbook.close()
    arrays = {h: pa.array(col, pa.string()) for h, col in zip(header, columns, strict=True)}
    arrays[ROW] = pa.array(numbers, pa.int64())
    return Extract(path, pa.table(arrays), "xlsx", None, rejections)


def read_parquet(path: Path) -> Extract:
    path = Path(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise ReadError(path, f"is not a readable Parquet file ({type(exc).__name__})") from None
    check_header(table.column_names, path)
    as_text = {}
    for name in table.column_names:
        column = table.column(name)
        try:
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                as_text[name] = column.cast(pa.string()).fill_null("")
            elif pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
                as_text[name] = pa.array([_cell(v) for v in column.to_pylist()], pa.string())
            else:
                as_text[name] = column.cast(pa.string()).fill_null("")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # Lists, structs and bytes that are not UTF-8 have no text form: they crashed.
            raise ReadError(path, f"column '{name}' holds {column.type} values, which cannot "
                                  "be read as text") from None
    as_text[ROW] = pa.array(range(1, table.num_rows + 1), pa.int64())
    return Extract(path, pa.table(as_text), "parquet", None, [])


def read_extract(path: Path) -> Extract:
    """Read any supported file: CSV/TSV/TXT (any common encoding and delimiter), XLSX, Parquet."""
    path = Path(path)
    # Checked here for every format: a missing .xlsx was "not a zip archive", a folder crashed.
    if path.is_dir():
        raise ReadError(path, "is a folder, not a file")
    if not path.exists():
        raise ReadError(path, "no such file")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return read_xlsx(path)
    if suffix == ".parquet":
        return read_parquet(path)
    if suffix in {".csv", ".tsv", ".txt", ""}:
        return read_csv(path)
    if suffix == ".xls":
        raise ReadError(path, "old .xls workbooks are not supported; save it as .xlsx or .csv")
    raise ReadError(path, f"unsupported file type '{suffix}' (expected .csv, .xlsx or .parquet)")
