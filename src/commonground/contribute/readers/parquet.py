"""Parquet files: every column cast to text, as the other readers give it."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from commonground.contribute.readers.base import ROW, Extract, ReadError, cell_text
from commonground.contribute.readers.header import check_header


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
                as_text[name] = pa.array([cell_text(v) for v in column.to_pylist()], pa.string())
            else:
                as_text[name] = column.cast(pa.string()).fill_null("")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # Lists, structs and bytes that are not UTF-8 have no text form: they crashed.
            raise ReadError(path, f"column '{name}' holds {column.type} values, which cannot "
                                  "be read as text") from None
    as_text[ROW] = pa.array(range(1, table.num_rows + 1), pa.int64())
    return Extract(path, pa.table(as_text), "parquet", None, [])
