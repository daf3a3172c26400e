"""Streets and addresses: UPRN-like ids, house numbers, postcodes and BNG coordinates."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.dtypes import StringDType

from .geography import (
    COMMERCIAL_STREETS,
    POSTCODE_DISTRICTS,
    STREET_SUFFIX_WEIGHTS,
    STREET_SUFFIXES,
    STREET_WORDS,
    TOWNS,
    UNIT_LETTERS,
    Lsoas,
    msoa_choices,
)

HOUSE, FLAT, HMO, COMMERCIAL = 0, 1, 2, 3
ADDRESS_KINDS = ("house", "flat", "hmo", "commercial")

BUSINESS_KINDS = ("shop", "takeaway", "nail_bar", "car_wash", "pub", "office", "garage", "salon")
BUSINESS_SHARES = (0.34, 0.15, 0.07, 0.05, 0.08, 0.15, 0.07, 0.09)
BUSINESS_LABELS = {
    "shop": ("Stores", "Convenience Store", "Mini Market", "News"),
    "takeaway": ("Kebab House", "Fish Bar", "Pizza", "Chinese Takeaway"),
    "nail_bar": ("Nails", "Nail Bar", "Nails & Beauty"),
    "car_wash": ("Hand Car Wash", "Car Valeting", "Car Wash"),
    "pub": ("Arms", "Inn", "Tavern"),
    "office": ("Associates", "Lettings", "Accountants"),
    "garage": ("Motors", "Tyres", "Autos"),
    "salon": ("Hair", "Barbers", "Beauty"),
}

HOMES_PER_STREET = 28
FLATS_PER_BUILDING = 6
UPRN_BASE = 100_090_000_000


@dataclass
class Streets:
    name: np.ndarray  # StringDType
    town: np.ndarray
    postcode: np.ndarray  # canonical "CM1 2AB"
    lsoa: np.ndarray


@dataclass
class Addresses:
    uprn: np.ndarray  # int64, 12 digits, unique
    lsoa: np.ndarray
    street: np.ndarray
    number: np.ndarray
    flat: np.ndarray  # 0 when not a flat
    kind: np.ndarray  # HOUSE / FLAT / HMO / COMMERCIAL
    business: np.ndarray  # index into BUSINESS_KINDS, -1 for homes
    business_name: np.ndarray  # StringDType, "" for homes
    easting: np.ndarray  # int32 metres, EPSG:27700
    northing: np.ndarray

    def __len__(self) -> int:
        return len(self.uprn)


def _ranks(groups: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal (sorted) group values."""
    starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def build_addresses(
    rng: np.random.Generator, lsoas: Lsoas, homes: np.ndarray, shops: np.ndarray
) -> tuple[Addresses, Streets]:
    """Lay out `homes[i]` residential and `shops[i]` commercial addresses in LSOA i.

    Residential addresses come first within each LSOA, so the caller can place households on
    them; the returned order is (LSOA, street, number).
    """
    n_lsoa = len(lsoas)
    res_streets = np.ceil(homes / HOMES_PER_STREET).astype(np.int64)
    shop_streets = (shops > 0).astype(np.int64)
    street_lsoa = np.repeat(np.arange(n_lsoa), res_streets + shop_streets)
    first_street = np.r_[0, np.cumsum(res_streets + shop_streets)[:-1]]
    street_is_shop = _ranks(street_lsoa) >= res_streets[street_lsoa]
    n_streets = len(street_lsoa)

    words = np.array(STREET_WORDS, dtype=StringDType())
    suffix_p = np.array(STREET_SUFFIX_WEIGHTS, dtype=float)
    suffix = rng.choice(len(STREET_SUFFIXES), n_streets, p=suffix_p / suffix_p.sum())
    name = np.strings.add(
        np.strings.add(words[rng.integers(len(words), size=n_streets)], " "),
        np.array(STREET_SUFFIXES, dtype=StringDType())[suffix],
    )
    shop_names = np.array(COMMERCIAL_STREETS, dtype=StringDType())
    name[street_is_shop] = shop_names[rng.integers(len(shop_names), size=street_is_shop.sum())]

    town = msoa_choices(rng, lsoas, TOWNS)[street_lsoa]
    district = msoa_choices(rng, lsoas, POSTCODE_DISTRICTS)[street_lsoa]
    letters = UNIT_LETTERS[rng.integers(len(UNIT_LETTERS), size=(n_streets, 2))]
    inward = np.strings.add(
        rng.integers(1, 10, size=n_streets).astype(StringDType()),
        np.strings.add(letters[:, 0].astype(StringDType()), letters[:, 1].astype(StringDType())),
    )
    postcode = np.strings.add(np.strings.add(district.astype(StringDType()), " "), inward)
    streets = Streets(name=name, town=town.astype(StringDType()), postcode=postcode,
                      lsoa=street_lsoa)

    # Addresses: residential streets get HOMES_PER_STREET each, the shop street the rest.
    per_lsoa = homes + shops
    lsoa = np.repeat(np.arange(n_lsoa), per_lsoa)
    rank = _ranks(lsoa)
    is_shop = rank >= homes[lsoa]
    street = np.where(
        is_shop,
        first_street[lsoa] + res_streets[lsoa],
        first_street[lsoa] + rank // HOMES_PER_STREET,
    )
    in_street = _ranks(street)

    # Denser LSOAs have more flats; a street is either houses or blocks of flats.
    density = lsoas.density
    flat_share = np.clip(0.05 + density / 120.0, 0.05, 0.6)
    flat_street = (rng.random(n_streets) < flat_share[street_lsoa]) & ~street_is_shop
    is_flat = flat_street[street]
    number = np.where(is_flat, in_street // FLATS_PER_BUILDING + 1, in_street + 1)
    flat = np.where(is_flat, in_street % FLATS_PER_BUILDING + 1, 0).astype(np.int16)
    kind = np.where(is_shop, COMMERCIAL, np.where(is_flat, FLAT, HOUSE)).astype(np.int8)

    business = np.full(len(lsoa), -1, dtype=np.int8)
    business[is_shop] = rng.choice(len(BUSINESS_KINDS), is_shop.sum(), p=BUSINESS_SHARES)
    business_name = np.full(len(lsoa), "", dtype=StringDType())
    for code, label in enumerate(BUSINESS_KINDS):
        rows = np.flatnonzero(business == code)
        labels = np.array(BUSINESS_LABELS[label], dtype=StringDType())
        business_name[rows] = np.strings.add(
            np.strings.add(words[rng.integers(len(words), size=len(rows))], " "),
            labels[rng.integers(len(labels), size=len(rows))],
        )

    # Streets are short straight lines scattered around the LSOA's population centroid; the
    # scatter grows with the LSOA's area so rural LSOAs look sparse and town ones dense.
    spread = np.sqrt(lsoas.hectares * 10_000.0) / 4.0
    centre_e = lsoas.easting[street_lsoa] + rng.normal(0, 1, n_streets) * spread[street_lsoa]
    centre_n = lsoas.northing[street_lsoa] + rng.normal(0, 1, n_streets) * spread[street_lsoa]
    angle = rng.uniform(0, np.pi, n_streets)
    building = np.where(is_flat, in_street // FLATS_PER_BUILDING, in_street)
    street_len = np.bincount(street, minlength=n_streets)
    along = (building - street_len[street] / (2 * np.where(is_flat, 6, 1))) * 11.0
    easting = centre_e[street] + along * np.cos(angle[street]) + rng.normal(0, 4, len(lsoa))
    northing = centre_n[street] + along * np.sin(angle[street]) + rng.normal(0, 4, len(lsoa))

    # UPRNs are issued by each authority in its own block of numbers.
    lads, lad_of_lsoa = np.unique(lsoas.lad_code, return_inverse=True)
    lad = lad_of_lsoa[lsoa]
    order = np.argsort(lad, kind="stable")
    within = np.empty(len(lsoa), dtype=np.int64)
    within[order] = _ranks(lad[order])
    uprn = UPRN_BASE + lad.astype(np.int64) * 10_000_000 + within * 3 + 1

    addresses = Addresses(
        uprn=uprn, lsoa=lsoa.astype(np.int32), street=street.astype(np.int32),
        number=number.astype(np.int32), flat=flat, kind=kind, business=business,
        business_name=business_name, easting=np.round(easting).astype(np.int32),
        northing=np.round(northing).astype(np.int32),
    )
    return addresses, streets
