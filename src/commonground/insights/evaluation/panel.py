"""Outcomes per place and period: the table every evaluation method reads."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from commonground.errors import InvalidInput


@dataclass(frozen=True)
class Panel:
    """A balanced panel: one outcome per (unit, period); `dose` is 1 where treatment was on."""

    units: tuple[str, ...]
    periods: tuple[int, ...]
    outcome: np.ndarray  # shape (units, periods)
    dose: np.ndarray  # shape (units, periods), 0/1

    def __post_init__(self) -> None:
        shape = (len(self.units), len(self.periods))
        if self.outcome.shape != shape or self.dose.shape != shape:
            raise InvalidInput(f"outcome and dose must both be units x periods {shape}")

    @property
    def treated_units(self) -> np.ndarray:
        treated: np.ndarray = self.dose.max(axis=1) > 0
        return treated

    def with_dose(self, dose: np.ndarray) -> Panel:
        return Panel(self.units, self.periods, self.outcome, dose)

    @classmethod
    def from_counts(cls, rows: Iterable[tuple[str, int, float]], treated: Iterable[str],
                    start: int, end: int | None = None,
                    units: Sequence[str] | None = None,
                    periods: Sequence[int] | None = None) -> Panel:
        """From (unit, period, count) rows; missing cells are zero crimes.

        Treatment is on for `treated` units in periods [start, end).
        """
        table: dict[tuple[str, int], float] = {}
        for unit, period, value in rows:
            key = (str(unit), int(period))
            table[key] = table.get(key, 0.0) + float(value)
        all_units = tuple(sorted(set(units or ()) | {u for u, _ in table}))
        all_periods = tuple(sorted(set(periods or ()) | {p for _, p in table}))
        u_index = {u: i for i, u in enumerate(all_units)}
        p_index = {p: j for j, p in enumerate(all_periods)}
        outcome = np.zeros((len(all_units), len(all_periods)))
        for (unit, period), value in table.items():
            outcome[u_index[unit], p_index[period]] = value
        return cls(all_units, all_periods, outcome,
                   dosing(all_units, all_periods, set(map(str, treated)), start, end))

    @classmethod
    def from_schedule(cls, rows: Iterable[tuple[str, int, float]],
                      schedule: Mapping[str, Iterable[int]],
                      units: Sequence[str] | None = None,
                      periods: Sequence[int] | None = None) -> Panel:
        """A crossover trial: treatment on for each unit in the periods its schedule lists."""
        base = cls.from_counts(rows, (), 0, 0, units=units, periods=periods)
        dose = np.zeros_like(base.outcome)
        p_index = {p: j for j, p in enumerate(base.periods)}
        for i, unit in enumerate(base.units):
            for period in schedule.get(unit, ()):
                if period in p_index:
                    dose[i, p_index[period]] = 1.0
        return base.with_dose(dose)


def dosing(units: Sequence[str], periods: Sequence[int], treated: set[str], start: int,
           end: int | None) -> np.ndarray:
    on = np.array([start <= p and (end is None or p < end) for p in periods], float)
    arm = np.array([u in treated for u in units], float)
    dose: np.ndarray = np.outer(arm, on)
    return dose
