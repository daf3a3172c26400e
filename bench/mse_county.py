"""The dark figure on the synthetic county: coverage and bias over many seeds, linked.

    .venv/bin/python bench/mse_county.py [--seeds 50] [--people 20000] [--replicates 200]

Each seed simulates a county whose three referral lists (police, the county council's adult
social care, a victim-support charity) follow the capture model, under three scenarios: lists
independent (the model's assumptions hold), police and the council referring each other's
cases (dependence the stepwise search can find), and victims every list is less likely to
reach (heterogeneity, which log-linear models with few lists cannot see). For each, the
stepwise BCa 95 % interval is computed twice: on the lists joined by the truth (perfect
linkage) and on the lists linked on HMAC tokens by the hub's own Splink model, as the hub
would (trained once, on the first county, then reused). Then the same scored pairs are
clustered at several thresholds, to show how the estimate moves with the linkage threshold:
false non-links inflate it, false links deflate it.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from commonground.engines import Engine, get_engine
from commonground.errors import InvalidInput
from commonground.insights.prevalence import bootstrap_ci
from commonground.insights.prevalence.linkage import THRESHOLDS, capture_counts, threshold_sweep
from commonground.link import PERSON, resolve
from commonground.link.schema import ID, SOURCE
from commonground.link.standalone import file_mentions
from commonground.simulate import CountyConfig, simulate_referrals

CAPTURE = (0.25, 0.15, 0.20)  # police, county council, charity: each one's chance per victim
LISTS = ("police", "county_council", "ngo")
# Each agency's layout brought to names `link files` detects; the values are untouched.
COLUMNS = {
    "police": {"NRM_REF": "id", "PV_FORENAME": "given_name", "PV_SURNAME": "surname",
               "PV_DOB": "dob", "LOCATION_FOUND": "address", "POSTCODE": "postcode"},
    "county_council": {"Case Ref": "id", "Full Name": "full_name", "Date of Birth": "dob",
                       "Address Found": "address", "Postcode": "postcode"},
    "ngo": {"referral_id": "id", "client_name": "full_name", "date_of_birth": "dob",
            "address_found": "address", "postcode": "postcode"},
}


@dataclass(frozen=True)
class Scenario:
    name: str
    dependence: float = 0.0
    heterogeneity: float = 0.0


SCENARIOS = (Scenario("independent"), Scenario("police->council r=1", dependence=1.0),
             Scenario("heterogeneity sd=1", heterogeneity=1.0))


def truth_table(files: list, engine: Engine):  # type: ignore[no-untyped-def]
    """The capture table with every person joined by the truth: perfect linkage."""
    parts = [pa.table({"person": f.truth["person_id"].cast(pa.string()),
                       "list": pa.array([name] * f.truth.num_rows, pa.string())})
             for name, f in zip(LISTS, files, strict=True)]
    return capture_counts(engine, LISTS, pa.concat_tables(parts))


def linked(files: list, engine: Engine, folder: Path, seed: int,  # type: ignore[no-untyped-def]
           model: dict | None):
    """Link the three extracts on tokens (a throwaway key), as `link files` does; with the
    model trained on the first county, as the hub trains once and then scores."""
    paths = []
    for name, f in zip(LISTS, files, strict=True):
        table = f.table.select(list(COLUMNS[name])).rename_columns(list(COLUMNS[name].values()))
        paths.append(folder / f"{name}.csv")
        pacsv.write_csv(table, paths[-1])
    mentions = file_mentions(paths, "id", engine, pseudonymised=True)
    resolution = resolve(mentions, PERSON, engine, seed=seed, model=model)
    lists = pa.table({ID: mentions[ID], "list": mentions[SOURCE]})
    clusters = resolution.clusters.join(lists, ID).select(["cluster", "list"])
    table = capture_counts(engine, LISTS, clusters.rename_columns(["person", "list"]))
    sweep = threshold_sweep(engine, mentions, resolution.pairs, lists, PERSON, names=LISTS,
                            floor=min(PERSON.review_band[0], PERSON.threshold))
    return table, sweep, resolution.model


def interval(table, replicates: int, seed: int, workers: int):  # type: ignore[no-untyped-def]
    try:
        result = bootstrap_ci(table, replicates, seed=seed, workers=workers)
    except InvalidInput:
        return None
    return result.estimate, result.limits[0.025], result.limits[0.975]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--per-site", type=int, default=100,
                        help="people per exploitation site (fewer: more victims)")
    parser.add_argument("--replicates", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-linkage", action="store_true",
                        help="only the truth-joined lists (fast)")
    args = parser.parse_args()
    engine = get_engine(None)
    print(f"{args.seeds} seeds, {args.people:,} people, capture chances police "
          f"{CAPTURE[0]}, council {CAPTURE[1]}, charity {CAPTURE[2]}; stepwise, "
          f"{args.replicates}-replicate BCa 95 %")
    print(f"{'scenario':<22} {'lists joined by':<15} {'fits':>4} {'coverage':>8} "
          f"{'victims':>8} {'observed':>8} {'estimate':>8} {'rel bias':>8} {'width':>7}")
    started = time.perf_counter()
    sweeps: dict[str, dict[float, list[float]]] = {}
    model = None
    for scenario in SCENARIOS:
        found: dict[str, list[tuple[int, int, tuple[float, float, float] | None]]] = \
            defaultdict(list)
        sweeps[scenario.name] = defaultdict(list)
        for seed in range(1, args.seeds + 1):
            config = CountyConfig(people=args.people, seed=seed,
                                  people_per_exploitation_site=args.per_site,
                                  referral_capture=CAPTURE,
                                  referral_dependence=scenario.dependence,
                                  referral_heterogeneity=scenario.heterogeneity)
            files, victims = simulate_referrals(config)
            table = truth_table(files, engine)
            found["truth"].append((victims, table.observed,
                                   interval(table, args.replicates, seed, args.workers)))
            if args.no_linkage:
                continue
            with tempfile.TemporaryDirectory() as folder:
                table, sweep, model = linked(files, engine, Path(folder), seed, model)
            found["tokens (Splink)"].append((victims, table.observed,
                                             interval(table, args.replicates, seed,
                                                      args.workers)))
            for row in sweep:
                if row["estimate"] is not None:
                    sweeps[scenario.name][row["threshold"]].append(row["estimate"] / victims)
        for joined, runs in found.items():
            print(summary(scenario.name, joined, runs), flush=True)
    if not args.no_linkage:
        print("\nEstimate / true victims by linkage threshold (mean over seeds; the hub "
              f"clusters at {PERSON.threshold})")
        print(f"{'scenario':<22} " + " ".join(f"{t:>6}" for t in THRESHOLDS))
        for name, by in sweeps.items():
            print(f"{name:<22} " + " ".join(f"{np.mean(by[t]):>6.3f}" if by[t] else
                                              f"{'-':>6}" for t in THRESHOLDS))
    print(f"{time.perf_counter() - started:.0f} s")


def summary(scenario: str, joined: str,
            runs: list[tuple[int, int, tuple[float, float, float] | None]]) -> str:
    fitted = [(n, seen, ci) for n, seen, ci in runs if ci is not None]
    covered = sum(low <= n <= high for n, _, (_, low, high) in fitted)
    n = np.mean([r[0] for r in runs])
    seen = np.mean([r[1] for r in runs])
    estimate = np.mean([ci[0] for _, _, ci in fitted]) if fitted else float("nan")
    bias = np.mean([ci[0] / victims - 1 for victims, _, ci in fitted]) if fitted else np.nan
    width = np.mean([ci[2] - ci[1] for _, _, ci in fitted]) if fitted else float("nan")
    return (f"{scenario:<22} {joined:<15} {len(fitted):>4} {covered / max(len(fitted), 1):>8.0%} "
            f"{n:>8,.0f} {seen:>8,.0f} {estimate:>8,.0f} {bias:>+8.1%} {width:>7,.0f}")


if __name__ == "__main__":
    main()
