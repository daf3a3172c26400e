"""How long do 1,000 bootstrap replicates take on UKdat, and do the BCa limits match SparseMSE?

    .venv/bin/python bench/mse.py [--data ../shared/data/mse] [--replicates 1000] [--workers 1 2]

Each replicate redoes the whole stepwise selection, as SparseMSE's `estimatepopulation` does
(SparseMSE 2.0.1 in R took 490 seconds for this on a 2-core machine). The limits are printed
beside REFERENCE.md's; its target is within 5 % (they move with the random numbers).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from commonground.insights.prevalence import bootstrap_ci, read_captures
from commonground.insights.prevalence.existence import _check_support

SPARSEMSE_SECONDS = 490.0
# SparseMSE's BCa limits on UKdat, seed 1234, 1,000 replicates (REFERENCE.md)
REFERENCE = {0.025: 9266.96, 0.1: 9682.34, 0.9: 12576.51, 0.975: 14306.76}
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mse"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="the folder holding UKdat.csv")
    parser.add_argument("--replicates", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()

    table = read_captures(args.data / "UKdat.csv")
    print(f"UKdat: {len(table.lists)} lists, {table.observed:,} observed; "
          f"{args.replicates:,} replicates, stepwise redone on each")
    print(f"{'workers':>8} {'seconds':>8} {'SparseMSE':>10} {'speed-up':>9}")
    result = None
    for workers in args.workers:
        # Each run starts cold: forked workers would otherwise inherit the last run's cache.
        _check_support.cache_clear()
        started = time.perf_counter()
        result = bootstrap_ci(table, args.replicates, args.seed, workers=workers)
        seconds = time.perf_counter() - started
        print(f"{workers:>8} {seconds:>8.1f} {SPARSEMSE_SECONDS:>10.0f} "
              f"{SPARSEMSE_SECONDS / seconds:>8.1f}x", flush=True)
    if result is None:
        return
    print(f"\nestimate {result.estimate:,.2f} (SparseMSE 11,417.99); "
          f"acceleration {result.acceleration:.6f} (SparseMSE -0.012871)")
    print(f"{'level':>6} {'ours':>10} {'SparseMSE':>10} {'diff':>7}")
    for level, theirs in REFERENCE.items():
        ours = result.limits[level]
        print(f"{level:>6.3f} {ours:>10,.2f} {theirs:>10,.2f} {ours / theirs - 1:>+7.1%}")


if __name__ == "__main__":
    main()
