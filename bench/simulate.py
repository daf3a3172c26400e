"""Time the synthetic county at several sizes.

    .venv/bin/python bench/simulate.py --people 50000 1000000
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from commonground.simulate import CountyConfig, simulate_county


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, nargs="+", default=[50_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, default=None,
                        help="write each county under this folder instead of a temp folder")
    args = parser.parse_args()

    print(f"{'people':>12} {'seconds':>9} {'people/s':>11} {'records':>11} {'crimes':>9} "
          f"{'MB on disk':>10} {'peak RSS MB':>11}")
    for people in args.people:
        root = Path(tempfile.mkdtemp(prefix="cg-bench-")) if args.keep is None else args.keep
        out = root / f"county-{people}"
        started = time.perf_counter()
        summary = simulate_county(CountyConfig(people=people, seed=args.seed), out)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 1e6
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        records = sum(summary.records.values())
        print(f"{people:>12,} {seconds:>9.1f} {people / seconds:>11,.0f} {records:>11,} "
              f"{summary.crimes:>9,} {size:>10,.0f} {peak:>11,.0f}", flush=True)
        if args.keep is None:
            shutil.rmtree(root)


if __name__ == "__main__":
    main()
