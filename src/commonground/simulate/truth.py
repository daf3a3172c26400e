"""Ground-truth tables: who and what really exists, for scoring linkage, risk and hotspots."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .addresses import ADDRESS_KINDS, BUSINESS_KINDS
from .config import CountyConfig
from .crime import CAUSES, CRIME_TYPES, CrimeEvents
from .exploitation import SITE_KINDS
from .geography import Lsoas
from .interventions import Interventions
from .names import COMMUNITIES, name_table
from .noise import S, column
from .police import CrimePeople
from .population import HOUSEHOLD_KINDS, Population, nationalities
from .records import person_ids
from .referrals import referral_events


def _nullable(values: np.ndarray, missing: np.ndarray, kind: pa.DataType) -> pa.Array:
    return pa.array(values, type=kind, mask=missing)


def people_table(population: Population) -> pa.Table:
    p = population.people
    uprn = population.addresses.uprn
    previous = population.previous_address()
    names = name_table().spellings.astype(S)
    return pa.table({
        "person_id": pa.array(person_ids(np.arange(len(p)))),
        "household_id": pa.array(p.household.astype(np.int64) + 1),
        "address_id": pa.array(uprn[p.address]),
        "previous_address_id": _nullable(uprn[np.maximum(previous, 0)], previous < 0,
                                         pa.int64()),
        "forename": column(names[p.forename]),
        "surname": column(names[p.surname]),
        "sex": column(np.where(p.female, "F", "M").astype(S)),
        "date_of_birth": pa.array(p.dob),
        "nationality": column(np.array(nationalities(), dtype=S)[p.nationality]),
        "community": column(np.array(COMMUNITIES, dtype=S)[p.community]),
        "nhs_number": column(p.nhs_number.astype(S), p.nhs_number == 0),
        "gp_registered": pa.array(p.gp_registered),
        "site_id": _nullable(p.site.astype(np.int64) + 1, p.site < 0, pa.int64()),
    })


def households_table(population: Population) -> pa.Table:
    h = population.households
    uprn = population.addresses.uprn
    return pa.table({
        "household_id": pa.array(np.arange(1, len(h.size) + 1, dtype=np.int64)),
        "address_id": pa.array(uprn[h.address]),
        "size": pa.array(h.size),
        "kind": column(np.array(HOUSEHOLD_KINDS, dtype=S)[h.kind]),
        "previous_address_id": _nullable(uprn[np.maximum(h.previous_address, 0)],
                                         h.previous_address < 0, pa.int64()),
        "moved_on": pa.array(h.moved_on),
    })


def addresses_table(population: Population, lsoas: Lsoas) -> pa.Table:
    a, streets, h = population.addresses, population.streets, population.households
    occupants = np.bincount(h.address, weights=h.size, minlength=len(a)).astype(np.int32)
    flat = np.strings.add("Flat ", a.flat.astype(S))
    shop = a.business >= 0
    return pa.table({
        "address_id": pa.array(a.uprn),
        "sub_building": column(flat, a.flat == 0),
        "house_number": pa.array(a.number),
        "street": column(streets.name[a.street]),
        "town": column(streets.town[a.street]),
        "postcode": column(streets.postcode[a.street]),
        "lsoa11cd": column(lsoas.code.astype(S)[a.lsoa]),
        "lad_name": column(lsoas.lad_name.astype(S)[a.lsoa]),
        "easting": pa.array(a.easting),
        "northing": pa.array(a.northing),
        "kind": column(np.array(ADDRESS_KINDS, dtype=S)[a.kind]),
        "business_kind": column(np.array(BUSINESS_KINDS, dtype=S)[np.maximum(a.business, 0)],
                                ~shop),
        "business_name": column(a.business_name, ~shop),
        "occupants": pa.array(occupants),
    })


def sites_table(population: Population, config: CountyConfig) -> pa.Table:
    """Every site, known or not: when it was active, who ran it, when it was first referred."""
    s, uprn = population.sites, population.addresses.uprn
    events = referral_events(config, population)
    on_site = events["site"] >= 0
    site, day = events["site"][on_site], events["day"][on_site]
    count = np.bincount(site, minlength=len(s)).astype(np.int32)
    first = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[D]")
    order = np.argsort(day, kind="stable")[::-1]  # earliest written last, so it wins
    first[site[order]] = day[order]
    return pa.table({
        "site_id": pa.array(np.arange(1, len(s) + 1, dtype=np.int64)),
        "address_id": pa.array(uprn[s.work_address]),
        "living_address_id": pa.array(uprn[s.living_address]),
        "kind": column(np.array(SITE_KINDS, dtype=S)[s.kind]),
        "start": pa.array(s.start.astype("datetime64[D]")),
        "victims": pa.array(s.victims),
        "controller_person_id": pa.array(person_ids(s.controller)),
        "vehicle_vrm": column(s.vehicle),
        # Every site runs from `start` to the end of the simulated window (`active_until`).
        "active_until": pa.array(np.full(len(s), config.end_day - 1, dtype="datetime64[D]")),
        "first_referred": pa.array(first, mask=np.isnat(first)),
        "referrals": pa.array(count),
    })


def victims_table(population: Population) -> pa.Table:
    p, s, uprn = population.people, population.sites, population.addresses.uprn
    rows = np.flatnonzero(p.site >= 0)
    site = p.site[rows]
    return pa.table({
        "person_id": pa.array(person_ids(rows)),
        "site_id": pa.array(site.astype(np.int64) + 1),
        "site_address_id": pa.array(uprn[s.work_address[site]]),
        "living_address_id": pa.array(uprn[s.living_address[site]]),
    })


def crimes_table(population: Population, lsoas: Lsoas, events: CrimeEvents,
                 who: CrimePeople, urn: np.ndarray) -> pa.Table:
    a = population.addresses
    place = events.place
    return pa.table({
        "crime_id": pa.array(np.arange(1, len(events) + 1, dtype=np.int64)),
        "occurred_at": pa.array(events.time, type=pa.timestamp("ms")),
        "crime_type": column(np.array(CRIME_TYPES, dtype=S)[events.crime_type]),
        "address_id": pa.array(a.uprn[place]),
        "lsoa11cd": column(lsoas.code.astype(S)[a.lsoa[place]]),
        "easting": pa.array(a.easting[place]),
        "northing": pa.array(a.northing[place]),
        "cause": column(np.array(CAUSES, dtype=S)[events.cause]),
        "parent_crime_id": _nullable(events.parent + 1, events.parent < 0, pa.int64()),
        "reported": pa.array(who.reported),
        "police_urn": column(urn, urn == ""),
        "victim_person_id": _nullable(person_ids(who.victim), who.victim < 0, pa.int64()),
        "suspect_person_id": _nullable(person_ids(who.suspect), who.suspect < 0, pa.int64()),
    })


def interventions_table(population: Population, plan: Interventions) -> pa.Table:
    k = len(plan.places)
    return pa.table({
        "intervention_id": pa.array(np.arange(1, k + 1, dtype=np.int64)),
        "address_id": pa.array(population.addresses.uprn[plan.places]),
        "intervention": pa.array(["Hot-spot patrols"] * k, pa.string()),
        "start": pa.array(np.full(k, plan.start, dtype="datetime64[D]")),
        "end": pa.array(np.full(k, plan.end, dtype="datetime64[D]")),
        "arm": column(np.where(plan.treated, "treatment", "control").astype(S)),
        "true_effect": pa.array(np.where(plan.treated, plan.effect, 0.0)),
    })
