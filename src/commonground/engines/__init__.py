"""Engines: the one room that imports duckdb or pyspark.

A new engine is a module plus one entry in `ENGINES`; the spec suite then runs on it.
"""

from __future__ import annotations

from collections.abc import Callable

from commonground import settings
from commonground.engines.base import Engine, ParquetSource, Session, Source, WriteResult, redact
from commonground.engines.dialects import Dialect
from commonground.engines.errors import (
    EngineError,
    EngineUnavailable,
    NoParquetFiles,
    VersionExists,
)
from commonground.engines.pipeline import Pipeline, Step
from commonground.engines.sql import ident, literal


def _duckdb() -> Engine:
    from commonground.engines.duckdb_engine import DuckDBEngine

    return DuckDBEngine()


def _spark() -> Engine:
    from commonground.engines.spark_engine import SparkEngine

    return SparkEngine()


ENGINES: dict[str, Callable[[], Engine]] = {"duckdb": _duckdb, "spark": _spark}
DEFAULT_ENGINE = "duckdb"


def get_engine(name: str | None = None) -> Engine:
    """The engine called `name`, else $COMMONGROUND_ENGINE, else DuckDB."""
    chosen = (name or settings.current().engine or DEFAULT_ENGINE).lower()
    if chosen not in ENGINES:
        raise EngineUnavailable(
            f"unknown engine '{chosen}'; choose one of: {', '.join(sorted(ENGINES))}"
        )
    return ENGINES[chosen]()


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Dialect",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "NoParquetFiles",
    "ParquetSource",
    "Pipeline",
    "Session",
    "Source",
    "Step",
    "VersionExists",
    "WriteResult",
    "get_engine",
    "ident",
    "literal",
    "redact",
]
