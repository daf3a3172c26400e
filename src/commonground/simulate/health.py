"""Emergency department attendances (ECDS-like), delivered as Parquet with real date types."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .config import CountyConfig, stage_rng
from .names import COMMUNITIES
from .noise import (
    DIGITS,
    S,
    chance,
    column,
    mention_addresses,
    stale_addresses,
    typos,
    with_duplicates,
)
from .population import Population
from .records import PartnerFile, name_rows, record_ids, truth_table

AGENCY = "health"
HEALTH_STRIP_RATE = 0.4
COMPLAINTS = ("Chest pain", "Abdominal pain", "Breathing difficulty", "Fall", "Head injury",
              "Laceration", "Burn", "Fracture / sprain", "Fever", "Mental health crisis",
              "Assault injury", "Back pain")
INJURIES = np.array([4, 5, 6, 7, 10, 11])
ACCOMPANIED = ("Relative", "Friend", "Carer", "Other adult (spoke for patient)")
ARRIVAL_HOURS = np.array([2, 1.5, 1, 1, 1, 1.2, 2, 3, 4.5, 5.5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 5.5,
                          5, 4.5, 3.5, 2.5])
BRITISH = COMMUNITIES.index("british")


def ae_attendances_file(config: CountyConfig, population: Population) -> PartnerFile:
    rng = stage_rng(config, "health-ae")
    p, sites = population.people, population.sites
    age = p.age_on(config.start_day)
    rate = np.select([age < 5, age < 18, age < 65, age < 80], [0.5, 0.25, 0.3, 0.4], 0.7)
    rate = np.where(p.site >= 0, 0.05, rate) * config.years
    routine = np.repeat(np.arange(len(p)), rng.poisson(rate))

    # Site traces: one or two victims turn up injured, with someone speaking for them.
    seen = np.flatnonzero(chance(rng, len(sites), min(1.0, config.trace_rate)))
    first = np.r_[0, np.cumsum(sites.victims)[:-1]]
    victim_rows = np.flatnonzero(p.site >= 0)
    site = np.repeat(seen, rng.integers(1, 3, len(seen)))
    victim = victim_rows[first[site] + rng.integers(0, sites.victims[site])]
    person = np.r_[routine, victim]
    site_of = np.r_[np.full(len(routine), -1), site]
    source = with_duplicates(rng, len(person), config.duplicate_rate / 2)
    person, site_of = person[source], site_of[source]
    n = len(person)
    traced = site_of >= 0

    day = config.start_day + rng.integers(0, config.days, n)
    late = traced & (day < sites.start[np.maximum(site_of, 0)])
    day[late] = config.start_day + config.days - 1 - rng.integers(0, 30, late.sum())
    arrival = day.astype("datetime64[s]") + (
        rng.choice(24, n, p=ARRIVAL_HOURS / ARRIVAL_HOURS.sum()) * 3_600
        + rng.integers(0, 3_600, n)).astype("timedelta64[s]")
    complaint = np.where(traced, INJURIES[rng.integers(0, len(INJURIES), n)],
                         rng.choice(len(COMPLAINTS), n))
    migrant = (p.community[person] != BRITISH) & (age[person] >= 18)
    s = config.innocent_signal_scale
    interpreter = rng.random(n) < np.where(traced, 0.8, np.where(migrant, 0.3 * s, 0.0))
    spoke_for = rng.random(n) < np.where(traced, 0.6,
                                         np.where(migrant, 0.01 * s, 0.004 * s))
    accompanied = np.where(spoke_for, 3, rng.choice(3, n))
    alone = ~spoke_for & (rng.random(n) < 0.5)
    gp = p.gp_registered[person] & ~traced

    order = np.lexsort((person, arrival))
    person, site_of, arrival, complaint, interpreter, accompanied, alone, gp = (
        x[order] for x in (person, site_of, arrival, complaint, interpreter, accompanied,
                           alone, gp))
    ids = record_ids("RAJ", n, 9)
    named = name_rows(rng, population, person, config, HEALTH_STRIP_RATE)
    address = stale_addresses(rng, population, person, config)
    where = mention_addresses(rng, population, address, config, abbreviate_rate=0.1)
    nhs = p.nhs_number[person]
    nhs_text = typos(rng, nhs.astype(S), 0.005, DIGITS)  # a slipped digit now and then
    no_nhs = (nhs == 0) | chance(rng, n, 0.08)
    table = pa.table({
        "attendance_id": column(ids),
        "arrival_time": pa.array(arrival, type=pa.timestamp("ms")),
        "given_name": column(named.forename, named.no_forename),
        "family_name": column(named.surname),
        "date_of_birth": column(named.dob, named.no_dob),
        "sex": column(np.where(p.female[person], "F", "M").astype(S)),
        "nhs_number": column(nhs_text, no_nhs),
        "address": column(where.line, chance(rng, n, config.missing_rate)),
        "postcode": column(where.postcode, where.missing_postcode),
        "gp_registered": pa.array(gp),
        "interpreter_required": pa.array(interpreter),
        "accompanied_by": column(np.array(ACCOMPANIED, dtype=S)[accompanied], alone),
        "presenting_complaint": column(np.array(COMPLAINTS, dtype=S)[complaint]),
    })
    truth = truth_table(AGENCY, "ae_attendances", ids, population, person=person,
                        address=address, site=site_of)
    return PartnerFile(AGENCY, "ae_attendances", "partners/health/ae_attendances.parquet",
                       table, truth)
