"""Random allocation of candidate places to treatment and control, reproducible from a seed.

- simple: each place is a fair coin toss;
- complete: exactly half (by shuffling), the default;
- blocked: places in order of a score (e.g. last year's crime) are cut into blocks of
  `block_size` and half of each block is treated, so arms match on the score;
- stratified: complete randomisation within each stratum (e.g. district);
- crossover: every place takes both arms, on randomly chosen days (hot-spot patrol trials).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from commonground.errors import InvalidInput

SCHEMES = ("simple", "complete", "blocked", "stratified", "crossover")
TREATMENT, CONTROL = "treatment", "control"


@dataclass(frozen=True)
class Allocation:
    """Which arm each place is in (or, for crossover, on which days it is treated)."""

    scheme: str
    seed: int
    arms: dict[str, str] = field(default_factory=dict)  # place -> arm
    schedule: dict[str, list[int]] = field(default_factory=dict)  # crossover: place -> days

    def treated(self) -> list[str]:
        return sorted(p for p, arm in self.arms.items() if arm == TREATMENT)

    def control(self) -> list[str]:
        return sorted(p for p, arm in self.arms.items() if arm == CONTROL)

    def to_dict(self) -> dict[str, Any]:
        return {"scheme": self.scheme, "seed": self.seed, "arms": dict(sorted(self.arms.items())),
                "schedule": {k: list(v) for k, v in sorted(self.schedule.items())}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Allocation:
        return cls(str(data["scheme"]), int(data["seed"]), dict(data.get("arms", {})),
                   {k: list(v) for k, v in data.get("schedule", {}).items()})


def _half(rng: np.random.Generator, places: Sequence[str]) -> dict[str, str]:
    order = rng.permutation(len(places))
    # An odd place out gets a coin toss, so neither arm is favoured across trials.
    n_treated = len(places) // 2 + (int(rng.integers(0, 2)) if len(places) % 2 else 0)
    chosen = set(order[:n_treated].tolist())
    return {p: TREATMENT if i in chosen else CONTROL for i, p in enumerate(places)}


def allocate(places: Sequence[str], scheme: str = "complete", seed: int = 0, *,
             scores: Mapping[str, float] | None = None, block_size: int = 4,
             strata: Mapping[str, str] | None = None, days: int = 0,
             share: float = 0.5) -> Allocation:
    """Allocate `places` (ids) by `scheme`; everything random comes from `seed`."""
    if scheme not in SCHEMES:
        raise InvalidInput(f"unknown allocation scheme '{scheme}'; "
                           f"choose from {', '.join(SCHEMES)}")
    ordered = sorted({str(p) for p in places})
    if len(ordered) < 2:
        raise InvalidInput("a trial needs at least two places")
    rng = np.random.default_rng(seed)
    if scheme == "simple":
        coin = rng.random(len(ordered)) < share
        return Allocation(scheme, seed, {p: TREATMENT if c else CONTROL
                                         for p, c in zip(ordered, coin, strict=True)})
    if scheme == "complete":
        return Allocation(scheme, seed, _half(rng, ordered))
    if scheme == "blocked":
        if scores is None:
            raise InvalidInput("blocked allocation needs a score per place to form blocks")
        if block_size < 2:
            raise InvalidInput("blocks need at least two places")
        ranked = sorted(ordered, key=lambda p: (-float(scores[p]), p))
        arms: dict[str, str] = {}
        for start in range(0, len(ranked), block_size):
            arms.update(_half(rng, ranked[start:start + block_size]))
        return Allocation(scheme, seed, arms)
    if scheme == "stratified":
        if strata is None:
            raise InvalidInput("stratified allocation needs a stratum per place")
        arms = {}
        for stratum in sorted({strata[p] for p in ordered}):
            arms.update(_half(rng, [p for p in ordered if strata[p] == stratum]))
        return Allocation(scheme, seed, arms)
    if days < 2:
        raise InvalidInput("a crossover trial needs at least two days")
    schedule = {p: sorted(rng.permutation(days)[: int(round(days * share))].tolist())
                for p in ordered}
    return Allocation(scheme, seed, {p: "crossover" for p in ordered}, schedule)


def balance(allocation: Allocation, scores: Mapping[str, float]) -> dict[str, float]:
    """Mean score per arm and the standardised difference (a check on the draw, not a test)."""
    t = np.array([scores[p] for p in allocation.treated()], float)
    c = np.array([scores[p] for p in allocation.control()], float)
    pooled = np.sqrt((t.var(ddof=1) + c.var(ddof=1)) / 2) if len(t) > 1 and len(c) > 1 else 0.0
    diff = (t.mean() - c.mean()) / pooled if pooled > 0 else 0.0
    return {"treatment_mean": float(t.mean()), "control_mean": float(c.mean()),
            "standardised_difference": float(diff)}
