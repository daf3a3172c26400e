"""How often does the stepwise BCa 95 % interval hold the true total, and at what bias?

    .venv/bin/python bench/mse_coverage.py [--seeds 50] [--victims 1000] [--replicates 200]

Five lists with known capture probabilities and a known number of victims, simulated under
the model's assumptions (independent lists) and under two departures from them: police and
the NCA referring each other's cases (dependence r = 1.0) and victims that every list is
less likely to reach (logit random effect, sd 1.0). One row per scenario.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from commonground.errors import InvalidInput
from commonground.insights.prevalence import bootstrap_ci, capture_table
from commonground.simulate import simulate_captures

PROBS = {"police": 0.15, "nca": 0.10, "local_authority": 0.12, "ngo": 0.08, "health": 0.05}


@dataclass(frozen=True)
class Scenario:
    name: str
    dependence: Mapping[tuple[str, str], float] = field(default_factory=dict)
    heterogeneity: float = 0.0


SCENARIOS = (
    Scenario("independent"),
    Scenario("police-NCA r=1.0", dependence={("police", "nca"): 1.0}),
    Scenario("heterogeneity sd=1.0", heterogeneity=1.0),
)


def run(scenario: Scenario, seeds: int, victims: int, replicates: int, workers: int) -> str:
    estimates, widths, covered, failed = [], [], 0, 0
    for seed in range(seeds):
        lists, rows, counts = simulate_captures(
            victims, PROBS, seed=seed,
            dependence=scenario.dependence, heterogeneity=scenario.heterogeneity,
        )
        try:
            result = bootstrap_ci(capture_table(lists, rows, counts), replicates, seed=seed,
                                  workers=workers)
        except InvalidInput:
            failed += 1  # no main-effects estimate: counted, not silently dropped
            continue
        low, high = result.limits[0.025], result.limits[0.975]
        estimates.append(result.estimate)
        widths.append(high - low)
        covered += low <= victims <= high
    done = len(estimates)
    mean = float(np.mean(estimates)) if done else float("nan")
    width = float(np.mean(widths)) if done else float("nan")
    return (f"{scenario.name:<22} {done:>5} {failed:>6} {covered / max(done, 1):>9.0%} "
            f"{mean:>9,.0f} {mean / victims - 1:>+8.1%} {width:>10,.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--victims", type=int, default=1000)
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    print(f"N = {args.victims:,} true victims, {len(PROBS)} lists, {args.seeds} seeds, "
          f"{args.replicates} bootstrap replicates (BCa 95 %)")
    print(f"{'scenario':<22} {'fits':>5} {'no est':>6} {'coverage':>9} {'mean est':>9} "
          f"{'rel bias':>8} {'mean width':>10}")
    started = time.perf_counter()
    for scenario in SCENARIOS:
        print(run(scenario, args.seeds, args.victims, args.replicates, args.workers), flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
