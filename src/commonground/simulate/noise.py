"""The ways real partner records differ from the truth, as vectorised numpy operations.

Names stay integer indices into the name table while variants and diacritics are chosen,
then become strings for character-level typos. Every function takes the generator it uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.dtypes import StringDType

from .config import CountyConfig
from .names import NameTable, name_table
from .population import Population

S = StringDType()
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"), dtype=S)
DIGITS = np.array(list("0123456789"), dtype=S)
ABBREVIATIONS = (
    (" Road", " Rd"), (" Street", " St"), (" Avenue", " Ave"), (" Close", " Cl"),
    (" Lane", " Ln"), (" Drive", " Dr"), (" Crescent", " Cres"), (" Gardens", " Gdns"),
    (" Court", " Ct"), (" Place", " Pl"),
)


def chance(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def spellings(rng: np.random.Generator, idx: np.ndarray, config: CountyConfig,
              strip_rate: float | None = None) -> np.ndarray:
    """Swap some names for a nickname or transliteration, and strip some diacritics."""
    table: NameTable = name_table()
    idx = idx.copy()
    count = table.variant_count[idx]
    swap = np.flatnonzero((count > 0) & chance(rng, len(idx), config.name_variant_rate))
    pick = (rng.random(len(swap)) * count[swap]).astype(np.int64)
    idx[swap] = table.variant_flat[table.variant_start[idx[swap]] + pick]
    rate = config.diacritics_strip_rate if strip_rate is None else strip_rate
    strip = chance(rng, len(idx), rate)
    idx[strip] = table.stripped[idx[strip]]
    return idx


def typos(rng: np.random.Generator, values: np.ndarray, rate: float,
          alphabet: np.ndarray = LETTERS) -> np.ndarray:
    """Insert, delete, substitute or transpose one character in a `rate` share of values."""
    values = values.astype(S, copy=True)
    length = np.strings.str_len(values)
    rows = np.flatnonzero(chance(rng, len(values), rate) & (length >= 3))
    if len(rows) == 0:
        return values
    s, n = values[rows], length[rows]
    k = (rng.random(len(rows)) * n).astype(np.int64)
    op = rng.integers(0, 4, len(rows))
    letter = alphabet[rng.integers(0, len(alphabet), len(rows))]
    left = np.strings.slice(s, 0, k)
    out = np.where(op == 0, np.strings.add(np.strings.add(left, letter), np.strings.slice(s, k, n)),
                   np.strings.add(left, np.strings.slice(s, k + 1, n)))
    out = np.where(op == 2, np.strings.add(np.strings.add(left, letter),
                                           np.strings.slice(s, k + 1, n)), out)
    k2 = np.minimum(k, n - 2)
    swapped = np.strings.add(
        np.strings.add(np.strings.slice(s, 0, k2), np.strings.slice(s, k2 + 1, k2 + 2)),
        np.strings.add(np.strings.slice(s, k2, k2 + 1), np.strings.slice(s, k2 + 2, n)),
    )
    out = np.where(op == 3, swapped, out)
    values[rows] = out
    return values


def vary_case(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    values = values.astype(S, copy=True)
    rows = np.flatnonzero(chance(rng, len(values), rate))
    upper = rng.random(len(rows)) < 0.5
    values[rows[upper]] = np.strings.upper(values[rows[upper]])
    values[rows[~upper]] = np.strings.lower(values[rows[~upper]])
    return values


@dataclass
class PersonMention:
    """How one record names a person; `missing_*` masks mark blank fields."""

    forename: np.ndarray
    surname: np.ndarray
    dob: np.ndarray  # datetime64[D]
    missing_forename: np.ndarray
    missing_dob: np.ndarray


def mention_people(rng: np.random.Generator, population: Population, person: np.ndarray,
                   config: CountyConfig, strip_rate: float | None = None) -> PersonMention:
    """Noisy names and dates of birth for the people behind `person` (indices, no -1)."""
    people = population.people
    table = name_table()
    n = len(person)
    fore = table.spellings[spellings(rng, people.forename[person], config, strip_rate)]
    sur = table.spellings[spellings(rng, people.surname[person], config, strip_rate)]
    fore = typos(rng, fore.astype(S), config.name_typo_rate)
    sur = typos(rng, sur.astype(S), config.name_typo_rate)
    reverse = chance(rng, n, config.name_reversed_rate)
    fore[reverse], sur[reverse] = sur[reverse], fore[reverse].copy()
    return PersonMention(
        forename=fore, surname=sur, dob=noisy_dates(rng, people.dob[person], config),
        missing_forename=chance(rng, n, config.missing_rate / 2),
        missing_dob=chance(rng, n, config.missing_rate),
    )


def noisy_dates(rng: np.random.Generator, dates: np.ndarray, config: CountyConfig
                ) -> np.ndarray:
    """Swap day and month where the day could be a month; a few keying slips."""
    years = dates.astype("datetime64[Y]")
    months = dates.astype("datetime64[M]")
    month = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    day = (dates - months.astype("datetime64[D]")).astype(np.int64) + 1
    swap = (day <= 12) & (day != month) & chance(rng, len(dates), config.dob_swap_rate)
    swapped = (years.astype("datetime64[M]") + (day - 1)).astype("datetime64[D]") + (month - 1)
    out = np.where(swap, swapped, dates)
    slip = chance(rng, len(dates), config.dob_typo_rate)
    shift = rng.choice(np.array([-365, -1, 1, 365, 3652]), len(dates))
    return np.where(slip, out + shift, out)


def iso_dates(dates: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(dates, unit="D").astype(S)


def uk_dates(dates: np.ndarray) -> np.ndarray:
    iso = iso_dates(dates)
    return np.strings.add(
        np.strings.add(np.strings.add(np.strings.slice(iso, 8, 10), "/"),
                       np.strings.add(np.strings.slice(iso, 5, 7), "/")),
        np.strings.slice(iso, 0, 4),
    )


@dataclass
class AddressMention:
    line: np.ndarray  # "Flat 2, 14 Acacia Road"
    town: np.ndarray
    postcode: np.ndarray
    missing_postcode: np.ndarray


def mention_addresses(rng: np.random.Generator, population: Population, address: np.ndarray,
                      config: CountyConfig, abbreviate_rate: float = 0.2) -> AddressMention:
    """Noisy address lines: abbreviations, flat styles, typos, postcode spacing and case."""
    a, streets = population.addresses, population.streets
    street = a.street[address]
    name = typos(rng, streets.name[street], config.name_typo_rate / 2)
    rows = np.flatnonzero(chance(rng, len(address), abbreviate_rate))
    for long, short in ABBREVIATIONS:
        name[rows] = np.strings.replace(name[rows], long, short)
    line = np.strings.add(np.strings.add(a.number[address].astype(S), " "), name)
    flat = a.flat[address]
    has_flat = flat > 0
    style = rng.random(len(address))
    prefix = np.where(style < 0.7, "Flat ", np.where(style < 0.85, "", "Apartment "))
    sep = np.where(style < 0.6, ", ", " ")
    flat_text = np.strings.add(np.strings.add(prefix.astype(S), flat.astype(S)), sep.astype(S))
    line = np.where(has_flat, np.strings.add(flat_text, line), line)
    postcode = streets.postcode[street].copy()
    nospace = np.flatnonzero(chance(rng, len(address), config.postcode_nospace_rate))
    postcode[nospace] = np.strings.replace(postcode[nospace], " ", "")
    postcode = vary_case(rng, postcode, config.case_variation_rate)
    return AddressMention(
        line=line, town=streets.town[street].copy(), postcode=postcode,
        missing_postcode=chance(rng, len(address), config.missing_rate),
    )


def stale_addresses(rng: np.random.Generator, population: Population, person: np.ndarray,
                    config: CountyConfig) -> np.ndarray:
    """Where a record places each person: home, or (for some movers) the old address."""
    previous = population.previous_address()[person]
    home = population.people.address[person]
    old = (previous >= 0) & chance(rng, len(person), config.old_address_rate)
    where: np.ndarray = np.where(old, previous, home)
    return where


def with_duplicates(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Row sources with a `rate` share entered twice (each copy gets its own noise)."""
    twice = np.flatnonzero(chance(rng, n, rate))
    return np.sort(np.r_[np.arange(n), twice], kind="stable")


def column(values: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """An Arrow column with nulls where a field was left blank."""
    array = pa.array(values)
    if missing is not None and missing.any():
        array = pc.if_else(pa.array(missing), pa.scalar(None, type=array.type), array)
    return array
