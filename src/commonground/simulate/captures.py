"""Capture histories with a known true total, so multiple systems estimation can be tested.

Real referral lists never tell us how many victims they all missed, so an estimator's bias
and interval coverage can only be measured where the truth is known: here. Each victim is on
each list independently with that list's probability (the assumptions of the main-effects
model); two departures can be switched on to see what breaking them costs:

1. `dependence[(a, b)] = r`: list b more likely holds victims already on list a (police and
   the NCA refer each other's cases). For victims on a, b's probability becomes
   min(1, p_b (1 + r)); for the others it is lowered so that b's marginal stays p_b.
2. `heterogeneity`: the standard deviation of a per-victim logit random effect shared by all
   lists (some victims every agency is less likely to reach). Each list's intercept is set
   so that its marginal stays its probability; captures become positively correlated.

Only observed histories come back; victims on no list are the dark figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import brentq
from scipy.special import expit, logit

from .config import SimulationRefused

_QUADRATURE = np.polynomial.hermite_e.hermegauss(60)  # nodes, weights for E[f(Z)], Z ~ N(0,1)


def _intercept(p: float, sd: float) -> float:
    """The logit intercept c with E[expit(c + sd Z)] = p, so the random effect keeps p."""
    if sd == 0.0:
        return float(logit(p))
    nodes, weights = _QUADRATURE
    weights = weights / weights.sum()

    def gap(c: float) -> float:
        return float(np.dot(weights, expit(c + sd * nodes))) - p

    return float(brentq(gap, -50.0, 50.0, xtol=1e-12))


def _order(lists: list[str], dependence: Mapping[tuple[str, str], float]) -> list[str]:
    """Lists in an order that draws every a before the b that depends on it."""
    graph: dict[str, set[str]] = {name: set() for name in lists}
    for (a, b), r in dependence.items():
        if a not in graph or b not in graph:
            raise SimulationRefused(f"dependence names an unknown list: {a!r} -> {b!r}")
        if a == b:
            raise SimulationRefused(f"a list cannot depend on itself: {a!r}")
        if r < 0:
            raise SimulationRefused(f"dependence {a!r} -> {b!r} must be >= 0, got {r}")
        graph[b].add(a)
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        raise SimulationRefused("dependence between lists must not form a cycle") from exc


def capture_matrix(
    rng: np.random.Generator,
    n_victims: int,
    capture_probs: Mapping[str, float],
    *,
    dependence: Mapping[tuple[str, str], float] | None = None,
    heterogeneity: float = 0.0,
) -> NDArray[np.bool_]:
    """Which list holds each victim: a (victims, lists) 0/1 matrix, lists in `capture_probs`
    order. The one draw behind `simulate_captures` and the county's capture-mode referrals."""
    lists = list(capture_probs)
    if len(lists) < 2:
        raise SimulationRefused(f"need at least two lists, got {len(lists)}")
    if n_victims < 0:
        raise SimulationRefused(f"n_victims must be >= 0, got {n_victims}")
    if heterogeneity < 0:
        raise SimulationRefused(f"heterogeneity must be >= 0, got {heterogeneity}")
    for name, p in capture_probs.items():
        if not 0.0 < p < 1.0:
            raise SimulationRefused(f"capture probability of {name!r} must be in (0, 1), got {p}")
    dependence = dict(dependence or {})
    order = _order(lists, dependence)

    effect = rng.normal(0.0, heterogeneity, n_victims) if heterogeneity > 0 else None
    column = {name: i for i, name in enumerate(lists)}
    # Each victim's own probability of being on each list, before any dependence.
    base = np.empty((n_victims, len(lists)))
    for name, i in column.items():
        c = _intercept(capture_probs[name], heterogeneity)
        base[:, i] = expit(c + effect) if effect is not None else expit(c)

    on = np.zeros((n_victims, len(lists)), dtype=bool)
    for name in order:
        q = base[:, column[name]].copy()
        for (a, b), r in dependence.items():
            if b != name:
                continue
            p_a = base[:, column[a]]
            high = np.minimum(1.0, q * (1.0 + r))
            # Lowered for victims not on a, so b's marginal (given the victim) stays q.
            low = np.clip((q - p_a * high) / (1.0 - p_a), 0.0, 1.0)
            q = np.where(on[:, column[a]], high, low)
        on[:, column[name]] = rng.random(n_victims) < q
    return on


def simulate_captures(
    n_victims: int,
    capture_probs: Mapping[str, float],
    *,
    seed: int,
    dependence: Mapping[tuple[str, str], float] | None = None,
    heterogeneity: float = 0.0,
) -> tuple[list[str], NDArray[np.int64], NDArray[np.int64]]:
    """Observed capture histories of `n_victims` true victims: (lists, 0/1 rows, counts).

    Rows are the distinct non-empty histories, each with its count; pass them straight to
    `commonground.insights.prevalence.capture_table`.
    """
    lists = list(capture_probs)
    on = capture_matrix(np.random.default_rng(seed), n_victims, capture_probs,
                        dependence=dependence, heterogeneity=heterogeneity)
    seen = on[on.any(axis=1)].astype(np.int64)
    if len(seen) == 0:
        return lists, np.zeros((0, len(lists)), dtype=np.int64), np.zeros(0, dtype=np.int64)
    rows, counts = np.unique(seen, axis=0, return_counts=True)
    return lists, rows.astype(np.int64), counts.astype(np.int64)
