"""Households and people: who lives where, with names, sex, age, nationality and NHS number."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .addresses import COMMERCIAL, HMO, Addresses, Streets, _ranks, build_addresses
from .config import CountyConfig, SimulationRefused, stage_rng
from .exploitation import SITE_KINDS, WORKS_AT_BUSINESS, Sites, victim_profiles
from .geography import Lsoas
from .names import COMMUNITIES, COMMUNITY_SHARES, NATIONALITY, name_table

FAMILY, SINGLE, SHARED, VICTIMS = 0, 1, 2, 3
HOUSEHOLD_KINDS = ("family", "single", "shared", "exploited")
SIZE_SHARES = (0.30, 0.34, 0.16, 0.13, 0.05, 0.02)  # household sizes 1..6 (Census-like)
BRITISH = COMMUNITIES.index("british")


@dataclass
class Households:
    address: np.ndarray  # address index
    size: np.ndarray
    kind: np.ndarray
    previous_address: np.ndarray  # address index before moving, -1 if not moved
    moved_on: np.ndarray  # datetime64[D], NaT if not moved


@dataclass
class People:
    household: np.ndarray
    address: np.ndarray
    forename: np.ndarray  # index into the name table
    surname: np.ndarray
    female: np.ndarray
    dob: np.ndarray  # datetime64[D]
    community: np.ndarray  # index into COMMUNITIES
    nationality: np.ndarray  # index into NATIONALITY values
    nhs_number: np.ndarray  # int64, 0 when none
    gp_registered: np.ndarray
    site: np.ndarray  # exploitation site index for victims, -1 otherwise

    def __len__(self) -> int:
        return len(self.household)

    def age_on(self, day: np.datetime64) -> np.ndarray:
        return ((day - self.dob).astype(np.int64) / 365.25).astype(np.int32)


@dataclass
class Population:
    addresses: Addresses
    streets: Streets
    households: Households
    people: People
    sites: Sites

    def previous_address(self) -> np.ndarray:
        previous: np.ndarray = self.households.previous_address[self.people.household]
        return previous


def age_pyramid() -> np.ndarray:
    """Probability of each single year of age 0..100 (flat to 60, then tapering)."""
    ages = np.arange(101)
    weights: np.ndarray = np.where(ages < 60, 1.0, np.clip((100 - ages) / 40.0, 0.0, 1.0) ** 1.3)
    shares: np.ndarray = weights / weights.sum()
    return shares


def _draw_ages(rng: np.random.Generator, n: int, low: int, high: int, old_bias: float = 1.0
               ) -> np.ndarray:
    p = age_pyramid()[low : high + 1] * np.where(np.arange(low, high + 1) >= 65, old_bias, 1.0)
    return low + rng.choice(len(p), n, p=p / p.sum()) + rng.random(n)


def household_sizes(rng: np.random.Generator, people: int, shared_rate: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Sizes and kinds of households that hold exactly `people` residents."""
    guess = int(people / 2.2) + 64
    kind = np.where(rng.random(guess) < shared_rate, SHARED, FAMILY).astype(np.int8)
    size = np.where(kind == SHARED, rng.integers(3, 8, guess),
                    rng.choice(np.arange(1, 7), guess, p=SIZE_SHARES)).astype(np.int32)
    total = np.cumsum(size)
    n = int(np.searchsorted(total, people)) + 1
    size, kind = size[:n], kind[:n]
    size[-1] -= int(total[n - 1] - people)
    kind[(size == 1)] = SINGLE
    return size, kind


def nhs_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """10-digit numbers with a valid modulus-11 check digit, like real NHS numbers."""
    out = np.zeros(n, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):
        digits = rng.integers(0, 10, size=(len(todo), 9))
        digits[:, 0] = rng.integers(4, 8, size=len(todo))  # 4xx-7xx like issued ranges
        check = 11 - (digits * np.arange(10, 1, -1)).sum(axis=1) % 11
        check[check == 11] = 0
        ok = check != 10
        value = digits @ (10 ** np.arange(9, 0, -1)) + check
        out[todo[ok]] = value[ok]
        todo = todo[~ok]
    return out


def build_population(config: CountyConfig, lsoas: Lsoas, sites: Sites) -> Population:
    rng = stage_rng(config, "population")
    names = name_table()
    n_victims = int(sites.victims.sum())
    residents = config.people - n_victims
    if residents < 100:
        raise SimulationRefused("too few people for the number of exploitation sites")

    # 1. Households, placed on LSOAs so residents follow the 2011 population.
    size, kind = household_sizes(rng, residents, config.shared_household_rate)
    target = np.cumsum(lsoas.persons) / lsoas.persons.sum() * residents
    midpoint = np.cumsum(size) - size / 2.0
    lsoa = np.minimum(np.searchsorted(target, midpoint), len(lsoas) - 1)
    # Sites sit in denser places, as found in practice.
    weight = lsoas.persons * np.sqrt(lsoas.density)
    site_lsoa = rng.choice(len(lsoas), len(sites), p=weight / weight.sum())
    size = np.r_[size, sites.victims]
    kind = np.r_[kind, np.full(len(sites), VICTIMS, np.int8)]
    lsoa = np.r_[lsoa, site_lsoa]
    order = np.lexsort((rng.random(len(lsoa)), lsoa))  # random order within each LSOA
    size, kind, lsoa = size[order], kind[order], lsoa[order]
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    site_household = position[len(order) - len(sites) :]

    # 2. Addresses: a few vacant homes, and shops in proportion to urban density.
    occupied = np.bincount(lsoa, minlength=len(lsoas))
    homes = occupied + rng.binomial(occupied, 0.03)
    urban = np.clip(np.sqrt(lsoas.density / np.median(lsoas.density)), 0.3, 3.0)
    shops = rng.poisson(occupied * 0.03 * urban)
    addresses, streets = build_addresses(rng, lsoas, homes, shops)

    # Households take a random subset of each LSOA's homes.
    home_rows = np.flatnonzero(addresses.kind != COMMERCIAL)
    home_lsoa = addresses.lsoa[home_rows]
    shuffled = home_rows[np.lexsort((rng.random(len(home_rows)), home_lsoa))]
    first_home = np.r_[0, np.cumsum(homes)[:-1]]
    address = shuffled[first_home[lsoa] + _ranks(lsoa)]
    addresses.kind[address[kind == SHARED]] = HMO

    moved = (rng.random(len(size)) < config.mover_rate) & (kind != VICTIMS)
    previous = np.full(len(size), -1, dtype=np.int32)
    previous[moved] = home_rows[rng.integers(len(home_rows), size=moved.sum())]
    moved_on = np.full(len(size), np.datetime64("NaT"), dtype="datetime64[D]")
    moved_on[moved] = config.start_day - rng.integers(-config.days // 2, 3 * 365, moved.sum())
    households = Households(address=address.astype(np.int32), size=size, kind=kind,
                            previous_address=previous, moved_on=moved_on)

    sites.living_address[:] = address[site_household]
    _place_workplaces(rng, sites, addresses)

    # 3. People: roles within households decide age, sex and shared surnames.
    household = np.repeat(np.arange(len(size)), size)
    role = _ranks(household)
    head_of = np.arange(len(household)) - role  # index of each household's first member
    hkind = kind[household]
    hsize = size[household]
    n = len(household)

    community = _household_communities(rng, lsoas, lsoa, kind)[household]
    individual = (hkind == SHARED) | (hkind == VICTIMS)
    student = rng.random(n) < 0.7
    community[(hkind == SHARED) & student] = BRITISH

    female = rng.random(n) < 0.5
    head_female = female[head_of]
    partner = (role == 1) & (hkind == FAMILY) & ~((hsize == 2) & (rng.random(n) < 0.2))
    female[partner] = ~head_female[partner] ^ (rng.random(partner.sum()) < 0.05)

    age = np.empty(n)
    head = role == 0
    age[head & (hkind == FAMILY) & (hsize >= 3)] = rng.uniform(
        25, 58, (head & (hkind == FAMILY) & (hsize >= 3)).sum())
    rows = head & (hkind == FAMILY) & (hsize < 3)
    age[rows] = _draw_ages(rng, rows.sum(), 20, 95, old_bias=2.5)
    rows = hkind == SINGLE
    age[rows] = _draw_ages(rng, rows.sum(), 18, 100, old_bias=3.5)
    rows = hkind == SHARED
    age[rows] = rng.uniform(18, 36, rows.sum())
    head_age = age[head_of]
    age[partner] = np.clip(head_age[partner] + rng.normal(0, 4, partner.sum()), 18, 100)
    child = (hkind == FAMILY) & (role >= 1) & ~partner
    # Children span the head's child-bearing years; older heads have adult children at home.
    child_age = head_age[child] - rng.uniform(22, 40, child.sum())
    child_age[child_age < 0] = rng.uniform(0, 18, (child_age < 0).sum())
    age[child] = child_age

    victim_rows = np.flatnonzero(hkind == VICTIMS)
    site_of_household = np.full(len(size), -1, dtype=np.int32)
    site_of_household[site_household] = np.arange(len(sites))
    site = np.full(n, -1, dtype=np.int32)
    site[victim_rows] = site_of_household[household[victim_rows]]
    # Victim rows are grouped by household, and households by site order after sorting.
    by_site = victim_rows[np.argsort(site[victim_rows], kind="stable")]
    vcommunity, vfemale = victim_profiles(rng, sites)
    community[by_site] = vcommunity
    female[by_site] = vfemale
    age[victim_rows] = rng.uniform(18, 46, len(victim_rows))

    dob = config.start_day - np.round(age * 365.25).astype(np.int64)

    forename = np.empty(n, dtype=np.int32)
    for sex, lists in ((True, names.female), (False, names.male)):
        rows = np.flatnonzero(female == sex)
        forename[rows] = names.draw(rng, lists, community[rows])
    own = names.draw(rng, names.surname, community)
    keeps_own = individual | (partner & (rng.random(n) < 0.15))
    surname = np.where(keeps_own, own, own[head_of])
    surname = np.where(female, names.feminine[surname], surname)

    nationality = community.copy()
    born_here = (community != BRITISH) & (age < 18) & (rng.random(n) < 0.6)
    nationality[born_here] = BRITISH
    irish = (community == BRITISH) & (rng.random(n) < 0.03)
    nationality[irish] = len(COMMUNITIES)  # "Irish", appended to the nationality list

    nhs = nhs_numbers(rng, n)
    no_nhs = np.where(hkind == VICTIMS, rng.random(n) < 0.85,
                      (community != BRITISH) & (rng.random(n) < 0.03))
    nhs[no_nhs] = 0
    gp = (nhs > 0) & (rng.random(n) < np.where(community == BRITISH, 0.98, 0.85))

    people = People(
        household=household.astype(np.int32), address=address[household].astype(np.int32),
        forename=forename, surname=surname.astype(np.int32), female=female, dob=dob,
        community=community, nationality=nationality, nhs_number=nhs, gp_registered=gp,
        site=site,
    )
    first_victim = np.r_[0, np.cumsum(sites.victims)[:-1]]
    _choose_controllers(rng, sites, people, vcommunity[first_victim], config)
    return Population(addresses=addresses, streets=streets, households=households,
                      people=people, sites=sites)


def nationalities() -> list[str]:
    return [NATIONALITY[c] for c in COMMUNITIES] + ["Irish"]


def _household_communities(rng: np.random.Generator, lsoas: Lsoas, lsoa: np.ndarray,
                           kind: np.ndarray) -> np.ndarray:
    """Migrant households are more common in towns than in villages."""
    shares = np.array(COMMUNITY_SHARES)
    urban = np.clip(np.sqrt(lsoas.density / np.median(lsoas.density)), 0.3, 3.0)[lsoa]
    migrant = rng.random(len(lsoa)) < (1 - shares[BRITISH]) * urban / urban.mean()
    others = shares[1:] / shares[1:].sum()
    community = np.where(migrant, 1 + rng.choice(len(others), len(lsoa), p=others), BRITISH)
    return community.astype(np.int8)


def _place_workplaces(rng: np.random.Generator, sites: Sites, addresses: Addresses) -> None:
    """Nail bars and car washes are real businesses in the same authority as the house."""
    sites.work_address[:] = sites.living_address
    for kind_name, business in WORKS_AT_BUSINESS.items():
        code = SITE_KINDS.index(kind_name)
        rows = np.flatnonzero(sites.kind == code)
        candidates = np.flatnonzero(addresses.business == business)
        if len(rows) == 0 or len(candidates) == 0:
            continue
        near = np.abs(addresses.easting[candidates][None, :]
                      - addresses.easting[sites.living_address[rows]][:, None]) \
            + np.abs(addresses.northing[candidates][None, :]
                     - addresses.northing[sites.living_address[rows]][:, None])
        sites.work_address[rows] = candidates[np.argmin(near, axis=1)]


SHARED_CONTROLLER = 0.35  # share of sites run by a controller of an earlier site


def _choose_controllers(rng: np.random.Generator, sites: Sites, people: People,
                        main_community: np.ndarray, config: CountyConfig) -> None:
    """A controller is an ordinary-looking adult resident, often of the victims' community."""
    age = people.age_on(config.start_day)
    adult = np.flatnonzero((people.site < 0) & (age >= 25) & (age <= 55))
    same = rng.random(len(sites)) < 0.7
    for code in range(len(COMMUNITIES)):
        rows = np.flatnonzero((main_community == code) & same)
        pool = adult[people.community[adult] == code]
        if len(pool) and len(rows):
            sites.controller[rows] = pool[rng.integers(len(pool), size=len(rows))]
    rows = np.flatnonzero(sites.controller < 0)
    sites.controller[rows] = adult[rng.integers(len(adult), size=len(rows))]
    # Organised groups run several sites: a share of sites are another's controller's too,
    # often with the same van (what the network analysis should find).
    joins = np.flatnonzero(rng.random(len(sites)) < SHARED_CONTROLLER)
    joins = joins[joins > 0]
    boss = (rng.random(len(joins)) * joins).astype(np.int64)  # an earlier site
    sites.controller[joins] = sites.controller[boss]
    same_van = rng.random(len(joins)) < 0.6
    sites.vehicle[joins[same_van]] = sites.vehicle[boss[same_van]]
