"""The embedded default engine: DuckDB in process, reading and writing Parquet."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from commonground.engines.base import Engine


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, threads: int | None = None, memory_limit: str | None = None) -> None:
        super().__init__()
        self.con = duckdb.connect(":memory:")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = {_literal(memory_limit)}")
        # Results must not depend on thread scheduling: keep insertion order where SQL allows.
        self.con.execute("SET preserve_insertion_order = true")
        self._arrow: dict[str, pa.Table] = {}

    def _register_arrow(self, name: str, table: pa.Table) -> None:
        self._arrow[name] = table  # keep a reference: DuckDB scans it lazily
        self.con.register(name, table)

    def _register_parquet(self, name: str, files: Sequence[str]) -> None:
        listed = ", ".join(_literal(f) for f in files)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS "
                         f"SELECT * FROM read_parquet([{listed}])")

    def _define(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {_ident(name)} AS {sql}")

    def _collect(self, name: str) -> pa.Table:
        return self.con.sql(f"SELECT * FROM {_ident(name)}").to_arrow_table()

    def _evaluate(self, name: str) -> None:
        # Streamed in batches: a count(*) would let the optimiser skip the failing columns.
        reader = self.con.sql(f"SELECT * FROM {_ident(name)}").to_arrow_reader()
        for _ in reader:
            pass

    def _write_parquet(self, name: str, folder: Path) -> None:
        target = _literal(str(folder / "part-00000.parquet"))
        self.con.execute(
            f"COPY (SELECT * FROM {_ident(name)}) TO {target} (FORMAT parquet, COMPRESSION zstd)"
        )

    def _drop(self, name: str) -> None:
        if name in self._arrow:
            self.con.unregister(name)
            del self._arrow[name]
        else:
            self.con.execute(f"DROP VIEW IF EXISTS {_ident(name)}")

    def close(self) -> None:
        self.con.close()
