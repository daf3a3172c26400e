"""The councils' gazetteer (an LLPG export, AddressBase-like): every addressable place with its
UPRN, as the district councils keep it and share it with their partners.

A real gazetteer is not the truth either, and this one differs from it the ways real ones do:
blocks of flats carry a building name the residents rarely write, and a parent record of
their own (the building, with its UPRN); shops carry the business's name; flats are "FLAT 2"
or "APARTMENT 2"; a few postcodes are stale (a street recoded since) or missing; and some
addresses are absent (new builds not yet added). Written upper case, in AddressBase's column
names, with the truth beside it: which simulated address each UPRN is, and what was altered.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.dtypes import StringDType

from .addresses import COMMERCIAL, FLAT, HMO, HOUSE
from .config import CountyConfig, stage_rng
from .geography import STREET_WORDS
from .noise import column
from .population import Population

S = StringDType()
PATH = "partners/district_council/gazetteer.csv"

ABSENT_RATE = 0.015  # new builds not yet in the gazetteer
STALE_POSTCODE_RATE = 0.015  # the postcode of a street nearby (recoded since)
MISSING_POSTCODE_RATE = 0.01
BUILDING_NAME_RATE = 0.4  # of blocks of flats
HOUSE_NAME_RATE = 0.03  # of houses: "ROSE COTTAGE, 3 MILL LANE"
ORGANISATION_RATE = 0.7  # of shops: the business's name
APARTMENT_RATE = 0.15  # of blocks whose flats are "APARTMENT 2", not "FLAT 2"
BUILDING_SUFFIXES = ("COURT", "HOUSE", "LODGE", "MANSIONS", "POINT")
HOUSE_NAMES = ("COTTAGE", "HOUSE", "LODGE", "VILLA", "BARN")
# AddressBase classification codes: terraced house, flat, HMO, retail, parent shell.
CLASSES = {HOUSE: "RD04", FLAT: "RD06", HMO: "RH02", COMMERCIAL: "CR"}
PARENT_CLASS = "PP"


@dataclass
class Gazetteer:
    table: pa.Table  # the partner file
    truth: pa.Table  # uprn, address_id (null for a parent shell), published, altered flags


def _upper(values: np.ndarray) -> np.ndarray:
    return np.strings.upper(values.astype(S))


def _names(rng: np.random.Generator, n: int, suffixes: tuple[str, ...]) -> np.ndarray:
    words = _upper(np.array(STREET_WORDS, dtype=S))
    return np.strings.add(np.strings.add(words[rng.integers(len(words), size=n)], " "),
                          np.array(suffixes, dtype=S)[rng.integers(len(suffixes), size=n)])


def build_gazetteer(config: CountyConfig, population: Population) -> Gazetteer:
    rng = stage_rng(config, "gazetteer")
    a, streets = population.addresses, population.streets
    n = len(a)
    flat = a.flat > 0
    # One building per (street, number) of flats: its parent record, name and flat style.
    building_key = a.street.astype(np.int64) * 100_000 + a.number
    buildings, building = np.unique(np.where(flat, building_key, -1), return_inverse=True)
    has_block = buildings >= 0
    named_block = has_block & (rng.random(len(buildings)) < BUILDING_NAME_RATE)
    apartments = rng.random(len(buildings)) < APARTMENT_RATE
    block_name = _names(rng, len(buildings), BUILDING_SUFFIXES)

    sub = np.where(flat, np.strings.add(np.where(apartments[building], "APARTMENT ", "FLAT ")
                                        .astype(S), a.flat.astype(S)), "").astype(S)
    house_named = (a.kind == HOUSE) & (rng.random(n) < HOUSE_NAME_RATE)
    building_name = np.where(flat & named_block[building], block_name[building],
                             np.where(house_named, _names(rng, n, HOUSE_NAMES), "")).astype(S)
    organisation = np.where((a.kind == COMMERCIAL) & (rng.random(n) < ORGANISATION_RATE),
                            _upper(a.business_name), "").astype(S)

    postcode = streets.postcode[a.street].copy()
    # A stale postcode is a street nearby's: the next street of the LSOA, or the one before.
    last = len(streets.lsoa) - 1
    after, before = np.minimum(a.street + 1, last), np.maximum(a.street - 1, 0)
    nearby = np.where(streets.lsoa[after] == streets.lsoa[a.street], after, before)
    stale = (rng.random(n) < STALE_POSTCODE_RATE) & (streets.postcode[nearby] != postcode)
    postcode[stale] = streets.postcode[nearby[stale]]
    missing = ~stale & (rng.random(n) < MISSING_POSTCODE_RATE)
    published = rng.random(n) >= ABSENT_RATE

    # Parent shells: one per block, always published, UPRN next to its first flat's (the
    # authority's block of numbers leaves room), at the flats' mean position.
    first = np.full(len(buildings), -1, np.int64)
    rows = np.flatnonzero(flat)
    first[building[rows[::-1]]] = rows[::-1]
    blocks = np.flatnonzero(has_block)
    parent_of = np.where(flat, a.uprn[first[building]] + 1, -1)
    lead = first[blocks]
    east = np.bincount(building[rows], weights=a.easting[rows], minlength=len(buildings))
    north = np.bincount(building[rows], weights=a.northing[rows], minlength=len(buildings))
    count = np.maximum(np.bincount(building[rows], minlength=len(buildings)), 1)

    def both(own: np.ndarray, parents: np.ndarray) -> np.ndarray:
        joined: np.ndarray = np.concatenate([own, parents])
        return joined

    uprn = both(a.uprn, a.uprn[lead] + 1)
    kind_class = np.array([CLASSES[k] for k in range(4)], dtype=S)
    table = pa.table({
        "UPRN": pa.array(uprn),
        "PARENT_UPRN": pa.array(both(parent_of, np.full(len(blocks), -1)),
                                mask=both(parent_of, np.full(len(blocks), -1)) < 0),
        "CLASS": column(both(kind_class[a.kind], np.full(len(blocks), PARENT_CLASS, dtype=S))),
        "ORGANISATION_NAME": column(both(organisation, np.full(len(blocks), "", dtype=S)),
                                    both(organisation == "", np.ones(len(blocks), bool))),
        "SUB_BUILDING_NAME": column(both(sub, np.full(len(blocks), "", dtype=S)),
                                    both(~flat, np.ones(len(blocks), bool))),
        "BUILDING_NAME": column(both(building_name, block_name[blocks]),
                                both(building_name == "", ~named_block[blocks])),
        "BUILDING_NUMBER": pa.array(both(a.number, a.number[lead])),
        "THOROUGHFARE": column(_upper(streets.name[both(a.street, a.street[lead])])),
        "POST_TOWN": column(_upper(streets.town[both(a.street, a.street[lead])])),
        "POSTCODE": column(both(postcode, streets.postcode[a.street[lead]]),
                           both(missing, np.zeros(len(blocks), bool))),
        "X_COORDINATE": pa.array(both(a.easting, np.round(east[blocks] / count[blocks])
                                      .astype(np.int32))),
        "Y_COORDINATE": pa.array(both(a.northing, np.round(north[blocks] / count[blocks])
                                      .astype(np.int32))),
    })
    address_id = both(a.uprn, np.full(len(blocks), -1))
    truth = pa.table({
        "uprn": pa.array(uprn),
        "address_id": pa.array(address_id, mask=address_id < 0),
        "parent_shell": pa.array(address_id < 0),
        "published": pa.array(both(published, np.ones(len(blocks), bool))),
        "postcode_stale": pa.array(both(stale, np.zeros(len(blocks), bool))),
        "postcode_missing": pa.array(both(missing, np.zeros(len(blocks), bool))),
    })
    keep = np.flatnonzero(truth["published"].to_numpy(zero_copy_only=False))
    order = np.argsort(uprn[keep], kind="stable")
    truth_order = np.argsort(uprn, kind="stable")
    return Gazetteer(table.take(pa.array(keep[order])), truth.take(pa.array(truth_order)))
