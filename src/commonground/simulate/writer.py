"""Deterministic file writing into a staging folder that is renamed into place at the end."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .config import SimulationRefused

ROW_GROUP_SIZE = 131_072  # fixed, so file bytes never depend on machine or version defaults


@contextmanager
def staged_output(out_dir: Path) -> Iterator[Path]:
    """Yield a fresh folder next to `out_dir`; on success it becomes `out_dir`.

    A crash leaves `out_dir` untouched (absent or empty) and removes the staging folder.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise SimulationRefused(f"output folder is not empty: {out_dir}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp",
                                    dir=out_dir.parent))
    try:
        yield staging
        if out_dir.exists():
            out_dir.rmdir()  # empty, checked above
        staging.rename(out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_csv(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(include_header=True, batch_size=65_536, eol="\n")
    pacsv.write_csv(table, path, write_options=options)


def write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE, compression="zstd",
                   compression_level=3, use_dictionary=True, write_statistics=True)


def write_table(table: pa.Table, path: Path) -> None:
    if path.suffix == ".csv":
        write_csv(table, path)
    elif path.suffix == ".parquet":
        write_parquet(table, path)
    else:
        raise ValueError(f"unsupported output format: {path.suffix}")
