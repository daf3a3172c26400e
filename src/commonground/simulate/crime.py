"""Crime events: stable hot places, daily and weekly rhythms, near-repeat burglary.

`simulate_crimes` is the reusable core: it knows nothing of the county, only places with
coordinates and expected counts, so a trial can allocate its own places and treatments and
then generate outcomes with a known true effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# police.uk categories.
CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs",
    "Other crime", "Other theft", "Possession of weapons", "Public order", "Robbery",
    "Shoplifting", "Theft from the person", "Vehicle crime", "Violence and sexual offences",
)
BURGLARY = CRIME_TYPES.index("Burglary")
CAUSES = ("background", "hotspot", "near_repeat")
HOME, BUSINESS = 0, 1

# Share of each type by place kind (rows: home, business), roughly Essex's published mix.
DEFAULT_MIX = np.array([
    # ASB  Bike  Burg  Dmg  Drug  Oth  OTh  Weap  PubO  Rob  Shop  TfP  Veh  Viol
    [0.16, 0.01, 0.09, 0.10, 0.02, 0.02, 0.05, 0.005, 0.06, 0.005, 0.0, 0.0, 0.08, 0.40],
    [0.20, 0.03, 0.03, 0.06, 0.05, 0.02, 0.09, 0.015, 0.09, 0.02, 0.22, 0.03, 0.03, 0.14],
])
DEFAULT_MIX = DEFAULT_MIX / DEFAULT_MIX.sum(axis=1, keepdims=True)


def _profile(peaks: Sequence[tuple[int, float]], floor: float = 0.3) -> np.ndarray:
    hours = np.arange(24)
    weight: np.ndarray = np.full(24, floor)
    for hour, height in peaks:
        distance = np.minimum(np.abs(hours - hour), 24 - np.abs(hours - hour))
        weight += height * np.exp(-0.5 * (distance / 2.5) ** 2)
    shares: np.ndarray = weight / weight.sum()
    return shares


# Hour-of-day shapes: night-time economy violence, daytime shoplifting, evening burglary.
NIGHT, DAY, EVENING, OVERNIGHT = (
    _profile([(23, 2.0), (1, 1.5)]), _profile([(13, 2.0)], 0.05), _profile([(18, 1.5), (11, 0.8)]),
    _profile([(2, 2.0)]),
)
HOURLY = np.array([
    _profile([(19, 2.0)]), DAY, EVENING, OVERNIGHT, _profile([(20, 1.5)]), DAY, DAY, NIGHT,
    NIGHT, _profile([(21, 1.5)]), DAY, _profile([(17, 1.5)]), OVERNIGHT, NIGHT,
])
# Monday first; the weekend lifts violence, disorder and ASB.
WEEKEND = np.array([0.9, 0.9, 0.95, 1.0, 1.25, 1.35, 1.05])
FLAT = np.ones(7)
WEEKLY = np.array([WEEKEND if t in (0, 8, 13) else FLAT for t in range(len(CRIME_TYPES))])
# January first; summer peak typical of English recorded crime.
SEASON = np.array([0.92, 0.88, 0.95, 0.98, 1.05, 1.08, 1.12, 1.1, 1.0, 1.0, 0.97, 0.95])


@dataclass(frozen=True)
class Treatment:
    """Multiply the crime intensity at `places` by (1 + effect) during [start, end)."""

    places: np.ndarray  # indices into the place arrays
    start: np.datetime64
    end: np.datetime64
    effect: float  # relative change, e.g. -0.25 for a 25% reduction


@dataclass
class CrimeEvents:
    place: np.ndarray  # index into the place arrays
    time: np.ndarray  # datetime64[s]
    crime_type: np.ndarray  # index into CRIME_TYPES
    cause: np.ndarray  # index into CAUSES
    parent: np.ndarray  # index of the triggering event (near repeats), -1 otherwise

    def __len__(self) -> int:
        return len(self.place)


def simulate_crimes(
    rng: np.random.Generator,
    easting: np.ndarray,
    northing: np.ndarray,
    rate: np.ndarray,
    start: np.datetime64,
    days: int,
    *,
    hotspot_rate: np.ndarray | None = None,
    kind: np.ndarray | None = None,
    mix: np.ndarray = DEFAULT_MIX,
    treatments: Sequence[Treatment] = (),
    near_repeat_ratio: float = 0.35,
    near_repeat_days: float = 14.0,
    near_repeat_metres: float = 120.0,
    max_generations: int = 50,
) -> CrimeEvents:
    """Crime events at places over `days` days from `start`.

    Args:
        rng: the only source of randomness.
        easting, northing: place coordinates (metres, EPSG:27700), one per place.
        rate: expected background events per place over the whole period.
        start: first day (datetime64); `days`: length of the window.
        hotspot_rate: extra expected events per place from stable hot places (cause
            "hotspot"); kept apart so that truth can tell the two causes apart.
        kind: place kind per place (row of `mix`: 0 home, 1 business); default all homes.
        mix: crime-type shares per kind (rows sum to 1, columns follow CRIME_TYPES).
        treatments: intensity multipliers (1 + effect) at places during a period; they
            thin every cause, including near repeats, so the true effect is exact.
        near_repeat_ratio: expected burglaries triggered by each burglary (a Hawkes
            branching ratio, < 1); offspring fall `near_repeat_metres` away on average
            (at most 400 m) and `near_repeat_days` later on average (at most 8 weeks).

    Returns:
        CrimeEvents sorted by time, then place.
    """
    n_places = len(rate)
    kind = np.zeros(n_places, np.int8) if kind is None else kind
    begin = np.asarray(start).astype("datetime64[s]")
    end = begin + np.timedelta64(int(days) * 86_400, "s")
    components: list[tuple[np.ndarray, int]] = [(rate, 0)]
    if hotspot_rate is not None:
        components.append((hotspot_rate, 1))
    parts = []
    for component, cause_code in components:
        place = np.repeat(np.arange(n_places), rng.poisson(component))
        crime_type = _types(rng, kind[place], mix)
        time = _times(rng, crime_type, begin, days)
        keep = _survives(rng, place, time, treatments)
        parts.append((place[keep], time[keep], crime_type[keep],
                      np.full(keep.sum(), cause_code, np.int8), np.full(keep.sum(), -1, np.int64)))
    place, time, crime_type, cause, parent = (np.concatenate(c) for c in zip(*parts, strict=True))

    grid = _Grid(easting, northing, np.flatnonzero(mix[kind, BURGLARY] > 0))
    generation = np.flatnonzero(crime_type == BURGLARY)
    for _ in range(max_generations):
        if len(generation) == 0 or near_repeat_ratio <= 0:
            break
        source = np.repeat(generation, rng.poisson(near_repeat_ratio, len(generation)))
        delay = rng.exponential(near_repeat_days * 86_400.0, len(source))
        child_time = time[source] + delay.astype(np.int64).astype("timedelta64[s]")
        distance = rng.exponential(near_repeat_metres, len(source))
        angle = rng.uniform(0, 2 * np.pi, len(source))
        child_place = grid.pick(
            rng, easting[place[source]] + distance * np.cos(angle),
            northing[place[source]] + distance * np.sin(angle),
        )
        # Repeat victimisation: some follow-ups hit the same home again.
        again = rng.random(len(source)) < 0.15
        child_place[again] = place[source[again]]
        ok = (child_place >= 0) & (child_time < end) & (delay <= 56 * 86_400.0) \
            & (distance <= 400.0)
        source, child_place, child_time = source[ok], child_place[ok], child_time[ok]
        keep = _survives(rng, child_place, child_time, treatments)
        source, child_place, child_time = source[keep], child_place[keep], child_time[keep]
        first = len(place)
        place = np.r_[place, child_place]
        time = np.r_[time, child_time]
        crime_type = np.r_[crime_type, np.full(len(source), BURGLARY, crime_type.dtype)]
        cause = np.r_[cause, np.full(len(source), 2, np.int8)]
        parent = np.r_[parent, source]
        generation = np.arange(first, len(place))

    order = np.lexsort((crime_type, place, time))
    new_index = np.empty(len(order), np.int64)
    new_index[order] = np.arange(len(order))
    parent = parent[order]
    parent[parent >= 0] = new_index[parent[parent >= 0]]
    return CrimeEvents(place=place[order], time=time[order], crime_type=crime_type[order],
                       cause=cause[order], parent=parent)


def _types(rng: np.random.Generator, kind: np.ndarray, mix: np.ndarray) -> np.ndarray:
    out = np.empty(len(kind), np.int8)
    for k in range(len(mix)):
        rows = np.flatnonzero(kind == k)
        out[rows] = rng.choice(mix.shape[1], len(rows), p=mix[k])
    return out


def _times(rng: np.random.Generator, crime_type: np.ndarray, begin: np.ndarray, days: int
           ) -> np.ndarray:
    """Timestamps following season, weekday and hour-of-day shapes of each crime type."""
    day = begin.astype("datetime64[D]") + np.arange(days)
    weekday = (day.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    month = day.astype("datetime64[M]").astype(np.int64) % 12
    offset = np.empty(len(crime_type), np.int64)
    for t in range(len(CRIME_TYPES)):
        rows = np.flatnonzero(crime_type == t)
        if len(rows) == 0:
            continue
        weight = SEASON[month] * WEEKLY[t][weekday]
        chosen_day = rng.choice(days, len(rows), p=weight / weight.sum())
        hour = rng.choice(24, len(rows), p=HOURLY[t])
        offset[rows] = chosen_day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, len(rows))
    times: np.ndarray = begin + offset.astype("timedelta64[s]")
    return times


def _survives(rng: np.random.Generator, place: np.ndarray, time: np.ndarray,
              treatments: Sequence[Treatment]) -> np.ndarray:
    keep = np.ones(len(place), bool)
    for treatment in treatments:
        start = np.asarray(treatment.start).astype("datetime64[s]")
        end = np.asarray(treatment.end).astype("datetime64[s]")
        treated = np.isin(place, treatment.places) & (time >= start) & (time < end)
        keep &= ~treated | (rng.random(len(place)) < 1.0 + treatment.effect)
    return keep


class _Grid:
    """Places bucketed in 100 m cells, to pick a random place near a point quickly."""

    CELL = 100.0

    def __init__(self, easting: np.ndarray, northing: np.ndarray, eligible: np.ndarray):
        keys = self._key(easting[eligible], northing[eligible])
        order = np.argsort(keys, kind="stable")
        self.places = eligible[order]
        self.keys, self.first, self.count = np.unique(keys[order], return_index=True,
                                                      return_counts=True)

    def _key(self, easting: np.ndarray, northing: np.ndarray) -> np.ndarray:
        ix = np.floor(np.asarray(easting) / self.CELL).astype(np.int64)
        iy = np.floor(np.asarray(northing) / self.CELL).astype(np.int64)
        return ix * 100_000 + iy

    def pick(self, rng: np.random.Generator, easting: np.ndarray, northing: np.ndarray
             ) -> np.ndarray:
        """A random eligible place in the cell of each point, -1 where the cell is empty."""
        out = np.full(len(easting), -1, np.int64)
        if len(self.keys) == 0:
            return out
        keys = self._key(easting, northing)
        slot = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        found = self.keys[slot] == keys
        s = slot[found]
        out[found] = self.places[self.first[s]
                                 + (rng.random(len(s)) * self.count[s]).astype(np.int64)]
        return out
