"""Fire and rescue home safety visits: addresses and what the crew saw, no names."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .addresses import COMMERCIAL, HMO
from .config import CountyConfig, stage_rng
from .noise import chance, column, iso_dates, mention_addresses
from .population import Population
from .records import PartnerFile, event_days, sample_rows, truth_table, yes_no

AGENCY = "fire"
REASONS = ("Older resident", "Partner referral", "Post-incident", "Self referral",
           "HMO inspection", "Concern raised")


def safety_visits_file(config: CountyConfig, population: Population) -> PartnerFile:
    """Visits target older residents and HMOs; flags echo crowding at sites and big homes."""
    rng = stage_rng(config, "fire-visits")
    a, h, p, sites = (population.addresses, population.households, population.people,
                      population.sites)
    years = config.years
    occupants = np.bincount(h.address, weights=h.size, minlength=len(a)).astype(np.int64)
    old = np.zeros(len(a), bool)
    old[p.address[p.age_on(config.start_day) >= 75]] = True
    homes = np.flatnonzero(a.kind != COMMERCIAL)
    visited = [
        sample_rows(rng, np.flatnonzero(old), 0.12 * years),
        sample_rows(rng, homes, 0.015 * years),
        sample_rows(rng, np.flatnonzero(a.kind == HMO), 0.25 * years),
        sample_rows(rng, h.address[h.size >= 5], 0.05 * years),
    ]
    reason = np.concatenate([np.full(len(v), r) for v, r in zip(visited, (0, 3, 4, 1),
                                                                   strict=True)])
    seen = np.flatnonzero(chance(rng, len(sites), min(1.0, config.trace_rate)))
    address = np.r_[np.concatenate(visited), sites.living_address[seen]]
    reason = np.r_[reason, rng.choice([1, 5, 3], len(seen))]
    site_of = np.r_[np.full(len(address) - len(seen), -1), seen]
    at_site = site_of >= 0
    day = event_days(rng, config.start_day, config.days, len(address),
                     np.where(at_site, sites.start[np.maximum(site_of, 0)], config.start_day)
                     .astype("datetime64[D]"))

    true_count = occupants[address]
    # Victims are often kept out of sight when officials call.
    observed = np.where(at_site, np.maximum(rng.binomial(true_count, 0.6), 1),
                        np.maximum(true_count + rng.integers(-1, 2, len(address)),
                                   np.minimum(true_count, 1)))
    hmo = a.kind[address] == HMO
    s = config.innocent_signal_scale
    crowd = np.where(at_site, 0.7, np.where(true_count >= 5, 0.35 * s,
                                            np.where(hmo, 0.15 * s, 0.01 * s)))
    locks = np.where(at_site, 0.5, np.where(hmo, 0.4 * s, 0.01 * s))
    beds = np.where(at_site, 0.6, np.where(true_count >= 6, 0.15 * s,
                                           np.where(hmo, 0.1 * s, 0.005 * s)))
    flags = [rng.random(len(address)) < np.minimum(q, 1.0) for q in (crowd, locks, beds)]
    alarm = rng.random(len(address)) < np.where(at_site, 0.4, 0.8)

    order = np.lexsort((rng.random(len(day)), day))
    address, reason, site_of, day, observed = (x[order] for x in
                                               (address, reason, site_of, day, observed))
    flags = [f[order] for f in flags]
    alarm = alarm[order]
    ids = np.arange(1, len(day) + 1, dtype=np.int64) + 500_000
    where = mention_addresses(rng, population, address, config, abbreviate_rate=0.1)
    table = pa.table({
        "visit_id": pa.array(ids),
        "visit_date": column(iso_dates(day)),
        "uprn": pa.array(a.uprn[address], mask=chance(rng, len(day), 0.3)),
        "address": column(where.line),
        "postcode": column(where.postcode, where.missing_postcode),
        "occupants_observed": pa.array(observed),
        "overcrowding": column(yes_no(flags[0])),
        "locked_internal_doors": column(yes_no(flags[1])),
        "mattresses_in_communal_areas": column(yes_no(flags[2])),
        "smoke_alarm_fitted": column(yes_no(alarm)),
        "visit_reason": column(np.array(REASONS)[reason]),
    })
    truth = truth_table(AGENCY, "safety_visits", ids.astype(str), population, address=address,
                        site=site_of)
    return PartnerFile(AGENCY, "safety_visits", "partners/fire/safety_visits.csv", table, truth)
