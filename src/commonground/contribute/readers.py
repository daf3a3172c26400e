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
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pyarrow as pa
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
        decoder = codecs.getincrementaldecoder("utf-8")()
        for block in iter(lambda: fh.read(16 << 20), b""):
            quoted = quoted or b'"' in block
            if encoding != "cp1252":
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    encoding = "cp1252"
        if encoding != "cp1252":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "cp1252"
    return encoding, quoted


def _sample_text(path: Path, encoding: str) -> str:
    with path.open("rb") as fh:
        raw = fh.read(SAMPLE_BYTES)
    text = raw.decode(encoding, errors="replace")
    return text


def detect_delimiter(sample: str) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        # Fall back to whichever candidate splits the header into the most fields.
        return max(",;\t|", key=lambda d: lines[0].count(d))


def _header(sample: str, delimiter: str, path: Path) -> list[str]:
    try:
        first = next(csv.reader(io.StringIO(sample), delimiter=delimiter))
    except StopIteration:
        raise ReadError(path, "the file is empty (no header row)") from None
    except csv.Error as exc:
        raise ReadError(path, f"the header row cannot be read ({exc})") from None
    header = [h.strip().lstrip("\ufeff") for h in first]
    return header


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


def read_csv(path: Path) -> Extract:
    path = Path(path)
    if not path.exists():
        raise ReadError(path, "no such file")
    if path.stat().st_size == 0:
        raise ReadError(path, "the file is empty (0 bytes)")
    encoding, quoted = scan(path)
    sample = _sample_text(path, encoding)
    if not sample.strip():
        raise ReadError(path, "the file is empty (only blank lines)")
    delimiter = detect_delimiter(sample)
    header = _header(sample, delimiter, path)
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
                column_names=header, skip_rows=1, encoding=encoding, use_threads=threads,
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
        problem = str(exc).splitlines()[0][:200]
        raise ReadError(path, f"cannot be read as {encoding} delimited text ({problem})") from None
    rejections = [
        Rejection(row=(line - 1) if line else -1, line=line,
                  problem=f"has {actual} fields where the header has {expected}")
        for line, expected, actual in invalid
    ]
    return Extract(path, _number(table, rejections), encoding, delimiter, rejections)


def _number(table: pa.Table, rejections: list[Rejection]) -> pa.Table:
    """Give each accepted record its ordinal in the file, skipping the rejected ones' places.

    Assumes one line per record before a rejected row (exact unless quoted fields span lines),
    which is what a line number in an error message means to the person who sent the file.
    """
    taken = np.array(sorted({r.row for r in rejections if r.row > 0}), dtype=np.int64)
    candidates = np.arange(1, table.num_rows + len(taken) + 1, dtype=np.int64)
    rows = np.setdiff1d(candidates, taken, assume_unique=True)[: table.num_rows]
    return table.append_column(ROW, pa.array(rows, pa.int64()))


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
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            as_text[name] = column.cast(pa.string()).fill_null("")
        elif pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
            as_text[name] = pa.array([_cell(v) for v in column.to_pylist()], pa.string())
        else:
            as_text[name] = column.cast(pa.string()).fill_null("")
    as_text[ROW] = pa.array(range(1, table.num_rows + 1), pa.int64())
    return Extract(path, pa.table(as_text), "parquet", None, [])


def read_extract(path: Path) -> Extract:
    """Read any supported file: CSV/TSV/TXT (any common encoding and delimiter), XLSX, Parquet."""
    path = Path(path)
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
