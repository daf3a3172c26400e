"""Readers: a partner's file, whatever it looks like, as one Arrow table of text.

Every reader returns the same shape: the file's columns as strings, in the file's header order,
plus `_row`, the record's number in the file (1 = the first record after the header), so that
every later error can say "file, row, column". Types are decided later, by the contract, in the
engine. Rows a reader cannot even split into fields (ragged rows) are not dropped: they come
back as rejections with their line number and go to quarantine.

One module per format (`csv`, `xlsx`, `parquet`), the encoding and header sniffing the
delimited reader needs (`encoding`, `header`), the shared shapes (`base`); `read_extract`
picks the reader by the file's suffix.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from commonground.contribute.readers.base import ROW, Extract, ReadError, Rejection
from commonground.contribute.readers.csv import read_csv
from commonground.contribute.readers.encoding import detect_encoding
from commonground.contribute.readers.header import check_header, detect_delimiter
from commonground.contribute.readers.parquet import read_parquet
from commonground.contribute.readers.xlsx import check_xlsx_archive, read_xlsx

__all__ = [
    "READERS", "ROW", "Extract", "ReadError", "Rejection", "check_header", "check_xlsx_archive",
    "detect_delimiter", "detect_encoding", "read_csv", "read_extract", "read_parquet",
    "read_xlsx",
]

# A file's suffix (lower case) -> its reader. A file with no suffix is read as delimited text.
READERS: dict[str, Callable[[Path], Extract]] = {
    ".csv": read_csv, ".tsv": read_csv, ".txt": read_csv, "": read_csv,
    ".xlsx": read_xlsx, ".xlsm": read_xlsx,
    ".parquet": read_parquet,
}


def read_extract(path: Path) -> Extract:
    """Read any supported file: CSV/TSV/TXT (any common encoding and delimiter), XLSX, Parquet."""
    path = Path(path)
    # Checked here for every format: a missing .xlsx was "not a zip archive", a folder crashed.
    if path.is_dir():
        raise ReadError(path, "is a folder, not a file")
    if not path.exists():
        raise ReadError(path, "no such file")
    suffix = path.suffix.lower()
    reader = READERS.get(suffix)
    if reader is not None:
        return reader(path)
    if suffix == ".xls":
        raise ReadError(path, "old .xls workbooks are not supported; save it as .xlsx or .csv")
    raise ReadError(path, f"unsupported file type '{suffix}' (expected .csv, .xlsx or .parquet)")
