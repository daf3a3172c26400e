"""The knobs of the synthetic county and the counts it reports back."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import asdict, dataclass, field
from typing import ClassVar

import numpy as np


class SimulationRefused(ValueError):
    """A county that cannot be built as asked (too small, output folder in use).

    This room imports nothing of ours, so the exit code and HTTP status that
    `commonground.errors` gives its kinds are plain attributes here.
    """

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 400


@dataclass(frozen=True)
class CountyConfig:
    """Everything that shapes one synthetic county; same config → byte-identical output.

    Rates are probabilities per record (noise), per site and agency (exploitation traces) or
    per 1,000 residents per year (crime).
    """

    people: int = 50_000
    seed: int = 1
    start: dt.date = dt.date(2018, 1, 1)
    months: int = 12

    # Population
    mover_rate: float = 0.08  # households that moved in the last few years
    shared_household_rate: float = 0.02  # student and worker HMOs

    # Noise in partner records (per field unless noted)
    name_typo_rate: float = 0.04
    name_variant_rate: float = 0.06  # nicknames, transliterations, spelling variants
    diacritics_strip_rate: float = 0.6  # of names that carry diacritics
    name_reversed_rate: float = 0.02
    dob_swap_rate: float = 0.04  # of dates whose day <= 12
    dob_typo_rate: float = 0.01
    missing_rate: float = 0.04
    old_address_rate: float = 0.35  # of records about people who moved
    duplicate_rate: float = 0.03  # the same person or place recorded twice in one dataset
    postcode_nospace_rate: float = 0.25
    case_variation_rate: float = 0.08

    # Modern slavery
    people_per_exploitation_site: int = 4_000
    min_exploitation_sites: int = 3
    trace_rate: float = 0.3  # typical chance that one agency sees one site
    innocent_signal_scale: float = 1.0  # base-rate look-alikes at innocent addresses
    # Referral lists. None: first responders find sites at a slow rate and refer co-victims
    # (the realistic default). Otherwise each agency's chance (police, county council,
    # charity) of referring each victim at least once over the year of history and the
    # window, as multiple systems estimation assumes, so its coverage can be measured.
    referral_capture: tuple[float, float, float] | None = None
    referral_dependence: float = 0.0  # police -> county council: they refer each other's cases
    referral_heterogeneity: float = 0.0  # sd of a per-victim logit effect shared by all lists

    # Crime
    crime_rate_per_1000: float = 95.0  # per resident-year, incl. anti-social behaviour
    hotspot_share: float = 0.35  # of expected crime coming from stable hot places
    near_repeat_ratio: float = 0.35  # expected offspring per burglary
    near_repeat_days: float = 14.0  # mean delay of a near-repeat burglary
    near_repeat_metres: float = 120.0  # mean distance of a near-repeat burglary
    reporting_rate: float = 0.92  # crimes that reach the police

    # Interventions (hot-spot patrols at candidate places, half randomly treated)
    intervention_places: int = 40
    intervention_effect: float = -0.25  # relative change in expected crime while treated

    def __post_init__(self) -> None:
        if self.people < 200:
            raise SimulationRefused("people must be at least 200")
        if self.months < 1:
            raise SimulationRefused("months must be at least 1")
        if not -1.0 <= self.intervention_effect:
            raise SimulationRefused("intervention_effect must be >= -1")
        if self.referral_capture is not None and len(self.referral_capture) != 3:
            raise SimulationRefused("referral_capture needs one chance per agency: police, "
                                    "county council, charity")

    @property
    def start_day(self) -> np.datetime64:
        return np.datetime64(self.start.isoformat(), "D")

    @property
    def end_day(self) -> np.datetime64:
        """First day after the simulated window (calendar months)."""
        month = np.datetime64(self.start.isoformat()[:7], "M") + self.months
        end: np.datetime64 = month.astype("datetime64[D]") + (self.start.day - 1)
        return end

    @property
    def days(self) -> int:
        return int((self.end_day - self.start_day).astype(int))

    @property
    def years(self) -> float:
        return self.days / 365.25


def stage_rng(config: CountyConfig, stage: str) -> np.random.Generator:
    """An independent generator per stage, so changing one stage never shifts another."""
    return np.random.default_rng([config.seed, zlib.crc32(stage.encode())])


@dataclass
class CountySummary:
    """Counts only (never names or addresses), safe to log and to return from an API."""

    people: int = 0
    households: int = 0
    addresses: int = 0
    gazetteer_records: int = 0
    records: dict[str, int] = field(default_factory=dict)
    exploitation_sites: int = 0
    victims: int = 0
    crimes: int = 0
    crimes_reported: int = 0
    interventions: int = 0
    files: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
