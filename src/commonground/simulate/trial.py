"""A randomised hot-spot patrol trial rehearsed on synthetic places, with a known true effect.

The simulation half of a rehearsal: candidate places and their weekly crime rates, then weekly
outcomes once some places are treated. Allocation and analysis belong to
`insights.evaluation`; the demo and `bench/trial.py` join the two halves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .crime import Treatment, simulate_crimes

TRIAL_START = np.datetime64("2019-01-07")  # a Monday: periods are whole weeks
TRUE_EFFECT = -0.25


def place_id(index: int) -> str:
    return f"P{index:04d}"


def candidate_places(seed: int, n: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hot places scattered over a 20 km square of Essex, with weekly crime rates."""
    rng = np.random.default_rng([seed, 7])
    easting = rng.uniform(560_000, 580_000, n)
    northing = rng.uniform(200_000, 220_000, n)
    weekly = rng.gamma(2.0, 0.75, n)
    return easting, northing, weekly


def hot_places(truth: Path, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The county's n most crime-ridden addresses and their weekly rates (from its truth)."""
    crimes = pq.read_table(truth / "crimes.parquet", columns=["address_id", "easting",
                                                              "northing"])
    counts = crimes.group_by(["address_id", "easting", "northing"]).aggregate(
        [("address_id", "count")])
    top = counts.sort_by([("address_id_count", "descending"), ("address_id", "ascending")])[:n]
    weeks = 52.0
    weekly = np.asarray(pc.cast(top["address_id_count"], "float64")) / weeks
    return (np.asarray(top["easting"], float), np.asarray(top["northing"], float), weekly)


def simulate_outcomes(seed: int, easting: np.ndarray, northing: np.ndarray,
                      weekly: np.ndarray, treated: np.ndarray, *, weeks_before: int,
                      weeks_after: int, effect: float) -> list[tuple[str, int, float]]:
    """Weekly crime counts per place; treated places' intensity times (1 + effect) after."""
    weeks = weeks_before + weeks_after
    start_treatment = TRIAL_START + np.timedelta64(7 * weeks_before, "D")
    end = TRIAL_START + np.timedelta64(7 * weeks, "D")
    events = simulate_crimes(
        np.random.default_rng([seed, 11]), easting, northing, weekly * weeks, TRIAL_START,
        7 * weeks, treatments=[Treatment(treated, start_treatment, end, effect)])
    week = ((events.time - TRIAL_START.astype("datetime64[s]")) // np.timedelta64(7, "D"))
    counts = np.zeros((len(weekly), weeks))
    np.add.at(counts, (events.place, week.astype(np.int64)), 1.0)
    return [(place_id(i), w, float(counts[i, w])) for i in range(len(weekly))
            for w in range(weeks)]
