"""`read_extract` hands each file to its format's reader, and refuses what it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from commonground.contribute.readers import (
    READERS,
    ROW,
    ReadError,
    read_csv,
    read_extract,
    read_parquet,
    read_xlsx,
)


def _write_csv(path: Path) -> None:
    path.write_text("ref;name\nR1;Ann\nR2;Bob\n", encoding="utf-8")


def _write_xlsx(path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    for row in (["ref", "name"], ["R1", "Ann"], ["R2", "Bob"]):
        sheet.append(row)
    workbook.save(path)


def _write_parquet(path: Path) -> None:
    pq.write_table(pa.table({"ref": ["R1", "R2"], "name": ["Ann", "Bob"]}), path)


@pytest.mark.parametrize(("name", "write", "encoding", "delimiter"), [
    ("extract.csv", _write_csv, "utf-8", ";"),
    ("extract.TSV", _write_csv, "utf-8", ";"),  # the delimiter is sniffed, whatever the suffix
    ("extract.txt", _write_csv, "utf-8", ";"),
    ("extract", _write_csv, "utf-8", ";"),
    ("extract.xlsx", _write_xlsx, "xlsx", None),
    ("extract.parquet", _write_parquet, "parquet", None),
])
def test_each_format_goes_to_its_reader(tmp_path: Path, name: str,
                                        write: Callable[[Path], None], encoding: str,
                                        delimiter: str | None) -> None:
    path = tmp_path / name
    write(path)
    extract = read_extract(path)
    # `encoding` says which reader made the extract: the workbook and Parquet readers name
    # their format, the delimited reader the text encoding it found.
    assert (extract.encoding, extract.delimiter) == (encoding, delimiter)
    assert extract.columns == ["ref", "name"]
    assert extract.table.column(ROW).to_pylist() == [1, 2]
    assert extract.rows_in == 2


def test_the_registry_names_one_reader_per_suffix() -> None:
    assert READERS == {
        ".csv": read_csv, ".tsv": read_csv, ".txt": read_csv, "": read_csv,
        ".xlsx": read_xlsx, ".xlsm": read_xlsx, ".parquet": read_parquet,
    }


@pytest.mark.parametrize(("name", "problem"), [
    ("extract.json", "unsupported file type '.json' (expected .csv, .xlsx or .parquet)"),
    ("extract.xls", "old .xls workbooks are not supported; save it as .xlsx or .csv"),
])
def test_an_unreadable_suffix_is_refused_by_name(tmp_path: Path, name: str, problem: str) -> None:
    path = tmp_path / name
    path.write_text("ref,name\nR1,Ann\n", encoding="utf-8")
    with pytest.raises(ReadError) as raised:
        read_extract(path)
    assert str(raised.value) == f"{name}: {problem}"


def test_a_folder_or_a_missing_file_is_refused_before_any_reader(tmp_path: Path) -> None:
    folder = tmp_path / "extract.xlsx"
    folder.mkdir()
    with pytest.raises(ReadError, match="is a folder, not a file"):
        read_extract(folder)
    with pytest.raises(ReadError, match="no such file"):
        read_extract(tmp_path / "missing.parquet")
