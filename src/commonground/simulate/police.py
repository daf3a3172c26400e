"""Essex-Police-style extracts: recorded crimes, intelligence logs and calls for service."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from .addresses import COMMERCIAL
from .config import CountyConfig, stage_rng
from .crime import CRIME_TYPES, CrimeEvents
from .exploitation import SITE_KINDS, vehicle_registrations
from .geography import lsoa_arrays
from .noise import S, chance, column, iso_dates, mention_addresses, stale_addresses
from .population import Population
from .records import PartnerFile, event_days, name_rows, record_ids, sample_rows, truth_table

AGENCY = "police"
POLICE_STRIP_RATE = 0.85  # police systems mostly hold names in plain ASCII
SUSPECT_UNTRACED = 0.35  # named suspects with no known address on the crime record
PERSONAL_TYPES = {"Burglary", "Criminal damage and arson", "Other theft", "Robbery",
                  "Theft from the person", "Vehicle crime", "Violence and sexual offences",
                  "Bicycle theft"}
SUSPECT_SHARE = {"Violence and sexual offences": 0.45, "Shoplifting": 0.35, "Drugs": 0.8,
                 "Possession of weapons": 0.9, "Public order": 0.4, "Robbery": 0.2}
INTEL_CATEGORIES = ("Drugs supply", "Violence", "Acquisitive crime", "Anti-social behaviour",
                    "Modern slavery", "Suspicious activity", "Organised crime")
CALL_TYPES = ("Concern for welfare", "Domestic incident", "Suspicious activity", "Noise",
              "Road traffic collision", "Missing person", "Crime report")


@dataclass
class CrimePeople:
    """Who the victim and suspect of each crime event are (-1 = none), and what was reported."""

    victim: np.ndarray
    suspect: np.ndarray
    reported: np.ndarray


def residents_at(rng: np.random.Generator, population: Population, address: np.ndarray
                 ) -> np.ndarray:
    """A random resident of each address, -1 for empty homes and businesses."""
    h = population.households
    household_at = np.full(len(population.addresses), -1, np.int64)
    household_at[h.address] = np.arange(len(h.size))
    first = np.r_[0, np.cumsum(h.size)[:-1]]
    hh = household_at[address]
    found = hh >= 0
    out = np.full(len(address), -1, np.int64)
    out[found] = first[hh[found]] + (rng.random(found.sum()) * h.size[hh[found]]).astype(int)
    return out


def crime_people(config: CountyConfig, population: Population, events: CrimeEvents
                 ) -> CrimePeople:
    rng = stage_rng(config, "crime-people")
    n = len(events)
    types = np.array(CRIME_TYPES)[events.crime_type]
    personal = np.isin(types, list(PERSONAL_TYPES))
    victim = np.where(personal, residents_at(rng, population, events.place), -1)
    age = population.people.age_on(config.start_day)
    pool = np.flatnonzero((age >= 14) & (age <= 50) & (population.people.site < 0))
    share = np.array([SUSPECT_SHARE.get(t, 0.12) for t in CRIME_TYPES])[events.crime_type]
    named = rng.random(n) < share
    suspect = np.where(named, pool[rng.integers(len(pool), size=n)], -1)
    return CrimePeople(victim=victim, suspect=suspect,
                       reported=rng.random(n) < config.reporting_rate)


def crimes_file(config: CountyConfig, population: Population, events: CrimeEvents,
                who: CrimePeople) -> tuple[PartnerFile, np.ndarray]:
    """Reported crimes, and the URN of each event (empty where unreported)."""
    rng = stage_rng(config, "police-crimes")
    event = np.flatnonzero(who.reported)
    event = event[np.sort(np.r_[np.arange(len(event)),
                                np.flatnonzero(chance(rng, len(event), config.duplicate_rate / 3))],
                          kind="stable")]
    ids = record_ids("42CR", len(event), 8)
    urn = np.full(len(events), "", dtype=S)
    urn[event[::-1]] = ids[::-1]  # duplicates: the event keeps its first URN
    place = events.place[event]
    victim, suspect = who.victim[event], who.suspect[event]
    told = chance(rng, len(event), 0.85)  # the victim's details made it onto the crime record
    victim = np.where(told, victim, -1)
    home = mention_addresses(rng, population, stale_addresses(
        rng, population, np.maximum(victim, 0), config), config, abbreviate_rate=0.3)
    v = name_rows(rng, population, victim, config, POLICE_STRIP_RATE)
    s = name_rows(rng, population, suspect, config, POLICE_STRIP_RATE)
    where = mention_addresses(rng, population, place, config, abbreviate_rate=0.3)
    a = population.addresses
    stamp = np.datetime_as_string(events.time[event], unit="s").astype(S)
    table = pa.table({
        "URN": column(ids),
        "OFFENCE_DATETIME": column(np.strings.replace(stamp, "T", " ")),
        "CRIME_TYPE": column(np.array(CRIME_TYPES, dtype=S)[events.crime_type[event]]),
        "EASTING": pa.array(a.easting[place]),
        "NORTHING": pa.array(a.northing[place]),
        "LSOA_CODE": column(lsoa_arrays().code.astype(S)[a.lsoa[place]]),
        "LOCATION": column(where.line),
        "POSTCODE": column(where.postcode, where.missing_postcode),
        "VICTIM_SURNAME": column(np.strings.upper(v.surname), v.no_surname),
        "VICTIM_FORENAME": column(v.forename, v.no_forename),
        "VICTIM_DOB": column(iso_dates(v.dob), v.no_dob),
        "VICTIM_ADDRESS": column(home.line, (victim < 0) | chance(rng, len(event), 0.3)),
        "SUSPECT_SURNAME": column(np.strings.upper(s.surname), s.no_surname),
        "SUSPECT_FORENAME": column(s.forename, s.no_forename),
        "SUSPECT_DOB": column(iso_dates(s.dob), s.no_dob),
    })
    # A named suspect's home address where the police have traced them (their nominal
    # record); drawn after the rest, so that the other columns stay as they were.
    suspect_home = mention_addresses(rng, population, stale_addresses(
        rng, population, np.maximum(suspect, 0), config), config, abbreviate_rate=0.3)
    untraced = (suspect < 0) | chance(rng, len(event), SUSPECT_UNTRACED)
    table = table.append_column("SUSPECT_ADDRESS", column(suspect_home.line, untraced))
    truth = truth_table(AGENCY, "crimes", ids, population, person=victim, address=place,
                        other=suspect)
    return PartnerFile(AGENCY, "crimes", "partners/police/crimes.csv", table, truth), urn


def intelligence_file(config: CountyConfig, population: Population) -> PartnerFile:
    """Intelligence logs: mostly ordinary criminality, a few naming exploitation sites."""
    rng = stage_rng(config, "police-intelligence")
    people, sites = population.people, population.sites
    age = people.age_on(config.start_day)
    scale = config.years * config.innocent_signal_scale
    subjects = sample_rows(rng, np.flatnonzero((age >= 16) & (age <= 60) & (people.site < 0)),
                           0.006 * scale)
    homes = np.flatnonzero(population.addresses.kind != COMMERCIAL)
    places = sample_rows(rng, homes, 0.0015 * scale)
    n_sub, n_place = len(subjects), len(places)

    # Site traces: 1-3 logs naming the house, the business or the van; sometimes the controller.
    seen = np.flatnonzero(chance(rng, len(sites), min(1.0, config.trace_rate)))
    site = np.repeat(seen, rng.integers(1, 4, len(seen)))
    at_work = chance(rng, len(site), 0.4)
    site_address = np.where(at_work, sites.work_address[site], sites.living_address[site])
    controller = np.where(chance(rng, len(site), 0.4), sites.controller[site], -1)

    person = np.r_[subjects, np.full(n_place, -1), controller]
    address = np.r_[
        np.where(chance(rng, n_sub, 0.5), stale_addresses(rng, population, subjects, config), -1),
        places, np.where(chance(rng, len(site), 0.75), site_address, -1),
    ]
    vehicle = np.r_[
        np.where(chance(rng, n_sub + n_place, 0.15), vehicle_registrations(rng, n_sub + n_place),
                 ""),
        np.where(chance(rng, len(site), 0.5), sites.vehicle[site], ""),
    ].astype(S)
    cannabis = sites.kind[site] == SITE_KINDS.index("cannabis_farm")
    innocent_category = rng.choice(len(INTEL_CATEGORIES), n_sub + n_place,
                                   p=[0.3, 0.2, 0.2, 0.15, 0.01, 0.1, 0.04])
    site_category = np.where(cannabis, 0, rng.choice([4, 5, 6], len(site), p=[0.5, 0.35, 0.15]))
    category = np.r_[innocent_category, site_category]
    site_of = np.r_[np.full(n_sub + n_place, -1), site]
    day = np.r_[
        config.start_day + rng.integers(0, config.days, n_sub + n_place),
        _after(rng, config, sites.start[site]),
    ]
    order = np.lexsort((rng.random(len(day)), day))
    person, address, vehicle, category, site_of, day = (
        x[order] for x in (person, address, vehicle, category, site_of, day))
    ids = record_ids("INT", len(day), 7)
    named = name_rows(rng, population, person, config, POLICE_STRIP_RATE)
    where = mention_addresses(rng, population, np.maximum(address, 0), config, 0.3)
    no_address = address < 0
    # 5x5x5-style grading: source reliability A-E and intelligence assessment 1-5.
    source_grade = rng.choice(np.array(list("ABCDE"), dtype=S), len(day), p=[.1, .4, .35, .1, .05])
    intel_grade = rng.choice(np.array(list("12345"), dtype=S), len(day), p=[.1, .45, .3, .1, .05])
    grading = np.strings.add(source_grade, intel_grade)
    table = pa.table({
        "INTEL_REF": column(ids),
        "DATE_RECORDED": column(iso_dates(day)),
        "SUBJECT_SURNAME": column(np.strings.upper(named.surname), named.no_surname),
        "SUBJECT_FORENAME": column(named.forename, named.no_forename),
        "SUBJECT_DOB": column(iso_dates(named.dob), named.no_dob),
        "ADDRESS": column(where.line, no_address),
        "POSTCODE": column(where.postcode, no_address | where.missing_postcode),
        "VEHICLE_VRM": column(vehicle, vehicle == ""),
        "CATEGORY": column(np.array(INTEL_CATEGORIES, dtype=S)[category]),
        "GRADING": column(grading),
    })
    truth = truth_table(AGENCY, "intelligence", ids, population, person=person,
                        address=address, site=site_of)
    return PartnerFile(AGENCY, "intelligence", "partners/police/intelligence.csv", table, truth)


def calls_file(config: CountyConfig, population: Population, events: CrimeEvents,
               who: CrimePeople) -> PartnerFile:
    """Calls for service: crimes being reported, everyday incidents, suspicious activity."""
    rng = stage_rng(config, "police-calls")
    people, sites = population.people, population.sites
    crime_calls = sample_rows(rng, np.flatnonzero(who.reported), 0.55)
    crime_caller = np.where(chance(rng, len(crime_calls), 0.8), who.victim[crime_calls], -1)
    age = people.age_on(config.start_day)
    callers = sample_rows(rng, np.flatnonzero((age >= 16) & (people.site < 0)),
                          0.04 * config.years)
    seen = np.flatnonzero(chance(rng, len(sites), min(1.0, config.trace_rate * 0.5)))
    neighbour = residents_at(rng, population, _neighbours(rng, population,
                                                          sites.work_address[seen]))

    person = np.r_[crime_caller, callers, neighbour]
    address = np.r_[events.place[crime_calls], people.address[callers], sites.work_address[seen]]
    kind = np.r_[np.full(len(crime_calls), 6),
                 rng.choice(6, len(callers), p=[0.25, 0.2, 0.15, 0.2, 0.1, 0.1]),
                 np.full(len(seen), 2)]
    time = np.r_[
        events.time[crime_calls] + rng.integers(60, 7_200, len(crime_calls)).astype(
            "timedelta64[s]"),
        (config.start_day + rng.integers(0, config.days, len(callers))).astype("datetime64[s]")
        + rng.integers(0, 86_400, len(callers)).astype("timedelta64[s]"),
        _after(rng, config, sites.start[seen]).astype("datetime64[s]")
        + rng.integers(0, 86_400, len(seen)).astype("timedelta64[s]"),
    ]
    site_of = np.r_[np.full(len(crime_calls) + len(callers), -1), seen]
    order = np.lexsort((rng.random(len(time)), time))
    person, address, kind, time, site_of = (x[order] for x in
                                            (person, address, kind, time, site_of))
    ids = record_ids("CAD", len(time), 8)
    named = name_rows(rng, population, person, config, POLICE_STRIP_RATE)
    caller = np.strings.strip(np.strings.add(np.strings.add(
        np.where(named.no_forename, "", named.forename).astype(S), " "), named.surname))
    where = mention_addresses(rng, population, address, config, 0.3)
    a = population.addresses
    # Call locations are geocoded to roughly 10 m from the handset or the address given.
    table = pa.table({
        "CAD_REF": column(ids),
        "CALL_DATETIME": column(np.datetime_as_string(time, unit="m").astype(S)),
        "INCIDENT_TYPE": column(np.array(CALL_TYPES, dtype=S)[kind]),
        "CALLER_NAME": column(caller, caller == ""),
        "LOCATION": column(where.line),
        "POSTCODE": column(where.postcode, where.missing_postcode),
        "EASTING": pa.array((a.easting[address] + rng.integers(-10, 11, len(time))) // 10 * 10),
        "NORTHING": pa.array((a.northing[address] + rng.integers(-10, 11, len(time))) // 10 * 10),
    })
    truth = truth_table(AGENCY, "calls", ids, population, person=person, address=address,
                        site=site_of)
    return PartnerFile(AGENCY, "calls", "partners/police/calls.csv", table, truth)


def _after(rng: np.random.Generator, config: CountyConfig, not_before: np.ndarray
           ) -> np.ndarray:
    return event_days(rng, config.start_day, config.days, len(not_before), not_before)


def _neighbours(rng: np.random.Generator, population: Population, address: np.ndarray
                ) -> np.ndarray:
    """Another home on the same street (the one who calls or complains), else itself."""
    a = population.addresses
    offset = rng.choice(np.array([-2, -1, 1, 2]), len(address))
    other = np.clip(address + offset, 0, len(a) - 1)
    same = (a.street[other] == a.street[address]) & (a.kind[other] != COMMERCIAL)
    return np.where(same, other, address)
