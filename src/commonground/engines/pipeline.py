"""Pipelines: named SQL steps, built by plain functions, run by any engine.

A step's SQL may refer to the pipeline's inputs and to earlier steps by name. SQL is written in
the DuckDB dialect (the embedded default); engines that speak another dialect translate it,
unless the step is `native`: written for one engine, from that engine's `dialect`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One named SQL statement: a SELECT whose result later steps can read as `name`."""

    name: str
    sql: str
    native: bool = False  # already in the running engine's own dialect: not translated

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"step name {self.name!r} must be a plain identifier")


@dataclass(frozen=True)
class Pipeline:
    """An ordered list of steps; the last step is the pipeline's result."""

    steps: tuple[Step, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, *steps: Step | tuple[str, str]) -> Pipeline:
        built = tuple(s if isinstance(s, Step) else Step(*s) for s in steps)
        return cls(built)

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"pipeline has duplicate step names: {', '.join(duplicates)}")

    def then(self, name: str, sql: str) -> Pipeline:
        return Pipeline((*self.steps, Step(name, sql)))

    def extend(self, steps: Iterable[Step]) -> Pipeline:
        return Pipeline((*self.steps, *steps))

    @property
    def output(self) -> str:
        if not self.steps:
            raise ValueError("an empty pipeline has no output")
        return self.steps[-1].name

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)
