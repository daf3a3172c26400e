"""A hot-spot patrol register: candidate places, random allocation, known true effect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import CountyConfig
from .crime import Treatment


@dataclass
class Interventions:
    places: np.ndarray  # place (address) indices of candidate hot spots
    treated: np.ndarray  # bool, True = patrolled
    start: np.datetime64
    end: np.datetime64
    effect: float

    def treatment(self) -> Treatment:
        return Treatment(places=self.places[self.treated], start=self.start, end=self.end,
                         effect=self.effect)


def plan_interventions(rng: np.random.Generator, expected: np.ndarray, config: CountyConfig
                       ) -> Interventions:
    """The hottest places (by expected crime) become candidates; half are patrolled.

    The patrols run through the middle third to two-thirds of the window, leaving a
    before period for difference-in-differences and a randomised comparison.
    """
    k = min(config.intervention_places, int((expected > 0).sum()))
    k -= k % 2
    places = np.argsort(-expected, kind="stable")[:k]
    places = np.sort(places)
    treated = np.zeros(k, bool)
    treated[rng.permutation(k)[: k // 2]] = True
    start = config.start_day + config.days // 3
    end = start + max(config.days // 2, 1)
    return Interventions(places=places, treated=treated, start=start, end=end,
                         effect=config.intervention_effect)
