"""Modern-slavery risk lists against the truth: models, partners' uplift, networks.

    .venv/bin/python bench/risk.py [--people 400000] [--seeds 11,12] [--cache DIR] [--k 50]

Each seed is a synthetic county built as the demo builds it (simulate, partnership,
contributions at source, linkage on tokens) and kept in `--cache` for the next run. On each,
the police analyst's view is read through the policy (safeguarding purpose), every model is
trained on the referrals known at the cut-off (the data's last day) and judged on the sites
that were active then and nobody had referred. Counties are pooled: each contributes its top
k, sites are numbered across counties, and 95% intervals come from a bootstrap over sites
(every list judged on the same draws, so differences are paired).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from commonground.demo.run import run_demo
from commonground.governance import actor_for
from commonground.insights.networks import network_report, score_network
from commonground.insights.risk.assess import subset_sites
from commonground.insights.risk.build import read_inputs
from commonground.insights.risk.indicators import PARTNERS
from commonground.insights.risk.models import MODELS
from commonground.insights.risk.ranking import rank
from commonground.insights.risk.truth import targets as true_targets
from commonground.insights.risk.uplift import precision_with, uplift_table
from commonground.link import entity_index
from commonground.link.county import address_columns
from commonground.link.lake import lake_inputs
from commonground.store import open_hub

KS = (25, 50, 100)


def county(cache: Path, people: int, seed: int) -> Path:
    hub = cache / f"county-{people}-{seed}"
    if not (hub / "entities" / "address").exists():
        run_demo(hub, people=people, seed=seed, until="link")
    return hub


def measure(hub_dir: Path, k: int, offset: int) -> dict[str, Any]:
    hub = open_hub(hub_dir)
    try:
        analyst = actor_for(hub, "police-analyst")
        from commonground.engines import get_engine

        engine = get_engine("duckdb")
        inputs = read_inputs(hub, analyst, None)
        indicators, known = inputs.indicators(engine), inputs.known()
        contracts = {d.ref: d.contract for d in lake_inputs(hub)[0]}
        truth = Path(f"{hub_dir}-partners") / "truth"
        targets = true_targets(truth, inputs.addresses, address_columns(contracts),
                               inputs.cutoff)
        models = {}
        for kind in MODELS:
            ranked = rank(indicators, known, kind)
            _, site = targets.vectors(ranked.address_ids[:max(KS)])
            models[kind] = np.where(site >= 0, site + offset, -1)
        subsets = subset_sites(indicators, known, targets, k, offset=offset)
        network = score_network(network_report(hub, analyst), truth,
                                entity_index(hub, analyst, "address"))
        return {"models": models, "subsets": subsets, "sites": targets.sites,
                "known": len(known), "network": network, "cutoff": inputs.cutoff}
    finally:
        hub.close()


def interval(values: list[float]) -> str:
    return f"[{np.quantile(values, 0.025):.3f}, {np.quantile(values, 0.975):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=400_000)
    parser.add_argument("--seeds", default="11,12")
    parser.add_argument("--cache", type=Path, default=Path("bench-data/risk"))
    parser.add_argument("--k", type=int, default=50)
    parser.add_argument("--boot", type=int, default=1_000)
    args = parser.parse_args()
    started = time.perf_counter()
    seeds = [int(s) for s in args.seeds.split(",")]
    counties, offset = [], 0
    for seed in seeds:
        found = measure(county(args.cache, args.people, seed), args.k, offset)
        offset += found["sites"]
        counties.append(found)
        at_k = {kind: int((found["models"][kind][:args.k] >= 0).sum()) / args.k
                for kind in MODELS}
        singles = {p: int((found["subsets"][frozenset([p])] >= 0).sum()) / args.k
                   for p in PARTNERS}
        print(f"county seed {seed}: {args.people:,} people, cut-off {found['cutoff']}, "
              f"{found['known']} known cases, {found['sites']} undiscovered sites; P@{args.k} "
              + ", ".join(f"{kind} {v:.2f}" for kind, v in at_k.items())
              + f"; best single partner {max(singles.values()):.2f}", flush=True)
    n = len(counties)
    sites = offset
    rng = np.random.default_rng(0)
    draws = [rng.multinomial(sites, np.full(sites, 1 / sites)).astype(float)
             for _ in range(args.boot)]
    ones = np.ones(sites)

    print(f"\nModels, pooled over {n} counties ({sites} undiscovered sites), held-out time:")
    print(f"{'model':<10}" + "".join(f"{'P@' + str(k):>8}{'95% CI':>17}" for k in KS))
    pooled = {}
    for kind in MODELS:
        cells = ""
        for k in KS:
            listed = np.concatenate([c["models"][kind][:k] for c in counties])
            point = precision_with(ones, listed, k * n)
            boot = [precision_with(w, listed, k * n) for w in draws]
            pooled[(kind, k)] = (listed, point)
            cells += f"{point:>8.3f}{interval(boot):>17}"
        print(f"{kind:<10}{cells}")
    for kind in ("logistic", "boosted"):
        a, _ = pooled[(kind, args.k)]
        b, _ = pooled[("checklist", args.k)]
        diff = [precision_with(w, a, args.k * n) - precision_with(w, b, args.k * n)
                for w in draws]
        print(f"{kind} minus checklist at {args.k}: "
              f"{precision_with(ones, a, args.k * n) - precision_with(ones, b, args.k * n):+.3f}"
              f" {interval(diff)}")

    lists = {s: np.concatenate([c["subsets"][s] for c in counties])
             for s in counties[0]["subsets"]}
    report = uplift_table(lists, PARTNERS, sites, args.k * n, args.boot)
    print(f"\nWhat each partner adds (logistic, precision at {args.k} per county, pooled):")
    print(f"{'partners':<28}{'P@k':>7}{'95% CI':>17}")
    print(f"{'all partners':<28}{report['all_partners']['precision_at_k']:>7.3f}"
          f"{str(np.round(report['all_partners']['ci95'], 3)):>17}")
    for group, label in (("single_partner", "{} alone"), ("leave_one_out", "all but {}")):
        for p in PARTNERS:
            row = report[group][p]
            print(f"{label.format(p):<28}{row['precision_at_k']:>7.3f}"
                  f"{str(np.round(row['ci95'], 3)):>17}")
    print(f"{'partner':<28}{'Shapley':>7}{'95% CI':>17}")
    for p in PARTNERS:
        print(f"{p:<28}{report['shapley'][p]:>7.3f}"
              f"{str(np.round(report['shapley_ci95'][p], 3)):>17}")
    best = report["all_minus_best_single"]
    print(f"all partners minus the best single partner ({report['best_single_partner']}): "
          f"{best['difference']:+.3f} {np.round(best['ci95'], 3)}")

    pairs = sum(c["network"]["shared_controller_pairs"] for c in counties)
    tied = sum(c["network"]["shared_controller_pairs_tied"] for c in counties)
    wrong = sum(c["network"]["other_pairs_tied"] for c in counties)
    print(f"\nNetwork: {tied} of {pairs} site pairs sharing a controller tied "
          f"(recall {tied / pairs if pairs else float('nan'):.3f}); {wrong} pairs of sites "
          f"with different controllers tied")
    print(f"\n{time.perf_counter() - started:.0f} s")
    print(json.dumps({"k": args.k, "all_partners": report["all_partners"],
                      "best_single": report["best_single_partner"],
                      "difference": best}, default=float))


if __name__ == "__main__":
    main()
