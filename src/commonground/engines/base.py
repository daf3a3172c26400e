"""The engine contract: the shared work done once, a few small methods per backend.

As in Splink's backends, the base class runs the steps, names temporary views and wraps every
failure in an `EngineError` that names the step and carries its SQL; a backend only says how to
register an input, define a view, collect a result and write Parquet.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, TypeAlias, TypeVar

import pyarrow as pa
import pyarrow.parquet as pq

from commonground.engines.dialects import Dialect
from commonground.engines.errors import (
    EngineError,
    EngineUnavailable,
    NoParquetFiles,
    VersionExists,
)
from commonground.engines.pipeline import Pipeline


@dataclass(frozen=True)
class ParquetSource:
    """Parquet files (or folders of part files) read as one input."""

    paths: tuple[Path, ...]

    @classmethod
    def of(cls, *paths: Path | str) -> ParquetSource:
        return cls(tuple(Path(p) for p in paths))

    def files(self) -> list[str]:
        found: list[str] = []
        for p in self.paths:
            if p.is_dir():
                found.extend(str(f) for f in sorted(p.glob("*.parquet")))
            else:
                found.append(str(p))
        if not found:
            raise NoParquetFiles(f"no Parquet files at {', '.join(map(str, self.paths))}")
        return found


Source: TypeAlias = pa.Table | ParquetSource


@dataclass(frozen=True)
class WriteResult:
    path: Path
    rows: int
    files: tuple[str, ...]


# Engine messages quote the offending values ("could not convert 'Jane Doe' to INT"): those are
# record-level data and must never reach a log or an exception, so quoted text is masked.
_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def redact(message: str) -> str:
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    return _QUOTED.sub("'…'", first)[:500]


_T = TypeVar("_T")


class Engine(ABC):
    """Runs pipelines of SQL steps over Arrow tables and Parquet, returning Arrow."""

    name: ClassVar[str]
    # The SQL fragments that differ between engines (`dialects.py`), for SQL that Splink
    # runs untranslated.
    dialect: ClassVar[Dialect]

    def __init__(self) -> None:
        self._prefix = f"cg_{uuid.uuid4().hex[:8]}"

    # -- what each backend provides ---------------------------------------------------------
    @abstractmethod
    def _register_arrow(self, name: str, table: pa.Table) -> None: ...

    @abstractmethod
    def _register_parquet(self, name: str, files: Sequence[str]) -> None: ...

    @abstractmethod
    def _define(self, name: str, sql: str) -> None:
        """Define `name` as a lazy view over `sql` (already in this engine's dialect)."""

    @abstractmethod
    def _collect(self, name: str) -> pa.Table: ...

    @abstractmethod
    def _evaluate(self, name: str) -> None:
        """Compute every row and column of `name` and discard them (to locate a failure)."""

    @abstractmethod
    def _write_parquet(self, name: str, folder: Path) -> None:
        """Write view `name` as part-*.parquet files into the existing empty `folder`."""

    @abstractmethod
    def _drop(self, name: str) -> None: ...

    def translate(self, sql: str) -> str:
        """Turn DuckDB-dialect SQL into this engine's dialect (identity by default)."""
        return sql

    def splink_api(self, threads: int | None = None) -> Any:
        """A Splink DatabaseAPI on this engine's backend; release it with
        `splink_backend.close_api`."""
        raise EngineUnavailable(f"no Splink backend for engine '{self.name}'")

    def close(self) -> None:  # noqa: B027 - optional hook, most engines need nothing
        """Release the engine's resources."""

    def _materialise(self, name: str, sql: str) -> None:
        """Compute `sql` once and keep its rows as `name` (a temporary table, a cached frame).

        By default a plain view: correct, only slower when read more than once."""
        self._define(name, sql)

    # -- the shared work --------------------------------------------------------------------
    def run(self, pipeline: Pipeline, inputs: Mapping[str, Source] | None = None) -> pa.Table:
        """Run every step and return the last step's rows as an Arrow table."""
        with self.session(inputs) as session:
            return session.run(pipeline)

    def write(
        self, pipeline: Pipeline, inputs: Mapping[str, Source] | None, dest: Path
    ) -> WriteResult:
        """Write the pipeline's result to `dest` as Parquet, all or nothing (see Session)."""
        with self.session(inputs) as session:
            return session.write(pipeline, dest)

    def query(self, sql: str, inputs: Mapping[str, Source] | None = None) -> pa.Table:
        """Run one SELECT: a one-step pipeline named `query`."""
        return self.run(Pipeline.of(("query", sql)), inputs)

    @contextmanager
    def session(self, inputs: Mapping[str, Source] | None = None) -> Iterator[Session]:
        """Inputs and steps that stay defined over several runs and writes, dropped at the end.

        For work that reads one result several ways: validate a file once, then collect its
        problems and write its accepted rows, without validating it twice.
        """
        session = Session(self)
        try:
            session.add(inputs or {})
            yield session
        finally:
            session.close()

    # -- internals ------------------------------------------------------------------------
    def _guarded(self, pipeline: Pipeline, action: Callable[[], _T]) -> _T:
        """Run `action`; on failure find the first step that fails on its own and name it.

        Views are lazy, so a runtime error (a bad cast, say) surfaces only when the result is
        computed. Evaluating each step in order pins the error on the step that caused it; this
        costs nothing unless something already failed.
        """
        try:
            return action()
        except EngineError:
            raise
        except Exception as exc:
            culprit = pipeline.steps[-1]
            for step in pipeline:
                try:
                    self._evaluate(step.name)
                except Exception:  # noqa: BLE001 - we are only locating the failure
                    culprit = step
                    break
            raise EngineError(self.name, culprit.name, culprit.sql, redact(str(exc))) from None

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class Session:
    """Names registered and defined in one engine, until `close` (see `Engine.session`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._created: list[str] = []

    def add(self, inputs: Mapping[str, Source]) -> None:
        """Register more inputs (Arrow tables or Parquet files) under their names."""
        engine = self.engine
        for name, source in inputs.items():
            try:
                if isinstance(source, ParquetSource):
                    engine._register_parquet(name, source.files())
                else:
                    engine._register_arrow(name, source)
            except Exception as exc:
                cause = redact(str(exc))
                raise EngineError(engine.name, name, f"-- input {name}", cause) from None
            self._created.append(name)

    def define(self, pipeline: Pipeline, *, materialise: bool = False) -> str:
        """Define every step (later pipelines may read them by name); return the output name.

        `materialise` computes the last step now and keeps its rows, so that reading it again
        costs nothing more.
        """
        engine = self.engine
        steps = list(pipeline)
        for step in steps:
            keep = materialise and step is steps[-1]
            try:
                sql = step.sql if step.native else engine.translate(step.sql)
                if not keep:
                    engine._define(step.name, sql)
            except Exception as exc:
                raise EngineError(engine.name, step.name, step.sql, redact(str(exc))) from None
            if keep:
                engine._guarded(pipeline, lambda: engine._materialise(step.name, sql))  # noqa: B023
            self._created.append(step.name)
        return pipeline.output

    def run(self, pipeline: Pipeline) -> pa.Table:
        """Run the pipeline's steps and return the last step's rows as an Arrow table."""
        output = self.define(pipeline)
        return self.engine._guarded(pipeline, lambda: self.engine._collect(output))

    def write(self, pipeline: Pipeline, dest: Path) -> WriteResult:
        """Write the pipeline's result to `dest` as Parquet, all or nothing.

        The files go to a hidden sibling folder first and are renamed into place, so a crash
        mid-write leaves no half-written `dest` (rename is atomic on one file system).
        """
        dest = Path(dest)
        if dest.exists():
            raise VersionExists(f"{dest} already exists; versions are never overwritten")
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.parent / f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}"
        tmp.mkdir()
        try:
            output = self.define(pipeline)
            self.engine._guarded(pipeline, lambda: self.engine._write_parquet(output, tmp))
            files = tuple(sorted(f.name for f in tmp.glob("part-*.parquet")))
            rows = sum(pq.ParquetFile(tmp / f).metadata.num_rows for f in files)
            os.rename(tmp, dest)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return WriteResult(dest, rows, files)

    def close(self) -> None:
        for name in reversed(self._created):
            try:
                self.engine._drop(name)
            except Exception:  # noqa: BLE001, S110 - cleanup must not mask the real error
                pass
        self._created.clear()
