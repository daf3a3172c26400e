"""Errors raised by engines: they name the step and carry its SQL, never the data.

Engines import nothing of ours, so each error a user can act on carries its exit code and HTTP
status as plain class attributes, the same two that `commonground.errors` gives its kinds.
"""

from __future__ import annotations

from typing import ClassVar


class EngineError(RuntimeError):
    """A pipeline step failed. `step` and `sql` say where; the message says why."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500  # the hub's own pipeline broke, not the caller's request

    def __init__(self, engine: str, step: str, sql: str, cause: str) -> None:
        self.engine = engine
        self.step = step
        self.sql = sql
        self.cause = cause
        super().__init__(f"{engine} engine: step '{step}' failed: {cause}")

    def details(self) -> str:
        return f"{self}\n-- SQL of step '{self.step}':\n{self.sql}"


class EngineUnavailable(RuntimeError):
    """The engine cannot start here (a missing optional package or Java, or an unknown name)."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 503


class NoParquetFiles(FileNotFoundError):
    """A source names folders or files that hold no Parquet."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 404


class VersionExists(FileExistsError):
    """A write would replace a folder; versions are never overwritten."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 409
