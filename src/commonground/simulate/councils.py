"""District council (council tax, HMO licences, housing complaints) and county council
(adult social care, trading standards) extracts, keyed the way council systems key them."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .addresses import COMMERCIAL, HMO
from .config import CountyConfig, stage_rng
from .exploitation import SITE_KINDS, WORKS_AT_BUSINESS
from .noise import S, chance, column, mention_addresses, stale_addresses, uk_dates, with_duplicates
from .police import _neighbours, residents_at
from .population import SHARED, VICTIMS, Population
from .records import (
    PartnerFile,
    event_days,
    full_names,
    name_rows,
    record_ids,
    sample_rows,
    truth_table,
    yes_no,
)

DISTRICT, COUNTY = "district_council", "county_council"
BANDS = np.array(list("ABCDEFGH"), dtype=S)
COMPLAINTS = ("Noise", "Rubbish / fly-tipping", "Disrepair", "Damp and mould",
              "Many people coming and going", "Suspected unlicensed HMO", "Overcrowding")
ASC_REASONS = ("Self-neglect", "Falls / frailty", "Carer support", "Safeguarding concern",
               "Mental health", "Learning disability", "Modern slavery concern")
ASC_SOURCES = ("GP", "Hospital", "Family", "Police", "Self", "Neighbour", "Voluntary sector")
TS_CATEGORIES = ("Rogue trader", "Counterfeit goods", "Underage sales", "Pricing / weights",
                 "Food hygiene referral", "Employment concerns", "Workers living on premises")


def _landlords(rng: np.random.Generator, population: Population, config: CountyConfig,
               n: int) -> np.ndarray:
    age = population.people.age_on(config.start_day)
    pool = np.flatnonzero((age >= 30) & (age <= 75) & (population.people.site < 0))
    return pool[rng.integers(len(pool), size=n)]


def council_tax_file(config: CountyConfig, population: Population) -> PartnerFile:
    """One account per occupied home; movers' old accounts linger; some double accounts."""
    rng = stage_rng(config, "council-tax")
    h, p = population.households, population.people
    first = np.r_[0, np.cumsum(h.size)[:-1]]
    liable = first + (rng.random(len(h.size)) * np.where(h.kind == SHARED, h.size, 1)
                      ).astype(np.int64)
    victims = np.flatnonzero(h.kind == VICTIMS)
    controller_of = np.full(len(h.size), -1, np.int64)
    controller_of[victims] = population.sites.controller[p.site[first[victims]]]
    liable = np.where(h.kind == VICTIMS, controller_of, liable)
    moved = np.flatnonzero((h.previous_address >= 0) & chance(rng, len(h.size), 0.3))
    person = np.r_[liable, first[moved]]
    address = np.r_[h.address, h.previous_address[moved]]
    since = np.r_[
        np.where(np.isnat(h.moved_on), config.start_day - rng.integers(30, 7_300, len(h.size)),
                 h.moved_on),
        config.start_day - rng.integers(1_100, 5_000, len(moved)),
    ]
    source = with_duplicates(rng, len(person), config.duplicate_rate)
    person, address, since = person[source], address[source], since[source]
    order = np.lexsort((person, address))
    person, address, since = person[order], address[order], since[order]
    ids = record_ids("CT", len(person), 8)
    named = name_rows(rng, population, person, config)
    where = mention_addresses(rng, population, address, config)
    occupants = np.bincount(h.address, weights=h.size, minlength=len(population.addresses))
    single = (occupants[address] == 1) ^ chance(rng, len(address), 0.03)
    band = np.clip(rng.normal(2.5, 1.3, len(address)).round().astype(int), 0, 7)
    table = pa.table({
        "Account Ref": column(ids),
        "Full Name": column(full_names(rng, named, config.case_variation_rate)),
        "Property Address": column(where.line),
        "Postcode": column(where.postcode, where.missing_postcode),
        "Band": column(BANDS[band]),
        "Single Person Discount": column(yes_no(single)),
        "Liable From": column(uk_dates(since)),
    })
    truth = truth_table(DISTRICT, "council_tax", ids, population, person=person, address=address)
    return PartnerFile(DISTRICT, "council_tax", "partners/district_council/council_tax.csv",
                       table, truth)


def hmo_licences_file(config: CountyConfig, population: Population) -> PartnerFile:
    """Licensed HMOs: most student/worker shares; exploitation houses almost never apply."""
    rng = stage_rng(config, "hmo-licences")
    a, sites = population.addresses, population.sites
    licensed = sample_rows(rng, np.flatnonzero(a.kind == HMO), 0.85)
    labour = sites.living_address[sites.kind == SITE_KINDS.index("labour_hmo")]
    cover = sample_rows(rng, labour, 0.1)
    address = np.r_[licensed, cover]
    holder = _landlords(rng, population, config, len(address))
    occupants = np.bincount(population.households.address, weights=population.households.size,
                            minlength=len(a))[address].astype(np.int64)
    max_occupants = np.where(np.isin(address, cover), rng.integers(4, 6, len(address)),
                             occupants + rng.integers(0, 2, len(address)))
    issued = config.start_day - rng.integers(0, 5 * 365, len(address))
    order = np.lexsort((issued,))
    address, holder, max_occupants, issued = (x[order] for x in
                                              (address, holder, max_occupants, issued))
    year = np.datetime_as_string(issued.astype("datetime64[Y]")).astype(S)
    ids = np.strings.add(np.strings.add("HMO/", year), record_ids("/", len(address), 5))
    named = name_rows(rng, population, holder, config)
    where = mention_addresses(rng, population, address, config)
    # The public register gives the licence holder's own address too (Housing Act 2004,
    # s. 232): a landlord rarely lives in the HMO, and it is how the holder is traced.
    home = mention_addresses(rng, population, stale_addresses(rng, population, holder, config),
                             config)
    table = pa.table({
        "Licence No": column(ids),
        "Property Address": column(where.line),
        "Postcode": column(where.postcode, where.missing_postcode),
        "Licence Holder": column(full_names(rng, named, config.case_variation_rate)),
        "Holder Address": column(home.line),
        "Holder Postcode": column(home.postcode, home.missing_postcode),
        "Max Occupants": pa.array(max_occupants),
        "Issue Date": column(uk_dates(issued)),
        "Expiry Date": column(uk_dates(issued + 5 * 365)),
    })
    site = _site_at(population, address, living=True)
    truth = truth_table(DISTRICT, "hmo_licences", ids, population, person=holder,
                        address=address, site=site)
    return PartnerFile(DISTRICT, "hmo_licences", "partners/district_council/hmo_licences.csv",
                       table, truth)


def housing_complaints_file(config: CountyConfig, population: Population) -> PartnerFile:
    """Complaints by neighbours: ordinary nuisances, busy HMOs and big families, and sites."""
    rng = stage_rng(config, "housing-complaints")
    a, h, sites = population.addresses, population.households, population.sites
    scale = config.years * config.innocent_signal_scale
    homes = np.flatnonzero(a.kind != COMMERCIAL)
    ordinary = sample_rows(rng, homes, 0.015 * scale)
    busy = np.r_[sample_rows(rng, np.flatnonzero(a.kind == HMO), 0.12 * scale),
                 sample_rows(rng, h.address[h.size >= 5], 0.03 * scale)]
    seen = np.flatnonzero(chance(rng, len(sites), min(1.0, config.trace_rate * 1.2)))
    site = np.repeat(seen, rng.integers(1, 3, len(seen)))
    address = np.r_[ordinary, busy, sites.living_address[site]]
    kind = np.r_[
        rng.choice(4, len(ordinary), p=[0.4, 0.2, 0.2, 0.2]),
        rng.choice(7, len(busy), p=[0.35, 0.2, 0.05, 0.05, 0.15, 0.1, 0.1]),
        rng.choice(7, len(site), p=[0.2, 0.15, 0.0, 0.05, 0.3, 0.2, 0.1]),
    ]
    site_of = np.r_[np.full(len(ordinary) + len(busy), -1), site]
    not_before = np.r_[np.full(len(ordinary) + len(busy), config.start_day),
                       sites.start[site]].astype("datetime64[D]")
    day = event_days(rng, config.start_day, config.days, len(address), not_before)
    complainant = residents_at(rng, population, _neighbours(rng, population, address))
    complainant[chance(rng, len(address), 0.3) | (complainant < 0)] = -1
    complainant[population.people.address[np.maximum(complainant, 0)] == address] = -1
    order = np.lexsort((rng.random(len(day)), day))
    address, kind, site_of, day, complainant = (x[order] for x in
                                                (address, kind, site_of, day, complainant))
    ids = record_ids("HC", len(day), 6)
    named = name_rows(rng, population, complainant, config)
    where = mention_addresses(rng, population, address, config)
    names = full_names(rng, named, config.case_variation_rate)
    table = pa.table({
        "Ref": column(ids),
        "Date Received": column(uk_dates(day)),
        "Complaint Type": column(np.array(COMPLAINTS, dtype=S)[kind]),
        "Address": column(where.line),
        "Postcode": column(where.postcode, where.missing_postcode),
        "Complainant": column(names, complainant < 0),
    })
    truth = truth_table(DISTRICT, "housing_complaints", ids, population, person=complainant,
                        address=address, site=site_of)
    return PartnerFile(DISTRICT, "housing_complaints",
                       "partners/district_council/housing_complaints.csv", table, truth)


def adult_social_care_file(config: CountyConfig, population: Population) -> PartnerFile:
    """Referrals, mostly older people; exploitation victims only rarely reach social care."""
    rng = stage_rng(config, "adult-social-care")
    p, sites = population.people, population.sites
    age = p.age_on(config.start_day)
    rate = np.where(age >= 65, 0.04, np.where(age >= 18, 0.004, 0.0)) * config.years
    referred = np.flatnonzero((rng.random(len(p)) < rate) & (p.site < 0))
    seen = np.flatnonzero(chance(rng, len(sites), min(1.0, config.trace_rate * 0.3)))
    first = np.r_[0, np.cumsum(sites.victims)[:-1]]
    victim_rows = np.flatnonzero(p.site >= 0)
    victim = victim_rows[first[seen] + rng.integers(0, sites.victims[seen])]
    person = np.r_[referred, victim]
    reason = np.r_[rng.choice(6, len(referred), p=[0.2, 0.3, 0.2, 0.15, 0.1, 0.05]),
                   np.where(chance(rng, len(seen), 0.6), 6, 3)]
    site_of = np.r_[np.full(len(referred), -1), seen]
    day = event_days(rng, config.start_day, config.days, len(person),
                     np.r_[np.full(len(referred), config.start_day), sites.start[seen]]
                     .astype("datetime64[D]"))
    source = with_duplicates(rng, len(person), config.duplicate_rate)
    person, reason, site_of, day = person[source], reason[source], site_of[source], day[source]
    order = np.lexsort((person, day))
    person, reason, site_of, day = (x[order] for x in (person, reason, site_of, day))
    ids = record_ids("ASC", len(person), 7)
    named = name_rows(rng, population, person, config)
    address = stale_addresses(rng, population, person, config)
    where = mention_addresses(rng, population, address, config)
    gender = np.where(p.female[person], "F", "M").astype(S)
    table = pa.table({
        "Ref": column(ids),
        "Full Name": column(full_names(rng, named, config.case_variation_rate)),
        "Date of Birth": column(uk_dates(named.dob), named.no_dob),
        "Gender": column(gender, chance(rng, len(person), config.missing_rate)),
        "Address": column(where.line),
        "Postcode": column(where.postcode, where.missing_postcode),
        "Referral Date": column(uk_dates(day)),
        "Referral Source": column(np.array(ASC_SOURCES, dtype=S)[
            rng.choice(len(ASC_SOURCES), len(person))]),
        "Primary Reason": column(np.array(ASC_REASONS, dtype=S)[reason]),
    })
    truth = truth_table(COUNTY, "adult_social_care", ids, population, person=person,
                        address=address, site=site_of)
    return PartnerFile(COUNTY, "adult_social_care",
                       "partners/county_council/adult_social_care.csv", table, truth)


def trading_standards_file(config: CountyConfig, population: Population) -> PartnerFile:
    """Cases about businesses: ordinary trading complaints, and nail bars or car washes."""
    rng = stage_rng(config, "trading-standards")
    a, sites = population.addresses, population.sites
    shops = np.flatnonzero(a.kind == COMMERCIAL)
    ordinary = sample_rows(rng, shops, 0.03 * config.years * config.innocent_signal_scale)
    business_sites = np.isin(sites.kind, [SITE_KINDS.index(k) for k in WORKS_AT_BUSINESS])
    seen = np.flatnonzero(business_sites & chance(rng, len(sites), min(1.0, config.trace_rate)))
    address = np.r_[ordinary, sites.work_address[seen]]
    category = np.r_[rng.choice(6, len(ordinary), p=[0.2, 0.2, 0.2, 0.15, 0.15, 0.1]),
                     rng.choice([5, 6], len(seen))]
    site_of = np.r_[np.full(len(ordinary), -1), seen]
    day = event_days(rng, config.start_day, config.days, len(address),
                     np.r_[np.full(len(ordinary), config.start_day), sites.start[seen]]
                     .astype("datetime64[D]"))
    owner = _landlords(rng, population, config, len(address))
    owner[len(ordinary):] = sites.controller[seen]
    owner[chance(rng, len(address), 0.4)] = -1  # many cases name only the business
    order = np.lexsort((rng.random(len(day)), day))
    address, category, site_of, day, owner = (x[order] for x in
                                              (address, category, site_of, day, owner))
    ids = record_ids("TS", len(day), 6)
    named = name_rows(rng, population, owner, config)
    where = mention_addresses(rng, population, address, config)
    trader = full_names(rng, named, config.case_variation_rate)
    table = pa.table({
        "Case No": column(ids),
        "Date Opened": column(uk_dates(day)),
        "Business Name": column(a.business_name[address]),
        "Trader Name": column(trader, owner < 0),
        "Premises Address": column(where.line),
        "Postcode": column(where.postcode, where.missing_postcode),
        "Category": column(np.array(TS_CATEGORIES, dtype=S)[category]),
    })
    truth = truth_table(COUNTY, "trading_standards", ids, population, person=owner,
                        address=address, site=site_of)
    return PartnerFile(COUNTY, "trading_standards",
                       "partners/county_council/trading_standards.csv", table, truth)


def _site_at(population: Population, address: np.ndarray, living: bool) -> np.ndarray:
    sites = population.sites
    at = np.full(len(population.addresses), -1, np.int64)
    at[sites.living_address if living else sites.work_address] = np.arange(len(sites))
    found: np.ndarray = at[address]
    return found
