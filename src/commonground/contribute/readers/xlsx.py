"""Excel workbooks (.xlsx, .xlsm): the first worksheet, after the archive is checked for a
zip bomb before openpyxl opens it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow as pa

from commonground.contribute.readers.base import ROW, Extract, ReadError, Rejection, cell_text
from commonground.contribute.readers.header import check_header

# An .xlsx is a zip: refuse archives that would inflate past these before opening them.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200


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
        header = [cell_text(v).strip() for v in first]
        while header and header[-1] == "":
            header.pop()  # trailing empty cells are formatting, not columns
        check_header(header, path)
        columns: list[list[str]] = [[] for _ in header]
        numbers: list[int] = []
        rejections: list[Rejection] = []
        for number, values in enumerate(rows, start=1):
            cells = [cell_text(v) for v in values]
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
