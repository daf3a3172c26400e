"""Expected crime per address in the county: a diffuse background plus stable hot places."""

from __future__ import annotations

import numpy as np

from .addresses import COMMERCIAL
from .config import CountyConfig
from .crime import BUSINESS, HOME
from .geography import Lsoas
from .population import Population


def place_rates(rng: np.random.Generator, population: Population, lsoas: Lsoas,
                config: CountyConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(background, hotspot, kind) per address, scaled to the configured crime rate.

    A minority of places carries much of the crime (Weisburd's law of crime concentration):
    hot places are drawn with heavy-tailed (Pareto) intensities, far more often at
    businesses, and more in dense LSOAs; they stay hot for the whole window.
    """
    a = population.addresses
    n = len(a)
    kind = np.where(a.kind == COMMERCIAL, BUSINESS, HOME).astype(np.int8)
    urban = np.clip((lsoas.density / np.median(lsoas.density)) ** 0.4, 0.3, 3.0)[a.lsoa]
    street = rng.gamma(2.0, 0.5, int(a.street.max()) + 1)[a.street]
    occupied = np.zeros(n, bool)
    occupied[population.households.address] = True
    base = np.where(kind == BUSINESS, 6.0, np.where(occupied, 1.0, 0.3)) * urban * street

    hot = rng.random(n) < np.where(kind == BUSINESS, 0.25, 0.012) * np.minimum(urban, 2.0)
    heat = np.where(hot, np.minimum(rng.pareto(1.2, n) + 1.0, 60.0), 0.0)
    heat *= np.where(kind == BUSINESS, 2.0, 1.0) * urban

    total = config.people * config.crime_rate_per_1000 / 1000.0 * config.years
    background = base / base.sum() * total * (1 - config.hotspot_share)
    hotspot = heat / max(heat.sum(), 1e-9) * total * config.hotspot_share
    return background, hotspot, kind
