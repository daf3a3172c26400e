"""The embedded default engine: DuckDB in process, reading and writing Parquet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from commonground.engines.base import Engine
from commonground.engines.dialects import DUCKDB
from commonground.engines.sql import ident, literal

ROW_GROUP_ROWS = 1_000_000


class DuckDBEngine(Engine):
    name = "duckdb"
    dialect = DUCKDB

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        super().__init__()
        self.con = duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {literal(memory_limit)}")
        # Results must not depend on thread scheduling: keep insertion order where SQL allows.
        self.con.execute("SET preserve_insertion_order = true")
        self._arrow: dict[str, pa.Table] = {}
        self._enums: dict[str, list[str]] = {}
        self._tables: set[str] = set()

    def _register_arrow(self, name: str, table: pa.Table) -> None:
        categorical = [f.name for f in table.schema if pa.types.is_dictionary(f.type)
                       and pa.types.is_string(f.type.value_type)]
        if not categorical:
            self._arrow[name] = table  # keep a reference: DuckDB scans it lazily
            self.con.register(name, table)
            return
        # Arrow dictionary columns become ENUMs (DuckDB would read them as plain text). An
        # ENUM carries only its index through joins and is written to Parquet as a dictionary
        # page plus indices: tokens, 64 characters each on millions of rows, were otherwise
        # hashed again row by row, which made writing a package three times slower.
        hidden = f"{name}__arrow"
        self._arrow[hidden] = table
        self.con.register(hidden, table)
        self._enums[name] = []
        columns = []
        for field in table.schema:
            if field.name not in categorical:
                columns.append(ident(field.name))
                continue
            enum = f"{self._prefix}_{name}_{len(self._enums[name])}_enum"
            self._enums[name].append(enum)
            self.con.execute(f"CREATE TYPE {ident(enum)} AS ENUM (SELECT DISTINCT "
                             f"{ident(field.name)} FROM {ident(hidden)} "
                             f"WHERE {ident(field.name)} IS NOT NULL)")
            columns.append(f"CAST({ident(field.name)} AS {ident(enum)}) AS {ident(field.name)}")
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS "
                         f"SELECT {', '.join(columns)} FROM {ident(hidden)}")

    def _register_parquet(self, name: str, files: Sequence[str]) -> None:
        listed = ", ".join(literal(f) for f in files)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS "
                         f"SELECT * FROM read_parquet([{listed}])")

    def _define(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(name)} AS {sql}")

    def _materialise(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS {sql}")
        self._tables.add(name)

    def _collect(self, name: str) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {ident(name)}").to_arrow_table()

    def _evaluate(self, name: str) -> None:
        # Streamed in batches: a count(*) would let the optimiser skip the failing columns.
        reader = self.con.sql(f"SELECT * FROM {ident(name)}").to_arrow_reader()
        for _ in reader:
            pass

    def _write_parquet(self, name: str, folder: Path) -> None:
        target = literal(str(folder / "part-00000.parquet"))
        # Row groups of a million rows, not DuckDB's 122,880: every row group repeats the
        # dictionary of each token column (64-character tokens, tens of thousands of distinct
        # dates of birth or postcodes), which made a package twice the size and a fifth
        # slower to write. Spark's row groups (128 MB) are as large already.
        self.con.execute(
            f"COPY (SELECT * FROM {ident(name)}) TO {target} "
            f"(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        )

    def _drop(self, name: str) -> None:
        if name in self._arrow:
            self.con.unregister(name)
            del self._arrow[name]
            return
        if name in self._tables:
            self._tables.discard(name)
            self.con.execute(f"DROP TABLE IF EXISTS {ident(name)}")
        else:
            self.con.execute(f"DROP VIEW IF EXISTS {ident(name)}")
        for enum in self._enums.pop(name, []):
            self.con.execute(f"DROP TYPE IF EXISTS {ident(enum)}")
        if f"{name}__arrow" in self._arrow:
            self._drop(f"{name}__arrow")

    def splink_api(self, threads: int | None = None) -> Any:
        from splink import DuckDBAPI

        # A connection of its own: Splink creates and drops many tables, and the engine's
        # connection holds a caller's views that must not be disturbed.
        con = duckdb.connect(":memory:")
        # Pairs need no order until they are clustered (which sorts them): letting DuckDB
        # drop insertion order lets it stream large joins instead of buffering them.
        con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        return DuckDBAPI(connection=con)

    def close(self) -> None:
        self.con.close()
