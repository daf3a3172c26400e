"""Does the trial's 95% interval cover the true effect 95% of the time? Run it and see.

    .venv/bin/python bench/trial.py [--seeds 200] [--effect -0.25] [--null]

Each seed draws a county layout of 100 hot places, allocates them (blocked randomisation),
simulates 12 weeks before and 12 weeks of hot-spot patrols with a known effect using
`commonground.simulate.simulate_crimes`, and estimates the effect by Poisson
difference-in-differences with place-clustered standard errors, as pre-registered.
"""

from __future__ import annotations

import argparse
import time

from commonground.demo.insights import coverage


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--effect", type=float, default=-0.25)
    parser.add_argument("--places", type=int, default=100)
    parser.add_argument("--null", action="store_true",
                        help="also run with no effect, to check the false positive rate")
    args = parser.parse_args()

    effects = [args.effect] + ([0.0] if args.null else [])
    print(f"{'true effect':>11} {'seeds':>6} {'coverage':>9} {'± se':>6} {'mean est.':>10} "
          f"{'reject 5%':>10} {'seconds':>8}")
    for effect in effects:
        started = time.perf_counter()
        found = coverage(range(args.seeds), effect=effect, places=args.places, permutations=0)
        print(f"{effect:>11.2f} {found['seeds']:>6} {found['coverage']:>9.1%} "
              f"{found['coverage_se']:>6.1%} {found['mean_estimate']:>10.3f} "
              f"{found['rejections_at_5pct']:>10.1%} {time.perf_counter() - started:>8.0f}",
              flush=True)


if __name__ == "__main__":
    main()
