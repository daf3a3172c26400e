"""What each partner's data adds: the same pipeline on every subset of partners.

Each subset keeps the indicators whose partners are all in it (a cross-agency indicator needs
both agencies), trains the same model on the same known cases, and is judged by precision at
k. Exact Shapley values share the all-partner precision among partners: with five partners,
32 subsets, each weighted |S|!(n-|S|-1)!/n!. The empty subset's value is zero (no data, no
list), so the shares add up to the all-partner precision.

Intervals come from a bootstrap over the true sites (a site found by a list counts once per
copy drawn), which carries the uncertainty of which sites happened to exist; every subset is
judged on the same draws, so differences between subsets are paired.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations
from math import factorial
from typing import Any

import numpy as np

Subset = frozenset[str]


def subsets(players: Sequence[str]) -> list[Subset]:
    return [frozenset(c) for r in range(len(players) + 1) for c in combinations(players, r)]


def shapley(value: Callable[[Subset], float], players: Sequence[str]) -> dict[str, float]:
    """Exact Shapley values of `value` over `players` (every subset evaluated once)."""
    n = len(players)
    cache = {s: (value(s) if s else 0.0) for s in subsets(players)}
    out = {}
    for p in players:
        total = 0.0
        for s, v in cache.items():
            if p in s:
                continue
            weight = factorial(len(s)) * factorial(n - len(s) - 1) / factorial(n)
            total += weight * (cache[s | {p}] - v)
        out[p] = total
    return out


def top_sites(order_sites: np.ndarray, k: int) -> np.ndarray:
    """Site numbers (with repeats) among the top `k` of a ranked list; -1 for no site."""
    return order_sites[:k]


def precision_with(weights: np.ndarray, listed: np.ndarray, k: int) -> float:
    """Precision at k when site `s` counts `weights[s]` times (the bootstrap's copies)."""
    hit = listed[listed >= 0]
    return float(weights[hit].sum() / k) if k else 0.0


def uplift_table(lists: dict[Subset, np.ndarray], players: Sequence[str], n_sites: int,
                 k: int, boot: int = 1_000, seed: int = 0) -> dict[str, Any]:
    """Precision at k for all, each alone and each left out; Shapley shares; intervals.

    `lists[S]` holds, for subset S, the site number (-1 none) of each address in rank order
    (several counties are pooled by concatenating their lists' top k with offset site ids).
    """
    everyone = frozenset(players)
    ones = np.ones(max(n_sites, 1))

    def value(weights: np.ndarray) -> Callable[[Subset], float]:
        return lambda s: precision_with(weights, top_sites(lists[s], k), k)

    def summary(weights: np.ndarray) -> dict[str, Any]:
        v = value(weights)
        return {"all": v(everyone), "single": {p: v(frozenset([p])) for p in players},
                "leave_one_out": {p: v(everyone - {p}) for p in players},
                "shapley": shapley(v, players)}

    point = summary(ones)
    best = max(players, key=lambda p: point["single"][p])
    rng = np.random.default_rng(seed)
    draws: list[dict[str, Any]] = []
    for _ in range(boot):
        weights = rng.multinomial(n_sites, np.full(n_sites, 1 / n_sites)).astype(float) \
            if n_sites else ones
        draws.append(summary(weights))

    def interval(*path: str) -> list[float]:
        values = []
        for draw in draws:
            value: Any = draw
            for key in path:
                value = value[key]
            values.append(float(value))
        return [float(np.quantile(values, 0.025)), float(np.quantile(values, 0.975))]

    for draw in draws:
        draw["difference"] = draw["all"] - draw["single"][best]
    return {
        "k": k,
        "all_partners": {"precision_at_k": point["all"], "ci95": interval("all")},
        "single_partner": {p: {"precision_at_k": point["single"][p],
                               "ci95": interval("single", p)} for p in players},
        "leave_one_out": {p: {"precision_at_k": point["leave_one_out"][p],
                              "ci95": interval("leave_one_out", p)} for p in players},
        "shapley": {p: point["shapley"][p] for p in players},
        "shapley_ci95": {p: interval("shapley", p) for p in players},
        "best_single_partner": best,
        "all_minus_best_single": {
            "difference": point["all"] - point["single"][best],
            "ci95": interval("difference")},
    }
