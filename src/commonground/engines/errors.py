"""Errors raised by engines: they name the step and carry its SQL, never the data."""

from __future__ import annotations


class EngineError(RuntimeError):
    """A pipeline step failed. `step` and `sql` say where; the message says why."""

    def __init__(self, engine: str, step: str, sql: str, cause: str) -> None:
        self.engine = engine
        self.step = step
        self.sql = sql
        self.cause = cause
        super().__init__(f"{engine} engine: step '{step}' failed: {cause}")

    def details(self) -> str:
        return f"{self}\n-- SQL of step '{self.step}':\n{self.sql}"


class EngineUnavailable(RuntimeError):
    """The engine cannot start here (a missing optional package or Java)."""
