"""Known cases: National Referral Mechanism referrals by first responders, and an NGO's own.

A partnership learns from the cases it already knows, never from the truth. Here a site
becomes known when a first responder refers one of its victims: the police, the county
council's adult social care (a statutory first responder), or a victim-support charity. Each
site is found at a slow rate that grows with its number of victims (NRM data: most victims are
never referred in a given year), and when one is found some of their co-victims are referred
the same day. A second agency sometimes refers the same person within weeks (police and
charity often both do). Some referrals concern people who are not at any site the simulator
knows of (domestic servitude, county lines, negative decisions): label noise a real
partnership also has.

The referral history reaches back a year before the window: a partnership trains on the
cases it has collected so far, not only on this year's.

With `CountyConfig.referral_capture` set, referrals follow the capture model instead: every
victim is referred by each agency with that agency's chance (optionally with police-to-council
dependence and victims every agency is less likely to reach), and nobody else is referred. The
true number of victims is then the target a multiple systems estimate should cover.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from .captures import capture_matrix
from .config import CountyConfig, stage_rng
from .exploitation import SITE_KINDS, WORKS_AT_BUSINESS
from .names import COMMUNITIES
from .noise import AddressMention, S, chance, column, iso_dates, mention_addresses, uk_dates
from .population import Population
from .records import Named, PartnerFile, full_names, name_rows, record_ids, truth_table

REFERRAL_RATE = 0.06  # per victim per year: most sites go a year without any referral
HISTORY_DAYS = 365  # referrals kept from before the window
CO_VICTIMS = 0.5  # chance that each co-victim is referred at the same time
SECOND_AGENCY = 0.12  # chance that another agency refers the same person within weeks
NOISE_SHARE = 0.25  # people referred from no simulated site, per discovery at a site
AGENCIES = ("police", "county_council", "ngo")
AGENCY_SHARE = (0.45, 0.25, 0.30)
TYPES = ("Labour exploitation", "Criminal exploitation", "Sexual exploitation",
         "Domestic servitude")
TYPE_OF_SITE = {"labour_hmo": 0, "nail_bar": 0, "car_wash": 0, "cannabis_farm": 1,
                "sexual_exploitation": 2}
BRITISH = COMMUNITIES.index("british")


def referral_events(config: CountyConfig, population: Population) -> dict[str, np.ndarray]:
    """Every referral: person, address found at, day, agency, type, site (-1: none)."""
    if config.referral_capture is not None:
        return captured_events(config, population)
    rng = stage_rng(config, "referrals")
    p, sites = population.people, population.sites
    first_day = config.start_day - HISTORY_DAYS
    since = np.maximum(sites.start, first_day)
    span = np.maximum((config.end_day - since).astype(np.int64), 0)
    # Discoveries at each site: a Poisson process whose rate grows with its victims.
    found = rng.poisson(REFERRAL_RATE * sites.victims * span / 365.25)
    site = np.repeat(np.arange(len(sites)), found)
    day = since[site] + (rng.random(len(site)) * span[site]).astype(np.int64)
    first = np.r_[0, np.cumsum(sites.victims)[:-1]]
    by_site = np.flatnonzero(p.site >= 0)[np.argsort(p.site[p.site >= 0], kind="stable")]
    people, places, days, sources = [], [], [], []
    for s, d in zip(site.tolist(), day.tolist(), strict=True):
        n = int(sites.victims[s])
        pick = np.flatnonzero(chance(rng, n, CO_VICTIMS))
        pick = np.unique(np.r_[rng.integers(n), pick])
        people.append(by_site[first[s] + pick])
        at_work = sites.kind[s] in [SITE_KINDS.index(k) for k in WORKS_AT_BUSINESS]
        where = sites.work_address[s] if at_work and rng.random() < 0.6 else \
            sites.living_address[s]
        places.append(np.full(len(pick), where))
        days.append(np.full(len(pick), d))
        sources.append(np.full(len(pick), s))
    person = np.concatenate(people) if people else np.zeros(0, np.int64)
    address = np.concatenate(places) if places else np.zeros(0, np.int64)
    when = (np.concatenate(days) if days else np.zeros(0, np.int64)).astype("datetime64[D]")
    site_of = np.concatenate(sources) if sources else np.zeros(0, np.int64)
    kind = np.array([TYPE_OF_SITE[SITE_KINDS[k]] for k in sites.kind[site_of]], np.int64)

    # People referred who are at no simulated site: adults at home, more often migrants.
    age = p.age_on(config.start_day)
    adult = np.flatnonzero((p.site < 0) & (age >= 18) & (age <= 60))
    weight = np.where(p.community[adult] == BRITISH, 1.0, 4.0)
    n_noise = rng.poisson(NOISE_SHARE * max(len(site), 4))
    other = adult[rng.choice(len(adult), n_noise, p=weight / weight.sum())]
    person = np.r_[person, other]
    address = np.r_[address, p.address[other]]
    when = np.r_[when, first_day + rng.integers(0, int(span.max(initial=365)) or 365, n_noise)
                 ].astype("datetime64[D]")
    kind = np.r_[kind, rng.choice(len(TYPES), n_noise, p=[0.3, 0.35, 0.15, 0.2])]
    site_of = np.r_[site_of, np.full(n_noise, -1)]
    agency = rng.choice(len(AGENCIES), len(person), p=AGENCY_SHARE)

    # A second first responder refers the same person within weeks.
    again = np.flatnonzero(chance(rng, len(person), SECOND_AGENCY))
    other_agency = (agency[again] + rng.integers(1, len(AGENCIES), len(again))) % len(AGENCIES)
    later = when[again] + rng.integers(1, 45, len(again))
    rows = np.r_[np.arange(len(person)), again]
    event = {"person": person[rows], "address": address[rows], "kind": kind[rows],
             "site": site_of[rows], "agency": np.r_[agency, other_agency],
             "day": np.r_[when, later].astype("datetime64[D]")}
    keep = event["day"] < config.end_day
    return {k: v[keep] for k, v in event.items()}


def captured_events(config: CountyConfig, population: Population) -> dict[str, np.ndarray]:
    """Referrals drawn list by list from each agency's chance of reaching each victim."""
    assert config.referral_capture is not None
    rng = stage_rng(config, "referrals-captured")
    p, sites = population.people, population.sites
    victims = np.flatnonzero(p.site >= 0)
    probs = dict(zip(AGENCIES, config.referral_capture, strict=True))
    depends = {("police", "county_council"): config.referral_dependence} \
        if config.referral_dependence > 0 else {}
    on = capture_matrix(rng, len(victims), probs, dependence=depends,
                        heterogeneity=config.referral_heterogeneity)
    row, agency = np.nonzero(on)
    person = victims[row]
    site = p.site[person].astype(np.int64)
    first_day = config.start_day - HISTORY_DAYS
    since = np.maximum(sites.start[site], first_day)
    span = np.maximum((config.end_day - since).astype(np.int64), 1)
    day = since + (rng.random(len(row)) * span).astype(np.int64)
    at_work = np.isin(sites.kind[site], [SITE_KINDS.index(k) for k in WORKS_AT_BUSINESS])
    address = np.where(at_work & (rng.random(len(row)) < 0.6), sites.work_address[site],
                       sites.living_address[site])
    kind = np.array([TYPE_OF_SITE[SITE_KINDS[k]] for k in sites.kind[site]], np.int64)
    return {"person": person, "address": address.astype(np.int64), "kind": kind,
            "site": site, "agency": agency.astype(np.int64),
            "day": day.astype("datetime64[D]")}


def referral_files(config: CountyConfig, population: Population) -> list[PartnerFile]:
    """The three referral extracts, each in its own agency's layout."""
    events = referral_events(config, population)
    rng = stage_rng(config, "referral-files")
    files = []
    for code, agency in enumerate(AGENCIES):
        rows = np.flatnonzero(events["agency"] == code)
        rows = rows[np.argsort(events["day"][rows], kind="stable")]
        files.append(_LAYOUTS[agency](rng, config, population,
                                      {k: v[rows] for k, v in events.items()}))
    return files


def _common(rng: np.random.Generator, config: CountyConfig, population: Population,
            e: dict[str, np.ndarray], prefix: str
            ) -> tuple[np.ndarray, Named, AddressMention, np.ndarray]:
    ids = record_ids(prefix, len(e["day"]), 6)
    named = name_rows(rng, population, e["person"], config)
    where = mention_addresses(rng, population, e["address"], config)
    types = np.array(TYPES, dtype=S)[e["kind"]]
    return ids, named, where, types


def _police(rng: np.random.Generator, config: CountyConfig, population: Population,
            e: dict[str, np.ndarray]) -> PartnerFile:
    ids, named, where, types = _common(rng, config, population, e, "NRM")
    table = pa.table({
        "NRM_REF": column(ids),
        "REFERRAL_DATE": column(iso_dates(e["day"])),
        "PV_SURNAME": column(np.strings.upper(named.surname)),
        "PV_FORENAME": column(named.forename, named.no_forename),
        "PV_DOB": column(iso_dates(named.dob), named.no_dob),
        "LOCATION_FOUND": column(where.line),
        "POSTCODE": column(where.postcode, where.missing_postcode),
        "EXPLOITATION_TYPE": column(types),
    })
    return _file("police", "nrm_referrals", "csv", population, ids, table, e)


def _county(rng: np.random.Generator, config: CountyConfig, population: Population,
            e: dict[str, np.ndarray]) -> PartnerFile:
    ids, named, where, types = _common(rng, config, population, e, "ECC-NRM-")
    table = pa.table({
        "Case Ref": column(ids),
        "Referral Date": column(uk_dates(e["day"])),
        "Full Name": column(full_names(rng, named, config.case_variation_rate)),
        "Date of Birth": column(uk_dates(named.dob), named.no_dob),
        "Address Found": column(where.line),
        "Postcode": column(where.postcode, where.missing_postcode),
        "Exploitation Type": column(types),
    })
    return _file("county_council", "nrm_referrals", "csv", population, ids, table, e)


def _ngo(rng: np.random.Generator, config: CountyConfig, population: Population,
         e: dict[str, np.ndarray]) -> PartnerFile:
    ids, named, where, types = _common(rng, config, population, e, "EVS")
    # Adults must consent to an NRM referral; those who decline are notified to the Home
    # Office anonymously (duty to notify) but the charity still supports them.
    consent = chance(rng, len(ids), 0.7)
    table = pa.table({
        "referral_id": column(ids),
        "referred_on": column(iso_dates(e["day"])),
        "client_name": column(full_names(rng, named, config.case_variation_rate)),
        "date_of_birth": column(iso_dates(named.dob), named.no_dob),
        "address_found": column(where.line),
        "postcode": column(where.postcode, where.missing_postcode),
        "exploitation_type": column(types),
        "nrm_consent": pa.array(consent),
    })
    return _file("ngo", "referrals", "csv", population, ids, table, e)


def _file(agency: str, dataset: str, suffix: str, population: Population, ids: np.ndarray,
          table: pa.Table, e: dict[str, np.ndarray]) -> PartnerFile:
    truth = truth_table(agency, dataset, ids, population, person=e["person"],
                        address=e["address"], site=e["site"])
    return PartnerFile(agency, dataset, f"partners/{agency}/{dataset}.{suffix}", table, truth)


_LAYOUTS = {"police": _police, "county_council": _county, "ngo": _ngo}
