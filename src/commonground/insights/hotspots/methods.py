"""Every hotspot method by name: f(history, origin, horizon) -> a score per region cell."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from commonground.errors import InvalidInput
from commonground.insights.hotspots.baselines import kde, naive_count, naive_recent
from commonground.insights.hotspots.etas import etas
from commonground.insights.hotspots.history import History
from commonground.insights.hotspots.learned import learned
from commonground.insights.hotspots.prospective import prospective

Method = Callable[[History, int, int], np.ndarray]

METHODS: dict[str, Method] = {
    "naive_count": naive_count,
    "naive_recent": naive_recent,
    "kde": kde,
    "prospective": prospective,
    "etas": etas,
    "learned": learned,
}
BASELINES = ("naive_count", "naive_recent", "kde")


def method(name: str) -> Method:
    if name not in METHODS:
        raise InvalidInput(f"unknown hotspot method '{name}'; choose from {', '.join(METHODS)}")
    return METHODS[name]
