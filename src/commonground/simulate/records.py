"""What every partner dataset shares: record ids, the truth behind each record, name styles."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow as pa

from .config import CountyConfig
from .noise import S, chance, mention_people, vary_case
from .population import Population

TRUTH_SCHEMA = pa.schema([
    ("agency", pa.string()),
    ("dataset", pa.string()),
    ("record_id", pa.string()),
    ("person_id", pa.int64()),  # the person the record is about (victim, patient, payer...)
    ("address_id", pa.int64()),  # the address the record is about (UPRN-like)
    ("other_person_id", pa.int64()),  # a second person named (police suspect), else null
    ("site_id", pa.int64()),  # exploitation site this record is a trace of, else null
])


def contracts_folder() -> Path:
    """The dataset contract of each partner file, as `<agency>/<dataset>.yaml`.

    Kept beside the writers so a change to a file's columns and its contract go together;
    parsing them is the contribute room's work (`contribute.contract.load_contracts`)."""
    return Path(str(resources.files("commonground.simulate") / "contracts"))


@dataclass
class PartnerFile:
    agency: str
    dataset: str
    path: str  # relative to the output folder
    table: pa.Table
    truth: pa.Table


def record_ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    numbers = np.arange(1, n + 1).astype(S)
    return np.strings.add(prefix, np.strings.zfill(numbers, width))


def _ids_or_null(values: np.ndarray) -> pa.Array:
    return pa.array(values, type=pa.int64(), mask=values < 0)


def truth_table(agency: str, dataset: str, ids: np.ndarray, population: Population, *,
                person: np.ndarray | None = None, address: np.ndarray | None = None,
                other: np.ndarray | None = None, site: np.ndarray | None = None) -> pa.Table:
    """Truth rows; `person`, `address`, `other` are indices (-1 = none), mapped to ids here."""
    n = len(ids)
    none = np.full(n, -1, np.int64)
    person = none if person is None else person
    other = none if other is None else other
    address = none if address is None else address
    site = none if site is None else site
    address_id = np.where(address >= 0, population.addresses.uprn[np.maximum(address, 0)], -1)
    return pa.table({
        "agency": pa.array([agency] * n, pa.string()),
        "dataset": pa.array([dataset] * n, pa.string()),
        "record_id": pa.array(ids.astype(S)),
        "person_id": _ids_or_null(person_ids(person)),
        "address_id": _ids_or_null(address_id),
        "other_person_id": _ids_or_null(person_ids(other)),
        "site_id": _ids_or_null(np.where(site >= 0, site + 1, -1)),
    }, schema=TRUTH_SCHEMA)


def person_ids(index: np.ndarray) -> np.ndarray:
    """Stable public person ids: 1-based position in the truth people table."""
    return np.where(index >= 0, index + 1, -1).astype(np.int64)


def full_names(rng: np.random.Generator, named: Named, case_rate: float) -> np.ndarray:
    """Single-field names as councils key them: mostly "Forename Surname", some "Surname, F"."""
    style = rng.random(len(named.forename))
    forename = np.where(named.no_forename, "", named.forename).astype(S)
    natural = np.strings.strip(np.strings.add(np.strings.add(forename, " "), named.surname))
    formal = np.strings.add(np.strings.add(named.surname, ", "), forename)
    return vary_case(rng, np.where(style < 0.7, natural, formal).astype(S), case_rate)


def yes_no(flags: np.ndarray) -> np.ndarray:
    return np.where(flags, "Y", "N").astype(S)


def sample_rows(rng: np.random.Generator, candidates: np.ndarray, rate: float) -> np.ndarray:
    """A Bernoulli(rate) subset of `candidates`, in order."""
    chosen: np.ndarray = candidates[chance(rng, len(candidates), rate)]
    return chosen


def event_days(rng: np.random.Generator, start: np.datetime64, days: int, n: int,
               not_before: np.ndarray | None = None) -> np.ndarray:
    """Uniform days in the window; events about a site never predate the site."""
    day = start + rng.integers(0, days, n)
    if not_before is not None:
        late = day < not_before
        span = np.maximum((start + days - not_before).astype(np.int64), 1)
        day[late] = not_before[late] + (rng.random(late.sum()) * span[late]).astype(np.int64)
    return day.astype("datetime64[D]")




@dataclass
class Named:
    """Name fields for rows that may or may not name a person (-1 = nobody)."""

    forename: np.ndarray
    surname: np.ndarray
    dob: np.ndarray
    no_forename: np.ndarray
    no_surname: np.ndarray
    no_dob: np.ndarray


def name_rows(rng: np.random.Generator, population: Population, person: np.ndarray,
              config: CountyConfig, strip_rate: float | None = None) -> Named:
    n = len(person)
    rows = np.flatnonzero(person >= 0)
    mention = mention_people(rng, population, person[rows], config, strip_rate)
    forename = np.full(n, "", dtype=S)
    surname = np.full(n, "", dtype=S)
    dob = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    forename[rows], surname[rows], dob[rows] = mention.forename, mention.surname, mention.dob
    nobody = person < 0
    no_forename, no_dob = nobody.copy(), nobody.copy()
    no_forename[rows] |= mention.missing_forename
    no_dob[rows] |= mention.missing_dob
    return Named(forename, surname, dob, no_forename, nobody, no_dob)
